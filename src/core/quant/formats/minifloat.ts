import { z } from 'zod';
import { clamp, floorLog2, fround, pow2, requireInRange, requireInteger, roundHalfEven } from '../numeric';
import type { WeightFormat } from './types';

/**
 * What the all-ones exponent field means:
 * - 'ieee': reserved for ±Infinity (mantissa 0) and NaN, as IEEE 754 (fp16, bf16, FP8 E5M2);
 * - 'fn': finite except the all-ones mantissa, which is NaN; no infinities (OCP FP8 E4M3FN: 448);
 * - 'finite': every code is a number, no NaN, no infinities (OCP MX FP6/FP4 style).
 */
export type MinifloatTop = 'ieee' | 'fn' | 'finite';
export const MINIFLOAT_TOPS: readonly MinifloatTop[] = ['ieee', 'fn', 'finite'];

/** Beyond the largest finite value: clamp to it, or give ±Infinity (formats that have it only). */
export type MinifloatOverflow = 'saturate' | 'inf';
export const MINIFLOAT_OVERFLOWS: readonly MinifloatOverflow[] = ['saturate', 'inf'];

/** Sign, E exponent bits, M mantissa bits; by default IEEE-style (top exponent code reserved). */
export interface MinifloatScheme {
  kind: 'minifloat';
  exponentBits: number;
  mantissaBits: number;
  /** Integer; default 2^(E-1) - 1. Must keep the format's normal range overlapping float32's. */
  bias?: number;
  /**
   * Default true. When false, results below the smallest normal are flushed to ±0 (flush to zero,
   * tininess detected before rounding: every |w| < minNormal gives 0).
   */
  subnormals?: boolean;
  /** Default 'ieee'. */
  top?: MinifloatTop;
  /** Default 'saturate'; 'inf' needs top 'ieee'. */
  overflow?: MinifloatOverflow;
}

export const MINIFLOAT_EXPONENT_BITS = { min: 2, max: 8 };
export const MINIFLOAT_MANTISSA_BITS = { min: 0, max: 23 };

/**
 * The standard formats as schemes quantizeWeights takes: the values are the standards' own (no
 * per-layer scale: minifloat quantization is absolute, a weight w becomes the format's value
 * nearest to w; only `bias` moves the range, and these keep the standard bias). They saturate on
 * overflow; add overflow: 'inf' for IEEE's ±Infinity (fp16, bf16, fp8e5m2).
 */
export const FLOAT_FORMATS = {
  /** IEEE 754 binary16: bias 15, max 65504, min normal 2^-14, min subnormal 2^-24. */
  fp16: { kind: 'minifloat', exponentBits: 5, mantissaBits: 10 },
  /** bfloat16 (float32's top 16 bits): bias 127, max (2 - 2^-7) 2^127, min subnormal 2^-133. */
  bf16: { kind: 'minifloat', exponentBits: 8, mantissaBits: 7 },
  /** OCP FP8 E4M3FN: bias 7, no infinities, only S.1111.111 is NaN: max 448, min subnormal 2^-9. */
  fp8e4m3fn: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3, top: 'fn' },
  /** OCP FP8 E5M2 (IEEE-style): bias 15, max 57344, min normal 2^-14, min subnormal 2^-16. */
  fp8e5m2: { kind: 'minifloat', exponentBits: 5, mantissaBits: 2 },
} as const satisfies Record<string, MinifloatScheme>;

/** Allowed bias range for E exponent bits. */
export function minifloatBiasRange(exponentBits: number): { min: number; max: number } {
  // The format's normal exponents [1 - bias, 2^E - 2 - bias] must overlap float32's [-126, 127],
  // otherwise every weight would flush to 0 or saturate once stored as float32.
  return { min: -126, max: pow2(exponentBits) + 124 };
}

export function defaultMinifloatBias(exponentBits: number): number {
  return pow2(exponentBits - 1) - 1;
}

