/**
 * Weight quantization schemes as plain JSON-able data, and pure quantizers on Float32Array.
 *
 * Every quantizer returns a new Float32Array and never mutates its input. Rounding is
 * round-half-to-even unless a scheme says otherwise, and sign(0) = +1 wherever a sign is taken.
 *
 * The tf-op versions in ./ste.ts agree bit for bit with these functions on the CPU backend: the
 * fixed-point, ReLU-activation and stochastic LightNN paths mirror float32 arithmetic (Math.fround
 * after each step, the same steps in the same order as the tensor ops); minifloat and LightNN
 * nearest are exact in any precision. The one exception is the binary L1 scale, which is the
 * correctly rounded mean here (so re-quantizing is idempotent) and can differ in its last bits
 * from the tf version (see binaryL1Scale).
 */

// ---------------------------------------------------------------------------------------------
// Scheme types
// ---------------------------------------------------------------------------------------------

export interface Float32Scheme {
  kind: 'float32';
}

/** Symmetric uniform fixed point with one scale per layer (max |w| maps to the top level). */
export interface FixedScheme {
  kind: 'fixed';
  /** Total bits including sign, 2..16. */
  bits: number;
}

/** IEEE-style minifloat: sign, E exponent bits, M mantissa bits, top exponent code reserved. */
export interface MinifloatScheme {
  kind: 'minifloat';
  /** 2..8 */
  exponentBits: number;
  /** 0..23 */
  mantissaBits: number;
  /** Integer; default 2^(E-1) - 1. Must keep the format's normal range overlapping float32's. */
  bias?: number;
  /** Default true. When false, values below the smallest normal go to 0 or the smallest normal. */
  subnormals?: boolean;
}

/** LightNN-k (Ding et al.): magnitudes are sums of exactly k terms 2^-m, m in 0..7. */
export interface LightnnScheme {
  kind: 'lightnn';
  /** Number of power-of-two terms, 1..4. */
  k: number;
  /** Default 'nearest' (ties away from zero). 'stochastic' needs an rng. */
  rounding?: 'nearest' | 'stochastic';
  /** Default false: 0 is not a legal value and tiny weights go to ±(smallest magnitude). */
  allowZero?: boolean;
}

/** BinaryConnect (scale 'none': ±1) or binary with the layer's mean |w| as scale ('l1': ±α). */
export interface BinaryScheme {
  kind: 'binary';
  scale: 'none' | 'l1';
  /** Latent-weight hysteresis for training (see binaryWithHysteresis); quantizeWeights ignores it. */
  hysteresis?: number;
}

export type WeightScheme = Float32Scheme | FixedScheme | MinifloatScheme | LightnnScheme | BinaryScheme;

/**
 * Activation after a hidden layer: plain ReLU, ReLU quantized to unsigned fixed point on
 * [0, clip] (see quantizeActivationFixed), or the sign function (binarized activations).
 */
export type ActivationScheme =
  /** Without bits: plain float ReLU. With bits: quantizeActivationFixed(x, bits, clip ?? 1). */
  | { kind: 'relu'; bits?: number; clip?: number }
  | { kind: 'sign' };

/** Clip used for quantized ReLU activations when the scheme does not give one. */
export const DEFAULT_ACTIVATION_CLIP = 1;

// ---------------------------------------------------------------------------------------------
// Numeric helpers
// ---------------------------------------------------------------------------------------------

const fround = Math.fround;
const pow2 = (k: number): number => Math.pow(2, k); // exact for integer k in [-1074, 1023]

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

const signOf = (w: number): number => (w < 0 ? -1 : 1); // sign(0) = +1

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}

