import { z } from 'zod';
import { fround, maxAbs, pow2, requireInRange, roundHalfEven } from '../numeric';
import type { WeightFormat } from './types';

/** How the clip c (the value of the top code n) is chosen from the weights it scales. */
export const FIXED_SCALES = ['max', 'percentile', 'mse'] as const;
export type FixedScale = (typeof FIXED_SCALES)[number];
/** One clip per layer ('tensor') or per output channel (the weights' last axis: a dense unit, a conv filter). */
export const FIXED_GRANULARITIES = ['tensor', 'channel'] as const;
export type FixedGranularity = (typeof FIXED_GRANULARITIES)[number];
/** The percentile of |w| used as the clip with scale 'percentile'. */
export const FIXED_PERCENTILE = { min: 50, max: 100 };
/**
 * Default percentile: 99.9, the rank the activation clips are calibrated at (README, activations).
 * In a 784 x 100 layer it clips the 78 largest |w| to the top level.
 */
export const DEFAULT_FIXED_PERCENTILE = 99.9;
/** The MSE search: a grid of clips max|w| k / MSE_GRID, k = 1..MSE_GRID, then golden-section steps. */
export const MSE_GRID = 100;
export const MSE_REFINE_STEPS = 20;

/**
 * Symmetric uniform fixed point: codes -n..n times c / n, c the clip of the layer or of the output
 * channel. By default c = max|w| of the layer (nothing saturates); with a calibrated clip the
 * weights beyond ±c saturate to ±n codes.
 */
