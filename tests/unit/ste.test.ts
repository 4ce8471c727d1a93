import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/core/tfNode';
import {
  FLOAT32_MAX,
  binaryL1Scale,
  lightnnStochasticWithUniforms,
  quantizeActivationFixed,
  quantizeWeights,
  type MinifloatScheme,
  type WeightScheme,
} from '../../src/core/quant/schemes';
import {
  quantizeActivationWithSTE,
  quantizeTensor,
  quantizeWithSTE,
  seedFromRng,
  signWithSTE,
} from '../../src/core/quant/ste';
import { mulberry32 } from '../../src/core/rng';

const p2 = (k: number): number => Math.pow(2, k);

beforeAll(async () => {
  await useNodeBackend('cpu');
  await tf.ready();
});

/** Arrays equal with ===, so +0 and -0 count as equal. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const same = actual[i] === expected[i] || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!same) throw new Error(`${label} index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Forward value of quantizeWithSTE on a 2-D tensor holding `values` (shape [rows, n / rows]). */
function steForward(values: Float32Array, scheme: WeightScheme, rng?: () => number): Float32Array {
  const rows = values.length % 2 === 0 ? 2 : 1;
  return tf.tidy(() => {
    const w = tf.tensor2d(values, [rows, values.length / rows]);
    return quantizeWithSTE(w, scheme, rng).dataSync() as Float32Array;
  });
}

const minifloat = (exponentBits: number, mantissaBits: number, extra: Partial<MinifloatScheme> = {}): MinifloatScheme => ({
  kind: 'minifloat',
  exponentBits,
  mantissaBits,
  ...extra,
});

const weight = fc.oneof(
  fc.float({ min: -8, max: 8, noNaN: true }),
  fc.integer({ min: -512, max: 512 }).map((i) => i / 128),
  fc.constantFrom(0, -0, 0.75, -0.375, 1.5, 2.5, 1e-30, -3e-41),
);
const layer = fc.array(weight, { minLength: 1, maxLength: 40 }).map((v) => Float32Array.from(v));
const wideLayer = fc
  .array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 })
  .map((v) => Float32Array.from(v));

