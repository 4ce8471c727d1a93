/** The accuracy-versus-cost chart with its controls, the current point's numbers, and a hover card. */
import { useMemo, useRef, useState } from 'react';
import { COST_AXES, recordConfig, wantsLogScale, type ChartPoint, type CostAxis } from '../../core/runRecord';
import { formatArea, formatEnergy, formatMs, formatPercent, formatStorage } from '../format';
import { useStore } from '../store';
import { exportChartPng, exportChartSvg } from './chartExport';
import { LEGEND, linearDomain, logDomain, ParetoChart, yOf, yScale, type AccuracyAxis, type Axes, type PointEvents } from './ParetoChart';
import { useCurrentPoint, useParetoRecords } from './useParetoData';

const AXIS_CHOICES: CostAxis[] = ['energy', 'storage', 'area', 'kernelTime'];
const AXIS_SHORT: Record<CostAxis, string> = { energy: 'energy', storage: 'storage', area: 'area', kernelTime: 'kernel time' };

/**
 * Restores a point's configuration in the knobs and the URL. The energy table, the sweep, the
 * backend and the classroom keys stay as they are: they describe this page, not the evaluated network.
 */
export function restorePoint(point: ChartPoint) {
  const { config, applyConfig } = useStore.getState();
  const restored = recordConfig(point.record);
  applyConfig({ ...restored, backend: config.backend, energy: config.energy, sweep: config.sweep, lesson: config.lesson, hide: config.hide, present: config.present });
}

/** A cost in the unit that reads best. */
function formatCost(axis: CostAxis, value: number): string {
  switch (axis) {
    case 'energy':
      return formatEnergy(value);
    case 'storage':
      return formatStorage(value * 8 * 1024);
    case 'area':
      return formatArea(value);
    case 'kernelTime':
      return formatMs(value);
  }
}