export interface FixedScheme {
  kind: 'fixed';
  /** Total bits including sign. */
  bits: number;
  /** How c is chosen: 'max' (max|w|, default), 'percentile' (that percentile of |w|), 'mse' (least squared error). */
  scale?: FixedScale;
  /** With scale 'percentile' only: the percentile of |w|, 50..100 (default DEFAULT_FIXED_PERCENTILE). */
  percentile?: number;
  /** One clip per layer ('tensor', default) or per output channel ('channel', the last axis). */
  granularity?: FixedGranularity;
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
 *
 * With a clip c below max|w| (fixedClippedCode), |w| > c can give |r| > n: the ties that decide a
 * code in [-n, n] are still those of |k| < n, and rounding is monotone, so clamping the result to
 * [-n, n] gives clamp(roundHalfEven(r)) exactly (an overflow to ±Infinity clamps too).
 */
export function fixedCode(w: number, n: number, max: number): number {
  return roundHalfEven((w * n) / max);
}

/** fixedCode with the clip c in place of max|w|, saturated to [-n, n]. */
export function fixedClippedCode(w: number, n: number, clip: number): number {
  const q = fixedCode(w, n, clip);
  return q > n ? n : q < -n ? -n : q;
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

/** The scheme's options with their defaults filled in. */
export function fixedOptions(scheme: FixedScheme): { scale: FixedScale; percentile: number; granularity: FixedGranularity } {
  return {
    scale: scheme.scale ?? 'max',
    percentile: scheme.percentile ?? DEFAULT_FIXED_PERCENTILE,
    granularity: scheme.granularity ?? 'tensor',
  };
}

/** True when the scheme's clips are found from the values (percentile or MSE), not just max|w|. */
export function fixedCalibrated(scheme: FixedScheme): boolean {
  return fixedOptions(scheme).scale !== 'max';
}

/**
 * The number of clips: 1 for granularity 'tensor'; for 'channel', the last axis of `shape` (a dense
 * kernel [in, out] and a conv kernel [kh, kw, inC, outC] both keep their output channels last, so
 * weight i of the flat row-major array belongs to channel i mod C). Throws without a shape.
 */
export function fixedChannelCount(length: number, scheme: FixedScheme, shape?: readonly number[]): number {
  if (fixedOptions(scheme).granularity === 'tensor') return 1;
  if (!shape || shape.length === 0) {
    throw new Error('fixed granularity=channel needs the weights\' shape (the output channels are its last axis)');
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) throw new Error(`fixed granularity=channel: shape [${shape.join(', ')}] does not hold ${length} weights`);
  return Math.max(1, shape[shape.length - 1]);
}

/**
 * The MSE search's objective: sum of (|w| - level)^2 with clip c, over |w| sorted ascending, from
 * prefix sums (p1, p2: running float64 sums of |w| and |w|^2, p[0] = 0) as
 * sum over codes q of S2 - 2 L_q S1 + L_q^2 count. Codes are monotone in |w|, so each code's run
 * is found by binary search with the exact code (a linear scan when n log2 N >= N; the same
 * runs): O(n log N) per candidate instead of O(N).
 */
function clipError(sorted: Float32Array, p1: Float64Array, p2: Float64Array, n: number, clip: number): number {
  const count = sorted.length;
  const linear = n * Math.log2(count + 1) >= count;
  let sum = 0;
  let start = 0;
  for (let q = 0; q <= n && start < count; q++) {
    let end = count;
    if (q < n) {
      if (linear) {
        end = start;
        while (end < count && fixedClippedCode(sorted[end], n, clip) <= q) end++;
      } else {
        let lo = start;
        let hi = count;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (fixedClippedCode(sorted[mid], n, clip) <= q) lo = mid + 1;
          else hi = mid;
        }
        end = lo;
      }
    }
    if (end > start) {
      const level = fixedLevel(q, n, clip);
      sum += p2[end] - p2[start] - 2 * level * (p1[end] - p1[start]) + level * level * (end - start);
    }
    start = end;
  }
  return sum;
}

/**
 * The clip of one group of |w| (a layer or a channel; finite, non-negative), a float32:
 * - 'max': max|w|;
 * - 'percentile' p: the nearest-rank percentile, the k-th smallest |w| with k = ceil(p N / 100)
 *   (float64 as written, at least 1); p = 100 is max|w|;
 * - 'mse': the c minimising clipError (the squared error, from prefix sums). Candidates
 *   fround(max k / MSE_GRID), k = 1..MSE_GRID; then
 *   MSE_REFINE_STEPS golden-section steps on [c(k-1), c(k+1)] around the best k (each point
 *   rounded to float32). The smallest error seen wins, the first one on equal errors, so the
 *   result is never worse than the grid's and is deterministic (one fixed order of float64 steps).
 * A clip of 0 (a percentile in a mostly-zero group) falls back to max|w|; an all-zero group gives 0.
 */
export function fixedClipOf(abs: Float32Array, n: number, scheme: FixedScheme): number {
  const { scale, percentile } = fixedOptions(scheme);
  const max = maxAbs(abs);
  if (max === 0 || scale === 'max') return max;
  if (scale === 'percentile') {
    const sorted = Float32Array.from(abs).sort();
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((percentile * sorted.length) / 100)));
    const c = sorted[rank - 1];
    return c > 0 ? c : max;
  }
  const sorted = Float32Array.from(abs).sort();
  const p1 = new Float64Array(sorted.length + 1);
  const p2 = new Float64Array(sorted.length + 1);
  for (let i = 0; i < sorted.length; i++) {
    p1[i + 1] = p1[i] + sorted[i];
    p2[i + 1] = p2[i] + sorted[i] * sorted[i];
  }
  let best = max;
  let bestError = clipError(sorted, p1, p2, n, max);
  let bestK = MSE_GRID;
  const consider = (c: number): number => {
    if (!(c > 0)) return Infinity;
    const e = clipError(sorted, p1, p2, n, c);
    if (e < bestError) {
      bestError = e;
      best = c;
    }
    return e;
  };
  for (let k = 1; k < MSE_GRID; k++) {
    const before = bestError;
    consider(fround((max * k) / MSE_GRID));
    if (bestError < before) bestK = k;
  }
  // Golden-section search on [c(k-1), c(k+1)] (points rounded to float32).
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = (max * (bestK - 1)) / MSE_GRID;
  let hi = (max * Math.min(bestK + 1, MSE_GRID)) / MSE_GRID;
  let x1 = hi - ratio * (hi - lo);
  let x2 = lo + ratio * (hi - lo);
  let e1 = consider(fround(x1));
  let e2 = consider(fround(x2));
  for (let step = 0; step < MSE_REFINE_STEPS; step++) {
    if (e1 <= e2) {
      hi = x2;
      x2 = x1;
      e2 = e1;
      x1 = hi - ratio * (hi - lo);
      e1 = consider(fround(x1));
    } else {
      lo = x1;
      x1 = x2;
      e1 = e2;
      x2 = lo + ratio * (hi - lo);
      e2 = consider(fround(x2));
    }
  }
  return best;
}

/**
 * The clip of each channel (one for granularity 'tensor'; see fixedChannelCount and fixedClipOf),
 * float32 values. Throws on NaN or ±Infinity (no finite scale).
 */
