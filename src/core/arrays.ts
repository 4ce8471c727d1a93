/**
 * Reductions over arrays of any length. `Math.min(...values)`, `Math.max(...values)` and
 * `target.push(...items)` pass every element as a call argument, and engines throw "Maximum call
 * stack size exceeded" somewhere past ~100,000 of them (130,000 stored records did it). These loop
 * instead; eslint.config.js forbids the spread forms everywhere.
 */

/**
 * The smallest value, exactly as `Math.min(...values)` would give it: Infinity for an empty array,
 * NaN when any value is NaN, -0 below +0.
 */
export function minOf(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) m = Math.min(m, values[i]);
  return m;
}

/**
 * The largest value, exactly as `Math.max(...values)` would give it: -Infinity for an empty array,
 * NaN when any value is NaN, +0 above -0.
 */
export function maxOf(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) m = Math.max(m, values[i]);
  return m;
}

/** Largest finite |v|; 0 for an empty array or one with no finite value (NaN and ±Infinity are skipped). */
export function maxAbsOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m && a < Infinity) m = a;
  }
  return m;
}

/** Appends items to target in place (`target.push(...items)` without the spread); returns target. */
export function pushAll<T>(target: T[], items: ArrayLike<T>): T[] {
  for (let i = 0; i < items.length; i++) target.push(items[i]);
  return target;
}
