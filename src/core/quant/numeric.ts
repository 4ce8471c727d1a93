/**
 * Exact numeric helpers shared by the pure quantizers (formats/) and their tensor versions (ste.ts).
 * Pure: no TF.js.
 */

export const fround = Math.fround;
export const pow2 = (k: number): number => Math.pow(2, k); // exact for integer k in [-1074, 1023]

/** Largest finite float32, (2 - 2^-23) * 2^127. */
export const FLOAT32_MAX = (2 - pow2(-23)) * pow2(127);

/** Round half to even (same rule as tf.round, which is banker's rounding). */
export function roundHalfEven(x: number): number {
  const base = Math.floor(x);
  const fraction = x - base; // exact for |x| < 2^52
  if (fraction < 0.5) return base;
  if (fraction > 0.5) return base + 1;
  return base % 2 === 0 ? base : base + 1;
}

/** floor(log2(x)) computed exactly for finite x > 0 (Math.log2 alone can be off by one). */
export function floorLog2(x: number): number {
  let e = Math.floor(Math.log2(x));
  if (pow2(e) > x) e -= 1;
  else if (pow2(e + 1) <= x) e += 1;
  return e;
}

export const signOf = (w: number): number => (w < 0 ? -1 : 1); // sign(0) = +1

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export function maxAbs(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}

/** An inclusive integer range of a scheme parameter: the zod schema and the validator both read it. */
export interface IntRange {
  min: number;
  max: number;
}

export function requireInteger(name: string, value: unknown, lo: number, hi: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new Error(`${name} must be an integer ${lo}..${hi}, got ${String(value)}`);
  }
}

export function requireInRange(name: string, value: unknown, range: IntRange): void {
  requireInteger(name, value, range.min, range.max);
}

/**
 * Power-of-two prescale for a uniform grid with top level `max`: 1 normally, 2^-64 for layers
 * above 2^100, where w * n (n < 2^17) could overflow float32. Scaling by a power of two is exact
 * (a weight it pushes into float32's subnormals is far below one grid step anyway).
 */
export function gridPrescale(max: number): number {
  return max > pow2(100) ? pow2(-64) : 1;
}

/** Thresholds between neighbouring legal values (exact: the values are dyadic with few bits). */
export function midpoints(sorted: Float64Array): Float64Array {
  const mids = new Float64Array(sorted.length - 1);
  for (let i = 0; i < mids.length; i++) mids[i] = (sorted[i] + sorted[i + 1]) / 2;
  return mids;
}

/** Number of entries of a sorted array that are <= x (upper bound, as tf.searchSorted 'right'). */
export function countAtMost(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Largest usable uniform: keeps u < 1 after rounding to float32, so p = 1 always picks w_h. */
export const MAX_UNIFORM = 1 - pow2(-24);

/**
 * mean |w| summed in float64 and rounded to float32 once. With a single rounding, re-quantizing
 * ±alpha gives alpha back exactly (n copies of a float32 add up exactly in float64), so scaled
 * quantizers stay idempotent. An empty set gets 0.
 */
export function meanAbs(values: ArrayLike<number>, include: (a: number) => boolean = () => true): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (!include(a)) continue;
    sum += a;
    count += 1;
  }
  return count === 0 ? 0 : fround(sum / count);
}
