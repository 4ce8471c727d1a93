import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/tf/tfNode';
import {
  FLOAT32_MAX,
  MAX_UNIFORM,
  binaryL1Scale,
  lightnnLegalMagnitudes,
  lightnnStochasticWithUniforms,
  midpoints,
  signActivation,
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
  setCpuQuantizerPath,
  signWithSTE,
  uniformDraws,
  weightClipsOfValues,
} from '../../src/tf/ste';
import { mulberry32 } from '../../src/core/rng';
import { pushAll } from '../../src/core/arrays';
import { expectSameValues, minifloat, p2, SMALL_MINIFLOATS, weightLayerArb } from '../helpers/quant';

beforeAll(async () => {
  await useNodeBackend('cpu');
  await tf.ready();
});

/** The enclosing describe's tests run on the cpu backend's quantizer path `path`; the previous one is restored after. */
function onCpuQuantizerPath(path: 'ops' | 'values'): void {
  let previous: 'ops' | 'values';
  beforeAll(() => {
    previous = setCpuQuantizerPath(path);
  });
  afterAll(() => {
    setCpuQuantizerPath(previous);
  });
}

/** Forward value of quantizeWithSTE on a 2-D tensor holding `values` (shape [rows, n / rows]). */
function steForward(values: Float32Array, scheme: WeightScheme, rng?: () => number): Float32Array {
  const rows = values.length % 2 === 0 ? 2 : 1;
  return tf.tidy(() => {
    const w = tf.tensor2d(values, [rows, values.length / rows]);
    return quantizeWithSTE(w, scheme, rng).dataSync() as Float32Array;
  });
}

const layer = weightLayerArb(128, [0, -0, 0.75, -0.375, 1.5, 2.5, 1e-30, -3e-41], 40);
const wideLayer = fc
  .array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 })
  .map((v) => Float32Array.from(v));

// ---------------------------------------------------------------------------------------------
// Helpers for the checks of the fast paths (greedy power-of-two search with tf.step instead of
// searchSorted, log2 and pow; uniforms drawn without tf.randomUniform) against the pure functions.
// ---------------------------------------------------------------------------------------------

/** The float32 neighbours of x (x itself included), for x finite. */
function withNeighbours(x: number): number[] {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer);
  const out = [f[0]];
  for (const d of [-2, -1, 1, 2]) {
    const g = new Float32Array(1);
    new Uint32Array(g.buffer)[0] = bits[0] + d;
    if (Number.isFinite(g[0])) out.push(g[0]);
  }
  return out;
}

/** Every float32 whose bit pattern lies in [from, to), every `stride`-th one. */
function float32Range(from: number, to: number, stride = 1): Float32Array {
  const bits = new Uint32Array(Math.ceil((to - from) / stride));
  for (let i = 0; i < bits.length; i++) bits[i] = from + i * stride;
  return new Float32Array(bits.buffer);
}

const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0];

/** Values and their negatives. */
const bothSigns = (values: ArrayLike<number>): Float32Array => Float32Array.from([...Array.from(values), ...Array.from(values, (v) => -v)]);