describe('tf ops agree exactly with the pure quantizers (cpu backend)', () => {
  const deterministic: WeightScheme[] = [
    { kind: 'float32' },
    ...[2, 3, 4, 5, 8, 12, 16].map((bits): WeightScheme => ({ kind: 'fixed', bits })),
    ...[1, 2, 3, 4].map((k): WeightScheme => ({ kind: 'lightnn', k })),
    { kind: 'lightnn', k: 1, allowZero: true },
    { kind: 'lightnn', k: 3, allowZero: true },
    { kind: 'binary', scale: 'none' },
  ];
  const minifloats: MinifloatScheme[] = [
    minifloat(2, 1),
    minifloat(3, 2),
    minifloat(4, 3),
    minifloat(5, 2),
    minifloat(5, 10),
    minifloat(8, 7),
    minifloat(8, 23),
    minifloat(3, 0),
    minifloat(4, 3, { bias: 13 }),
    minifloat(2, 1, { subnormals: false }),
    minifloat(4, 3, { subnormals: false }),
    minifloat(8, 23, { subnormals: false }),
    minifloat(8, 3, { bias: 300 }), // subnormals far below float32's
    minifloat(8, 3, { bias: -100 }), // range far above float32's: saturates at its float32 part
    minifloat(6, 5, { bias: 100, subnormals: false }),
  ];

  it('hand-picked ties and edges', () => {
    const lightnnTies = Float32Array.from([0.75, 0.375, -0.75, -0.375, 0, -0, 3, -3, 0.001, 3 * p2(-8), 7 / 128]);
    const lightnnExpected = [1, 0.5, -1, -0.5, p2(-7), p2(-7), 1, -1, p2(-7), p2(-6), 0.0625];
    expectSameValues(steForward(lightnnTies, { kind: 'lightnn', k: 1 }), lightnnExpected);
    expectSameValues(steForward(lightnnTies, { kind: 'lightnn', k: 2 }), quantizeWeights(lightnnTies, { kind: 'lightnn', k: 2 }));
    const fixedTies = Float32Array.from([3, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -3]);
    expectSameValues(steForward(fixedTies, { kind: 'fixed', bits: 3 }), [3, 0, 2, 2, 0, -2, -2, -3]);
    expectSameValues(steForward(Float32Array.from([0, 0, -0, 0]), { kind: 'fixed', bits: 4 }), [0, 0, 0, 0]);
    const fixedHuge = Float32Array.from([FLOAT32_MAX, FLOAT32_MAX / 2, -FLOAT32_MAX / 3, 1]);
    expectSameValues(steForward(fixedHuge, { kind: 'fixed', bits: 3 }), quantizeWeights(fixedHuge, { kind: 'fixed', bits: 3 }));
    const floatEdges = Float32Array.from([
      p2(-149), -p2(-149), p2(-126), p2(-126) - p2(-149), FLOAT32_MAX, -FLOAT32_MAX, 1, 1 - p2(-24), 2 - p2(-23), 0.25, 0.75,
      1.25, 1.75, 65519, 65520, 100, Infinity, -Infinity, NaN, 0, -0, p2(-25), 3 * p2(-26), 1 / 3,
    ]);
    for (const scheme of minifloats) {
      expectSameValues(steForward(floatEdges, scheme), quantizeWeights(floatEdges, scheme), JSON.stringify(scheme));
    }
  });

  it('minifloat exponent detection at every power of two and its float32 neighbours', () => {
    const values: number[] = [];
    for (let k = -149; k <= 127; k++) {
      const power = p2(k);
      values.push(power, Math.fround(power * (1 + p2(-23))), Math.fround(power * (1 - p2(-24))));
    }
    const edges = Float32Array.from(values.filter((v) => v > 0 && v < Infinity));
    for (const scheme of [minifloat(8, 0), minifloat(8, 3), minifloat(8, 10, { bias: 200 }), minifloat(8, 23)]) {
      expectSameValues(steForward(edges, scheme), quantizeWeights(edges, scheme), JSON.stringify(scheme));
    }
  });

  it('property: fixed, LightNN nearest, binary ±1, float32', () => {
    fc.assert(
      fc.property(layer, fc.constantFrom(...deterministic), (values, scheme) => {
        expectSameValues(steForward(values, scheme), quantizeWeights(values, scheme), JSON.stringify(scheme));
      }),
      { numRuns: 300 },
    );
  });

  it('property: fixed on the whole float32 range', () => {
    fc.assert(
      fc.property(wideLayer, fc.integer({ min: 2, max: 16 }), (values, bits) => {
        const scheme: WeightScheme = { kind: 'fixed', bits };
        expectSameValues(steForward(values, scheme), quantizeWeights(values, scheme));
      }),
      { numRuns: 200 },
    );
  });

  it('property: minifloat formats on the whole float32 range', () => {
    fc.assert(
      fc.property(fc.oneof(wideLayer, layer), fc.constantFrom(...minifloats), (values, scheme) => {
        expectSameValues(steForward(values, scheme), quantizeWeights(values, scheme), JSON.stringify(scheme));
      }),
      { numRuns: 400 },
    );
  });

  it('binary ±alpha: same signs, alpha equal up to the last bits', () => {
    fc.assert(
      fc.property(layer, (values) => {
        const out = steForward(values, { kind: 'binary', scale: 'l1' });
        const alpha = binaryL1Scale(values);
        values.forEach((w, i) => {
          expect(Math.sign(out[i]) || 1).toBe(w < 0 ? -1 : 1);
          expect(Math.abs(Math.abs(out[i]) - alpha)).toBeLessThanOrEqual(alpha * p2(-22));
        });
      }),
      { numRuns: 200 },
    );
    expectSameValues(steForward(Float32Array.from([1, -2, 3, -4]), { kind: 'binary', scale: 'l1' }), [2.5, -2.5, 2.5, -2.5]);
  });

  it('LightNN stochastic equals the pure rule fed the same tf.randomUniform draws', () => {
    fc.assert(
      fc.property(layer, fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.integer(), (values, k, allowZero, seed) => {
        const scheme: WeightScheme = { kind: 'lightnn', k, rounding: 'stochastic', allowZero };
        const out = steForward(values, scheme, mulberry32(seed));
        const tfSeed = seedFromRng(mulberry32(seed));
        const uniforms = tf.tidy(() => tf.randomUniform([1, values.length], 0, 1, 'float32', tfSeed).dataSync());
        expectSameValues(out, lightnnStochasticWithUniforms(values, k, uniforms, allowZero));
      }),
      { numRuns: 150 },
    );
  });

  it('LightNN stochastic is reproducible from the rng and unbiased (20000 draws, 4 sigma)', () => {
    const scheme: WeightScheme = { kind: 'lightnn', k: 1, rounding: 'stochastic' };
    const w = tf.fill([20000], 0.3);
    const first = quantizeWithSTE(w, scheme, mulberry32(5)).dataSync();
    const again = quantizeWithSTE(w, scheme, mulberry32(5)).dataSync();
    const other = quantizeWithSTE(w, scheme, mulberry32(6)).dataSync();
    expectSameValues(again, first);
    expect(Array.from(other)).not.toEqual(Array.from(first));
    let sum = 0;
    for (const q of first) {
      if (q !== 0.25 && q !== 0.5) throw new Error(`unexpected value ${q}`);
      sum += q;
    }
    const wf = Math.fround(0.3);
    const p = (wf - 0.25) / 0.25;
    const sigma = (0.25 * Math.sqrt(p * (1 - p))) / Math.sqrt(20000);
    expect(Math.abs(sum / 20000 - wf)).toBeLessThanOrEqual(4 * sigma);
    expect(() => quantizeWithSTE(w, scheme)).toThrow(/rng/);
    w.dispose();
  });

  it('quantized ReLU activation matches quantizeActivationFixed', () => {
    const activations = fc
      .array(fc.float({ min: -2, max: 10, noNaN: true }), { minLength: 1, maxLength: 40 })
      .map((v) => Float32Array.from(v));
    fc.assert(
      fc.property(activations, fc.integer({ min: 1, max: 16 }), fc.constantFrom(1, 3, 6, 0.1, 2.5), (x, bits, clip) => {
        const out = tf.tidy(() => quantizeActivationWithSTE(tf.tensor1d(x), bits, clip).dataSync());
        expectSameValues(out, quantizeActivationFixed(x, bits, clip));
      }),
      { numRuns: 300 },
    );
  });
});

