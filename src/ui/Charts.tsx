/** Live training curves: per-batch loss and accuracy, and test accuracy after each epoch. */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useStore } from './store';

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

export function TrainingCharts() {
  const curve = useStore((s) => s.curve);
  const epochs = useStore((s) => s.epochs);
  const epochPoints = epochs.map((e) => ({ epochFraction: e.epoch, testAccuracy: e.testAccuracy }));
  const accuracyData = [...curve.map((p) => ({ epochFraction: p.epochFraction, accuracy: p.accuracy })), ...epochPoints].sort(
    (a, b) => a.epochFraction - b.epochFraction,
  );
  if (curve.length === 0) {
    return <p className="muted">Curves appear here while training runs.</p>;
  }
  return (
    <div className="charts">
      <figure data-testid="loss-chart">
        <figcaption>Training loss (cross-entropy, per batch)</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={curve} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epochFraction" type="number" domain={[0, 'dataMax']} tickFormatter={(v: number) => v.toFixed(1)} label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }} />
            <YAxis domain={[0, 'auto']} width={48} />
            <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`} />
            <Line type="monotone" dataKey="loss" stroke="#c2410c" dot={false} isAnimationActive={false} strokeWidth={2} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure data-testid="accuracy-chart">
        <figcaption>Accuracy: training batches and test set after each epoch</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={accuracyData} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epochFraction" type="number" domain={[0, 'dataMax']} tickFormatter={(v: number) => v.toFixed(1)} />
            <YAxis domain={[0, 1]} tickFormatter={pct} width={48} />
            <Tooltip formatter={(v) => `${(Number(v) * 100).toFixed(2)}%`} labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`} />
            <Legend />
            <Line name="train batch" type="monotone" dataKey="accuracy" stroke="#2563eb" dot={false} connectNulls isAnimationActive={false} />
            <Line name="test" type="linear" dataKey="testAccuracy" stroke="#15803d" strokeWidth={3} connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}
