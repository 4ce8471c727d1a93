/**
 * Axis ticks the training charts choose themselves: Recharts' automatic ticks on a short epoch axis
 * are steps like 0.04, which a one-decimal label printed as "0.0 0.1 0.1 0.1".
 */

export interface AxisTicks {
  /** The axis ends here: the last tick, at or past the largest value shown. */
  max: number;
  /** Ascending, no duplicates, from 0 to max. */
  ticks: number[];
}

/** At most this many intervals, so labels stay apart on a small chart. */
const MAX_INTERVALS = 8;
const FRACTION_STEPS = [0.05, 0.1, 0.25, 0.5];

/** Ticks 0, step, 2 step, ... up to the first at or past `span`. */
function ticksUpTo(span: number, step: number): AxisTicks {
  const intervals = Math.max(1, Math.ceil(span / step - 1e-9));
  // toPrecision: 3 x 0.1 is 0.3, not 0.30000000000000004.
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { max: ticks[ticks.length - 1], ticks };
}

/** The smallest step of 1, 2 or 5 times a power of ten, at least `minStep`, giving at most maxIntervals. */
function niceStep(span: number, maxIntervals: number, minStep = 0): number {
  let decade = 10 ** Math.floor(Math.log10(Math.max(span / maxIntervals, minStep, Number.MIN_VALUE)));
  for (;;) {
    const found = [1, 2, 5].map((m) => m * decade).find((s) => s >= minStep && Math.ceil(span / s - 1e-9) <= maxIntervals);
    if (found !== undefined) return found;
    decade *= 10;
  }
}

/** Integers from 2 epochs on, else steps of 0.05 to 0.5 (mostly 0.25); the axis ends on a tick. */
export function epochAxis(maxEpoch: number, maxIntervals = MAX_INTERVALS): AxisTicks {
  const span = Number.isFinite(maxEpoch) && maxEpoch > 0 ? maxEpoch : 1;
  const step = span >= 2 ? niceStep(span, maxIntervals, 1) : (FRACTION_STEPS.find((s) => Math.ceil(span / s - 1e-9) <= maxIntervals) ?? 0.5);
  return ticksUpTo(span, step);
}

/** From 0 to a round number at or above `max` (a loss), in steps of 1, 2 or 5 times a power of ten. */
export function zeroBasedAxis(max: number, maxIntervals = MAX_INTERVALS): AxisTicks {
  const span = Number.isFinite(max) && max > 0 ? max : 1;
  return ticksUpTo(span, niceStep(span, maxIntervals));
}

/** "0", "0.25", "0.5", "3": as many decimals as the tick needs, at most two. */
export function formatEpochTick(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** The accuracy axis: the whole 0..100 % range in quarters. */
export const ACCURACY_TICKS = [0, 0.25, 0.5, 0.75, 1];
