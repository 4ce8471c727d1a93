/**
 * Calibrated and per-channel scales of the fixed-point format (scale=percentile|mse,
 * granularity=channel): hand-worked clips and codes, exactness against BigInt arithmetic with a
 * clip below max|w| (saturation), the tensor quantizer equal to the pure one on both cpu paths,
 * the straight-through gradient, URL round trips, the cost model and the integer kernels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_FIXED_PERCENTILE,
  fixedClips,
  fixedCodes,
  fixedLevelCount,
  fixedQuantize,
  formatOf,
  legalValues,
  quantizeWeights,
  type FixedScheme,
  type WeightScheme,
} from '../../src/core/quant/schemes';
import { decodeConfig, defaultConfig, encodeConfig } from '../../src/core/config';
import { estimateCost } from '../../src/core/cost/estimate';
import { toIntegerMlp } from '../../src/core/kernels/fromNetwork';
import { weightValues } from '../../src/core/kernels/reference';
import type { LayerWeights } from '../../src/core/models';
import { mulberry32 } from '../../src/core/rng';
import { useNodeBackend } from '../../src/tf/tfNode';
import { quantizeTensor, quantizeWithSTE, setCpuQuantizerPath, weightClipsOf, weightClipsOfValues } from '../../src/tf/ste';
import { exactCode, exactValue } from '../helpers/exactFixed';

beforeAll(async () => {
  await useNodeBackend('cpu');
  await tf.ready();
});

const f = Math.fround;
const fixed = (bits: number, extra: Partial<FixedScheme> = {}): FixedScheme => ({ kind: 'fixed', bits, ...extra });

// ---------------------------------------------------------------------------------------------
// Layers at the clip's ties (the exact reference: tests/helpers/exactFixed.ts)
// ---------------------------------------------------------------------------------------------

const bitsOf = new Uint32Array(1);
const floatOf = new Float32Array(bitsOf.buffer);

/** A layer whose clip will be c: every tie (k + 1/2) c / n with its float32 neighbours, and weights beyond c. */
function clipTieLayer(n: number, c: number, spread: number): Float32Array {
  const out: number[] = [c, -c, f(1.5 * c), f(-3 * c), f(7.25 * c)];
  for (let k = 0; k < n; k++) {
    floatOf[0] = f(((2 * k + 1) * c) / (2 * n));
    const centre = bitsOf[0];
    for (let d = -spread; d <= spread; d++) {
      bitsOf[0] = centre + d;
      if (floatOf[0] <= c) out.push(floatOf[0], -floatOf[0]);
    }
  }
  return Float32Array.from(out);
}

function expectSame(actual: Float32Array, expected: ArrayLike<number>, what: string): void {
  let mismatches = 0;
  let first = '';
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0)) {
      if (mismatches++ === 0) first = `at ${i}: ${actual[i]} vs ${expected[i]}`;
    }
  }
  expect(mismatches, `${what}: first ${first}`).toBe(0);
}

// ---------------------------------------------------------------------------------------------
// Hand-worked clips and codes
// ---------------------------------------------------------------------------------------------