function requireInteger(name: string, value: unknown, lo: number, hi: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new Error(`${name} must be an integer ${lo}..${hi}, got ${String(value)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** Allowed bias range for E exponent bits (see minifloatBiasRange). */
export function minifloatBiasRange(exponentBits: number): { min: number; max: number } {
  // The format's normal exponents [1 - bias, 2^E - 2 - bias] must overlap float32's [-126, 127],
  // otherwise every weight would flush to 0 or saturate once stored as float32.
  return { min: -126, max: pow2(exponentBits) + 124 };
}

/** Throws a clear Error when a scheme's parameters are out of range. */
export function validateWeightScheme(scheme: WeightScheme): void {
  switch (scheme.kind) {
    case 'float32':
      return;
    case 'fixed':
      requireInteger('fixed bits', scheme.bits, 2, 16);
      return;
    case 'minifloat': {
      requireInteger('minifloat exponentBits', scheme.exponentBits, 2, 8);
      requireInteger('minifloat mantissaBits', scheme.mantissaBits, 0, 23);
      if (scheme.bias !== undefined) {
        const { min, max } = minifloatBiasRange(scheme.exponentBits);
        requireInteger(`minifloat bias (E=${scheme.exponentBits})`, scheme.bias, min, max);
      }
      if (scheme.subnormals !== undefined && typeof scheme.subnormals !== 'boolean') {
        throw new Error(`minifloat subnormals must be a boolean, got ${String(scheme.subnormals)}`);
      }
      return;
    }
    case 'lightnn':
      requireInteger('lightnn k', scheme.k, 1, 4);
      if (scheme.rounding !== undefined && scheme.rounding !== 'nearest' && scheme.rounding !== 'stochastic') {
        throw new Error(`lightnn rounding must be 'nearest' or 'stochastic', got ${String(scheme.rounding)}`);
      }
      return;
    case 'binary':
      if (scheme.scale !== 'none' && scheme.scale !== 'l1') {
        throw new Error(`binary scale must be 'none' or 'l1', got ${String(scheme.scale)}`);
      }
      if (scheme.hysteresis !== undefined && !(scheme.hysteresis >= 0 && Number.isFinite(scheme.hysteresis))) {
        throw new Error(`binary hysteresis must be a finite number >= 0, got ${String(scheme.hysteresis)}`);
      }
      return;
    default: {
      const unknown: never = scheme;
      throw new Error(`unknown weight scheme kind: ${JSON.stringify(unknown)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fixed point
// ---------------------------------------------------------------------------------------------

/** n = 2^(bits-1) - 1: the largest level index, so there are 2n + 1 = 2^bits - 1 levels. */
export function fixedLevelCount(bits: number): number {
  return pow2(bits - 1) - 1;
}

/**
 * Power-of-two prescale for a uniform grid with top level `max`: 1 normally, 2^-64 for layers
 * above 2^100, where w * n (n < 2^17) could overflow float32. Scaling by a power of two is exact
 * (a weight it pushes into float32's subnormals is far below one grid step anyway).
 */
export function gridPrescale(max: number): number {
  return max > pow2(100) ? pow2(-64) : 1;
}

/**
 * Index of w on the grid {i * max / n}: roundHalfEven((w * n) / max) in float32 arithmetic.
 * Multiplying by n before dividing by max keeps exact ties exact (with step = max / n rounded to
 * float32 first, 0.5 with max 1 and n 7 would read 3.49999 instead of the tie 3.5).
 */
function gridIndex(w: number, n: number, max: number, prescale: number): number {
  return roundHalfEven(fround(fround(fround(w * prescale) * n) / fround(max * prescale)));
}

/**
 * Symmetric fixed point: index = clamp(roundHalfEven(w / step), -n, n), step = max|w| / n,
 * computed as (w * n) / max (see gridIndex). The output is (index / n) * max rather than
 * index * step so that the layer's max is reproduced exactly; re-quantizing then sees the same
 * scale, which makes the quantizer idempotent. Float32 arithmetic (fround after each step), the
 * same steps as the tf-op version.
 */
export function fixedQuantize(values: Float32Array, bits: number): Float32Array {
  requireInteger('fixed bits', bits, 2, 16);
  const n = fixedLevelCount(bits);
  const max = maxAbs(values);
  const out = new Float32Array(values.length);
  if (max === 0) return out; // all zeros (avoids 0 / 0)
  const prescale = gridPrescale(max);
  for (let i = 0; i < values.length; i++) {
    const index = clamp(gridIndex(values[i], n, max, prescale), -n, n);
    out[i] = fround(fround(index / n) * max);
  }
  return out;
}

/** The 2n + 1 fixed-point levels for a layer whose max |w| is `max` (sorted ascending). */
export function fixedLevels(bits: number, max: number): Float32Array {
  requireInteger('fixed bits', bits, 2, 16);
  const n = fixedLevelCount(bits);
  if (max === 0) return new Float32Array([0]);
  const levels = new Float32Array(2 * n + 1);
  for (let index = -n; index <= n; index++) levels[index + n] = fround(fround(index / n) * max);
  return levels;
}

// ---------------------------------------------------------------------------------------------
// Minifloat
// ---------------------------------------------------------------------------------------------

/** Resolved minifloat parameters. */
export interface MinifloatFormat {
  exponentBits: number;
  mantissaBits: number;
  bias: number;
  subnormals: boolean;
  /** Smallest and largest normal exponents: 1 - bias and 2^E - 2 - bias (top code reserved). */
  minNormalExponent: number;
  maxNormalExponent: number;
  /** Largest finite value, capped at the largest one float32 can hold (see minifloatQuantize). */
  maxFinite: number;
  /** Smallest normal value 2^(1 - bias). */
  minNormal: number;
}

export function defaultMinifloatBias(exponentBits: number): number {
  return pow2(exponentBits - 1) - 1;
}

export function minifloatFormat(scheme: MinifloatScheme): MinifloatFormat {
  validateWeightScheme(scheme);
  const { exponentBits, mantissaBits } = scheme;
  const bias = scheme.bias ?? defaultMinifloatBias(exponentBits);
  const minNormalExponent = 1 - bias;
  const maxNormalExponent = pow2(exponentBits) - 2 - bias;
  // A format wider than float32 saturates at its largest value that float32 can hold.
  const maxFinite = (2 - pow2(-mantissaBits)) * pow2(Math.min(maxNormalExponent, 127));
  return {
    exponentBits,
    mantissaBits,
    bias,
    subnormals: scheme.subnormals ?? true,
    minNormalExponent,
    maxNormalExponent,
    maxFinite,
    minNormal: pow2(minNormalExponent),
  };
}

/** Rounds one magnitude a >= 0 (float64, exact) to the format. */
function minifloatRoundMagnitude(a: number, f: MinifloatFormat): number {
  if (a === 0 || Number.isNaN(a)) return a;
  if (a === Infinity) return f.maxFinite; // saturates like any value beyond the range
  if (!f.subnormals && a < f.minNormal) {
    // Flush: nearest of 0 and the smallest normal, ties to 0 (the same answer the M = 0 subnormal
    // grid would give with round-half-even, since 0 is the even neighbour).
    return a > f.minNormal / 2 ? f.minNormal : 0;
  }
  // Below the smallest normal the grid is the subnormal step 2^(1 - bias - M); above the top
  // exponent we keep its grid and saturate afterwards.
  const exponent = clamp(floorLog2(a), f.minNormalExponent, f.maxNormalExponent);
  const quantum = pow2(exponent - f.mantissaBits);
  const rounded = roundHalfEven(a / quantum) * quantum; // exact: dividing by a power of two
  return Math.min(rounded, f.maxFinite);
}

/**
 * IEEE-style minifloat rounding (nearest, ties to even mantissa), saturating beyond the largest
 * finite value with the sign kept (Infinity too). Computed in float64, where every step is exact,
 * then stored as float32. E=8, M=23, bias 127 is the identity on every float32 (including -0);
 * NaN stays NaN. A format reaching past float32's range (small bias with E=8) saturates at its
 * largest float32-representable value; one whose subnormals go below float32's leaves such tiny
 * inputs unchanged (float32 cannot hold anything finer).
 */
export function minifloatQuantize(values: Float32Array, scheme: MinifloatScheme): Float32Array {
  const format = minifloatFormat(scheme);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const w = values[i];
    const magnitude = minifloatRoundMagnitude(Math.abs(w), format);
    out[i] = w < 0 || Object.is(w, -0) ? -magnitude : magnitude;
  }
  return out;
}

/** All finite values of a minifloat format that float32 can hold, sorted ascending, unique. */
export function minifloatFiniteValues(scheme: MinifloatScheme): Float32Array {
  const f = minifloatFormat(scheme);
  const magnitudes = new Set<number>([0]);
  const mantissaCount = pow2(f.mantissaBits);
  if (f.subnormals) {
    const subnormalStep = pow2(f.minNormalExponent - f.mantissaBits);
    for (let m = 1; m < mantissaCount; m++) magnitudes.add(fround(m * subnormalStep));
  }
  for (let e = f.minNormalExponent; e <= f.maxNormalExponent; e++) {
    for (let m = 0; m < mantissaCount; m++) {
      const value = (1 + m / mantissaCount) * pow2(e);
      if (value <= f.maxFinite) magnitudes.add(fround(value));
    }
  }
  const positive = [...magnitudes].sort((a, b) => a - b);
  const all = [...positive.slice(1).reverse().map((v) => -v), ...positive];
  return Float32Array.from(all);
}

/** Result of minExponentBits: the exponent range a layer needs and the matching format. */
export interface ExponentRange {
  /** floor(log2(max |w|)). */
  eMax: number;
  /** floor(log2(q)), q the 1st percentile of the non-zero |w| (see minExponentBits). */
  eMin: number;
  /** Fewest exponent bits whose 2^E - 2 normal exponents cover eMin..eMax, clamped to 2..8. */
  eMinBits: number;
  /** autoBias for E = eMinBits. */
  autoBias: number;
}

/** Non-zero finite magnitudes of a layer, sorted ascending. */
function sortedNonZeroMagnitudes(values: Float32Array): Float64Array {
  const magnitudes: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > 0 && a < Infinity) magnitudes.push(a);
  }
  return Float64Array.from(magnitudes).sort();
}

