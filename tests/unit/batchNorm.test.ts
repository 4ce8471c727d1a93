/**
 * Batch normalisation: the training-time statistics, the moving averages, the evaluation formula,
 * and the fold into the integer kernels (a per-unit staircase of thresholds for ReLU, a floored
 * offset with negated weights for sign), held against float64 arithmetic done here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_NORM_EPSILON,
  createNetwork,
  disposeNetwork,
  forward,
  readWeights,
  trainableVariables,
  updateMovingStatistics,
  type BatchMoments,
  type LayerWeights,
} from '../../src/tf';
import { architecture, defaultConfig, decodeConfig, encodeConfig, SEED003_PRESETS } from '../../src/core';
import { foldBatchNorm, toIntegerMlp } from '../../src/core/kernels/fromNetwork';
import { denseReference, mlpReference, thresholdLevel } from '../../src/core/kernels/reference';
import { fixedCodes } from '../../src/core/quant/schemes';
import { mulberry32 } from '../../src/core/rng';
import { useNodeBackend } from '../../src/tf/tfNode';
import { quantConfig as quant, randomLayerWeights } from '../helpers/trainedModels';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('batchNorm in the config', () => {
  it('is off by default, in the URL as batchNorm=1 only when on, and round-trips', () => {
    expect(defaultConfig().batchNorm).toBe(false);
    expect(encodeConfig(defaultConfig())).not.toMatch(/batchNorm/);
    const on = { ...defaultConfig(), batchNorm: true };
    expect(encodeConfig(on)).toMatch(/(^|&)batchNorm=1(&|$)/);
    expect(decodeConfig(encodeConfig(on)).config.batchNorm).toBe(true);
    const bad = decodeConfig('batchNorm=yes');
    expect(bad.config.batchNorm).toBe(false);
    expect(bad.notices.map((n) => n.message).join(' ')).toMatch(/batchNorm="yes" is not valid \(must be 0 or 1\)/);
  });

  it('normalises the hidden layers only, and all seven seed-003 presets train with it', () => {
    expect(architecture({ model: 'mlp1', batchNorm: true }).map((l) => ('batchNorm' in l ? l.batchNorm : undefined))).toEqual([true, undefined]);
    const lenet = architecture({ model: 'lenet', batchNorm: true });
    expect(lenet.filter((l) => 'batchNorm' in l && l.batchNorm).map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1']);
    expect(SEED003_PRESETS.every((p) => p.batchNorm)).toBe(true);
  });
});

describe('batch normalisation in the network', () => {
  it('trains gamma and beta, and normalises a batch with its own statistics', async () => {
    const net = createNetwork({ model: 'mlp', hidden: [3], batchNorm: true }, 5);
    try {
      expect(trainableVariables(net)).toHaveLength(6);
      const rng = mulberry32(3);
      const pixels = Float32Array.from({ length: 8 * 784 }, () => rng());
      const recorded: BatchMoments[] = [];
      let hidden: Float32Array | null = null;
      const logits = tf.tidy(() =>
        forward(net, tf.tensor2d(pixels, [8, 784]), {
          batchStatistics: (m) => recorded.push(m),
          activation: (z) => {
            hidden = z.dataSync() as Float32Array;
            return tf.relu(z);
          },
        }),
      );
      logits.dispose();
      expect(recorded).toHaveLength(1);
      expect(recorded[0].count).toBe(8);
      // gamma 1, beta 0: each unit has mean 0 and variance v / (v + eps) over the batch.
      const variance = await recorded[0].variance.data();
      for (let o = 0; o < 3; o++) {
        const column = Array.from({ length: 8 }, (_, b) => hidden![b * 3 + o]);
        const mean = column.reduce((a, b) => a + b, 0) / 8;
        const spread = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
        expect(Math.abs(mean)).toBeLessThan(1e-5);
        expect(spread).toBeCloseTo(variance[o] / (variance[o] + BATCH_NORM_EPSILON), 4);
      }
      updateMovingStatistics(net, recorded);
    } finally {
      disposeNetwork(net);
    }
  });

  it('moving averages: the first update takes the batch, then momentum min(0.9, 1 - 1/t), unbiased variance', async () => {
    const net = createNetwork({ model: 'mlp', hidden: [2], batchNorm: true }, 1);
    try {
      const norm = net.params[0].norm!;
      const step = (mean: number[], variance: number[]) =>
        updateMovingStatistics(net, [{ weightIndex: 0, mean: tf.tensor1d(mean), variance: tf.tensor1d(variance), count: 5 }]);
      step([1, -2], [4, 8]);
      expect(Array.from(await norm.movingMean.data())).toEqual([1, -2]);
      // Unbiased: x 5/4.
      expect(Array.from(await norm.movingVariance.data())).toEqual([5, 10]);
      step([3, 0], [0, 0]);
      // t = 2: momentum 1/2.
      expect(Array.from(await norm.movingMean.data())).toEqual([2, -1]);
      expect(Array.from(await norm.movingVariance.data())).toEqual([2.5, 5]);
      for (let t = 3; t <= 20; t++) step([0, 0], [0, 0]);
      // From t = 10 on, momentum 0.9.
      const m = await norm.movingMean.data();
      const want = 2 * (2 / 3) * (3 / 4) * (4 / 5) * (5 / 6) * (6 / 7) * (7 / 8) * (8 / 9) * 0.9 ** 11;
      expect(m[0]).toBeCloseTo(want, 6);
    } finally {
      disposeNetwork(net);
    }
  });

  it('evaluates with the moving statistics: y = gamma (z - mean) / sqrt(var + eps) + beta', async () => {
    const net = createNetwork({ model: 'mlp', hidden: [4], batchNorm: true }, 2);
    try {
      const norm = net.params[0].norm!;
      norm.gamma.assign(tf.tensor1d([1.5, -0.5, 0, 2]));
      norm.beta.assign(tf.tensor1d([0.1, 0.2, -0.3, 0]));
      norm.movingMean.assign(tf.tensor1d([0.05, -0.1, 0, 0.2]));
      norm.movingVariance.assign(tf.tensor1d([0.5, 2, 1, 0.01]));
      const rng = mulberry32(9);
      const pixels = Float32Array.from({ length: 2 * 784 }, () => rng());
      const [w] = await readWeights(net);
      let hidden: Float32Array | null = null;
      tf.tidy(() =>
        forward(net, tf.tensor2d(pixels, [2, 784]), {
          activation: (z) => {
            hidden = z.dataSync() as Float32Array;
            return tf.relu(z);
          },
        }),
      );
      expect(w.batchNorm).toBeDefined();
      const bn = w.batchNorm!;
      for (let b = 0; b < 2; b++) {
        for (let o = 0; o < 4; o++) {
          let z = w.bias[o];
          for (let i = 0; i < 784; i++) z += pixels[b * 784 + i] * w.kernel[i * 4 + o];
          const y = (bn.gamma[o] * (z - bn.mean[o])) / Math.sqrt(bn.variance[o] + bn.epsilon) + bn.beta[o];
          expect(hidden![b * 4 + o]).toBeCloseTo(y, 4);
        }
      }
    } finally {
      disposeNetwork(net);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The fold into the integer kernels

/** A dense layer with a batch norm whose gammas include negative values, zero and tiny ones. */
function normalisedLayer(rng: () => number, name: string, inputs: number, units: number): LayerWeights {
  const layer = randomLayerWeights(rng, name, [inputs, units], 0.2, 0.1);
  const gamma = Float32Array.from({ length: units }, (_, o) => [0, -1.7, 1e-3, -2e-3][o] ?? (rng() < 0.5 ? -1 : 1) * (0.2 + 2 * rng()));
  layer.batchNorm = {
    gamma,
    beta: Float32Array.from({ length: units }, () => 2 * rng() - 1),
    mean: Float32Array.from({ length: units }, () => 2 * rng() - 1),
    variance: Float32Array.from({ length: units }, () => 0.05 + 3 * rng()),
    epsilon: BATCH_NORM_EPSILON,
  };
  return layer;
}

