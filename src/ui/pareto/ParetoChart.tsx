/**
 * Accuracy (or error) against a cost: every evaluated configuration, the Pareto-optimal ones as red
 * triangles joined by a staircase (as seed 003 marks them), seed 003's paper points, and the current
 * configuration, which moves with the knobs. Clicking a point restores its configuration.
 */
import type { ReactElement } from 'react';
import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { COST_AXES, frontStaircase, wantsLogScale, type ChartPoint, type CostAxis, type RecordSource } from '../../core/runRecord';
import { formatArea, formatEnergy, formatPercent, formatStorage, formatTick } from '../format';
import type { ParetoData } from './useParetoData';
import type { LegendEntry } from './chartExport';

export type AccuracyAxis = 'accuracy' | 'error';

export const SOURCE_COLOURS: Record<RecordSource, string> = {
  train: '#2563eb',
  ptq: '#7c3aed',
  sweep: '#0d9488',
  paper: '#111827',
};
const FRONT_COLOUR = '#dc2626';
const CURRENT_COLOUR = '#ea580c';

export const LEGEND: LegendEntry[] = [
  { label: 'training run', colour: SOURCE_COLOURS.train },
  { label: 'PTQ evaluation', colour: SOURCE_COLOURS.ptq },
  { label: 'sweep cell', colour: SOURCE_COLOURS.sweep },
  { label: 'Pareto-optimal (▲)', colour: FRONT_COLOUR },
  { label: 'seed 003 paper (◇)', colour: SOURCE_COLOURS.paper },
  { label: 'current config (◎)', colour: CURRENT_COLOUR },
];

interface Datum {
  x: number;
  y: number;
  point: ChartPoint | null;
}

interface ShapeProps {
  cx?: number;
  cy?: number;
  payload?: Datum;
}

function yOf(accuracy: number, yAxis: AccuracyAxis): number {
  return yAxis === 'accuracy' ? accuracy * 100 : (1 - accuracy) * 100;
}

/** Powers of ten covering the values, for a log axis. */
function logDomain(values: number[]): { domain: [number, number]; ticks: number[] } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive))));
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return { domain: [10 ** lo, 10 ** hi], ticks };
}

/** A y range in whole 5 % steps around the values, with ticks every 5 or 10 %. */
function yScale(values: number[], yAxis: AccuracyAxis): { domain: [number, number]; ticks: number[] } {
  let domain: [number, number];
  if (values.length === 0) domain = yAxis === 'accuracy' ? [80, 100] : [0, 20];
  else if (yAxis === 'accuracy') domain = [Math.max(0, Math.floor((Math.min(...values) - 1) / 5) * 5), 100];
  else domain = [0, Math.min(100, Math.ceil((Math.max(...values) + 1) / 5) * 5)];
  const step = domain[1] - domain[0] > 40 ? 10 : 5;
  const ticks: number[] = [];
  for (let t = domain[0]; t <= domain[1] + 1e-9; t += step) ticks.push(t);
  return { domain, ticks };
}