describe('straight-through gradients', () => {
  const w = [0.5, -2, 1, -1, 1.5, 0.3];
  const c = [1, 2, 3, 4, 5, 6];

  /** d/dw of sum(f(w) * c). */
  function gradient(f: (x: tf.Tensor) => tf.Tensor): number[] {
    return tf.tidy(() => {
      const cTensor = tf.tensor1d(c);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), cTensor)));
      return Array.from(g(tf.tensor1d(w)).dataSync());
    });
  }

  it('identity for float32, fixed, minifloat and LightNN (nearest and stochastic)', () => {
    const schemes: WeightScheme[] = [
      { kind: 'float32' },
      { kind: 'fixed', bits: 3 },
      minifloat(4, 3),
      { kind: 'lightnn', k: 2 },
      { kind: 'lightnn', k: 1, rounding: 'stochastic' },
    ];
    for (const scheme of schemes) expect(gradient((x) => quantizeWithSTE(x, scheme, mulberry32(1)))).toEqual(c);
  });

  it('binary: cancelled where |w| > 1 (hardtanh STE), for both scales', () => {
    expect(gradient((x) => quantizeWithSTE(x, { kind: 'binary', scale: 'none' }))).toEqual([1, 0, 3, 4, 0, 6]);
    expect(gradient((x) => quantizeWithSTE(x, { kind: 'binary', scale: 'l1' }))).toEqual([1, 0, 3, 4, 0, 6]);
  });

  it('signWithSTE: forward sign with sign(0) = +1, gradient where |x| <= 1', () => {
    const forward = tf.tidy(() => Array.from(signWithSTE(tf.tensor1d([0, -0, -1e-9, 2, -3])).dataSync()));
    expect(forward).toEqual([1, 1, -1, 1, -1]);
    expect(gradient(signWithSTE)).toEqual([1, 0, 3, 4, 0, 6]);
  });

  it('quantized ReLU: gradient passes inside [0, clip] only', () => {
    expect(gradient((x) => quantizeActivationWithSTE(x, 2, 1))).toEqual([1, 0, 3, 0, 0, 6]);
  });

  it('does not leak tensors', () => {
    const x = tf.tensor1d(w);
    const before = tf.memory().numTensors;
    const outputs = [
      quantizeWithSTE(x, minifloat(4, 3)),
      quantizeWithSTE(x, { kind: 'lightnn', k: 2, rounding: 'stochastic' }, mulberry32(3)),
      quantizeWithSTE(x, { kind: 'fixed', bits: 4 }),
      quantizeTensor(x, { kind: 'binary', scale: 'l1' }),
      signWithSTE(x),
      quantizeActivationWithSTE(x, 3, 1),
    ];
    expect(tf.memory().numTensors - before).toBe(outputs.length);
    tf.dispose([...outputs, x]);
  });
});