describe('hand-worked clips', () => {
  const ten = Float32Array.from([1, -2, 3, -4, 5, -6, 7, -8, 9, -10]);

  it('percentile: the nearest-rank |w| (k = ceil(p N / 100))', () => {
    const clip = (p: number) => fixedClips(ten, fixed(2, { scale: 'percentile', percentile: p }))[0];
    expect(clip(50)).toBe(5); // k = 5
    expect(clip(90)).toBe(9); // k = 9
    expect(clip(90.5)).toBe(10); // k = ceil(9.05) = 10
    expect(clip(99.9)).toBe(10);
    expect(clip(100)).toBe(10);
    expect(fixedClips(ten, fixed(2, { scale: 'percentile' }))[0]).toBe(10); // default 99.9: k = ceil(9.99)
    expect(DEFAULT_FIXED_PERCENTILE).toBe(99.9);
  });

  it('percentile 90 at 2 bits: |w| >= 5 takes ±9 (10 saturates), the rest 0', () => {
    const q = quantizeWeights(ten, fixed(2, { scale: 'percentile', percentile: 90 }));
    expect(Array.from(q)).toEqual([0, 0, 0, 0, 9, -9, 9, -9, 9, -9]);
    // 4.5 is the tie of code 0 and 1 with c = 9: half to even gives 0.
    expect(Array.from(quantizeWeights(Float32Array.of(4.5, -4.5, 9, 20), fixed(2, { scale: 'percentile', percentile: 75 })))).toEqual([0, 0, 9, 9]);
  });

  it('a percentile landing on 0 falls back to max|w|; an all-zero layer stays 0', () => {
    const sparse = Float32Array.of(0, 0, 0, 0.5, -1);
    expect(fixedClips(sparse, fixed(3, { scale: 'percentile', percentile: 50 }))[0]).toBe(1);
    expect(fixedClips(new Float32Array(4), fixed(3, { scale: 'mse' }))[0]).toBe(0);
    expect(Array.from(quantizeWeights(new Float32Array(4), fixed(3, { scale: 'mse' })))).toEqual([0, 0, 0, 0]);
  });

  it('mse at 2 bits on eight 0.5s and one 1: c = 5/9 (the continuous optimum), error below the grid', () => {
    // Levels {0, ±c}. With 1/2 < c < 1 every 0.5 takes c: E(c) = 8 (c - 1/2)^2 + (1 - c)^2, least
    // at c = 5/9 (E = 2/9); c = 1 gives 2 (0.5 is a tie and goes to 0), c = 0.5 gives 1/4.
    const w = Float32Array.from([0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 1]);
    const c = fixedClips(w, fixed(2, { scale: 'mse' }))[0];
    expect(c).toBe(f(c));
    expect(Math.abs(c - 5 / 9)).toBeLessThan(1e-5);
    const error = (clip: number) => 8 * (clip - 0.5) ** 2 + (1 - clip) ** 2;
    expect(error(c)).toBeLessThanOrEqual(Math.min(error(f(0.55)), error(f(0.56))));
    const q = quantizeWeights(w, fixed(2, { scale: 'mse' }));
    expect(Array.from(q)).toEqual([c, -c, c, -c, c, -c, c, -c, c]);
  });

  it('mse keeps max|w| when every weight is already on its grid', () => {
    // {0, ±1} at 2 bits: error 0 at c = 1, and any smaller c moves the ±1s.
    expect(fixedClips(Float32Array.from([1, -1, 0, 1, -1, 0]), fixed(2, { scale: 'mse' }))[0]).toBe(1);
  });

  it('per channel on a 2x3 dense kernel [in, out]: one clip per column', () => {
    // Row-major [[1, 0.2, -4], [0.4, -0.3, 1]]: columns {1, 0.4}, {0.2, -0.3}, {-4, 1}.
    const kernel = Float32Array.from([1, 0.2, -4, 0.4, -0.3, 1]);
    const channel = fixed(2, { granularity: 'channel' });
    expect(Array.from(fixedClips(kernel, channel, [2, 3]))).toEqual([1, f(0.3), 4]);
    // n = 1: code = round(w / c): 0.4 / 1 -> 0; 0.2 / 0.3 -> 1 and -0.3 / 0.3 -> -1; 1 / 4 -> 0.
    expect(Array.from(fixedCodes(kernel, channel, [2, 3]))).toEqual([1, 1, -1, 0, -1, 0]);
    expect(Array.from(quantizeWeights(kernel, channel, undefined, [2, 3]))).toEqual([1, f(0.3), -4, 0, -f(0.3), 0]);
    // One clip for the layer (max 4) keeps only -4.
    expect(Array.from(fixedCodes(kernel, fixed(2)))).toEqual([0, 0, -1, 0, 0, 0]);
    // 3 bits (n = 3) per channel: 0.4 * 3 = 1.2 -> 1 (1/3); 0.2 * 3 / 0.3 = 2 -> 2 (0.2); 1 * 3 / 4 = 0.75 -> 1 (4/3).
    const three = fixed(3, { granularity: 'channel' });
    expect(Array.from(fixedCodes(kernel, three, [2, 3]))).toEqual([3, 2, -3, 1, -3, 1]);
    expect(Array.from(quantizeWeights(kernel, three, undefined, [2, 3]))).toEqual([1, f((2 * f(0.3)) / 3), -4, f(1 / 3), -f(0.3), f(4 / 3)]);
  });

  it('per channel with percentile: a clip per column from that column alone', () => {
    const kernel = Float32Array.from([1, 10, 2, 20, 3, 30, 100, 40]); // [4, 2]: columns {1,2,3,100}, {10,20,30,40}
    const scheme = fixed(2, { scale: 'percentile', percentile: 75, granularity: 'channel' });
    expect(Array.from(fixedClips(kernel, scheme, [4, 2]))).toEqual([3, 30]);
    expect(Array.from(quantizeWeights(kernel, scheme, undefined, [4, 2]))).toEqual([0, 0, 3, 30, 3, 30, 3, 30]);
  });

  it('per channel needs the shape; the shape must hold the weights', () => {
    const kernel = new Float32Array(6);
    expect(() => quantizeWeights(kernel, fixed(4, { granularity: 'channel' }))).toThrow(/granularity=channel needs the weights' shape/);
    expect(() => quantizeWeights(kernel, fixed(4, { granularity: 'channel' }), undefined, [4, 2])).toThrow(/does not hold 6 weights/);
  });

  it('legal values: from the clip per layer, none per channel', () => {
    expect(Array.from(legalValues(fixed(2, { scale: 'percentile', percentile: 90 }), Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))!)).toEqual([
      -9, 0, 9,
    ]);
    expect(legalValues(fixed(2, { granularity: 'channel' }), Float32Array.of(1, 2))).toBeNull();
  });

  it('validates ranges and the percentile/scale pairing', () => {
    const validate = (s: FixedScheme) => () => formatOf(s).validate(s);
    expect(validate(fixed(4, { scale: 'percentile', percentile: 49 }))).toThrow(/percentile must be a number from 50 to 100/);
    expect(validate(fixed(4, { percentile: 99 }))).toThrow(/percentile needs scale=percentile/);
    expect(validate(fixed(4, { scale: 'bogus' as never }))).toThrow(/scale must be/);
    expect(validate(fixed(4, { granularity: 'row' as never }))).toThrow(/granularity must be/);
    expect(validate(fixed(4, { scale: 'mse', granularity: 'channel' }))).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Exactness with a clip below max|w|
// ---------------------------------------------------------------------------------------------

describe('codes and values against BigInt arithmetic, with saturation', () => {
  const clips = [f(0.3), 0.75, f(3 * 2 ** -20) * 7, f(1e-30), f(12345.678)];
  for (const bits of [2, 3, 4, 5, 8, 12, 16]) {
    it(`${bits} bits: every tie of the clip and its neighbours, weights beyond it saturate`, () => {
      const n = fixedLevelCount(bits);
      for (const c of clips) {
        const w = clipTieLayer(n, c, 2);
        // The clips as given (the core path every setting uses) ...
        const codes = fixedCodes(w, fixed(bits), undefined, Float32Array.of(c));
        const want = Array.from(w, (v) => exactCode(v, n, c));
        expect(Array.from(codes), `bits ${bits} clip ${c}`).toEqual(want);
        // ... and as percentile and MSE find them, with values exactly rounded.
        // (MSE up to 8 bits only, to keep the test short.)
        const schemes = [fixed(bits, { scale: 'percentile', percentile: 90 }), ...(bits <= 8 ? [fixed(bits, { scale: 'mse' })] : [])];
        for (const scheme of schemes) {
          const clip = fixedClips(w, scheme)[0];
          expect(clip).toBe(f(clip));
          const q = fixedQuantize(w, scheme);
          expectSame(q, Array.from(w, (v) => exactValue(exactCode(v, n, clip), n, clip)), `${JSON.stringify(scheme)} clip ${c}`);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Tensor quantizer == pure quantizer
// ---------------------------------------------------------------------------------------------

const SETTINGS: FixedScheme[] = [];
for (const bits of [2, 3, 8]) {
  for (const granularity of ['tensor', 'channel'] as const) {
    SETTINGS.push(fixed(bits, { granularity }));
    SETTINGS.push(fixed(bits, { scale: 'percentile', granularity }));
    SETTINGS.push(fixed(bits, { scale: 'percentile', percentile: 50, granularity }));
    SETTINGS.push(fixed(bits, { scale: 'mse', granularity }));
  }
}
// 16 bits: tables of 2^15 entries per group, built per call on the ops path: two settings only.
SETTINGS.push(fixed(16, { scale: 'mse' }), fixed(16, { scale: 'percentile', percentile: 90, granularity: 'channel' }));

function randomKernel(rng: () => number, size: number, spread: number): Float32Array {
  // Roughly Gaussian with a few outliers, as trained weights look.
  return Float32Array.from({ length: size }, (_, i) => {
    const g = (rng() + rng() + rng() - 1.5) * spread;
    return i % 37 === 5 ? 6 * g : g;
  });
}

for (const path of ['ops', 'values'] as const) {
  describe(`tensor quantizer equals the pure one (cpu path '${path}')`, () => {
    let previous: 'ops' | 'values';
    beforeAll(() => {
      previous = setCpuQuantizerPath(path);
    });
    afterAll(() => {
      setCpuQuantizerPath(previous);
    });

    it('dense, conv and 1-D shapes, every setting', () => {
      const rng = mulberry32(13);
      const shapes = [[12, 5], [3, 3, 2, 4], [7], [1, 1]];
      for (const shape of shapes) {
        const size = shape.reduce((a, b) => a * b, 1);
        for (const spread of [0.1, 3e-30, 2e20]) {
          const values = randomKernel(rng, size, spread);
          if (size > 2) values[2] = 0;
          for (const scheme of SETTINGS) {
            const want = quantizeWeights(values, scheme, undefined, shape);
            const clips = weightClipsOfValues(values, scheme, shape);
            const got = tf.tidy(() => quantizeTensor(tf.tensor(values, shape), scheme, undefined, clips).dataSync() as Float32Array);
            expectSame(got, want, `${JSON.stringify(scheme)} shape [${shape}] spread ${spread}`);
          }
        }
      }
    });

    it('ties of a per-channel clip, saturation and a zero channel', () => {
      for (const bits of [2, 3, 5]) {
        const n = fixedLevelCount(bits);
        const a = clipTieLayer(n, f(0.3), 1);
        const b = clipTieLayer(n, 0.75, 1);
        const rows = Math.min(a.length, b.length);
        const kernel = new Float32Array(rows * 3);
        for (let r = 0; r < rows; r++) {
          kernel[3 * r] = a[r];
          kernel[3 * r + 1] = b[r];
        }
        for (const scheme of [fixed(bits, { granularity: 'channel' }), fixed(bits, { granularity: 'channel', scale: 'mse' }), fixed(bits, { granularity: 'channel', scale: 'percentile', percentile: 60 })]) {
          const want = quantizeWeights(kernel, scheme, undefined, [rows, 3]);
          const clips = weightClipsOfValues(kernel, scheme, [rows, 3]);
          const got = tf.tidy(() => quantizeTensor(tf.tensor2d(kernel, [rows, 3]), scheme, undefined, clips).dataSync() as Float32Array);
          expectSame(got, want, JSON.stringify(scheme));
        }
      }
    });

    it('a NaN weight makes the layer NaN, as the pure quantizer', () => {
      const values = Float32Array.of(1, NaN, -2, 0.5);
      for (const scheme of [fixed(3, { scale: 'mse' }), fixed(3, { granularity: 'channel' }), fixed(3, { scale: 'percentile', granularity: 'channel' })]) {
        const clips = weightClipsOfValues(values, scheme, [2, 2]);
        const got = tf.tidy(() => quantizeTensor(tf.tensor2d(values, [2, 2]), scheme, undefined, clips).dataSync() as Float32Array);
        expect(Array.from(got).every(Number.isNaN), JSON.stringify(scheme)).toBe(true);
        expect(Array.from(quantizeWeights(values, scheme, undefined, [2, 2])).every(Number.isNaN)).toBe(true);
      }
    });

    it('straight-through gradient: identity inside the clip, zero where a weight saturates', () => {
      const w = [0.5, -2, 1, -1, 1.5, 0.3];
      const c = [1, 2, 3, 4, 5, 6];
      const gradient = (scheme: WeightScheme, shape: number[]) =>
        tf.tidy(() => {
          const cTensor = tf.tensor(c, shape);
          const clips = weightClipsOfValues(Float32Array.from(w), scheme, shape);
          const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(quantizeWithSTE(x, scheme, undefined, clips), cTensor)));
          return Array.from(g(tf.tensor(w, shape)).dataSync());
        });
      // Sorted |w| = 0.3, 0.5, 1, 1, 1.5, 2: percentile 50 is k = 3, c = 1.
      expect(gradient(fixed(2, { scale: 'percentile', percentile: 50 }), [6])).toEqual([1, 0, 3, 4, 0, 6]);
      // Max clips saturate nothing: identity, per layer and per channel.
      expect(gradient(fixed(2), [6])).toEqual(c);
      expect(gradient(fixed(2, { granularity: 'channel' }), [3, 2])).toEqual(c);
      // Per channel [3, 2]: columns {0.5, 1, 1.5} and {-2, -1, 0.3}; percentile 50 (k = 2): clips 1 and 1.
      expect(gradient(fixed(2, { scale: 'percentile', percentile: 50, granularity: 'channel' }), [3, 2])).toEqual([1, 0, 3, 4, 0, 6]);
    });

    it('does not leak tensors', async () => {
      const x = tf.tensor2d([0.5, -2, 1, -1, 1.5, 0.3], [3, 2]);
      const schemes = [fixed(2, { scale: 'mse' }), fixed(4, { granularity: 'channel' }), fixed(3, { scale: 'percentile', granularity: 'channel' })];
      const clips = await Promise.all(schemes.map((s) => weightClipsOf(x, s)));
      const before = tf.memory().numTensors;
      const outputs = schemes.map((s, i) => quantizeWithSTE(x, s, undefined, clips[i]));
      const grads = schemes.map((s, i) => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(quantizeWithSTE(t, s, undefined, clips[i])))(x)));
      expect(tf.memory().numTensors - before).toBe(outputs.length + grads.length);
      tf.dispose([...outputs, ...grads, x]);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// URL, cost model, kernels
// ---------------------------------------------------------------------------------------------

describe('the URL keeps the new keys, and drops them at their defaults', () => {
  const roundTrip = (weights: WeightScheme) => decodeConfig(encodeConfig({ ...defaultConfig(), weights }));

  it('round trips', () => {
    for (const weights of [
      fixed(2, { scale: 'percentile', percentile: 99.5 }),
      fixed(2, { scale: 'percentile', percentile: 97.25, granularity: 'channel' }),
      fixed(3, { scale: 'mse' }),
      fixed(2, { scale: 'mse', granularity: 'channel' }),
      fixed(4, { granularity: 'channel' }),
    ]) {
      const decoded = roundTrip(weights);
      expect(decoded.notices.filter((n) => n.level === 'error')).toEqual([]);
      expect(decoded.config.weights).toEqual(weights);
    }
    expect(encodeConfig({ ...defaultConfig(), weights: fixed(2, { scale: 'mse', granularity: 'channel' }) })).toContain(
      'weights=fixed:bits=2,scale=mse,granularity=channel',
    );
  });

  it('normalize drops the defaults', () => {
    const normalize = formatOf(fixed(2)).normalize!;
    expect(normalize(fixed(2, { scale: 'max', granularity: 'tensor' }))).toEqual(fixed(2));
    expect(normalize(fixed(2, { scale: 'percentile', percentile: 99.9 }))).toEqual(fixed(2, { scale: 'percentile' }));
    expect(normalize(fixed(2, { scale: 'percentile', percentile: 99, granularity: 'channel' }))).toEqual(
      fixed(2, { scale: 'percentile', percentile: 99, granularity: 'channel' }),
    );
  });

  it('a percentile without scale=percentile is refused with a notice', () => {
    const decoded = decodeConfig('v=1&weights=fixed:bits=2,percentile=99');
    expect(decoded.notices.some((n) => n.level === 'error' && /percentile needs scale=percentile/.test(n.message))).toBe(true);
    expect(decoded.config.weights).toEqual(defaultConfig().weights);
  });
});

describe('cost model', () => {
  it('per-channel and calibrated clips cost what a per-layer one does (folded into the requantization)', () => {
    const cost = (weights: WeightScheme) => estimateCost({ model: 'mlp1', weights, activations: { kind: 'relu', bits: 8 }, inputBits: 8 });
    const base = cost(fixed(4));
    for (const s of [fixed(4, { granularity: 'channel' }), fixed(4, { scale: 'mse' }), fixed(4, { scale: 'percentile', granularity: 'channel' })]) {
      expect(formatOf(s).scaled(s)).toBe(false);
      expect(cost(s)).toEqual(base);
    }
  });
});

describe('integer kernels', () => {
  const rng = mulberry32(5);
  const layer = (name: string, inputs: number, units: number): LayerWeights => ({
    name,
    shape: [inputs, units],
    kernel: randomKernel(rng, inputs * units, 0.2),
    bias: Float32Array.from({ length: units }, () => (rng() - 0.5) * 0.1),
  });
  const mlp = [layer('hidden1', 784, 100), layer('output', 100, 10)];
  const config = (weights: WeightScheme) => ({ weights, activations: { kind: 'relu' as const, bits: 8 }, inputBits: 8, layers: [] });

  it('calibrated per-layer clips: the codes and scale of the clip TF.js evaluates with', () => {
    for (const scheme of [fixed(2, { scale: 'mse' }), fixed(4, { scale: 'percentile', percentile: 99 }), fixed(8, { scale: 'percentile' })]) {
      const model = toIntegerMlp(mlp, config(scheme), [2]);
      model.layers.forEach((l, i) => {
        const clip = fixedClips(mlp[i].kernel, scheme)[0];
        expect(model.scales[i].weightScale).toBe(clip / fixedLevelCount(scheme.bits));
        const want = quantizeWeights(mlp[i].kernel, scheme);
        const values = weightValues(l);
        let worst = 0;
        values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v * model.scales[i].weightScale - want[j]))));
        expect(worst, `${JSON.stringify(scheme)} layer ${i}`).toBeLessThanOrEqual(clip * 2 ** -23);
      });
    }
  });

  it('per-channel clips are refused with a clear message', () => {
    expect(() => toIntegerMlp(mlp, config(fixed(4, { granularity: 'channel' })), [2])).toThrow(
      /per-channel fixed-point scales are not in the integer kernels yet/,
    );
  });
});
