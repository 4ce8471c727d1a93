/**
 * Weight quantization schemes as plain JSON-able data, and pure quantizers on Float32Array. Each
 * format's rules live in ./formats/ (one file per kind, looked up through WEIGHT_FORMATS); this
 * module dispatches to them and holds the activation and input quantizers.
 *
 * Every quantizer returns a new Float32Array and never mutates its input. Rounding is
 * round-half-to-even unless a scheme says otherwise, and sign(0) = +1 wherever a sign is taken.
 *
 * The tf-op versions in ../../tf/ste.ts agree bit for bit with these functions on the CPU backend:
 * fixed point is exact here (codes and levels correctly rounded, see formats/fixed.ts) and there
 * (exact tables, see fixedTables in ste.ts); the ReLU activation's level index is exact here
 * (activationIndex) and there (activationThresholds searched), its value (index / L) * clip the
 * same two float32 roundings in both; the stochastic LightNN path mirrors float32 arithmetic
 * (Math.fround after each step, the same steps in the same order as the tensor ops); minifloat
 * and LightNN nearest are exact in any precision. The exceptions are the
 * per-layer mean scales (binary L1, ternary), correctly rounded means here (so re-quantizing is
 * idempotent) that can differ in their last bits from the tf versions (see binaryL1Scale).
 */
import { formatOf, type WeightScheme } from './formats';
import { clamp, fround, pow2, requireInRange, roundHalfEven, signOf } from './numeric';

export {
  evaluationScheme,
  formatOf,
  WEIGHT_FORMATS,
  WEIGHT_KINDS,
  type BinaryScheme,
  type FixedScheme,
  type Float32Scheme,
  type LightnnScheme,
  type MinifloatScheme,
  type SchemeOf,
  type TernaryScheme,
  type WeightFormat,
  type WeightKind,
  type WeightScheme,
} from './formats';
export * from './formats/binary';
export * from './formats/fixed';
export * from './formats/lightnn';
export * from './formats/ternary';
export {
  autoBias,
  biasForTopExponent,
  defaultMinifloatBias,
  exponentRangeOf,
  minExponentBits,
  nonNormalExponentCodes,
  minifloatBiasRange,
  minifloatFiniteValues,
  minifloatFormat,
  minifloatQuantize,
  FLOAT_FORMATS,
  MINIFLOAT_EXPONENT_BITS,
  MINIFLOAT_MANTISSA_BITS,
  MINIFLOAT_OVERFLOWS,
  MINIFLOAT_TOPS,
  type ExponentRange,
  type ExponentTop,
  type MinifloatFormat,
  type MinifloatOverflow,
  type MinifloatTop,
} from './formats/minifloat';
export { countAtMost, FLOAT32_MAX, floorLog2, gridPrescale, MAX_UNIFORM, midpoints, roundHalfEven } from './numeric';

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

export const INPUT_BITS = { min: 1, max: 8 };
export const ACTIVATION_BITS = { min: 1, max: 16 };

// ---------------------------------------------------------------------------------------------
// Dispatch to the registry
// ---------------------------------------------------------------------------------------------

/** Throws a clear Error when a scheme's parameters are out of range. */
export function validateWeightScheme(scheme: WeightScheme): void {
  formatOf(scheme).validate(scheme);
}

/**
 * Quantizes one layer's weights. Pure: returns a new array, scale (fixed, binary l1, ternary)
 * taken from `values`. `rng` is needed only for LightNN stochastic rounding, `shape` (the layer's
 * weight shape, output channels last) only for per-channel fixed-point scales. Binary hysteresis is
 * ignored here (it needs state across steps; see binaryWithHysteresis).
 */
export function quantizeWeights(values: Float32Array, scheme: WeightScheme, rng?: () => number, shape?: readonly number[]): Float32Array {
  const format = formatOf(scheme);
  format.validate(scheme);
  return format.quantize(values, scheme, rng, shape);
}

/** Storage bits per weight. */
export function bitsPerWeight(scheme: WeightScheme): number {
  const format = formatOf(scheme);
  format.validate(scheme);
  return format.bitsPerWeight(scheme);
}

/**
 * The legal values (sorted ascending) when the set is small enough to draw, else null. Schemes
 * with a per-layer scale need `values`; float32 gives null.
 */
export function legalValues(scheme: WeightScheme, values?: Float32Array): Float32Array | null {
  const format = formatOf(scheme);
  format.validate(scheme);
  return format.legalValues(scheme, values);
}

/** Short human label, e.g. "fixed 4-bit", "minifloat E4M3", "LightNN-2", "BinaryConnect ±1". */
export function describeScheme(scheme: WeightScheme): string {
  return formatOf(scheme).describe(scheme);
}

// ---------------------------------------------------------------------------------------------
// Activation and input helpers
// ---------------------------------------------------------------------------------------------

/** L = 2^bits - 1, the top input level (inputs are [0, 1] pixels). */
export function inputLevels(bits: number): number {
  requireInRange('input bits', bits, INPUT_BITS);
  return pow2(bits) - 1;
}

