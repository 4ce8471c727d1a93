/** The ternary weight format (Li & Liu 2016, TWN), the registry's worked example of a new format. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/tf/tfNode';
import { bitsPerWeight, describeScheme, legalValues, quantizeWeights, ternaryThresholdAndScale, WEIGHT_FORMATS, WEIGHT_KINDS } from '../../src/core/quant/schemes';
import { quantizeTensor, quantizeWithSTE, setCpuQuantizerPath, TENSOR_QUANTIZERS } from '../../src/tf/ste';
import { decodeConfig, encodeConfig, defaultConfig, weightSchemeSchema } from '../../src/core/config';
import { estimateCost } from '../../src/core/cost/estimate';

const f32 = (xs: number[]) => Float32Array.from(xs);
const TERNARY = { kind: 'ternary' } as const;

beforeAll(async () => {
  await useNodeBackend('cpu');
  await tf.ready();
});

describe('ternary quantizer (pure)', () => {
  it('hand-worked layer: Δ = 0.7 mean|W|, s = mean |w| over |w| > Δ', () => {
    // |W| = 1, .5, .25, .125, 0, .375: mean 0.375, Δ = 0.2625 (in float32); kept 1, .5, .375: s = 0.625.
    const w = f32([1, -0.5, 0.25, -0.125, 0, 0.375]);
    const { threshold, scale } = ternaryThresholdAndScale(w);
    expect(threshold).toBe(Math.fround(0.375 * Math.fround(0.7)));
    expect(scale).toBe(0.625);
    expect(Array.from(quantizeWeights(w, TERNARY))).toEqual([0.625, -0.625, 0, 0, 0, 0.625]);
  });

  it('drops weights at or below Δ; all-zero and empty layers give zeros', () => {
    const w = f32([2, -1, 0.5, -0.5]); // mean 1, Δ = fround(0.7): ±0.5 dropped, s = (2 + 1) / 2
    expect(Array.from(quantizeWeights(w, TERNARY))).toEqual([1.5, -1.5, 0, 0]);
    expect(Object.is(quantizeWeights(f32([-0.1, 1]), TERNARY)[0], 0)).toBe(true); // +0, not -0
    expect(Array.from(quantizeWeights(f32([0, 0, 0]), TERNARY))).toEqual([0, 0, 0]);
    expect(Array.from(quantizeWeights(f32([]), TERNARY))).toEqual([]);
  });

  it('is idempotent, 2 bits a weight, and draws {-s, 0, s}', () => {
    const w = f32([0.9, -0.4, 0.05, -0.3, 0.2, -0.01, 0.6]);
    const q = quantizeWeights(w, TERNARY);
    expect(Array.from(quantizeWeights(q, TERNARY))).toEqual(Array.from(q));
    expect(bitsPerWeight(TERNARY)).toBe(2);
    const s = ternaryThresholdAndScale(w).scale;
    expect(Array.from(legalValues(TERNARY, w)!)).toEqual([-s, 0, s]);
    expect(legalValues(TERNARY)).toBeNull();
    expect(describeScheme(TERNARY)).toMatch(/ternary/);
  });
});

describe('ternary tensor quantizer', () => {
  it('tensor ops agree with the pure rule away from the threshold', () => {
    const values = f32([1, -0.5, 0.25, -0.125, 0, 0.375, -0.9, 0.02]);
    const previous = setCpuQuantizerPath('ops');
    try {
      const ops = tf.tidy(() => quantizeTensor(tf.tensor1d(values), TERNARY).dataSync());
      const pure = quantizeWeights(values, TERNARY);
      for (let i = 0; i < values.length; i++) {
        expect(Object.is(Math.sign(ops[i]), Math.sign(pure[i]))).toBe(true);
        expect(ops[i]).toBeCloseTo(pure[i], 6);
      }
    } finally {
      setCpuQuantizerPath(previous);
    }
    const onValues = tf.tidy(() => quantizeTensor(tf.tensor1d(values), TERNARY).dataSync());
    expect(Array.from(onValues)).toEqual(Array.from(quantizeWeights(values, TERNARY)));
  });

  it('straight-through gradient: identity, also where |w| > 1 and where w goes to 0', () => {
    const w = tf.tensor1d([2, -0.5, 0.01, -3]);
    const dy = tf.tensor1d([1, 2, 3, 4]);
    const grad = tf.grad((x: tf.Tensor) => quantizeWithSTE(x, TERNARY))(w, dy);
    expect(Array.from(grad.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([w, dy, grad]);
  });
});

describe('ternary in the config, the cost model and the registry', () => {
  it('round-trips weights=ternary through the URL and refuses parameters', () => {
    const config = { ...defaultConfig(), weights: TERNARY };
    const text = encodeConfig(config);
    expect(text).toContain('weights=ternary');
    expect(decodeConfig(text).config.weights).toEqual(TERNARY);
    expect(decodeConfig('weights=ternary').config.weights).toEqual(TERNARY);
    expect(weightSchemeSchema.safeParse({ kind: 'ternary', bits: 2 }).success).toBe(false);
  });

  it('costs 2 bits a weight; MACs like binary weights, plus one multiply by s per output', () => {
    const relu = { kind: 'relu' } as const;
    const ternary = estimateCost({ model: 'mlp1', weights: TERNARY, activations: relu, inputBits: 8 });
    const binaryL1 = estimateCost({ model: 'mlp1', weights: { kind: 'binary', scale: 'l1' }, activations: relu, inputBits: 8 });
    expect(ternary.bitsPerWeight).toBe(2);
    expect(ternary.storageBits).toBe(2 * binaryL1.storageBits);
    // Float activations: add, subtract or skip, then the float32 scale, as binary 'l1'.
    expect(ternary.computePJ).toBeCloseTo(binaryL1.computePJ, 9);
    // Sign activations: no XNOR-popcount (the zero needs a mask), an integer add per MAC instead.
    const sign = { kind: 'sign' } as const;
    const t = estimateCost({ model: 'mlp1', weights: TERNARY, activations: sign, inputBits: 1 });
    expect(t.layers[0].macOperations.map((o) => o.label)).toEqual([expect.stringMatching(/^int add \d+ b \(accumulate\)$/)]);
  });

  it('every kind has a format and a tensor quantizer; the kernels refuse ternary with a reason', () => {
    for (const kind of WEIGHT_KINDS) {
      expect(WEIGHT_FORMATS[kind].kind).toBe(kind);
      expect(TENSOR_QUANTIZERS[kind]).toBeDefined();
      expect(WEIGHT_FORMATS[kind].schema.safeParse(WEIGHT_FORMATS[kind].defaults).success).toBe(true);
    }
    expect(WEIGHT_KINDS).toContain('ternary');
    expect(WEIGHT_FORMATS.ternary.kernelRefusal).toMatch(/ternary.*integer kernels/);
  });
});
