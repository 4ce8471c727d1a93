import { z } from 'zod';
import { fround, maxAbs, pow2, requireInRange, roundHalfEven } from '../numeric';
import type { WeightFormat } from './types';

/** Symmetric uniform fixed point with one scale per layer (max |w| maps to the top level). */
export interface FixedScheme {
  kind: 'fixed';
  /** Total bits including sign. */
  bits: number;
}

export const FIXED_BITS = { min: 2, max: 16 };

/** Sets larger than this are not worth drawing over a histogram. */
const MAX_DRAWN_LEVELS = 4096;

/** n = 2^(bits-1) - 1: the largest level index, so there are 2n + 1 = 2^bits - 1 levels. */
export function fixedLevelCount(bits: number): number {
  return pow2(bits - 1) - 1;
}

/**
 * The integer code of one weight: roundHalfEven(w * n / max), computed exactly. Why float64 is
 * enough, with w and max float32 (24-bit significands) and 1 <= n < 2^15:
 * - w * n is exact in float64 (at most 24 + 15 bits), so the one rounding is the division's:
 *   t = RN64(r), r = w * n / max the exact ratio, |r| <= n < 2^15.
 * - t lies on the same side as r of every half-integer k + 1/2, and equals it only when r does.
 *   Write w = W 2^a, max = X 2^b (W, X integers below 2^24, X >= 2^23 for a normal max). If
 *   r != k + 1/2, then |r - (k + 1/2)| = |2wn - (2k+1) max| / (2 max): the numerator is a non-zero
 *   multiple of 2^min(a+1, b) and 2 max < 2^(b+25), so the gap is at least 2^(min(a+1, b) - b - 25).
 *   When a + 1 >= b that is 2^-25; otherwise |r| < 2n 2^(a-b) < 2^(16+a-b), whose float64 spacing
 *   is at most 2^(a-b-36), while the gap is at least 2^(a-b-24). Either way the gap exceeds half a
 *   float64 spacing of r, and k + 1/2 (|k| < 2^15) is a float64, so rounding cannot reach or cross it.
 * Hence roundHalfEven(t) = roundHalfEven(r) for every finite input (no near-tie fallback needed;
 * tests/unit/fixedExact.test.ts checks it against BigInt arithmetic at every tie and its neighbours).
 * |w| <= max keeps the code in [-n, n]. NaN gives NaN (fixedCodes refuses it).
 */
export function fixedCode(w: number, n: number, max: number): number {
  return roundHalfEven((w * n) / max);
}

/**
 * The value of code q: q * step rounded once to float32, with step = max / n exactly (the real
 * number, not a float32), i.e. the float32 nearest to q * max / n (ties to even). Formed as
 * fround((q * max) / n) in float64: q * max is exact (at most 15 + 24 bits), the division rounds
 * once to 53 bits, and that second rounding to 24 bits is not a double rounding error: the float64
 * quotient could only sit exactly on a float32 midpoint M if the exact quotient y did. With e the
 * exponent of y, q max and M n are multiples of 2^(e-25) (subnormal results: of 2^-150), so
 * |y - M| = |q max - M n| / n is 0 or at least 2^(e-40) (2^-165), far more than the 2^(e-53)
 * (2^-180) a float64 rounding can move y. Code n gives max itself, every level is the
 * correctly rounded real grid point, and re-quantizing a quantized layer changes nothing (each
 * level is within 2^-24 relative of q * max / n, far less than half a code).
 */
export function fixedLevel(q: number, n: number, max: number): number {
  return fround((q * max) / n);
}

/**
 * The integer codes of one layer: code = roundHalfEven(w * n / max|w|), n = 2^(bits-1) - 1, computed
 * exactly (see fixedCode), in [-n, n]. An all-zero layer gives zeros. Throws on NaN or ±Infinity
 * (no finite scale). The integer kernels store these codes; the TF.js weights are their levels.
 */
export function fixedCodes(values: Float32Array, scheme: FixedScheme): Int32Array {
  requireInRange('fixed bits', scheme.bits, FIXED_BITS);
  const n = fixedLevelCount(scheme.bits);
  const max = maxAbs(values);
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const w = values[i];
    if (!Number.isFinite(w)) throw new Error(`fixedCodes: weight ${i} is ${w}; fixed point needs finite weights`);
    if (max !== 0) codes[i] = fixedCode(w, n, max);
  }
  return codes;
}

/**
 * Symmetric fixed point: fixedLevel(fixedCodes(w)), i.e. q * max|w| / n correctly rounded to
 * float32, q = roundHalfEven(w * n / max|w|) exactly. A layer holding NaN or ±Infinity has no
 * finite scale and gives NaN everywhere (as the tensor version, where max|w| is NaN or Infinity).
 */
export function fixedQuantize(values: Float32Array, bits: number): Float32Array {
  requireInRange('fixed bits', bits, FIXED_BITS);
  const n = fixedLevelCount(bits);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return out.fill(NaN);
  const max = maxAbs(values);
  const codes = fixedCodes(values, { kind: 'fixed', bits });
  for (let i = 0; i < values.length; i++) out[i] = fixedLevel(codes[i], n, max);
  return out;
}

/** The 2n + 1 fixed-point levels for a layer whose max |w| is `max` (sorted ascending). */
export function fixedLevels(bits: number, max: number): Float32Array {
  requireInRange('fixed bits', bits, FIXED_BITS);
  const n = fixedLevelCount(bits);
  if (max === 0) return new Float32Array([0]);
  const levels = new Float32Array(2 * n + 1);
  for (let index = -n; index <= n; index++) levels[index + n] = fixedLevel(index, n, max);
  return levels;
}

export const fixedFormat: WeightFormat<FixedScheme> = {
  kind: 'fixed',
  schema: z.strictObject({ kind: z.literal('fixed'), bits: z.number().int().min(FIXED_BITS.min).max(FIXED_BITS.max) }),
  validate: (s) => requireInRange('fixed bits', s.bits, FIXED_BITS),
  defaults: { kind: 'fixed', bits: 8 },
  optionalDefaults: {},
  quantize: (values, s) => fixedQuantize(values, s.bits),
  bitsPerWeight: (s) => s.bits,
  legalValues: (s, values) => {
    if (!values || 2 * fixedLevelCount(s.bits) + 1 > MAX_DRAWN_LEVELS) return null;
    return fixedLevels(s.bits, maxAbs(values));
  },
  scaleFree: () => false,
  name: 'fixed',
  describe: (s) => `fixed ${s.bits}-bit`,
  description: 'Evenly spaced levels from −max|w| to +max|w|: a b-bit integer multiplier.',
  formula: (s) => ({
    lines: [String.raw`q=\mathrm{clamp}(\mathrm{round}(w/\Delta))\,\Delta,\ \Delta=\max|w|/(2^{${s.bits}-1}-1)`],
    hardware: `Hardware: ${s.bits === 8 || s.bits === 11 ? 'an' : 'a'} ${s.bits}-bit integer multiplier per weight.`,
  }),
  operand: (s) => ({ kind: 'int', bits: s.bits }),
  scaled: () => false,
  kernelRefusal: null,
};