// Every check below runs twice on the cpu backend: with the tensor-op quantizers (the path of the
// wasm and GPU backends) and with the cpu backend's own path on the tensor's values.
for (const path of ['ops', 'values'] as const) {
  describe(`cpu quantizer path '${path}'`, () => {
    onCpuQuantizerPath(path);

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
        ...SMALL_MINIFLOATS,
        minifloat(5, 10),
        minifloat(8, 7),
        minifloat(8, 23),
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

    describe('fast quantizer paths agree exactly with the pure functions (cpu backend)', () => {
      it('uniformDraws are the tf.randomUniform draws, capped at MAX_UNIFORM', () => {
        for (const seed of [0, 1, 42, 123456789, 2 ** 32 - 1, seedFromRng(mulberry32(9))]) {
          for (const n of [0, 1, 2, 3, 4, 5, 3001, 78401]) {
            const expected = tf.tidy(() => tf.randomUniform([n], 0, 1, 'float32', seed).dataSync());
            expectSameValues(uniformDraws(n, seed), Array.from(expected, (u) => Math.min(u, MAX_UNIFORM)), `seed ${seed}`);
          }
        }
      });

      it('LightNN-1 and LightNN-2 nearest at every legal value, midpoint, power of two and their neighbours', () => {
        const points: number[] = [0, 1e-30, 3e-41, FLOAT32_MAX, Infinity];
        for (let k = -12; k <= 3; k++) for (const x of [p2(k), 1.5 * p2(k), 0.75 * p2(k)]) pushAll(points, withNeighbours(x));
        for (const k of [1, 2]) {
          const magnitudes = lightnnLegalMagnitudes(k);
          for (const table of [magnitudes, Float64Array.from([0, ...magnitudes])]) {
            for (const v of [...table, ...midpoints(table)]) if (v > 0) pushAll(points, withNeighbours(v));
          }
        }
        const values = bothSigns(points);
        for (const k of [1, 2]) {
          for (const allowZero of [false, true]) {
            const scheme: WeightScheme = { kind: 'lightnn', k, allowZero };
            expectSameValues(steForward(values, scheme), quantizeWeights(values, scheme), JSON.stringify(scheme));
          }
        }
      });

      it('LightNN-1 and LightNN-2 nearest on dense float32 grids of 2^-9..4', () => {
        const sets = [
          float32Range(bitsOf(p2(-9)), bitsOf(4) + 1, 389),
          float32Range(bitsOf(p2(-7)), bitsOf(p2(-5)), 127),
          float32Range(bitsOf(1), bitsOf(2), 127),
        ];
        for (const set of sets) {
          const values = bothSigns(set);
          for (const scheme of [
            { kind: 'lightnn', k: 1 },
            { kind: 'lightnn', k: 2 },
            { kind: 'lightnn', k: 2, allowZero: true },
          ] as WeightScheme[]) {
            expectSameValues(steForward(values, scheme), quantizeWeights(values, scheme), JSON.stringify(scheme));
          }
        }
      });

      it('minifloat on dense float32 ranges around each format (normal, subnormal, flushed, saturated)', () => {
        const formats: MinifloatScheme[] = [
          minifloat(4, 3),
          minifloat(5, 2),
          minifloat(2, 1),
          minifloat(3, 0),
          minifloat(4, 3, { subnormals: false }),
          minifloat(3, 0, { subnormals: false }),
          minifloat(8, 10, { bias: 270, subnormals: false }), // minNormal 2^-269: below float32
          minifloat(8, 10, { bias: 140, subnormals: false }), // minNormal 2^-139: a float32 subnormal
          minifloat(2, 1, { bias: -126 }), // one exponent left in float32's range
        ];
        for (const scheme of formats) {
          // From two binades below the smallest normal to two above the largest.
          const bias = scheme.bias ?? 2 ** (scheme.exponentBits - 1) - 1;
          const lowest = Math.max(1 - bias - 2, -149);
          const highest = Math.min(2 ** scheme.exponentBits - bias, 127);
          const from = bitsOf(p2(lowest));
          const to = highest >= 127 ? bitsOf(FLOAT32_MAX) : bitsOf(p2(highest + 1));
          const set = float32Range(from, to, Math.max(1, Math.floor((to - from) / 60_000)) | 1);
          const powers: number[] = [];
          for (let k = lowest; k <= highest; k++) for (const x of [p2(k), 1.5 * p2(k)]) pushAll(powers, withNeighbours(x));
          const values = bothSigns([...set, ...powers.filter((v) => v > 0), 0, FLOAT32_MAX, Infinity, NaN]);
          expectSameValues(steForward(values, scheme), quantizeWeights(values, scheme), JSON.stringify(scheme));
        }
      });

      it('LightNN-1 stochastic at interval ends, the middle interval and beyond ±1, with the same draws', () => {
        const points: number[] = [0, 1e-30, 3e-41, 1e-3, 7, FLOAT32_MAX];
        for (let k = -10; k <= 2; k++) for (const x of [p2(k), 1.5 * p2(k), 1.1 * p2(k)]) pushAll(points, withNeighbours(x));
        const base = bothSigns(points);
        // Many draws per value: each value repeated 64 times.
        const values = new Float32Array(base.length * 64);
        for (let i = 0; i < values.length; i++) values[i] = base[i % base.length];
        const scheme: WeightScheme = { kind: 'lightnn', k: 1, rounding: 'stochastic' };
        for (const seed of [3, 4]) {
          const out = steForward(values, scheme, mulberry32(seed));
          const uniforms = uniformDraws(values.length, seedFromRng(mulberry32(seed)));
          expectSameValues(out, lightnnStochasticWithUniforms(values, 1, uniforms), `seed ${seed}`);
        }
        // Values placed at low + u * width for the very draws they meet, so p = u (not taken) wherever
        // that sum is exact, and p a float32 step from u elsewhere.
        const seed = seedFromRng(mulberry32(11));
        const u = uniformDraws(4000, seed);
        const placed = Float32Array.from(u, (ui, i) => {
          const j = -7 + (i % 7);
          return i % 2 === 0 ? p2(j) + ui * p2(j) : -p2(j + 1) + ui * p2(j);
        });
        const out = tf.tidy(() => quantizeWithSTE(tf.tensor1d(placed), scheme, mulberry32(11)).dataSync());
        expectSameValues(out, lightnnStochasticWithUniforms(placed, 1, u));
      });

      it('stochastic rounding of a 4-D kernel uses the draws in flattened order', () => {
        const values = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.sin(i) * 0.7);
        for (const scheme of [
          { kind: 'lightnn', k: 1, rounding: 'stochastic' },
          { kind: 'lightnn', k: 2, rounding: 'stochastic', allowZero: true },
        ] as WeightScheme[]) {
          const out = tf.tidy(() => quantizeWithSTE(tf.tensor4d(values, [2, 3, 4, 5]), scheme, mulberry32(8)).dataSync());
          const uniforms = uniformDraws(values.length, seedFromRng(mulberry32(8)));
          const k = (scheme as { k: number }).k;
          expectSameValues(out, lightnnStochasticWithUniforms(values, k, uniforms, scheme.kind === 'lightnn' && !!scheme.allowZero));
        }
      });

      it('sign: exact at ±0 and the smallest subnormals', () => {
        const x = Float32Array.from([0, -0, p2(-149), -p2(-149), p2(-126), -p2(-126), 1, -1, FLOAT32_MAX, -FLOAT32_MAX, Infinity, -Infinity]);
        const forward = tf.tidy(() => signWithSTE(tf.tensor1d(x)).dataSync());
        expectSameValues(forward, signActivation(x));
        expectSameValues(steForward(x, { kind: 'binary', scale: 'none' }), quantizeWeights(x, { kind: 'binary', scale: 'none' }));
      });

      it('gradient masks are exact at their edges', () => {
        const gradientOf = (f: (t: tf.Tensor) => tf.Tensor, x: number[]) =>
          tf.tidy(() => Array.from(tf.grad((t: tf.Tensor) => tf.sum(f(t)))(tf.tensor1d(x)).dataSync()));
        const one = [1, -1, Math.fround(1 + p2(-23)), -Math.fround(1 + p2(-23)), Math.fround(1 - p2(-24)), 0, -0, 3];
        const inside = [1, 1, 0, 0, 1, 1, 1, 0];
        expect(gradientOf((t) => quantizeWithSTE(t, { kind: 'binary', scale: 'none' }), one)).toEqual(inside);
        expect(gradientOf((t) => quantizeWithSTE(t, { kind: 'binary', scale: 'l1' }), one)).toEqual(inside);
        expect(gradientOf(signWithSTE, one)).toEqual(inside);
        const clip = 0.1; // not a float32: the mask uses fround(clip), as the forward pass
        const c = Math.fround(clip);
        const edges = [0, -0, -p2(-149), p2(-149), c, withNeighbours(c)[2], withNeighbours(c)[3], -1, 5];
        expect(gradientOf((t) => quantizeActivationWithSTE(t, 4, clip), edges)).toEqual([1, 1, 0, 1, 1, 1, 0, 0, 0]);
      });
    });
  });
}