/**
 * The project's rule for choosing minifloat exponent bits for a layer:
 * e_max = floor(log2(max|w|)); e_min = floor(log2(q)) with q the 1st percentile of the non-zero
 * |w|, defined as sorted[floor(0.01 * (count - 1))] over the non-zero |w| sorted ascending;
 * E = ceil(log2(e_max - e_min + 3)) clamped to 2..8 (the 2^E - 2 normal exponents must cover
 * e_min..e_max); autoBias = 2^E - 2 - e_max.
 * A layer with no non-zero (finite) weight reports eMax = eMin = 0, E = 2, autoBias = 2.
 */
export function minExponentBits(values: Float32Array): ExponentRange {
  const magnitudes = sortedNonZeroMagnitudes(values);
  if (magnitudes.length === 0) return { eMax: 0, eMin: 0, eMinBits: 2, autoBias: biasForTopExponent(2, 0) };
  const eMax = floorLog2(magnitudes[magnitudes.length - 1]);
  const percentile = magnitudes[Math.floor(0.01 * (magnitudes.length - 1))];
  const eMin = floorLog2(percentile);
  const eMinBits = clamp(ceilLog2(eMax - eMin + 3), 2, 8);
  return { eMax, eMin, eMinBits, autoBias: biasForTopExponent(eMinBits, eMax) };
}

