import { z } from 'zod';
import { clamp, floorLog2, fround, pow2, requireInRange, requireInteger, roundHalfEven } from '../numeric';
import type { WeightFormat } from './types';

/** IEEE-style minifloat: sign, E exponent bits, M mantissa bits, top exponent code reserved. */
export interface MinifloatScheme {
  kind: 'minifloat';
  exponentBits: number;
  mantissaBits: number;
  /** Integer; default 2^(E-1) - 1. Must keep the format's normal range overlapping float32's. */
  bias?: number;
  /** Default true. When false, values below the smallest normal go to 0 or the smallest normal. */
  subnormals?: boolean;
}

export const MINIFLOAT_EXPONENT_BITS = { min: 2, max: 8 };
export const MINIFLOAT_MANTISSA_BITS = { min: 0, max: 23 };

/** Allowed bias range for E exponent bits. */
export function minifloatBiasRange(exponentBits: number): { min: number; max: number } {
  // The format's normal exponents [1 - bias, 2^E - 2 - bias] must overlap float32's [-126, 127],
  // otherwise every weight would flush to 0 or saturate once stored as float32.
  return { min: -126, max: pow2(exponentBits) + 124 };
}

export function defaultMinifloatBias(exponentBits: number): number {
  return pow2(exponentBits - 1) - 1;
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
}

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

export function minifloatFormat(scheme: MinifloatScheme): MinifloatFormat {
  validateMinifloat(scheme);
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

/**
 * IEEE-style minifloat rounding (nearest, ties to even mantissa), saturating beyond the largest
 * finite value with the sign kept (Infinity too). Computed in float64, where every step is exact,
 * then stored as float32. E=8, M=23, bias 127 is the identity on every float32 (including -0);
 * NaN stays NaN. A format reaching past float32's range (small bias with E=8) saturates at its
 * largest float32-representable value; one whose subnormals go below float32's leaves such tiny
 * inputs unchanged (float32 cannot hold anything finer).
 *
 * The grid quantum 2^(clamp(e) - M) comes from a table indexed by the float32 exponent field
 * (Math.log2 per value was the cost): below the smallest normal the grid is the subnormal step,
 * above the top exponent we keep its grid and saturate afterwards.
 */
export function minifloatQuantize(values: Float32Array, scheme: MinifloatScheme): Float32Array {
  const f = minifloatFormat(scheme);
  const clampExponent = (e: number) => clamp(e, f.minNormalExponent, f.maxNormalExponent);
  const quantumOfField = new Float64Array(256);
  for (let field = 1; field < 255; field++) quantumOfField[field] = pow2(clampExponent(field - 127) - f.mantissaBits);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    const field = (bits[i] >>> 23) & 0xff;
    let magnitude: number;
    if (a === 0 || Number.isNaN(a)) magnitude = a;
    else if (a === Infinity) magnitude = f.maxFinite; // saturates like any value beyond the range
    else if (!f.subnormals && a < f.minNormal) {
      // Flush: nearest of 0 and the smallest normal, ties to 0 (the same answer the M = 0 subnormal
      // grid would give with round-half-even, since 0 is the even neighbour).
      magnitude = a > f.minNormal / 2 ? f.minNormal : 0;
    } else {
      // A float32 subnormal (field 0) has its exponent below the field's.
      const quantum = field === 0 ? pow2(clampExponent(floorLog2(a)) - f.mantissaBits) : quantumOfField[field];
      magnitude = Math.min(roundHalfEven(a / quantum) * quantum, f.maxFinite); // exact: a power-of-two quantum
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
  const { min: lo, max: hi } = MINIFLOAT_EXPONENT_BITS;
  const magnitudes = sortedNonZeroMagnitudes(values);
  if (magnitudes.length === 0) return { eMax: 0, eMin: 0, eMinBits: lo, autoBias: biasForTopExponent(lo, 0) };
  const eMax = floorLog2(magnitudes[magnitudes.length - 1]);
  const percentile = magnitudes[Math.floor(0.01 * (magnitudes.length - 1))];
  const eMin = floorLog2(percentile);
  const eMinBits = clamp(ceilLog2(eMax - eMin + 3), lo, hi);
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
  requireInRange('minifloat exponentBits', exponentBits, MINIFLOAT_EXPONENT_BITS);
  const magnitudes = sortedNonZeroMagnitudes(values);
  const eMax = magnitudes.length === 0 ? 0 : floorLog2(magnitudes[magnitudes.length - 1]);
  return biasForTopExponent(exponentBits, eMax);
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
  }),
  check: (s) => {
    if (s.bias === undefined) return null;
    const { min, max } = minifloatBiasRange(s.exponentBits);
    return s.bias < min || s.bias > max ? `bias must be an integer from ${min} to ${max} for ${s.exponentBits} exponent bits` : null;
  },
  validate: validateMinifloat,
  defaults: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 },
  optionalDefaults: { subnormals: true },
  normalize: (s) => {
    const { bias, subnormals, ...rest } = s;
    return {
      ...rest,
      ...(bias !== undefined && bias !== defaultMinifloatBias(s.exponentBits) ? { bias } : {}),
      ...(subnormals === false ? { subnormals } : {}),
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
    const label = `minifloat E${s.exponentBits}M${s.mantissaBits}`;
    return extras.length ? `${label} (${extras.join(', ')})` : label;
  },
  description: 'A tiny float: exponent bits set the range, mantissa bits the precision; a small float multiplier.',
  formula: (s) => {
    const { exponentBits: e, mantissaBits: m } = s;
    const bias = s.bias ?? defaultMinifloatBias(e);
    const top = 2 ** e - 2;
    return {
      lines: [
        String.raw`w=(-1)^s\,2^{${minus('e', bias)}}\,(1.m),\ e\in[1,${top}],\ E=${e},\ M=${m}`,
        s.subnormals === false
          ? String.raw`e=0{:}\ w=0\ \text{(no subnormals)}`
          : String.raw`e=0{:}\ w=(-1)^s\,2^{${minus('1', bias)}}\,(0.m)\ \text{(subnormal)}`,
      ],
      hardware: `Hardware: a small float multiplier: a ${e}-bit exponent adder and a ${m + 1}-bit mantissa multiplier.`,
    };
  },
  operand: (s) => ({ kind: 'float', exponentBits: s.exponentBits, mantissaBits: s.mantissaBits }),
  scaled: () => false,
  kernelRefusal: 'are minifloat, which the integer kernels do not implement (LightNN-K, fixed 2..8-bit or binary only)',
};