/** Why overflow=inf does not fit the top, or null. */
function overflowProblem(top: MinifloatTop, overflow: MinifloatOverflow): string | null {
  return overflow === 'inf' && top !== 'ieee'
    ? `minifloat overflow=inf needs infinities, which only top=ieee has (top=${top} has none: use overflow=saturate)`
    : null;
}

function validateMinifloat(scheme: MinifloatScheme): void {
  requireInRange('minifloat exponentBits', scheme.exponentBits, MINIFLOAT_EXPONENT_BITS);
  requireInRange('minifloat mantissaBits', scheme.mantissaBits, MINIFLOAT_MANTISSA_BITS);
  if (scheme.bias !== undefined) {
    const { min, max } = minifloatBiasRange(scheme.exponentBits);
    requireInteger(`minifloat bias (E=${scheme.exponentBits})`, scheme.bias, min, max);
  }
  if (scheme.subnormals !== undefined && typeof scheme.subnormals !== 'boolean') {
    throw new Error(`minifloat subnormals must be a boolean, got ${String(scheme.subnormals)}`);
  }
  if (scheme.top !== undefined && !MINIFLOAT_TOPS.includes(scheme.top)) {
    throw new Error(`minifloat top must be 'ieee', 'fn' or 'finite', got ${String(scheme.top)}`);
  }
  if (scheme.overflow !== undefined && !MINIFLOAT_OVERFLOWS.includes(scheme.overflow)) {
    throw new Error(`minifloat overflow must be 'saturate' or 'inf', got ${String(scheme.overflow)}`);
  }
  const problem = overflowProblem(scheme.top ?? 'ieee', scheme.overflow ?? 'saturate');
  if (problem) throw new Error(problem);
}

/** Resolved minifloat parameters. */
export interface MinifloatFormat {
  exponentBits: number;
  mantissaBits: number;
  bias: number;
  subnormals: boolean;
  top: MinifloatTop;
  overflow: MinifloatOverflow;
  /**
   * Smallest normal exponent 1 - bias, and the exponent of the highest binade holding finite
   * values: 2^E - 2 - bias for 'ieee' (and 'fn' with M = 0, whose top binade is NaN alone), else
   * 2^E - 1 - bias.
   */
  minNormalExponent: number;
  maxNormalExponent: number;
  /**
   * Largest finite value: (2 - 2^-M) 2^maxNormalExponent, or (2 - 2^(1-M)) 2^maxNormalExponent for
   * 'fn' (its all-ones mantissa is NaN); capped at the largest format value float32 can hold.
   */
  maxFinite: number;
  /** Smallest normal value 2^(1 - bias). */
  minNormal: number;
}

export function minifloatFormat(scheme: MinifloatScheme): MinifloatFormat {
  validateMinifloat(scheme);
  const { exponentBits, mantissaBits } = scheme;
  const bias = scheme.bias ?? defaultMinifloatBias(exponentBits);
  const top = scheme.top ?? 'ieee';
  const overflow = scheme.overflow ?? 'saturate';
  const minNormalExponent = 1 - bias;
  const maxNormalExponent = pow2(exponentBits) - nonNormalExponentCodes({ top, mantissaBits }) - bias;
  // Mantissas of the top binade: all of them, or all but the all-ones one (the NaN code) for 'fn'.
  const topFraction = top === 'fn' && mantissaBits > 0 ? 2 - pow2(1 - mantissaBits) : 2 - pow2(-mantissaBits);
  // A format wider than float32 saturates at its largest value that float32 can hold (the binade
  // 2^127 is then a full one).
  const maxFinite = maxNormalExponent > 127 ? (2 - pow2(-mantissaBits)) * pow2(127) : topFraction * pow2(maxNormalExponent);
  return {
    exponentBits,
    mantissaBits,
    bias,
    subnormals: scheme.subnormals ?? true,
    top,
    overflow,
    minNormalExponent,
    maxNormalExponent,
    maxFinite,
    minNormal: pow2(minNormalExponent),
  };
}