// Minifloat's optional parameters (top 'fn' / 'finite', overflow 'inf', flush to zero without
// subnormals, the even-code tie with M = 0): the tensor quantizer against the pure one, on both
// cpu paths, with NaN and infinities among the weights (tests/unit/floatFormats.test.ts has the
// dense checks at every value and midpoint).
for (const path of ['ops', 'values'] as const) {
  describe(`minifloat top, overflow and subnormals on the cpu path '${path}'`, () => {
    onCpuQuantizerPath(path);

    it('property: random formats with every top, overflow and subnormals setting', () => {
      const scheme = fc
        .record({
          e: fc.integer({ min: 2, max: 8 }),
          m: fc.integer({ min: 0, max: 7 }),
          biasOffset: fc.integer({ min: -3, max: 3 }),
          top: fc.constantFrom('ieee' as const, 'fn' as const, 'finite' as const),
          infinity: fc.boolean(),
          subnormals: fc.boolean(),
        })
        .map(({ e, m, biasOffset, top, infinity, subnormals }) =>
          minifloat(e, m, { bias: 2 ** (e - 1) - 1 + biasOffset, top, subnormals, overflow: infinity && top === 'ieee' ? 'inf' : 'saturate' }),
        );
      const anyLayer = fc.array(fc.float(), { minLength: 1, maxLength: 40 }).map((v) => Float32Array.from(v));
      fc.assert(
        fc.property(fc.oneof(anyLayer, layer, wideLayer), scheme, (values, s) => {
          expectSameValues(steForward(values, s), quantizeWeights(values, s), JSON.stringify(s));
        }),
        { numRuns: 300 },
      );
    });
  });
}

