/**
 * Accuracy (or error) against a cost: every evaluated configuration, the Pareto-optimal ones as red
 * triangles joined by a staircase (as seed 003 marks them) drawn on top, seed 003's paper points
 * with their names, and the current configuration, which moves with the knobs.
 *
 * recharts draws the axes and the grid; the marks are our own SVG layers placed with recharts'
 * scale hooks, because a recharts Scatter re-renders (and hit-tests) every mark on every change:
 * with hundreds of records that took most of a second per knob move. Here the records layer is
 * memoized and only the current-point layer follows the knobs.
 */
import { memo, useMemo, type KeyboardEvent, type ReactElement } from 'react';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, XAxis, YAxis, usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { COST_AXES, frontStaircase, type ChartPoint, type CostAxis, type RecordSource } from '../../core/runRecord';
import { formatTick } from '../format';
import type { LegendEntry } from './chartExport';
import { placeLabels, yOf, type AccuracyAxis, type Axes } from './axes';
import { useCurrentPoint, useParetoRecords } from './useParetoData';
import { TrajectoryLayer } from '../adapt/TrajectoryLayer';

export { linearDomain, logDomain, yOf, yScale, type AccuracyAxis, type Axes } from './axes';


export const SOURCE_COLOURS: Record<RecordSource, string> = {
  train: '#1d4ed8',
  ptq: '#7c3aed',
  sweep: '#0f766e',
  paper: '#111827',
};
const FRONT_COLOUR = '#dc2626';
const CURRENT_COLOUR = '#c2410c';

export const LEGEND: LegendEntry[] = [
  { label: 'trained', colour: SOURCE_COLOURS.train },
  { label: 'quantized after training', colour: SOURCE_COLOURS.ptq },
  { label: 'sweep', colour: SOURCE_COLOURS.sweep },
  { label: 'Pareto-optimal ▲', colour: FRONT_COLOUR },
  { label: 'paper ◇', colour: SOURCE_COLOURS.paper },
  { label: 'now ◎', colour: CURRENT_COLOUR },
];

export interface PointEvents {
  onPick(point: ChartPoint): void;
  /** Hover or focus on a mark (null when it ends); x, y in chart pixels. */
  onHover(target: { point: ChartPoint; x: number; y: number; optimal: boolean } | null): void;
}

export interface RecordsFilter {
  thisNetworkOnly: boolean;
  showPaper: boolean;
}

