import { z } from 'zod';
import { clamp, fround, gridIndex, gridPrescale, maxAbs, pow2, requireInRange } from '../numeric';
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
 * Symmetric fixed point: index = clamp(roundHalfEven(w / step), -n, n), step = max|w| / n,
 * computed as (w * n) / max (see gridIndex). The output is (index / n) * max rather than
 * index * step so that the layer's max is reproduced exactly; re-quantizing then sees the same
 * scale, which makes the quantizer idempotent. Float32 arithmetic (fround after each step), the
 * same steps as the tf-op version.
 */
export function fixedQuantize(values: Float32Array, bits: number): Float32Array {
  requireInRange('fixed bits', bits, FIXED_BITS);
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
  requireInRange('fixed bits', bits, FIXED_BITS);
  const n = fixedLevelCount(bits);
  if (max === 0) return new Float32Array([0]);
  const levels = new Float32Array(2 * n + 1);
  for (let index = -n; index <= n; index++) levels[index + n] = fround(fround(index / n) * max);
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