export function fixedClips(values: Float32Array, scheme: FixedScheme, shape?: readonly number[]): Float32Array {
  requireInRange('fixed bits', scheme.bits, FIXED_BITS);
  const n = fixedLevelCount(scheme.bits);
  const channels = fixedChannelCount(values.length, scheme, shape);
  const rows = values.length / channels;
  const clips = new Float32Array(channels);
  const abs = new Float32Array(rows);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < rows; r++) {
      const w = values[r * channels + c];
      if (!Number.isFinite(w)) throw new Error(`fixedCodes: weight ${r * channels + c} is ${w}; fixed point needs finite weights`);
      abs[r] = Math.abs(w);
    }
    clips[c] = fixedClipOf(abs, n, scheme);
  }
  return clips;
}

/**
 * The integer codes of one layer: code = clamp(roundHalfEven(w * n / c), -n, n), n = 2^(bits-1) - 1,
 * c the clip of the weight's channel (max|w| of the layer by default), computed exactly (see
 * fixedCode). An all-zero layer or channel gives zeros. Throws on NaN or ±Infinity (no finite
 * scale). The integer kernels store these codes; the TF.js weights are their levels.
 */
export function fixedCodes(values: Float32Array, scheme: FixedScheme, shape?: readonly number[], clips?: Float32Array): Int32Array {
  const n = fixedLevelCount(scheme.bits);
  const cs = clips ?? fixedClips(values, scheme, shape);
  const channels = cs.length;
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = cs[i % channels];
    if (c !== 0) codes[i] = fixedClippedCode(values[i], n, c);
  }
  return codes;
}

/**
 * Symmetric fixed point: fixedLevel(fixedCodes(w), c), i.e. q * c / n correctly rounded to float32,
 * q = clamp(roundHalfEven(w * n / c), -n, n) exactly, c the clip of the weight's layer or channel
 * (max|w| by default). `scheme` may be just the bits (the default clip). A layer holding NaN or
 * ±Infinity has no finite scale and gives NaN everywhere (as the tensor version). `clips`: the
 * clips fixedClips would find, when the caller has them already (one per channel).
 */
export function fixedQuantize(values: Float32Array, scheme: number | FixedScheme, shape?: readonly number[], clips?: Float32Array): Float32Array {
  const s: FixedScheme = typeof scheme === 'number' ? { kind: 'fixed', bits: scheme } : scheme;
  requireInRange('fixed bits', s.bits, FIXED_BITS);
  const n = fixedLevelCount(s.bits);
  const out = new Float32Array(values.length);
  const channelCount = fixedChannelCount(values.length, s, shape); // the shape error before the NaN fill
  if (clips && clips.length !== channelCount) throw new Error(`fixedQuantize: ${clips.length} clips given for ${channelCount} channel(s)`);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return out.fill(NaN);
  clips ??= fixedClips(values, s, shape);
  const codes = fixedCodes(values, s, shape, clips);
  const channels = clips.length;
  for (let i = 0; i < values.length; i++) out[i] = fixedLevel(codes[i], n, clips[i % channels]);
  return out;
}

/** The 2n + 1 fixed-point levels for a layer whose clip (max |w| by default) is `max` (sorted ascending). */
export function fixedLevels(bits: number, max: number): Float32Array {
  requireInRange('fixed bits', bits, FIXED_BITS);
  const n = fixedLevelCount(bits);
  if (max === 0) return new Float32Array([0]);
  const levels = new Float32Array(2 * n + 1);
  for (let index = -n; index <= n; index++) levels[index + n] = fixedLevel(index, n, max);
  return levels;
}

function validateFixed(s: FixedScheme): void {
  requireInRange('fixed bits', s.bits, FIXED_BITS);
  if (s.scale !== undefined && !FIXED_SCALES.includes(s.scale)) {
    throw new Error(`fixed scale must be ${FIXED_SCALES.join(', ')}, got ${String(s.scale)}`);
  }
  if (s.granularity !== undefined && !FIXED_GRANULARITIES.includes(s.granularity)) {
    throw new Error(`fixed granularity must be ${FIXED_GRANULARITIES.join(' or ')}, got ${String(s.granularity)}`);
  }
  if (s.percentile !== undefined) {
    const p = s.percentile;
    if (typeof p !== 'number' || !(p >= FIXED_PERCENTILE.min && p <= FIXED_PERCENTILE.max)) {
      throw new Error(`fixed percentile must be a number from ${FIXED_PERCENTILE.min} to ${FIXED_PERCENTILE.max}, got ${String(p)}`);
    }
  }
  const problem = checkFixed(s);
  if (problem) throw new Error(problem);
}