function Chart({
  filter,
  axes,
  axis,
  yAxis,
  height,
  events,
}: {
  filter: RecordsFilter;
  axes: Axes;
  axis: CostAxis;
  yAxis: AccuracyAxis;
  height: number;
  events: PointEvents;
}) {
  const { label, unit } = COST_AXES[axis];
  // One invisible series at the domain's corners gives recharts its axes.
  const corners = useMemo(
    () => [
      { x: axes.x.domain[0], y: axes.y.domain[0] },
      { x: axes.x.domain[1], y: axes.y.domain[1] },
    ],
    [axes],
  );
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ScatterChart margin={{ top: 14, right: 22, bottom: 26, left: 6 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="x"
          scale={axes.x.log ? 'log' : 'linear'}
          domain={axes.x.domain}
          ticks={axes.x.ticks}
          allowDataOverflow
          tickFormatter={formatTick}
          tick={{ fontSize: 13 }}
          label={{ value: `${label} (${unit})${axes.x.log ? ', log scale' : ''}`, position: 'insideBottom', offset: -14, fontSize: 13 }}
        />
        <YAxis
          type="number"
          dataKey="y"
          domain={axes.y.domain}
          ticks={axes.y.ticks}
          allowDataOverflow
          width={58}
          tick={{ fontSize: 13 }}
          tickFormatter={(v: number) => `${v}%`}
          label={{ value: yAxis === 'accuracy' ? 'test accuracy' : 'test error', angle: -90, position: 'insideLeft', offset: 6, fontSize: 13 }}
        />
        <Scatter data={corners} shape={() => <g />} isAnimationActive={false} legendType="none" tooltipType="none" />
        <RecordsLayer filter={filter} axis={axis} yAxis={yAxis} events={events} />
        {/* NetAdapt's steps, when an adaptation ran (src/ui/adapt). */}
        <TrajectoryLayer axis={axis} yAxis={yAxis} />
        <CurrentLayer axis={axis} yAxis={yAxis} />
      </ScatterChart>
    </ResponsiveContainer>
  );
}

/**
 * Re-renders (axes, grid and all) only when the axes' domains, the axis choice or the size change;
 * a new record re-renders the records layer alone, a knob the current-point layer alone.
 */
export const ParetoChart = memo(Chart);

function pointLabel(point: ChartPoint, yAxis: AccuracyAxis, optimal: boolean): string {
  const value = yAxis === 'accuracy' ? `accuracy ${(point.accuracy * 100).toFixed(2)}%` : `error ${((1 - point.accuracy) * 100).toFixed(2)}%`;
  return `${point.record.label}: ${value}, ${formatTick(point.cost)}${optimal ? ', Pareto-optimal' : ''}`;
}

const RecordsLayer = memo(function RecordsLayer({ filter, axis, yAxis, events }: { filter: RecordsFilter; axis: CostAxis; yAxis: AccuracyAxis; events: PointEvents }) {
  const records = useParetoRecords(axis, filter.thisNetworkOnly, filter.showPaper);
  const xScale = useXAxisScale();
  const yScaleFn = useYAxisScale();
  const plot = usePlotArea();
  if (!xScale || !yScaleFn || !plot) return null;
  const place = (p: { cost: number; accuracy: number }) => ({ x: xScale(p.cost) ?? NaN, y: yScaleFn(yOf(p.accuracy, yAxis)) ?? NaN });
  const paperNames = records.paper.map((point) => point.record.label.replace(/ \(paper\)$/, ''));
  const labels = placeLabels(
    records.paper.map((point, i) => ({ ...place(point), width: paperNames[i].length * 6.8 })),
    { left: plot.x, right: plot.x + plot.width, top: plot.y, bottom: plot.y + plot.height },
  );
  const staircase = frontStaircase(records.front.map((i) => records.points[i])).map(place);
  const path = staircase.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');

  const handlers = (point: ChartPoint, x: number, y: number, optimal: boolean) => ({
    onClick: () => events.onPick(point),
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        events.onPick(point);
      }
    },
    onMouseEnter: () => events.onHover({ point, x, y, optimal }),
    onMouseLeave: () => events.onHover(null),
    onFocus: () => events.onHover({ point, x, y, optimal }),
    onBlur: () => events.onHover(null),
  });

  /** One clickable mark: its test id and data attributes, focusable (with a spoken label) when `label` is given. */
  const mark = (testId: string, point: ChartPoint, optimal: boolean, label: string | null, shape: (x: number, y: number) => ReactElement) => {
    const { x, y } = place(point);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    return (
      <g
        key={point.record.id}
        data-testid={testId}
        data-record-id={point.record.id}
        data-cost={point.cost}
        data-accuracy={point.accuracy}
        className="pareto-clickable"
        {...(label === null ? {} : { tabIndex: 0, role: 'button', 'aria-label': label })}
        {...handlers(point, x, y, optimal)}
      >
        {shape(x, y)}
      </g>
    );
  };

  return (
    <g className="pareto-marks">
      {/* Off-front points, thinned beyond MAX_DRAWN_POINTS; every front point is drawn below. */}
      {records.drawn.map((i) => {
        const point = records.points[i];
        return mark('pareto-point', point, false, null, (x, y) => (
          <circle cx={x} cy={y} r={5.5} fill={SOURCE_COLOURS[point.record.source]} fillOpacity={0.55} stroke="white" strokeWidth={1} />
        ));
      })}
      {records.paper.map((point) =>
        mark('pareto-paper-point', point, false, `Paper: ${pointLabel(point, yAxis, false)}`, (x, y) => (
          <path d={`M ${x} ${y - 7} L ${x + 7} ${y} L ${x} ${y + 7} L ${x - 7} ${y} Z`} fill="white" stroke={SOURCE_COLOURS.paper} strokeWidth={2} />
        )),
      )}
      {/* Labels apart from their markers: a marker's box (what a click aims at) is the diamond alone. */}
      <g aria-hidden="true" pointerEvents="none">
        {records.paper.map((point, i) =>
          Number.isFinite(labels[i].x) && Number.isFinite(labels[i].y) ? (
            <text key={point.record.id} x={labels[i].x} y={labels[i].y} textAnchor={labels[i].anchor} className="paper-label">
              {paperNames[i]}
            </text>
          ) : null,
        )}
      </g>
      {path && <path d={path} fill="none" stroke={FRONT_COLOUR} strokeWidth={2} pointerEvents="none" />}
      {records.front.map((i) =>
        mark('pareto-front-marker', records.points[i], true, pointLabel(records.points[i], yAxis, true), (x, y) => (
          <path d={`M ${x} ${y - 9} L ${x + 8} ${y + 6} L ${x - 8} ${y + 6} Z`} fill={FRONT_COLOUR} stroke="white" strokeWidth={1} />
        )),
      )}
    </g>
  );
});

/** The moving point: subscribes to the store itself, so a knob re-renders this layer alone. */
function CurrentLayer({ axis, yAxis }: { axis: CostAxis; yAxis: AccuracyAxis }) {
  const current = useCurrentPoint(axis);
  const xScale = useXAxisScale();
  const yScaleFn = useYAxisScale();
  if (!xScale || !yScaleFn || !Number.isFinite(current.cost)) return null;
  const x = xScale(current.cost);
  if (x === undefined || !Number.isFinite(x)) return null;
  if (current.accuracy === null) {
    const [top, bottom] = [yScaleFn(yAxis === 'accuracy' ? 100 : 0), yScaleFn(yAxis === 'accuracy' ? 0 : 100)];
    return (
      <g data-testid="pareto-current-untested" data-cost={current.cost} pointerEvents="none">
        <line x1={x} x2={x} y1={top} y2={bottom} stroke={CURRENT_COLOUR} strokeWidth={2} strokeDasharray="6 4" />
        <text x={x + 6} y={(top ?? 0) + 16} className="current-label">
          now (not tested)
        </text>
      </g>
    );
  }
  const y = yScaleFn(yOf(current.accuracy, yAxis));
  if (y === undefined || !Number.isFinite(y)) return null;
  return (
    <g data-testid="pareto-current-point" data-cost={current.cost} data-accuracy={current.accuracy} pointerEvents="none">
      <circle cx={x} cy={y} r={13} fill="none" stroke={CURRENT_COLOUR} strokeWidth={3} />
      <circle cx={x} cy={y} r={4} fill={CURRENT_COLOUR} />
    </g>
  );
}
