import { z } from 'zod';
import { meanAbs, signOf } from '../numeric';
import type { WeightFormat } from './types';

/** BinaryConnect (scale 'none': ±1) or binary with the layer's mean |w| as scale ('l1': ±α). */
export interface BinaryScheme {
  kind: 'binary';
  scale: 'none' | 'l1';
  /** Latent-weight hysteresis for training (see binaryWithHysteresis); quantizeWeights ignores it. */
  hysteresis?: number;
}

const SCALES = ['none', 'l1'] as const;
/** Hysteresis threshold h on the latent weights, which the hardtanh STE keeps within [-1, 1]. */
export const BINARY_HYSTERESIS = { min: 0, max: 1 };

function checkHysteresis(h: unknown, name: string): void {
  if (!(typeof h === 'number' && h >= BINARY_HYSTERESIS.min && h <= BINARY_HYSTERESIS.max)) {
    throw new Error(`${name} must be a number ${BINARY_HYSTERESIS.min}..${BINARY_HYSTERESIS.max}, got ${String(h)}`);
  }
}

/**
 * alpha = ||W||_1 / n, summed in float64 and rounded to float32 once (see meanAbs: re-quantizing
 * ±alpha gives alpha back, so the quantizer is idempotent). tf.sum on the CPU backend rounds the
 * sum to float32 before the division, so the tf-op version in ../ste.ts can differ from this
 * alpha in its last bits (relative 2^-22). An empty layer gets alpha 0.
 */
export function binaryL1Scale(values: Float32Array): number {
  return meanAbs(values);
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
  checkHysteresis(h, 'hysteresis');
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

export const binaryFormat: WeightFormat<BinaryScheme> = {
  kind: 'binary',
  schema: z.strictObject({
    kind: z.literal('binary'),
    scale: z.enum(SCALES),
    hysteresis: z.number().min(BINARY_HYSTERESIS.min).max(BINARY_HYSTERESIS.max).optional(),
  }),
  validate: (s) => {
    if (!SCALES.includes(s.scale)) throw new Error(`binary scale must be 'none' or 'l1', got ${String(s.scale)}`);
    if (s.hysteresis !== undefined) checkHysteresis(s.hysteresis, 'binary hysteresis');
  },
  defaults: { kind: 'binary', scale: 'none' },
  optionalDefaults: {},
  // Hysteresis needs state across steps (see binaryWithHysteresis); here it is ignored.
  quantize: (values, s) => binaryQuantize(values, s.scale),
  bitsPerWeight: () => 1,
  legalValues: (s, values) => {
    if (s.scale === 'none') return Float32Array.from([-1, 1]);
    if (!values) return null;
    const alpha = binaryL1Scale(values);
    return alpha === 0 ? Float32Array.from([0]) : Float32Array.from([-alpha, alpha]);
  },
  scaleFree: (s) => s.scale === 'none',
  name: 'binary',
  describe: (s) => (s.scale === 'none' ? 'BinaryConnect ±1' : 'binary ±α (L1)'),
  description: 'One bit a weight, ±1 (BinaryConnect) or ±mean|w|: multiplies become adds and subtracts.',
  formula: (s) => ({
    lines: [s.scale === 'l1' ? String.raw`w_q=\mathrm{sign}(w)\cdot\alpha,\ \alpha=\lVert W\rVert_1/n` : String.raw`w_q=\mathrm{sign}(w)\in\{-1,+1\}`],
    hardware: 'Hardware: an XNOR and a popcount with sign activations; otherwise add or subtract the input.',
  }),
  operand: () => ({ kind: 'sign' }),
  scaled: (s) => s.scale === 'l1',
  kernelRefusal: null,
};

/**
 * ±1 weights (BinaryConnect, BinaryNet) scale each layer's sum by a fixed power of two near
 * 1/sqrt(fan-in): a shift in hardware, standing in for the batch normalization of the BinaryConnect
 * and BinaryNet papers. Without it a 784-input layer's sums are ~30x too large to train.
 */
export function binaryLayerGain(fanIn: number): number {
  return 2 ** -Math.round(Math.log2(Math.sqrt(fanIn)));
}