/**
 * Minifloat rounding, computed in float64 (where every step is exact), then stored as float32:
 * 1. NaN gives NaN; ±0 gives ±0 (the sign is kept throughout).
 * 2. Without subnormals, |w| < minNormal gives ±0 (flush to zero, tininess before rounding).
 * 3. Otherwise |w| goes to the nearest value on the format's grid: quantum 2^(e - M) in the binade
 *    [2^e, 2^(e+1)), the subnormal quantum 2^(1 - bias - M) below minNormal, and the top binade's
 *    quantum above it (the grid as if the exponent went on). Ties go to the even code: the even
 *    mantissa, and with M = 0 (where the mantissa is empty) the even exponent field, so 1.5 2^e
 *    goes to whichever of 2^e and 2^(e+1) has an even biased exponent (0 counts as code 0).
 * 4. A result above maxFinite, and ±Infinity, give ±Infinity with overflow 'inf', else ±maxFinite.
 * So with overflow 'inf', E=8, M=23, bias 127 is the identity on every float32 (±Infinity, -0
 * included), and fp16 is IEEE binary16's round to nearest even. A format wider than float32
 * treats results past float32's range as overflow; one whose subnormals go below float32's
 * leaves such tiny inputs unchanged (float32 cannot hold anything finer).
 *
 * The grid quantum 2^(clamp(e) - M) comes from a table indexed by the float32 exponent field
 * (Math.log2 per value was the cost).
 */
export function minifloatQuantize(values: Float32Array, scheme: MinifloatScheme): Float32Array {
  const f = minifloatFormat(scheme);
  const highestGridExponent = Math.min(f.maxNormalExponent, 127);
  const clampExponent = (e: number) => clamp(e, f.minNormalExponent, highestGridExponent);
  const quantumOfField = new Float64Array(256);
  for (let field = 1; field < 255; field++) quantumOfField[field] = pow2(clampExponent(field - 127) - f.mantissaBits);
  const overflowValue = f.overflow === 'inf' ? Infinity : f.maxFinite;
  const zeroMantissa = f.mantissaBits === 0;
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    const field = (bits[i] >>> 23) & 0xff;
    let magnitude: number;
    if (a === 0 || Number.isNaN(a)) magnitude = a;
    else if (a === Infinity) magnitude = overflowValue;
    else if (!f.subnormals && a < f.minNormal) magnitude = 0; // flush to zero
    else {
      // A float32 subnormal (field 0) has its exponent below the field's.
      const quantum = field === 0 ? pow2(clampExponent(floorLog2(a)) - f.mantissaBits) : quantumOfField[field];
      const units = a / quantum; // exact: a power-of-two quantum
      let rounded = roundHalfEven(units);
      // M = 0: the tie 1.5 2^e between 2^e (field e + bias) and 2^(e+1) goes to the even field.
      if (zeroMantissa && units === 1.5 && (floorLog2(quantum) + 1 + f.bias) % 2 !== 0) rounded = 1;
      const value = rounded * quantum; // exact
      magnitude = value > f.maxFinite ? overflowValue : value;
    }
    out[i] = bits[i] >>> 31 && !Number.isNaN(a) ? -magnitude : magnitude; // -0 gives -0
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
  /** Fewest exponent bits whose normal exponents (2^E - 2, or 2^E - 1, see exponentRangeOf) cover eMin..eMax, clamped to 2..8. */
  eMinBits: number;
  /** autoBias for E = eMinBits. */
  autoBias: number;
}

/** What the exponent rule needs of a format: its top (default 'ieee') and mantissa width (default 3). */
export type ExponentTop = { top?: MinifloatTop; mantissaBits?: number };

/**
 * Exponent codes that hold no normal number: code 0 (zero and subnormals) always, and the top code
 * (all ones) where it is reserved: 'ieee' (infinities, NaN), and 'fn' with M = 0 (its only value is
 * NaN). With 'fn' and M > 0 (OCP E4M3FN) and 'finite' the top code holds normal numbers.
 */
