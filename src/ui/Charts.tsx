/** Live training curves: per-batch loss and accuracy, and test accuracy after each epoch. */
import type { CSSProperties } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTick } from './format';
import { percent } from '../core/percent';
import { useStore } from './store';
import { ACCURACY_TICKS, epochAxis, formatEpochTick, zeroBasedAxis } from './ticks';

const pct = (v: number) => percent(v, 0);

export interface TrainingChartsProps {
  /** Height of each chart's plot in px. */
  height?: number;
  /** Loss and accuracy side by side (stacked when too narrow), short captions, no legend: for a small panel. */
  compact?: boolean;
}

/** The epochs the running (or last) training plans, from its sample counts; 0 when unknown. */
function plannedEpochs(p: { samplesDone: number; samplesTotal: number; epoch: number; batchInEpoch: number; batchesPerEpoch: number } | null): number {
  if (!p || p.samplesDone <= 0 || p.batchesPerEpoch <= 0) return 0;
  const done = p.epoch - 1 + p.batchInEpoch / p.batchesPerEpoch;
  return Math.round((done * p.samplesTotal) / p.samplesDone);
}

export function TrainingCharts({ height = 220, compact = false }: TrainingChartsProps = {}) {
  const curve = useStore((s) => s.curve);
  const epochs = useStore((s) => s.epochs);
  const progress = useStore((s) => s.progress);
  const epochPoints = epochs.map((e) => ({ epochFraction: e.epoch, testAccuracy: e.testAccuracy }));
  const accuracyData = [...curve.map((p) => ({ epochFraction: p.epochFraction, accuracy: p.accuracy })), ...epochPoints].sort(
    (a, b) => a.epochFraction - b.epochFraction,
  );
  if (curve.length === 0) {
    return <p className="muted">Curves appear here while training runs.</p>;
  }
  // The axis spans the whole planned run, so the curve grows towards the right instead of the axis rescaling under it.
  const dataMax = accuracyData.reduce((m, p) => Math.max(m, p.epochFraction), 0);
  const xAxis = epochAxis(Math.max(dataMax, plannedEpochs(progress)), compact ? 4 : undefined);
  const lossAxis = zeroBasedAxis(curve.reduce((m, p) => Math.max(m, Number.isFinite(p.loss) ? p.loss : 0), 0), compact ? 4 : 6);
  const tick = { fontSize: compact ? 12 : 14 };
  const yWidth = compact ? 42 : 52;
  // Room above the top tick, so its label ("100%") is not cut in half.
  const margin = { top: 12, right: compact ? 10 : 18, bottom: 4, left: 0 };
  const xProps = {
    dataKey: 'epochFraction',
    type: 'number' as const,
    domain: [0, xAxis.max],
    ticks: xAxis.ticks,
    interval: 0 as const,
    tickFormatter: formatEpochTick,
    tick,
  };
  const layout: CSSProperties | undefined = compact ? { display: 'flex', flexWrap: 'wrap', gap: '4px 10px' } : undefined;
  const figure: CSSProperties | undefined = compact ? { flex: '1 1 170px', minWidth: 0, margin: 0 } : undefined;
  const caption: CSSProperties | undefined = compact ? { fontSize: 13, marginBottom: 2 } : undefined;
  return (
    <div className="charts" style={layout}>
      <figure data-testid="loss-chart" style={figure}>
        <figcaption style={caption}>{compact ? 'Loss per batch (x: epoch)' : 'Training loss (cross-entropy, per batch)'}</figcaption>
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={curve} margin={margin}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis {...xProps} label={compact ? undefined : { value: 'epoch', position: 'insideBottomRight', offset: -4 }} />
            <YAxis domain={[0, lossAxis.max]} ticks={lossAxis.ticks} interval={0} allowDataOverflow width={yWidth} tick={tick} tickFormatter={formatTick} />
            <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`} />
            <Line type="monotone" dataKey="loss" stroke="#c2410c" dot={false} isAnimationActive={false} strokeWidth={2} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure data-testid="accuracy-chart" style={figure}>
        <figcaption style={caption}>
          {compact ? (
            <>
              Accuracy: <span style={{ color: '#1d4ed8' }}>batches</span>, <span style={{ color: '#15803d', fontWeight: 600 }}>test</span>
            </>
          ) : (
            'Accuracy: training batches and test set after each epoch'
          )}
        </figcaption>
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={accuracyData} margin={margin}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis {...xProps} />
            <YAxis domain={[0, 1]} ticks={ACCURACY_TICKS} interval={0} allowDataOverflow tickFormatter={pct} width={yWidth} tick={tick} />
            <Tooltip formatter={(v) => `${(Number(v) * 100).toFixed(2)}%`} labelFormatter={(v) => `epoch ${Number(v).toFixed(2)}`} />
            {!compact && <Legend />}
            <Line name="train batch" type="monotone" dataKey="accuracy" stroke="#2563eb" dot={false} connectNulls isAnimationActive={false} />
            <Line name="test" type="linear" dataKey="testAccuracy" stroke="#15803d" strokeWidth={3} connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}
