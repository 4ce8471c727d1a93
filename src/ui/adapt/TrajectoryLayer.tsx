/**
 * NetAdapt's walk on the Pareto chart: the steps joined in order (holdout accuracy, each at its
 * widths' modelled cost), the final network (test accuracy) and the uniform-width baseline (test
 * accuracy). An SVG layer of its own inside the chart, subscribed to the adapt store, so a new
 * step redraws this layer alone.
 */
import { useMemo } from 'react';
import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { energyTableOf } from '../../core/config';
import type { CostAxis } from '../../core/runRecord';
import { formatPercent } from '../format';
import { yOf, type AccuracyAxis } from '../pareto/axes';
import { useStore } from '../store';
import { trajectoryCost, trajectoryPoints, type TrajectoryPoint } from './adaptModel';
import { useAdapt } from './adaptStore';

export const TRAJECTORY_COLOUR = '#b45309';
export const UNIFORM_COLOUR = '#4b5563';

/** The trajectory of the adaptation under way or last run; [] when there is none. */
export function useTrajectoryPoints(): TrajectoryPoint[] {
  const steps = useAdapt((s) => s.steps);
  const base = useAdapt((s) => s.base);
  const summary = useAdapt((s) => s.summary);
  const energy = useStore((s) => s.config.energy);
  return useMemo(() => {
    if (!base || steps.length === 0) return [];
    const last = steps[steps.length - 1];
    const final = summary && summary.testAccuracy !== null ? { widths: last.widths, testAccuracy: summary.testAccuracy } : null;
    const uniform = summary?.uniform && summary.uniform.testAccuracy !== null ? { widths: summary.uniform.widths, testAccuracy: summary.uniform.testAccuracy } : null;
    return trajectoryPoints(base, steps, energyTableOf({ energy }), final, uniform);
  }, [steps, base, summary, energy]);
}

const tooltip = (p: TrajectoryPoint) => `${p.label}: ${p.kind === 'step' ? 'holdout' : 'test'} accuracy ${formatPercent(p.accuracy)}`;

export function TrajectoryLayer({ axis, yAxis }: { axis: CostAxis; yAxis: AccuracyAxis }) {
  const points = useTrajectoryPoints();
  const xScale = useXAxisScale();
  const yScaleFn = useYAxisScale();
  const plot = usePlotArea();
  if (points.length === 0 || !xScale || !yScaleFn || !plot) return null;
  const placed = points
    .map((point) => {
      const cost = trajectoryCost(point, axis);
      const x = cost === undefined ? undefined : xScale(cost);
      const y = yScaleFn(yOf(point.accuracy, yAxis));
      return x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) ? { point, x, y } : null;
    })
    .filter((p) => p !== null);
  const walk = placed.filter((p) => p.point.kind !== 'uniform');
  const path = walk.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
  const start = placed.find((p) => p.point.kind === 'step');
  const uniform = placed.find((p) => p.point.kind === 'uniform');
  return (
    <g className="adapt-trajectory" data-testid="adapt-trajectory" data-points={placed.length}>
      <path d={path} fill="none" stroke={TRAJECTORY_COLOUR} strokeWidth={2.5} pointerEvents="none" />
      {/* The baseline against the same start: the paper's multiplier line. */}
      {uniform && start && (
        <line x1={start.x} y1={start.y} x2={uniform.x} y2={uniform.y} stroke={UNIFORM_COLOUR} strokeWidth={2} strokeDasharray="5 4" pointerEvents="none" />
      )}
      {placed.map(({ point, x, y }) => (
        <g key={`${point.kind}-${point.iteration}`} data-testid={`adapt-trajectory-${point.kind}`} data-iteration={point.iteration} data-cost={trajectoryCost(point, axis)} data-accuracy={point.accuracy}>
          <title>{tooltip(point)}</title>
          {point.kind === 'step' && <circle cx={x} cy={y} r={5} fill={TRAJECTORY_COLOUR} stroke="white" strokeWidth={1.5} />}
          {point.kind === 'final' && <path d={starPath(x, y, 10)} fill={TRAJECTORY_COLOUR} stroke="white" strokeWidth={1.5} />}
          {point.kind === 'uniform' && <rect x={x - 6} y={y - 6} width={12} height={12} fill={UNIFORM_COLOUR} stroke="white" strokeWidth={1.5} />}
        </g>
      ))}
      <g className="adapt-trajectory-legend" pointerEvents="none" transform={`translate(${plot.x + 8}, ${plot.y + plot.height - 10})`}>
        <text className="trajectory-label" fill={TRAJECTORY_COLOUR}>
          ● NetAdapt steps (holdout) ★ adapted (test)
        </text>
        {uniform && (
          <text className="trajectory-label" y={-16} fill={UNIFORM_COLOUR}>
            ■ uniform widths (test)
          </text>
        )}
      </g>
    </g>
  );
}

/** A five-pointed star of outer radius r around (x, y). */
function starPath(x: number, y: number, r: number): string {
  const corners: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.45;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    corners.push(`${(x + radius * Math.cos(angle)).toFixed(1)} ${(y + radius * Math.sin(angle)).toFixed(1)}`);
  }
  return `M ${corners.join(' L ')} Z`;
}