/** Smallest integer E with 2^E >= n (n >= 1), without floating-point log. */
function ceilLog2(n: number): number {
  let e = 0;
  while (pow2(e) < n) e++;
  return e;
}

/** Bias that puts the largest normal exponent at eMax, clamped to the allowed bias range. */
function biasForTopExponent(exponentBits: number, eMax: number): number {
  const { min, max } = minifloatBiasRange(exponentBits);
  return clamp(pow2(exponentBits) - 2 - eMax, min, max);
}

/**
 * autoBias(E) = 2^E - 2 - e_max: the bias that makes the format's largest normal exponent equal
 * to the layer's e_max (clamped to the allowed bias range, which only matters for layers whose
 * max |w| is below 2^-126).
 */
export function autoBias(values: Float32Array, exponentBits: number): number {
  requireInteger('minifloat exponentBits', exponentBits, 2, 8);
  const magnitudes = sortedNonZeroMagnitudes(values);
  const eMax = magnitudes.length === 0 ? 0 : floorLog2(magnitudes[magnitudes.length - 1]);
  return biasForTopExponent(exponentBits, eMax);
}

// ---------------------------------------------------------------------------------------------
// LightNN
// ---------------------------------------------------------------------------------------------

/** Exponent codes m are 0..7 (3 bits each), term value 2^-m. */
export const LIGHTNN_MAX_EXPONENT = 7;

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
  requireInteger('lightnn k', k, 1, 4);
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