/** y of one unit from the integer sum S of the un-negated codes, in float64. */
function normalised(layer: LayerWeights, accScale: number, o: number, sum: number): number {
  const bn = layer.batchNorm!;
  const z = accScale * sum + layer.bias[o];
  return (bn.gamma[o] * (z - bn.mean[o])) / Math.sqrt(bn.variance[o] + bn.epsilon) + bn.beta[o];
}

describe('batch norm folded into the integer layers', () => {
  it('a hand-worked threshold stage: one unit, gamma -2, 2-bit ReLU on [0, 3]', () => {
    // Fixed 2 bits: the weight 0.5 is code 1 of step 0.5; 8-bit inputs a: acc unit 1/510, S = a.
    const layer: LayerWeights = {
      name: 'hidden1',
      shape: [1, 1],
      kernel: Float32Array.of(0.5),
      bias: Float32Array.of(0),
      batchNorm: { gamma: Float32Array.of(-2), beta: Float32Array.of(1), mean: Float32Array.of(0), variance: Float32Array.of(1 - BATCH_NORM_EPSILON), epsilon: BATCH_NORM_EPSILON },
    };
    const output: LayerWeights = { name: 'output', shape: [1, 10], kernel: new Float32Array(10).fill(0.5), bias: new Float32Array(10) };
    const model = toIntegerMlp([layer, output], quant({ kind: 'fixed', bits: 2 }, { kind: 'relu', bits: 2, clip: 3 }, { inputBits: 8 }));
    const hidden = model.layers[0];
    // z = a/510, y = -2 z + 1 = 1 - a/255 (sqrt(1) = 1). Levels at y >= 0.5, 1.5, 2.5 need
    // a <= 127.5, -127.5, -382.5: the unit is negated (S' = -a) and the thresholds are
    // ceil(-127.5) = -127, ceil(127.5) = 128, ceil(382.5) = 383.
    expect(hidden.output).toEqual({ kind: 'threshold', bits: 2, thresholds: Int32Array.of(-127, 128, 383) });
    const out = denseReference(hidden, Uint32Array.from([0, 127, 128, 255]));
    expect(Array.from(out)).toEqual([1, 1, 0, 0]);
    expect(model.scales[0].outputScale).toBe(1);
  });

  for (const bits of [1, 2, 4, 8]) {
    it(`ReLU with ${bits}-bit activations: every level is round-half-up of the float64 normalised value`, () => {
      const rng = mulberry32(100 + bits);
      const inputs = 37;
      const units = 23;
      const hidden = normalisedLayer(rng, 'hidden1', inputs, units);
      const output = randomLayerWeights(rng, 'output', [units, 10], 0.3);
      const clip = 1.3;
      const model = toIntegerMlp([hidden, output], quant({ kind: 'fixed', bits: 4 }, { kind: 'relu', bits, clip }, { inputBits: 6 }));
      const layer = model.layers[0];
      expect(layer.output.kind).toBe('threshold');
      const accScale = model.scales[0].accScale;
      const codes = fixedCodes(hidden.kernel, { kind: 'fixed', bits: 4 });
      const levels = 2 ** bits - 1;
      const batch = 400;
      const input = Uint32Array.from({ length: batch * inputs }, () => Math.floor(rng() * 64));
      const got = denseReference(layer, input);
      const seen = new Set<number>();
      for (let b = 0; b < batch; b++) {
        for (let o = 0; o < units; o++) {
          let sum = 0;
          for (let i = 0; i < inputs; i++) sum += input[b * inputs + i] * codes[i * units + o];
          const y = normalised(hidden, accScale, o, sum);
          const want = Math.min(levels, Math.max(0, Math.floor((y * levels) / clip + 0.5)));
          expect(got[b * units + o], `row ${b} unit ${o}`).toBe(want);
          seen.add(want);
        }
      }
      // Not vacuous: the values cover the staircase.
      expect(seen.size).toBeGreaterThanOrEqual(Math.min(levels + 1, 12));
      // The whole chain runs (the next layer reads `bits`-bit activations of scale clip / levels).
      expect(model.scales[1].inputScale).toBeCloseTo(clip / levels, 15);
      expect(mlpReference(model.layers, input)).toHaveLength(batch * 10);
    });
  }

  it('sign activations (BinaryNet): every bit is the sign of the float64 normalised value', () => {
    const rng = mulberry32(77);
    const inputs = 300;
    const units = 41;
    const hidden = normalisedLayer(rng, 'hidden1', inputs, units);
    const output = randomLayerWeights(rng, 'output', [units, 10], 0.3);
    const model = toIntegerMlp([hidden, output], quant({ kind: 'binary', scale: 'none' }, { kind: 'sign' }, { inputBits: 1 }));
    const layer = model.layers[0];
    const accScale = model.scales[0].accScale;
    const batch = 300;
    const input = Uint32Array.from({ length: batch * inputs }, () => (rng() < 0.5 ? 1 : 0));
    const bits = denseReference(layer, input);
    const words = Math.ceil(units / 32);
    let ones = 0;
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < units; o++) {
        let sum = 0;
        for (let i = 0; i < inputs; i++) sum += input[b * inputs + i] * (hidden.kernel[i * units + o] >= 0 ? 1 : -1);
        const want = normalised(hidden, accScale, o, sum) >= 0 ? 1 : 0;
        const got = (bits[b * words + (o >>> 5)] >>> (o & 31)) & 1;
        expect(got, `row ${b} unit ${o}`).toBe(want);
        ones += got;
      }
    }
    expect(ones).toBeGreaterThan(batch * units * 0.1);
    expect(ones).toBeLessThan(batch * units * 0.9);
  });

  it('the binary search is the count of thresholds reached', () => {
    const rng = mulberry32(5);
    for (let trial = 0; trial < 2000; trial++) {
      const bits = 1 + Math.floor(rng() * 8);
      const levels = 2 ** bits - 1;
      const thresholds = Int32Array.from({ length: levels }, () => Math.floor(rng() * 200) - 100).sort();
      const acc = Math.floor(rng() * 240) - 120;
      expect(thresholdLevel(acc, thresholds, 0, bits)).toBe(thresholds.filter((t) => acc >= t).length);
    }
  });

  it('foldBatchNorm: alpha >= 0, gamma = 0 leaves the constant beta', () => {
    const fold = foldBatchNorm(
      { gamma: Float32Array.of(2, -2, 0), beta: Float32Array.of(1, 1, -0.5), mean: Float32Array.of(0.5, 0.5, 3), variance: Float32Array.of(3, 3, 1), epsilon: 1 },
      Float32Array.of(0.25, 0.25, 7),
      0.125,
    );
    // a = +-2 / 2 = +-1: y = +-(S/8 + 0.25 - 0.5) + 1 = alpha (S' + offset), alpha 1/8.
    expect(Array.from(fold.alpha)).toEqual([0.125, 0.125, 0]);
    expect(Array.from(fold.offset)).toEqual([6, 10, 0]);
    expect(fold.constant[2]).toBe(-0.5);
  });
});