/**
 * Input pixels in [0, 1] to `bits` bits: round(x * L) / L with L = 2^bits - 1, round half even,
 * x clamped to [0, 1] first. Float64 arithmetic, stored as float32.
 */
export function quantizeInput(x: Float32Array, bits: number): Float32Array {
  const levels = inputLevels(bits);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = roundHalfEven(clamp(x[i], 0, 1) * levels) / levels;
  return out;
}

/** L = 2^bits - 1 and the clip as float32, checked: the grid of a quantized ReLU. */
export function activationGrid(bits: number, clip: number): { levels: number; clip32: number } {
  requireInRange('activation bits', bits, ACTIVATION_BITS);
  const clip32 = fround(clip);
  if (!(clip32 > 0 && clip32 < Infinity)) throw new Error(`activation clip must be a finite float32 > 0, got ${clip}`);
  return { levels: pow2(bits) - 1, clip32 };
}

/**
 * The level index of a quantized ReLU: round half to even of a * L / c, a = clamp(x, 0, c), exactly
 * (as if computed with real numbers) for every float32 x and clip c (a finite float32 > 0),
 * L = 2^bits - 1 <= 2^16 - 1. NaN gives NaN.
 *
 * Exact in float64: a * L (24 + 16 significant bits), 2 a L and (2i ± 1) c (24 + 17 bits) are exact
 * float64 products (no overflow or underflow for float32 inputs), so only the first guess
 * i = roundHalfEven(a * L / c) is rounded; its error (below 2^-36 for a quotient up to 2^16) can
 * put it one off only next to a half-integer, and one comparison with the exact tie points
 * (2i - 1) c and (2i + 1) c settles it, ties to the even index.
 */
export function activationIndex(x: number, levels: number, clip32: number): number {
  const a = clamp(x, 0, clip32);
  const twice = 2 * a * levels;
  let i = roundHalfEven((a * levels) / clip32);
  const upper = (2 * i + 1) * clip32;
  const lower = (2 * i - 1) * clip32;
  if (twice > upper || (twice === upper && i % 2 === 1)) i += 1;
  else if (twice < lower || (twice === lower && i % 2 === 1)) i -= 1;
  return clamp(i, 0, levels);
}

const activationThresholdCache = new Map<string, Float32Array>();
/** Tables kept (one per bits and clip; QAT recalibrates clips once an epoch). */
const ACTIVATION_THRESHOLD_CACHE = 32;

/**
 * The thresholds of a quantized ReLU's levels: T_k (k = 0..L-1) is the smallest float32 x whose
 * activationIndex is above k, so the index of any float32 x is the number of thresholds <= x (what
 * tf.searchSorted 'right' counts, with exact comparisons on every backend). Each starts from the
 * tie point (2k + 1) c / 2L rounded to float32 and steps to the neighbouring float32 while the
 * exact index says it is on the wrong side. Ascending, in (0, c]. Cached per (bits, clip).
 */
export function activationThresholds(bits: number, clip: number): Float32Array {
  const { levels, clip32 } = activationGrid(bits, clip);
  const key = `${bits}|${clip32}`;
  const hit = activationThresholdCache.get(key);
  if (hit) return hit;
  const bitsOf = new Float32Array(1);
  const word = new Uint32Array(bitsOf.buffer);
  const step = (x: number, by: number) => {
    bitsOf[0] = x;
    word[0] += by; // x > 0: the next (by = 1) or previous (by = -1) float32
    return bitsOf[0];
  };
  const thresholds = new Float32Array(levels);
  for (let k = 0; k < levels; k++) {
    let t = fround(((2 * k + 1) * clip32) / (2 * levels));
    while (t > 0 && activationIndex(t, levels, clip32) > k) t = step(t, -1);
    while (activationIndex(t, levels, clip32) <= k) t = t === 0 ? pow2(-149) : step(t, 1);
    // t is above k; the float32 below it (if any) is not: the smallest such float32.
    thresholds[k] = t;
  }
  if (activationThresholdCache.size >= ACTIVATION_THRESHOLD_CACHE) activationThresholdCache.clear();
  activationThresholdCache.set(key, thresholds);
  return thresholds;
}

/**
 * Unsigned ReLU fixed point: clamp(x, 0, clip) on the grid step = clip / L, L = 2^bits - 1: the
 * level index is round half to even of clamp(x, 0, clip) * L / clip computed exactly
 * (activationIndex), the value (index / L) * clip in float32 steps (RN(RN(index / L) * clip)), so
 * x >= clip gives exactly clip. The tf-op version in ./ste.ts matches bit for bit (the index by
 * searching activationThresholds).
 */
export function quantizeActivationFixed(x: Float32Array, bits: number, clip: number): Float32Array {
  const { levels, clip32 } = activationGrid(bits, clip);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fround(fround(activationIndex(x[i], levels, clip32) / levels) * clip32);
  return out;
}

/** Sign activation: +1 for x >= 0 (including 0), else -1. */
export function signActivation(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = signOf(x[i]);
  return out;
}