/** Largest usable uniform: keeps u < 1 after rounding to float32, so p = 1 always picks w_h. */
export const MAX_UNIFORM = 1 - pow2(-24);

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
  requireInteger('lightnn k', k, 1, 4);
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

// ---------------------------------------------------------------------------------------------
// Binary
// ---------------------------------------------------------------------------------------------

/**
 * alpha = ||W||_1 / n, summed in float64 and rounded to float32 once. With a single rounding,
 * re-quantizing ±alpha gives alpha back exactly (n copies of a float32 add up exactly in float64),
 * so the quantizer is idempotent. tf.sum on the CPU backend rounds the sum to float32 before the
 * division, so the tf-op version in ./ste.ts can differ from this alpha in its last bits
 * (relative 2^-22).
 * An empty layer gets alpha 0.
 */
export function binaryL1Scale(values: Float32Array): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.abs(values[i]);
  return fround(sum / values.length);
}

/** sign(w) (sign(0) = +1), times alpha = mean |w| for scale 'l1'. */
export function binaryQuantize(values: Float32Array, scale: 'none' | 'l1'): Float32Array {
  const alpha = scale === 'l1' ? binaryL1Scale(values) : 1;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = signOf(values[i]) * alpha;
  return out;
}

/**
 * Binary signs with hysteresis on the latent weights (seed 002 uses h = 0.1): a sign flips only
 * when w crosses the opposite threshold, from +1 to -1 when w < -h, from -1 to +1 when w > h.
 * A previous sign of 0 means "no state yet" and takes sign(w) (sign(0) = +1).
 */
export function binaryWithHysteresis(values: Float32Array, previousSigns: Int8Array, h: number): Int8Array {
  if (previousSigns.length !== values.length) {
    throw new Error(`previousSigns has ${previousSigns.length} entries for ${values.length} weights`);
  }
  if (!(h >= 0 && Number.isFinite(h))) throw new Error(`hysteresis must be a finite number >= 0, got ${h}`);
  const signs = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const w = values[i];
    const previous = previousSigns[i];
    if (previous > 0) signs[i] = w < -h ? -1 : 1;
    else if (previous < 0) signs[i] = w > h ? 1 : -1;
    else signs[i] = signOf(w);
  }
  return signs;
}

// ---------------------------------------------------------------------------------------------
// Dispatch, sizes, labels
// ---------------------------------------------------------------------------------------------

/**
 * Quantizes one layer's weights. Pure: returns a new array, scale (fixed, binary l1) taken from
 * `values`. `rng` is needed only for LightNN stochastic rounding. Binary hysteresis is ignored
 * here (it needs state across steps; see binaryWithHysteresis).
 */
export function quantizeWeights(values: Float32Array, scheme: WeightScheme, rng?: () => number): Float32Array {
  validateWeightScheme(scheme);
  switch (scheme.kind) {
    case 'float32':
      return Float32Array.from(values);
    case 'fixed':
      return fixedQuantize(values, scheme.bits);
    case 'minifloat':
      return minifloatQuantize(values, scheme);
    case 'lightnn':
      return lightnnQuantize(values, scheme.k, { rounding: scheme.rounding, allowZero: scheme.allowZero, rng });
    case 'binary':
      return binaryQuantize(values, scheme.scale);
  }
}

/**
 * Storage bits per weight. LightNN follows seed 003's storage figures (LightNN-1 4 bits, LightNN-2
 * 8 bits): one 4-bit field per term, 4k. The information is a sign and k 3-bit exponent codes
 * (1 + 3k), so for k >= 2 one bit per extra term is padding, which also keeps the kernels' packing
 * aligned (8 or 2 x 16 bits a u32). allowZero would need one more code and is not counted.
 */
export function bitsPerWeight(scheme: WeightScheme): number {
  validateWeightScheme(scheme);
  switch (scheme.kind) {
    case 'float32':
      return 32;
    case 'fixed':
      return scheme.bits;
    case 'minifloat':
      return 1 + scheme.exponentBits + scheme.mantissaBits;
    case 'lightnn':
      return 4 * scheme.k;
    case 'binary':
      return 1;
  }
}

/** Sets larger than this are not worth drawing over a histogram. */
const MAX_DRAWN_LEVELS = 4096;

