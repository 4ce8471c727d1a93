/**
 * The quantized ReLU's level index is round half to even of clamp(a, 0, clip) * L / clip computed
 * exactly (L = 2^bits - 1), for every float32 input: the pure quantizeActivationFixed, the tensor
 * quantizeActivationTensor (cpu and wasm backends) and its straight-through wrapper, against a
 * BigInt reference (tests/helpers/exactFixed.ts) at the exact ties, the float32s next to every tie,
 * the grid points and random values, for 1..16 bits and clips from 2^-140 to 3e20. (The former
 * float32 rounding of a * L / clip put 29,273 of 738,034 such values on another level: 25 of 362
 * exact ties, 29,191 near ties, 56 random values.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationIndex, activationThresholds, quantizeActivationFixed } from '../../src/core/quant/schemes';
import { mulberry32 } from '../../src/core/rng';
import { quantizeActivationTensor, quantizeActivationWithSTE, setCpuQuantizerPath } from '../../src/tf/ste';
import { useNodeBackend } from '../../src/tf/tfNode';
import { exactCode, fraction } from '../helpers/exactFixed';

const f = Math.fround;
const word = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
const fromWord = (w: number) => new Float32Array(new Uint32Array([w]).buffer)[0];
/** The float32 `d` steps above (below, d < 0) x >= 0, never below 0. */
const nudge = (x: number, d: number) => (x === 0 && d < 0 ? 0 : fromWord(Math.max(0, word(x) + d)));

/** The exact index: round half to even of clamp(x, 0, c) * L / c (BigInt). */
const exactIndex = (x: number, levels: number, clip: number) => exactCode(Math.min(Math.max(x, 0), clip), levels, clip);
const levelValue = (index: number, levels: number, clip: number) => f(f(index / levels) * clip);

/** Inputs for one (bits, clip): every tie point (or every step-th), its float32 neighbours, the grid points, random values, outside values. */
function inputs(levels: number, clip: number, rng: () => number): { x: Float32Array; ties: number } {
  const xs: number[] = [-1, -0, 0, clip, nudge(clip, 1), 2 * clip, Infinity];
  let ties = 0;
  const step = Math.max(1, Math.floor(levels / 400));
  for (let k = 0; k < levels; k += step) {
    const t = f(((2 * k + 1) * clip) / (2 * levels));
    const a = fraction(t, BigInt(2 * levels), 1n);
    const b = fraction(clip, BigInt(2 * k + 1), 1n);
    if (a.num * b.den === b.num * a.den) ties++;
    for (let d = -2; d <= 2; d++) xs.push(nudge(t, d));
    xs.push(f((k * clip) / levels));
  }
  for (let i = 0; i < 1000; i++) xs.push(f(rng() * clip * 1.05));
  return { x: Float32Array.from(xs), ties };
}

const CLIPS = [1, f(0.3), 6, 0.125, f(1e-20), f(3e20), f(Math.E), f(2 ** -140), f(1.5 * 2 ** 110), f(0.999)];

describe('quantized ReLU: the exact level index (pure)', () => {
  it('activationIndex equals the BigInt reference at ties, near ties, grid points and random values, 1..16 bits', () => {
    const rng = mulberry32(41);
    let checked = 0;
    let ties = 0;
    for (let bits = 1; bits <= 16; bits++) {
      const levels = 2 ** bits - 1;
      for (const clip of [...CLIPS, f(rng() * 50)]) {
        const { x, ties: t } = inputs(levels, clip, rng);
        ties += t;
        const out = quantizeActivationFixed(x, bits, clip);
        for (let i = 0; i < x.length; i++) {
          const want = exactIndex(x[i], levels, clip);
          if (activationIndex(x[i], levels, clip) !== want) expect.fail(`bits ${bits} clip ${clip} x ${x[i]}: ${activationIndex(x[i], levels, clip)}, exact ${want}`);
          if (!Object.is(out[i], levelValue(want, levels, clip))) expect.fail(`bits ${bits} clip ${clip} x ${x[i]}: value ${out[i]}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300_000);
    expect(ties).toBeGreaterThan(200); // exact ties are among them
  });

  it('hand-worked ties go to the even level', () => {
    // 2 bits, clip 3: L = 3, a * L / clip = a; ties 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
    expect(Array.from(quantizeActivationFixed(Float32Array.of(0.5, 1.5, 2.5), 2, 3))).toEqual([0, 2, 2]);
    // 10 bits, clip 1: x = 0.5 is the tie 511.5 -> 512 (float32 once gave 511 or 512 by rounding x * 1023).
    expect(activationIndex(0.5, 1023, 1)).toBe(512);
    expect(activationIndex(f(0.3), 7, f(0.6))).toBe(4); // 3.5 -> 4
    expect(Number.isNaN(activationIndex(NaN, 7, 1))).toBe(true);
  });

  it('activationThresholds: the smallest float32 of each index above 0, for the tensor version', () => {
    for (const [bits, clip] of [[3, 1], [8, f(0.3)], [12, 6]] as const) {
      const levels = 2 ** bits - 1;
      const t = activationThresholds(bits, clip);
      expect(t.length).toBe(levels);
      t.forEach((x, k) => {
        expect(exactIndex(x, levels, clip)).toBe(k + 1);
        expect(exactIndex(nudge(x, -1), levels, clip)).toBe(k);
      });
    }
  });
});

for (const [backend, path] of [['cpu', 'ops'], ['cpu', 'values'], ['wasm', 'ops']] as const) {
  describe(`quantized ReLU: the tensor version is exact too (${backend}${backend === 'cpu' ? `, '${path}' path` : ''})`, () => {
    let previous: 'ops' | 'values';
    beforeAll(async () => {
      await useNodeBackend(backend);
      previous = setCpuQuantizerPath(path);
    });
    afterAll(() => {
      setCpuQuantizerPath(previous);
    });

    it('quantizeActivationTensor and quantizeActivationWithSTE equal the exact reference bit for bit', () => {
      const rng = mulberry32(43);
      for (const bits of [1, 2, 3, 4, 7, 8, 10, 11, 13, 16]) {
        const levels = 2 ** bits - 1;
        for (const clip of CLIPS) {
          const { x } = inputs(levels, clip, rng);
          const want = Float32Array.from(x, (v) => levelValue(exactIndex(v, levels, clip), levels, clip));
          const got = tf.tidy(() => quantizeActivationTensor(tf.tensor1d(x), bits, clip).dataSync() as Float32Array);
          const ste = tf.tidy(() => quantizeActivationWithSTE(tf.tensor2d(x, [1, x.length]), bits, clip).dataSync() as Float32Array);
          for (let i = 0; i < x.length; i++) {
            if (!Object.is(got[i], want[i]) || !Object.is(ste[i], want[i])) {
              expect.fail(`${backend} bits ${bits} clip ${clip} x ${x[i]}: ${got[i]} / ${ste[i]}, exact ${want[i]}`);
            }
          }
        }
      }
    });

    it("the shape is kept, nothing leaks (and NaN stays NaN on the cpu backend's values path)", () => {
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => quantizeActivationTensor(tf.tensor2d([NaN, 0.5, 2, -1, 0.25, 1], [2, 3]), 2, 1));
      expect(out.shape).toEqual([2, 3]);
      const values = Array.from(out.dataSync());
      // The pure function keeps NaN; the tensor ops give whatever tf.searchSorted makes of it.
      if (backend === 'cpu' && path === 'values') expect(Number.isNaN(values[0])).toBe(true);
      expect(values.slice(1)).toEqual([f(f(2 / 3) * 1), 1, 0, f(f(1 / 3) * 1), 1]);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
