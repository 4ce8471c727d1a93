/** The accuracy-versus-cost chart with its controls, the current point's numbers, and the records' export. */
import { useRef, useState } from 'react';
import { COST_AXES, recordConfig, type ChartPoint, type CostAxis } from '../../core/runRecord';
import { formatArea, formatEnergy, formatMs, formatPercent, formatStorage } from '../format';
import { useStore } from '../store';
import { exportChartPng, exportChartSvg } from './chartExport';
import { LEGEND, ParetoChart, type AccuracyAxis } from './ParetoChart';
import { RecordsBar } from './RecordsBar';
import { useParetoData } from './useParetoData';

const AXIS_CHOICES: CostAxis[] = ['energy', 'storage', 'area', 'kernelTime'];

/**
 * Restores a point's configuration in the knobs and the URL. The energy table, the sweep and the
 * backend stay as they are: they describe this page, not the evaluated network.
 */
export function restorePoint(point: ChartPoint) {
  const { config, applyConfig } = useStore.getState();
  const restored = recordConfig(point.record);
  applyConfig({ ...restored, backend: config.backend, energy: config.energy, sweep: config.sweep });
}

/** The current point's cost in the unit that reads best. */
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

export function ParetoPanel() {
  const [axis, setAxis] = useState<CostAxis>('energy');
  const [yAxis, setYAxis] = useState<AccuracyAxis>('accuracy');
  const [thisNetworkOnly, setThisNetworkOnly] = useState(true);
  const [showPaper, setShowPaper] = useState(true);
  const chartRef = useRef<HTMLDivElement>(null);
  const data = useParetoData(axis, thisNetworkOnly, showPaper);
  const model = useStore((s) => s.config.model);
  const title = `Test ${yAxis} vs ${COST_AXES[axis].label.toLowerCase()} (${model})`;
  const filename = `pareto-${model}-${axis}`;
  return (
    <section className="panel pareto" data-testid="pareto-panel">
      <h2>Accuracy vs energy: the Pareto front</h2>
      <div className="chart-controls">
        <label className="field inline">
          <span className="field-label">x axis</span>
          <select data-testid="pareto-x-axis" value={axis} onChange={(e) => setAxis(e.target.value as CostAxis)}>
            {AXIS_CHOICES.map((a) => (
              <option key={a} value={a} disabled={a === 'kernelTime' && !data.hasKernelTime}>
                {COST_AXES[a].label} ({COST_AXES[a].unit}){a === 'kernelTime' && !data.hasKernelTime ? ' — none measured' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span className="field-label">y axis</span>
          <select data-testid="pareto-y-axis" value={yAxis} onChange={(e) => setYAxis(e.target.value as AccuracyAxis)}>
            <option value="accuracy">accuracy (%)</option>
            <option value="error">error (%)</option>
          </select>
        </label>
        <label className="toggle-inline">
          <input type="checkbox" data-testid="pareto-this-network" checked={thisNetworkOnly} onChange={(e) => setThisNetworkOnly(e.target.checked)} /> this network only
        </label>
        <label className="toggle-inline">
          <input type="checkbox" data-testid="pareto-show-paper" checked={showPaper} onChange={(e) => setShowPaper(e.target.checked)} /> seed 003 paper points
        </label>
        <span className="spacer" />
        <button data-testid="pareto-export-svg" onClick={() => chartRef.current && exportChartSvg(chartRef.current, title, LEGEND, `${filename}.svg`)}>
          SVG
        </button>
        <button data-testid="pareto-export-png" onClick={() => chartRef.current && void exportChartPng(chartRef.current, title, LEGEND, `${filename}.png`)}>
          PNG
        </button>
      </div>
      <div className="pareto-chart" ref={chartRef} data-testid="pareto-chart">
        <ParetoChart data={data} axis={axis} yAxis={yAxis} onPick={restorePoint} />
      </div>
      <ul className="chart-legend">
        {LEGEND.map((entry) => (
          <li key={entry.label}>
            <span className="swatch" style={{ background: entry.colour }} /> {entry.label}
          </li>
        ))}
      </ul>
      <p className="current-line" data-testid="pareto-current" data-cost={data.current.cost}>
        Current config:{' '}
        <strong>{Number.isFinite(data.current.cost) ? formatCost(axis, data.current.cost) : `no ${COST_AXES[axis].label.toLowerCase()}`}</strong>
        {' · '}
        {data.current.accuracy !== null ? (
          <>
            accuracy <strong>{formatPercent(data.current.accuracy)}</strong> <span className="muted">({data.current.how})</span>
          </>
        ) : (
          <span className="muted">not tested yet: train, or change a knob after a float run (PTQ)</span>
        )}
        {' · '}
        <span data-testid="pareto-front-count">{data.front.length}</span> Pareto-optimal of {data.points.length} points
      </p>
      <RecordsBar />
    </section>
  );
}