function checkFixed(s: FixedScheme): string | null {
  return s.percentile !== undefined && s.scale !== 'percentile' ? 'fixed percentile needs scale=percentile' : null;
}

function describeFixed(s: FixedScheme): string {
  const { scale, percentile, granularity } = fixedOptions(s);
  const parts: string[] = [];
  if (scale === 'percentile') parts.push(`p${percentile} clip`);
  if (scale === 'mse') parts.push('MSE clip');
  if (granularity === 'channel') parts.push('per channel');
  return `fixed ${s.bits}-bit${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export const fixedFormat: WeightFormat<FixedScheme> = {
  kind: 'fixed',
  schema: z.strictObject({
    kind: z.literal('fixed'),
    bits: z.number().int().min(FIXED_BITS.min).max(FIXED_BITS.max),
    scale: z.enum(FIXED_SCALES).optional(),
    percentile: z.number().min(FIXED_PERCENTILE.min).max(FIXED_PERCENTILE.max).optional(),
    granularity: z.enum(FIXED_GRANULARITIES).optional(),
  }),
  check: checkFixed,
  validate: validateFixed,
  defaults: { kind: 'fixed', bits: 8 },
  optionalDefaults: { scale: 'max', percentile: DEFAULT_FIXED_PERCENTILE, granularity: 'tensor' },
  normalize: (s) => {
    const { scale, percentile, granularity, ...rest } = s;
    return {
      ...rest,
      ...(scale !== undefined && scale !== 'max' ? { scale } : {}),
      ...(percentile !== undefined && percentile !== DEFAULT_FIXED_PERCENTILE ? { percentile } : {}),
      ...(granularity === 'channel' ? { granularity } : {}),
    };
  },
  quantize: (values, s, _rng, shape) => fixedQuantize(values, s, shape),
  bitsPerWeight: (s) => s.bits,
  legalValues: (s, values) => {
    // Per channel, every channel has levels of its own: no one set to draw.
    if (!values || 2 * fixedLevelCount(s.bits) + 1 > MAX_DRAWN_LEVELS || fixedOptions(s).granularity === 'channel') return null;
    if (!values.every(Number.isFinite)) return fixedLevels(s.bits, maxAbs(values));
    return fixedLevels(s.bits, fixedClips(values, s)[0]);
  },
  scaleFree: () => false,
  name: 'fixed',
  describe: describeFixed,
  description: 'Evenly spaced levels from −c to +c (c = max|w| by default): a b-bit integer multiplier.',
  formula: (s) => {
    const { scale, percentile, granularity } = fixedOptions(s);
    if (scale === 'max' && granularity === 'tensor') {
      return {
        lines: [String.raw`q=\mathrm{clamp}(\mathrm{round}(w/\Delta))\,\Delta,\ \Delta=\max|w|/(2^{${s.bits}-1}-1)`],
        hardware: `Hardware: ${s.bits === 8 || s.bits === 11 ? 'an' : 'a'} ${s.bits}-bit integer multiplier per weight.`,
      };
    }
    const of = granularity === 'channel' ? String.raw`\text{ per output channel}` : '';
    const clip =
      scale === 'max'
        ? String.raw`c=\max|w|${of}`
        : scale === 'percentile'
          ? String.raw`c=P_{${percentile}}(|w|)${of}`
          : String.raw`c=\arg\min_c \textstyle\sum (w-q)^2${of}`;
    return {
      lines: [String.raw`q=\mathrm{clamp}(\mathrm{round}(w/\Delta),-n,n)\,\Delta,\ \Delta=c/(2^{${s.bits}-1}-1),\ ${clip}`],
      hardware: `Hardware: ${s.bits === 8 || s.bits === 11 ? 'an' : 'a'} ${s.bits}-bit integer multiplier per weight.`,
    };
  },
  operand: (s) => ({ kind: 'int', bits: s.bits }),
  // The clip (per layer or per output channel) is one multiply per output value either way, folded
  // into the requantization every integer layer already does (docs/quantization.md): not charged.
  scaled: () => false,
  kernelRefusal: null,
};
