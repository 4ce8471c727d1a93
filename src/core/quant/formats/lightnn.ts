import { z } from 'zod';
import { clamp, countAtMost, fround, midpoints, MAX_UNIFORM, pow2, requireInRange, requireInteger, signOf } from '../numeric';
import type { WeightFormat } from './types';

/** LightNN-k (Ding et al.): magnitudes are sums of exactly k terms 2^-m, m in 0..LIGHTNN_MAX_EXPONENT. */
export interface LightnnScheme {
  kind: 'lightnn';
  /** Number of power-of-two terms. */
  k: number;
  /** Default 'nearest' (ties away from zero). 'stochastic' needs an rng. */
  rounding?: 'nearest' | 'stochastic';
  /** Default false: 0 is not a legal value and tiny weights go to ±(smallest magnitude). */
  allowZero?: boolean;
}

export const LIGHTNN_K = { min: 1, max: 4 };

/** Exponent codes m are 0..7, term value 2^-m. */
export const LIGHTNN_MAX_EXPONENT = 7;
/** Bits of one exponent code (a shift amount 0..LIGHTNN_MAX_EXPONENT). */
export const LIGHTNN_EXPONENT_BITS = Math.ceil(Math.log2(LIGHTNN_MAX_EXPONENT + 1));

const ROUNDINGS = ['nearest', 'stochastic'] as const;

/** Exponent multisets (m1 <= m2 <= ... ) of exactly k terms, in lexicographic order. */
function lightnnExponentMultisets(k: number): number[][] {
  const result: number[][] = [];
  const extend = (prefix: number[], from: number): void => {
    if (prefix.length === k) {
      result.push(prefix);
      return;
    }
    for (let m = from; m <= LIGHTNN_MAX_EXPONENT; m++) extend([...prefix, m], m);
  };
  extend([], 0);
  return result;
}

const termSum = (exponents: readonly number[]): number => exponents.reduce((s, m) => s + pow2(-m), 0);

const codebookCache = new Map<number, Map<number, number[]>>();

/**
 * magnitude -> exponent codes for LightNN-k. Repeated exponents are allowed (m1 = m2 gives
 * 2^(1-m), e.g. 2 = 1 + 1), as the seed writes m1, m2 = 0..7 without excluding equality.
 * From k = 3 on, several multisets can give the same sum (1 + 1/8 + 1/8 = 1/2 + 1/2 + 1/4);
 * the first in lexicographic order of the sorted codes is the canonical one.
 */
function lightnnCodebook(k: number): Map<number, number[]> {
  requireInRange('lightnn k', k, LIGHTNN_K);
  let codebook = codebookCache.get(k);
  if (!codebook) {
    codebook = new Map();
    for (const exponents of lightnnExponentMultisets(k)) {
      const magnitude = termSum(exponents);
      if (!codebook.has(magnitude)) codebook.set(magnitude, exponents);
    }
    codebookCache.set(k, codebook);
  }
  return codebook;
}

/** Legal LightNN-k magnitudes, sorted ascending and unique (all dyadic, exact in float32). */
export function lightnnLegalMagnitudes(k: number): Float64Array {
  return Float64Array.from(lightnnCodebook(k).keys()).sort();
}

/** All legal signed values: ±magnitudes, plus 0 when allowZero. Sorted ascending. */
export function lightnnLegalValues(k: number, allowZero = false): Float64Array {
  const magnitudes = Array.from(lightnnLegalMagnitudes(k));
  const negatives = magnitudes.map((m) => -m).reverse();
  return Float64Array.from([...negatives, ...(allowZero ? [0] : []), ...magnitudes]);
}

export interface LightnnOptions {
  rounding?: 'nearest' | 'stochastic';
  allowZero?: boolean;
  /** Uniform [0, 1) source; required for stochastic rounding. */
  rng?: () => number;
}

/**
 * Nearest legal value, ties away from zero, clamped to the ends. Works on |w| with sign(0) = +1,
 * which is the same as rounding in the signed set because that set is symmetric: a tie at a
 * midpoint goes to the larger magnitude, and without allowZero 0 itself goes to +min.
 */
function lightnnNearest(values: Float32Array, k: number, allowZero: boolean): Float32Array {
  const magnitudes = lightnnLegalMagnitudes(k);
  const table = allowZero ? Float64Array.from([0, ...magnitudes]) : magnitudes;
  const thresholds = midpoints(table);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const w = values[i];
    // countAtMost: a value exactly on a threshold moves up, i.e. away from zero.
    out[i] = signOf(w) * table[countAtMost(thresholds, Math.abs(w))];
  }
  return out;
}

/**
 * Stochastic rounding with given uniforms (one per value): between neighbouring legal values
 * w_l <= w < w_h pick w_h when u < p = (w - w_l) / (w_h - w_l), so E[q] = w inside the range;
 * values beyond the ends clamp, and a value that is already legal stays. Float32 arithmetic to
 * match the tf-op version; uniforms are capped at MAX_UNIFORM (float32 draws can round up to 1).
 */
export function lightnnStochasticWithUniforms(
  values: Float32Array,
  k: number,
  uniforms: ArrayLike<number>,
  allowZero = false,
): Float32Array {
  if (uniforms.length < values.length) {
    throw new Error(`need one uniform per value: ${uniforms.length} < ${values.length}`);
  }
  const legal = lightnnLegalValues(k, allowZero);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const w = values[i];
    const lowIndex = clamp(countAtMost(legal, w) - 1, 0, legal.length - 2);
    const low = legal[lowIndex];
    const high = legal[lowIndex + 1];
    const p = fround(fround(w - low) / fround(high - low));
    const u = Math.min(fround(uniforms[i]), MAX_UNIFORM);
    out[i] = u < p ? high : low;
  }
  return out;
}