/** Axes that only move when a value crosses a decade (log) or a round step (linear), not with every knob. */
function useAxes(costs: number[], accuracies: number[], yAxis: AccuracyAxis): Axes {
  const log = wantsLogScale(costs);
  const x = log ? logDomain(costs) : linearDomain(costs);
  const y = yScale(accuracies, yAxis);
  const key = JSON.stringify([log, x, y]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the key holds every value
  return useMemo(() => ({ x: { ...x, log }, y }), [key]);
}

type Hover = { point: ChartPoint; x: number; y: number; optimal: boolean } | null;

export function ParetoPanel({ height = 420 }: { height?: number }) {
  const [axis, setAxis] = useState<CostAxis>('energy');
  const [yAxis, setYAxis] = useState<AccuracyAxis>('accuracy');
  const [thisNetworkOnly, setThisNetworkOnly] = useState(true);
  const [showPaper, setShowPaper] = useState(true);
  const [hover, setHover] = useState<Hover>(null);
  const chartRef = useRef<HTMLDivElement>(null);
  const records = useParetoRecords(axis, thisNetworkOnly, showPaper);
  const current = useCurrentPoint(axis);
  const model = useStore((s) => s.config.model);

  // The domains depend only on the extremes, so the records enter as their extent: this runs on
  // every knob move, and mapping 100,000 points each time would make the knobs lag.
  const { extent } = records;
  const costs = [extent.costLo, extent.costHi];
  const accuracies = [extent.accuracyLo, extent.accuracyHi].filter(Number.isFinite).map((a) => yOf(a, yAxis));
  for (const p of records.paper) {
    costs.push(p.cost);
    accuracies.push(yOf(p.accuracy, yAxis));
  }
  if (Number.isFinite(current.cost)) costs.push(current.cost);
  if (current.accuracy !== null) accuracies.push(yOf(current.accuracy, yAxis));
  const axes = useAxes(costs, accuracies, yAxis);
  const drawnCount = records.front.length + records.drawn.length;
  const events = useMemo<PointEvents>(() => ({ onPick: restorePoint, onHover: setHover }), []);
  const filter = useMemo(() => ({ thisNetworkOnly, showPaper }), [thisNetworkOnly, showPaper]);

  const title = `Test ${yAxis} vs ${COST_AXES[axis].label.toLowerCase()} (${model})`;
  const filename = `pareto-${model}-${axis}`;
  return (
    <section className="panel pareto" data-testid="pareto-panel" aria-labelledby="pareto-title">
      <div className="panel-head">
        <h2 id="pareto-title">Accuracy vs</h2>
        <label className="inline-field">
          <span className="sr-only">cost on the x axis</span>
          <select data-testid="pareto-x-axis" aria-label="cost on the x axis" value={axis} onChange={(e) => setAxis(e.target.value as CostAxis)}>
            {AXIS_CHOICES.map((a) => (
              <option key={a} value={a} disabled={a === 'kernelTime' && !records.hasKernelTime}>
                {AXIS_SHORT[a]}{a === 'kernelTime' && !records.hasKernelTime ? ' (none measured)' : ''}
              </option>
            ))}
          </select>
        </label>
        <details className="chart-options">
          <summary>Chart options</summary>
          <div className="chart-options-body">
            <label className="inline-field">
              y axis{' '}
              <select data-testid="pareto-y-axis" value={yAxis} onChange={(e) => setYAxis(e.target.value as AccuracyAxis)}>
                <option value="accuracy">accuracy (%)</option>
                <option value="error">error (%)</option>
              </select>
            </label>
            <label className="inline-field">
              <input type="checkbox" data-testid="pareto-this-network" checked={thisNetworkOnly} onChange={(e) => setThisNetworkOnly(e.target.checked)} /> this network only
            </label>
            <label className="inline-field">
              <input type="checkbox" data-testid="pareto-show-paper" checked={showPaper} onChange={(e) => setShowPaper(e.target.checked)} /> paper points
            </label>
            <button data-testid="pareto-export-svg" onClick={() => chartRef.current && exportChartSvg(chartRef.current, title, LEGEND, `${filename}.svg`)}>
              Save SVG
            </button>
            <button data-testid="pareto-export-png" onClick={() => chartRef.current && void exportChartPng(chartRef.current, title, LEGEND, `${filename}.png`)}>
              Save PNG
            </button>
          </div>
        </details>
      </div>
      <div className="pareto-chart" ref={chartRef} data-testid="pareto-chart">
        <ParetoChart filter={filter} axes={axes} axis={axis} yAxis={yAxis} height={height} events={events} />
        {hover && <HoverCard hover={hover} yAxis={yAxis} />}
      </div>
      <ul className="chart-legend" aria-label="Legend">
        {LEGEND.map((entry) => (
          <li key={entry.label}>
            <span className="swatch" style={{ background: entry.colour }} /> {entry.label}
          </li>
        ))}
      </ul>
      <p className="hint">
        <strong>Pareto-optimal</strong>: no other point is both more accurate and cheaper. Click a point to use its setting.
      </p>
      <p className="current-line" data-testid="pareto-current" data-cost={current.cost}>
        Now: <strong>{Number.isFinite(current.cost) ? formatCost(axis, current.cost) : `no ${COST_AXES[axis].label.toLowerCase()}`}</strong>
        {' · '}
        {current.accuracy !== null ? <strong>{formatPercent(current.accuracy)}</strong> : <span className="muted">not tested yet</span>}
        {' · '}
        <span data-testid="pareto-front-count">{records.front.length}</span> Pareto-optimal of {records.points.length}
      </p>
      {drawnCount < records.points.length && (
        <p className="muted small" data-testid="pareto-thinned">
          Showing {drawnCount.toLocaleString('en-US')} of {records.points.length.toLocaleString('en-US')} points: every Pareto-optimal one, and one per patch of the
          chart for the rest.
        </p>
      )}
    </section>
  );
}

function HoverCard({ hover, yAxis }: { hover: NonNullable<Hover>; yAxis: AccuracyAxis }) {
  const { record } = hover.point;
  const from = record.source === 'paper' ? 'reported in the paper; cost from our model' : record.source === 'ptq' ? 'quantized after training' : record.source === 'sweep' ? 'sweep' : 'trained';
  return (
    <div className="chart-tooltip" data-testid="pareto-tooltip" role="tooltip" style={{ left: hover.x + 14, top: Math.max(0, hover.y - 20) }}>
      <strong>{record.label.replace(/ · .*$/, '').replace(/ \(paper\)$/, '')}</strong>
      {hover.optimal && <span className="optimal-tag"> Pareto-optimal</span>}
      <div>
        {yAxis === 'accuracy' ? `accuracy ${formatPercent(record.accuracy)}` : `error ${formatPercent(1 - record.accuracy)}`} · {formatEnergy(record.energyPJ)} ·{' '}
        {formatStorage(record.storageBits)}
      </div>
      <div className="muted small">
        {from}
        {typeof record.testSize === 'number' ? ` · ${record.testSize.toLocaleString('en-US')} test images` : ''}
        {typeof record.kernelMs === 'number' && Number.isFinite(record.kernelMs) ? ` · kernels ${record.kernelMs.toFixed(3)} ms` : ''}
      </div>
    </div>
  );
}