export function nonNormalExponentCodes(format: ExponentTop = {}): number {
  const top = format.top ?? 'ieee';
  const topFieldFinite = top === 'finite' || (top === 'fn' && (format.mantissaBits ?? 3) > 0);
  return topFieldFinite ? 1 : 2;
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
 * then exponentRangeOf: with the IEEE top (the default), E = ceil(log2(e_max - e_min + 3)) clamped
 * to 2..8 (the 2^E - 2 normal exponents must cover e_min..e_max) and autoBias = 2^E - 2 - e_max;
 * with a top code that holds numbers ('fn' with M > 0, 'finite') one more exponent is normal:
 * E = ceil(log2(e_max - e_min + 2)) and autoBias = 2^E - 1 - e_max.
 * A layer with no non-zero (finite) weight reports eMax = eMin = 0, E = 2 (autoBias 2, or 3).
 */
export function minExponentBits(values: Float32Array, format?: ExponentTop): ExponentRange {
  const magnitudes = sortedNonZeroMagnitudes(values);
  if (magnitudes.length === 0) return exponentRangeOf(0, 0, format);
  const eMax = floorLog2(magnitudes[magnitudes.length - 1]);
  const percentile = magnitudes[Math.floor(0.01 * (magnitudes.length - 1))];
  return exponentRangeOf(eMax, floorLog2(percentile), format);
}

/**
 * E_min and its auto bias for a layer's exponent range e_min..e_max (see minExponentBits): the
 * fewest exponent bits E (clamped to 2..8) whose normal exponents, 2^E - k of them (k =
 * nonNormalExponentCodes: 2 for the IEEE top, 1 for a top code holding numbers), cover
 * e_max - e_min + 1 powers of two: E = ceil(log2(e_max - e_min + 1 + k)); auto bias 2^E - k - e_max.
 */
export function exponentRangeOf(eMax: number, eMin: number, format?: ExponentTop): ExponentRange {
  const { min: lo, max: hi } = MINIFLOAT_EXPONENT_BITS;
  const eMinBits = clamp(ceilLog2(eMax - eMin + 1 + nonNormalExponentCodes(format)), lo, hi);
  return { eMax, eMin, eMinBits, autoBias: biasForTopExponent(eMinBits, eMax, format) };
}

/** Smallest integer E with 2^E >= n (n >= 1), without floating-point log. */
function ceilLog2(n: number): number {
  let e = 0;
  while (pow2(e) < n) e++;
  return e;
}

/**
 * Bias that puts the largest normal exponent (2^E - k - bias, k = nonNormalExponentCodes) at eMax,
 * clamped to the allowed bias range (which only matters for layers whose max |w| is below 2^-126).
 */
export function biasForTopExponent(exponentBits: number, eMax: number, format?: ExponentTop): number {
  const { min, max } = minifloatBiasRange(exponentBits);
  return clamp(pow2(exponentBits) - nonNormalExponentCodes(format) - eMax, min, max);
}

/**
 * autoBias(E) = 2^E - 2 - e_max with the IEEE top (2^E - 1 - e_max where the top code holds
 * numbers: 'fn' with M > 0, 'finite'): the bias that makes the format's largest normal exponent
 * equal to the layer's e_max (clamped to the allowed bias range, which only matters for layers
 * whose max |w| is below 2^-126).
 */
export function autoBias(values: Float32Array, exponentBits: number, format?: ExponentTop): number {
  requireInRange('minifloat exponentBits', exponentBits, MINIFLOAT_EXPONENT_BITS);
  const magnitudes = sortedNonZeroMagnitudes(values);
  const eMax = magnitudes.length === 0 ? 0 : floorLog2(magnitudes[magnitudes.length - 1]);
  return biasForTopExponent(exponentBits, eMax, format);
}

/** "e-7" or "e+3": a negative bias reads better as a plus. */
function minus(term: string, bias: number): string {
  return bias >= 0 ? `${term}-${bias}` : `${term}+${-bias}`;
}

const int = (r: { min: number; max: number }) => z.number().int().min(r.min).max(r.max);

export const minifloatFormatEntry: WeightFormat<MinifloatScheme> = {
  kind: 'minifloat',
  schema: z.strictObject({
    kind: z.literal('minifloat'),
    exponentBits: int(MINIFLOAT_EXPONENT_BITS),
    mantissaBits: int(MINIFLOAT_MANTISSA_BITS),
    bias: z.number().int().optional(),
    subnormals: z.boolean().optional(),
    top: z.enum(MINIFLOAT_TOPS).optional(),
    overflow: z.enum(MINIFLOAT_OVERFLOWS).optional(),
  }),
  check: (s) => {
    const problem = overflowProblem(s.top ?? 'ieee', s.overflow ?? 'saturate');
    if (problem) return problem;
    if (s.bias === undefined) return null;
    const { min, max } = minifloatBiasRange(s.exponentBits);
    return s.bias < min || s.bias > max ? `bias must be an integer from ${min} to ${max} for ${s.exponentBits} exponent bits` : null;
  },
  validate: validateMinifloat,
  defaults: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 },
  optionalDefaults: { subnormals: true, top: 'ieee', overflow: 'saturate' },
  normalize: (s) => {
    const { bias, subnormals, top, overflow, ...rest } = s;
    return {
      ...rest,
      ...(bias !== undefined && bias !== defaultMinifloatBias(s.exponentBits) ? { bias } : {}),
      ...(subnormals === false ? { subnormals } : {}),
      ...(top !== undefined && top !== 'ieee' ? { top } : {}),
      ...(overflow === 'inf' ? { overflow } : {}),
    };
  },
  quantize: (values, s) => minifloatQuantize(values, s),
  bitsPerWeight: (s) => 1 + s.exponentBits + s.mantissaBits,
  legalValues: (s) => (1 + s.exponentBits + s.mantissaBits <= 12 ? minifloatFiniteValues(s) : null),
  scaleFree: () => true,
  name: 'float',
  describe: (s) => {
    const extras: string[] = [];
    if (s.bias !== undefined && s.bias !== defaultMinifloatBias(s.exponentBits)) extras.push(`bias ${s.bias}`);
    if (s.subnormals === false) extras.push('no subnormals');
    if (s.top === 'fn') extras.push('FN: no infinities');
    if (s.top === 'finite') extras.push('all codes finite');
    if (s.overflow === 'inf') extras.push('overflow to ±∞');
    const label = `minifloat E${s.exponentBits}M${s.mantissaBits}`;
    return extras.length ? `${label} (${extras.join(', ')})` : label;
  },
  description: 'A tiny float: exponent bits set the range, mantissa bits the precision; a small float multiplier.',
  formula: (s) => {
    const { exponentBits: e, mantissaBits: m } = s;
    const bias = s.bias ?? defaultMinifloatBias(e);
    const topField = 2 ** e - 1;
    const finiteTop = s.top === 'finite' || (s.top === 'fn' && m > 0) ? topField : topField - 1;
    // The IEEE default keeps its two lines; the other tops say what their top code means.
    const special =
      s.top === 'finite'
        ? [String.raw`\text{every code finite: no }\infty\text{, no NaN}`]
        : s.top === 'fn'
          ? [String.raw`e=${topField},\ m=1\dots1{:}\ \text{NaN (no }\infty)`]
          : [];
    return {
      lines: [
        String.raw`w=(-1)^s\,2^{${minus('e', bias)}}\,(1.m),\ e\in[1,${finiteTop}],\ E=${e},\ M=${m}`,
        s.subnormals === false
          ? String.raw`e=0{:}\ w=0\ \text{(no subnormals)}`
          : String.raw`e=0{:}\ w=(-1)^s\,2^{${minus('1', bias)}}\,(0.m)\ \text{(subnormal)}`,
        ...special,
      ],
      hardware: `Hardware: a small float multiplier: a ${e}-bit exponent adder and a ${m + 1}-bit mantissa multiplier.`,
    };
  },
  operand: (s) => ({ kind: 'float', exponentBits: s.exponentBits, mantissaBits: s.mantissaBits }),
  scaled: () => false,
  kernelRefusal: 'are minifloat, which the integer kernels do not implement (LightNN-K, fixed 2..8-bit or binary only)',
};