export function ParetoChart({
  data,
  axis,
  yAxis,
  onPick,
}: {
  data: ParetoData;
  axis: CostAxis;
  yAxis: AccuracyAxis;
  onPick(point: ChartPoint): void;
}) {
  const frontSet = new Set(data.front);
  const toDatum = (point: ChartPoint): Datum => ({ x: point.cost, y: yOf(point.accuracy, yAxis), point });
  const others = data.points.filter((_, i) => !frontSet.has(i)).map(toDatum);
  const front = data.front.map((i) => toDatum(data.points[i]));
  const staircase: Datum[] = frontStaircase(data.front.map((i) => data.points[i])).map((p) => ({ x: p.cost, y: yOf(p.accuracy, yAxis), point: null }));
  const paper = data.paper.map(toDatum);
  const current = data.current;
  const currentDatum: Datum[] =
    current.accuracy !== null && Number.isFinite(current.cost) ? [{ x: current.cost, y: yOf(current.accuracy, yAxis), point: null }] : [];

  const xs = [...data.points, ...data.paper].map((p) => p.cost).concat(Number.isFinite(current.cost) ? [current.cost] : []);
  const log = wantsLogScale(xs);
  const ys = [...others, ...front, ...paper, ...currentDatum].map((d) => d.y);
  const { label, unit } = COST_AXES[axis];
  const xAxisProps = log
    ? { scale: 'log' as const, ...logDomain(xs) }
    : { scale: 'linear' as const, domain: [0, 'auto'] as [number, 'auto'] };

  const pickable = (testId: string, render: (cx: number, cy: number, point: ChartPoint) => ReactElement) =>
    function Shape(props: ShapeProps) {
      const { cx, cy, payload } = props;
      if (cx === undefined || cy === undefined || !payload?.point) return <g />;
      const point = payload.point;
      return (
        <g
          data-testid={testId}
          data-record-id={point.record.id}
          data-cost={point.cost}
          data-accuracy={point.accuracy}
          className="pareto-clickable"
          onClick={() => onPick(point)}
        >
          {render(cx, cy, point)}
        </g>
      );
    };

  const RunMarker = pickable('pareto-point', (cx, cy, point) => (
    <circle cx={cx} cy={cy} r={6} fill={SOURCE_COLOURS[point.record.source]} fillOpacity={0.75} stroke="white" strokeWidth={1} />
  ));
  const FrontMarker = pickable('pareto-front-marker', (cx, cy) => (
    <path d={`M ${cx} ${cy - 9} L ${cx + 8} ${cy + 6} L ${cx - 8} ${cy + 6} Z`} fill={FRONT_COLOUR} stroke="white" strokeWidth={1} />
  ));
  const PaperMarker = pickable('pareto-paper-point', (cx, cy) => (
    <path d={`M ${cx} ${cy - 8} L ${cx + 8} ${cy} L ${cx} ${cy + 8} L ${cx - 8} ${cy} Z`} fill="white" stroke={SOURCE_COLOURS.paper} strokeWidth={2} />
  ));
  const CurrentMarker = (props: ShapeProps) =>
    props.cx === undefined || props.cy === undefined ? (
      <g />
    ) : (
      <g data-testid="pareto-current-point" data-cost={current.cost} data-accuracy={current.accuracy ?? ''}>
        <circle cx={props.cx} cy={props.cy} r={13} fill="none" stroke={CURRENT_COLOUR} strokeWidth={3} />
        <circle cx={props.cx} cy={props.cy} r={4} fill={CURRENT_COLOUR} />
      </g>
    );
  const noMarker = () => <g />;

  return (
    <ResponsiveContainer width="100%" height={440}>
      <ScatterChart margin={{ top: 12, right: 24, bottom: 28, left: 12 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="x"
          name={label}
          {...xAxisProps}
          allowDataOverflow
          tickFormatter={formatTick}
          label={{ value: `${label} (${unit})${log ? ', log scale' : ''}`, position: 'insideBottom', offset: -16 }}
        />
        <YAxis
          type="number"
          dataKey="y"
          {...yScale(ys, yAxis)}
          width={64}
          tickFormatter={(v: number) => `${v}%`}
          label={{ value: yAxis === 'accuracy' ? 'test accuracy' : 'test error', angle: -90, position: 'insideLeft', offset: 4 }}
        />
        <Tooltip content={<PointTooltip yAxis={yAxis} />} isAnimationActive={false} />
        <Scatter name="runs" data={others} shape={RunMarker} activeShape={RunMarker} isAnimationActive={false} />
        <Scatter name="front line" data={staircase} shape={noMarker} activeShape={noMarker} line={{ stroke: FRONT_COLOUR, strokeWidth: 2 }} lineJointType="linear" tooltipType="none" isAnimationActive={false} />
        <Scatter name="Pareto-optimal" data={front} shape={FrontMarker} activeShape={FrontMarker} isAnimationActive={false} />
        <Scatter name="paper" data={paper} shape={PaperMarker} activeShape={PaperMarker} isAnimationActive={false} />
        <Scatter name="current" data={currentDatum} shape={CurrentMarker} activeShape={CurrentMarker} tooltipType="none" isAnimationActive={false} />
        {current.accuracy === null && Number.isFinite(current.cost) && (
          <ReferenceLine x={current.cost} stroke={CURRENT_COLOUR} strokeWidth={2} strokeDasharray="6 4" label={{ value: 'current config (not tested)', position: 'insideTopRight', fill: CURRENT_COLOUR }} />
        )}
      </ScatterChart>
    </ResponsiveContainer>
  );
}

function PointTooltip({ active, payload, yAxis }: { active?: boolean; payload?: readonly { payload?: Datum }[]; yAxis: AccuracyAxis }) {
  const datum = payload?.[0]?.payload;
  if (!active || !datum?.point) return null;
  const { record } = datum.point;
  return (
    <div className="chart-tooltip" data-testid="pareto-tooltip">
      <strong>{record.label}</strong>
      <div className="muted small">
        {record.source === 'paper' ? "seed 003's reported test error, our cost model" : `${record.source}${record.testSize ? ` · ${record.testSize.toLocaleString('en-US')} test images` : ''}`}
      </div>
      <div>
        {yAxis === 'accuracy' ? `accuracy ${formatPercent(record.accuracy)}` : `error ${formatPercent(1 - record.accuracy)}`} · {formatEnergy(record.energyPJ)} ·{' '}
        {formatStorage(record.storageBits)} · {formatArea(record.areaUm2)}
        {record.kernelMs !== undefined ? ` · kernel ${record.kernelMs.toFixed(3)} ms` : ''}
      </div>
      <div className="mono small tooltip-config">{record.config}</div>
      <div className="muted small">Click to restore this configuration.</div>
    </div>
  );
}