/** LightNN-k quantization (no per-layer scale: the weights are plain sums of powers of two). */
export function lightnnQuantize(values: Float32Array, k: number, opts: LightnnOptions = {}): Float32Array {
  requireInRange('lightnn k', k, LIGHTNN_K);
  const allowZero = opts.allowZero ?? false;
  if ((opts.rounding ?? 'nearest') === 'nearest') return lightnnNearest(values, k, allowZero);
  const rng = opts.rng;
  if (!rng) throw new Error('lightnn stochastic rounding needs an rng');
  const uniforms = new Float64Array(values.length);
  for (let i = 0; i < uniforms.length; i++) uniforms[i] = rng();
  return lightnnStochasticWithUniforms(values, k, uniforms, allowZero);
}

/** Storage code of a LightNN weight: sign bit (1 = negative) and k exponent codes m (0..7). */
export interface LightnnCode {
  sign: 0 | 1;
  /** k codes, ascending; empty for the value 0 (legal only with allowZero). */
  exponents: number[];
}

/** Exponent codes of a legal LightNN-k value. Throws for a value that is not legal. */
export function lightnnEncode(value: number, k: number): LightnnCode {
  const sign: 0 | 1 = value < 0 ? 1 : 0;
  if (value === 0) return { sign, exponents: [] };
  const exponents = lightnnCodebook(k).get(Math.abs(value));
  if (!exponents) throw new Error(`${value} is not a legal LightNN-${k} value`);
  return { sign, exponents: [...exponents] };
}

/** Inverse of lightnnEncode: (-1)^sign * sum of 2^-m. */
export function lightnnDecode(code: LightnnCode): number {
  for (const m of code.exponents) requireInteger('lightnn exponent code', m, 0, LIGHTNN_MAX_EXPONENT);
  const magnitude = termSum(code.exponents);
  return code.sign === 1 ? -magnitude : magnitude;
}

export const lightnnFormat: WeightFormat<LightnnScheme> = {
  kind: 'lightnn',
  schema: z.strictObject({
    kind: z.literal('lightnn'),
    k: z.number().int().min(LIGHTNN_K.min).max(LIGHTNN_K.max),
    rounding: z.enum(ROUNDINGS).optional(),
    allowZero: z.boolean().optional(),
  }),
  validate: (s) => {
    requireInRange('lightnn k', s.k, LIGHTNN_K);
    if (s.rounding !== undefined && !ROUNDINGS.includes(s.rounding)) {
      throw new Error(`lightnn rounding must be 'nearest' or 'stochastic', got ${String(s.rounding)}`);
    }
  },
  defaults: { kind: 'lightnn', k: 2 },
  optionalDefaults: { rounding: 'nearest', allowZero: false },
  normalize: (s) => {
    const { rounding, allowZero, ...rest } = s;
    return { ...rest, ...(rounding === 'stochastic' ? { rounding } : {}), ...(allowZero ? { allowZero } : {}) };
  },
  needsRng: (s) => s.rounding === 'stochastic',
  evaluation: (s) => (s.rounding === 'stochastic' ? { ...s, rounding: 'nearest' } : s),
  quantize: (values, s, rng) => lightnnQuantize(values, s.k, { rounding: s.rounding, allowZero: s.allowZero, rng }),
  // Seed 003's storage figures (LightNN-1 4 bits, LightNN-2 8 bits): one 4-bit field per term. The
  // information is a sign and k 3-bit codes (1 + 3k); the padding keeps the kernels' packing
  // aligned (8 or 2 x 16 bits a u32). allowZero would need one more code and is not counted.
  bitsPerWeight: (s) => 4 * s.k,
  legalValues: (s) => Float32Array.from(lightnnLegalValues(s.k, s.allowZero ?? false)),
  scaleFree: () => true,
  name: 'LightNN',
  describe: (s) => {
    const extras: string[] = [];
    if (s.rounding === 'stochastic') extras.push('stochastic');
    if (s.allowZero) extras.push('with 0');
    const label = `LightNN-${s.k}`;
    return extras.length ? `${label} (${extras.join(', ')})` : label;
  },
  description: 'Each weight is ±(sum of K powers of two): a multiply becomes K shifts and adds.',
  formula: (s) => {
    const k = s.k;
    const terms = k === 1 ? '2^{-m_1}' : k === 2 ? '2^{-m_1}+2^{-m_2}' : String.raw`2^{-m_1}+\dots+2^{-m_${k}}`;
    const shifts = k === 1 ? 'x\\gg m_1' : k === 2 ? String.raw`x\gg m_1+x\gg m_2` : String.raw`x\gg m_1+\dots+x\gg m_${k}`;
    const value = k === 1 ? String.raw`\pm${terms}` : String.raw`\pm(${terms})`;
    return {
      lines: [
        String.raw`w\approx${value},\ m_i\in\{0,\dots,${LIGHTNN_MAX_EXPONENT}\}${s.allowZero ? String.raw`\ \text{or } 0` : ''}`,
        String.raw`w\cdot x=\pm(${shifts})`,
      ],
      hardware: k === 1 ? 'Hardware: one shift, no multiplier.' : `Hardware: ${k} shifts and ${k - 1} add${k - 1 === 1 ? '' : 's'}, no multiplier.`,
    };
  },
  operand: (s) => ({ kind: 'pow2', terms: s.k }),
  scaled: () => false,
  kernelRefusal: null,
};