// Fixed point with calibrated clips (percentile, MSE) and per-channel clips: the tensor quantizer
// against the pure one on both cpu paths, weights anywhere in float32's range (the hand-worked
// cases, BigInt exactness and the gradient are in tests/unit/fixedScales.test.ts).
for (const path of ['ops', 'values'] as const) {
  describe(`fixed scale and granularity on the cpu path '${path}'`, () => {
    onCpuQuantizerPath(path);

    const fixedScheme = fc.record({
      bits: fc.integer({ min: 2, max: 10 }),
      scale: fc.constantFrom('max' as const, 'percentile' as const, 'mse' as const),
      percentile: fc.double({ min: 50, max: 100, noNaN: true }),
      granularity: fc.constantFrom('tensor' as const, 'channel' as const),
    });

    it('property: every scale and granularity, layers of 1..4 columns', () => {
      fc.assert(
        fc.property(wideLayer, fixedScheme, fc.integer({ min: 1, max: 4 }), (raw, s, columns) => {
          const rows = Math.max(1, Math.floor(raw.length / columns));
          const values = raw.subarray(0, rows * columns);
          const shape = [rows, values.length / rows];
          const scheme: WeightScheme = {
            kind: 'fixed',
            bits: s.bits,
            scale: s.scale,
            ...(s.scale === 'percentile' ? { percentile: s.percentile } : {}),
            granularity: s.granularity,
          };
          const clips = weightClipsOfValues(values, scheme, shape);
          const got = tf.tidy(() => quantizeTensor(tf.tensor2d(values, [shape[0], shape[1]]), scheme, undefined, clips).dataSync() as Float32Array);
          expectSameValues(got, quantizeWeights(values, scheme, undefined, shape), JSON.stringify(scheme));
        }),
        { numRuns: 150 },
      );
    });
  });
}