/**
 * The legal values (sorted ascending) when the set is small enough to draw, else null:
 * fixed with bits <= 12 (needs `values` for the scale), minifloat with 1 + E + M <= 12 bits,
 * LightNN, binary (±1, or ±alpha which needs `values`). float32 and scale-dependent schemes
 * without `values` give null.
 */
export function legalValues(scheme: WeightScheme, values?: Float32Array): Float32Array | null {
  validateWeightScheme(scheme);
  switch (scheme.kind) {
    case 'float32':
      return null;
    case 'fixed':
      if (!values || 2 * fixedLevelCount(scheme.bits) + 1 > MAX_DRAWN_LEVELS) return null;
      return fixedLevels(scheme.bits, maxAbs(values));
    case 'minifloat':
      return bitsPerWeight(scheme) <= 12 ? minifloatFiniteValues(scheme) : null;
    case 'lightnn':
      return Float32Array.from(lightnnLegalValues(scheme.k, scheme.allowZero ?? false));
    case 'binary': {
      if (scheme.scale === 'none') return Float32Array.from([-1, 1]);
      if (!values) return null;
      const alpha = binaryL1Scale(values);
      return alpha === 0 ? Float32Array.from([0]) : Float32Array.from([-alpha, alpha]);
    }
  }
}

/** Short human label, e.g. "fixed 4-bit", "minifloat E4M3", "LightNN-2", "BinaryConnect ±1". */
export function describeScheme(scheme: WeightScheme): string {
  switch (scheme.kind) {
    case 'float32':
      return 'float32';
    case 'fixed':
      return `fixed ${scheme.bits}-bit`;
    case 'minifloat': {
      const extras: string[] = [];
      if (scheme.bias !== undefined && scheme.bias !== defaultMinifloatBias(scheme.exponentBits)) {
        extras.push(`bias ${scheme.bias}`);
      }
      if (scheme.subnormals === false) extras.push('no subnormals');
      const label = `minifloat E${scheme.exponentBits}M${scheme.mantissaBits}`;
      return extras.length ? `${label} (${extras.join(', ')})` : label;
    }
    case 'lightnn': {
      const extras: string[] = [];
      if (scheme.rounding === 'stochastic') extras.push('stochastic');
      if (scheme.allowZero) extras.push('with 0');
      const label = `LightNN-${scheme.k}`;
      return extras.length ? `${label} (${extras.join(', ')})` : label;
    }
    case 'binary':
      return scheme.scale === 'none' ? 'BinaryConnect ±1' : 'binary ±α (L1)';
  }
}

// ---------------------------------------------------------------------------------------------
// Activation helpers
// ---------------------------------------------------------------------------------------------

/**
 * Input pixels in [0, 1] to `bits` bits: round(x * L) / L with L = 2^bits - 1, round half even,
 * x clamped to [0, 1] first. Float64 arithmetic, stored as float32.
 */
export function quantizeInput(x: Float32Array, bits: number): Float32Array {
  requireInteger('input bits', bits, 1, 8);
  const levels = pow2(bits) - 1;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = roundHalfEven(clamp(x[i], 0, 1) * levels) / levels;
  return out;
}

/**
 * Unsigned ReLU fixed point: clamp(x, 0, clip) on the grid step = clip / L, L = 2^bits - 1,
 * round half even. Same float32 steps as fixedQuantize with clip in place of max|w| (so x >= clip
 * gives exactly clip, and the tf-op version in ./ste.ts matches bit for bit).
 */
export function quantizeActivationFixed(x: Float32Array, bits: number, clip: number): Float32Array {
  requireInteger('activation bits', bits, 1, 16);
  const clip32 = fround(clip);
  if (!(clip32 > 0 && clip32 < Infinity)) throw new Error(`activation clip must be a finite float32 > 0, got ${clip}`);
  const levels = pow2(bits) - 1;
  const prescale = gridPrescale(clip32);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const index = clamp(gridIndex(clamp(x[i], 0, clip32), levels, clip32, prescale), 0, levels);
    out[i] = fround(fround(index / levels) * clip32);
  }
  return out;
}

/** Sign activation: +1 for x >= 0 (including 0), else -1. */
export function signActivation(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = signOf(x[i]);
  return out;
}
