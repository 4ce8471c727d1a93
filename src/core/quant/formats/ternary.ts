import { z } from 'zod';
import { fround, meanAbs } from '../numeric';
import type { WeightFormat } from './types';

/**
 * Ternary weights {-s, 0, +s} with one scale per layer: Li & Liu 2016, "Ternary Weight Networks"
 * (TWN). Threshold Δ = 0.7 · mean|W|; s = mean of |w| over |w| > Δ.
 */
export interface TernaryScheme {
  kind: 'ternary';
}

/** TWN's approximation of the optimal threshold for roughly normal or uniform weights. */
export const TERNARY_THRESHOLD_FACTOR = 0.7;

/**
 * Δ and s of a layer. Δ = fround(mean|W| · fround(0.7)) with mean|W| rounded once (meanAbs), the
 * float32 product the tensor version computes; s over |w| > Δ (strictly), 0 when none is.
 */
export function ternaryThresholdAndScale(values: Float32Array): { threshold: number; scale: number } {
  const threshold = fround(meanAbs(values) * fround(TERNARY_THRESHOLD_FACTOR));
  return { threshold, scale: meanAbs(values, (a) => a > threshold) };
}

/** sign(w) · s where |w| > Δ, else 0. */
export function ternaryQuantize(values: Float32Array): Float32Array {
  const { threshold, scale } = ternaryThresholdAndScale(values);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const w = values[i];
    out[i] = w > threshold ? scale : w < -threshold ? -scale : 0;
  }
  return out;
}

export const ternaryFormat: WeightFormat<TernaryScheme> = {
  kind: 'ternary',
  schema: z.strictObject({ kind: z.literal('ternary') }),
  validate: () => {},
  defaults: { kind: 'ternary' },
  optionalDefaults: {},
  quantize: (values) => ternaryQuantize(values),
  // Three values need two bits (log2 3 = 1.58 could be reached by packing five weights a byte).
  bitsPerWeight: () => 2,
  legalValues: (_, values) => {
    if (!values) return null;
    const { scale } = ternaryThresholdAndScale(values);
    return scale === 0 ? Float32Array.from([0]) : Float32Array.from([-scale, 0, scale]);
  },
  scaleFree: () => false,
  name: 'ternary',
  describe: () => 'ternary ±s, 0 (TWN)',
  description: 'Each weight is −s, 0 or +s (Ternary Weight Networks): small weights are dropped, the rest become adds and subtracts.',
  formula: () => ({
    lines: [
      String.raw`w_q=\begin{cases}\mathrm{sign}(w)\,s&|w|>\Delta\\0&\text{otherwise}\end{cases}`,
      String.raw`\Delta=0.7\,\lVert W\rVert_1/n,\ s=\mathrm{mean}_{|w|>\Delta}|w|`,
    ],
    hardware: 'Hardware: add, subtract or skip the input, then one multiply by s per output.',
  }),
  operand: () => ({ kind: 'ternary' }),
  scaled: () => true,
  kernelRefusal: 'are ternary, which the integer kernels do not implement yet (LightNN-K, fixed 2..8-bit or binary only)',
};
