/**
 * Fixed point against exact rational arithmetic (BigInt): the code of w is round half to even of
 * w * n / max|w| (n = 2^(bits-1) - 1) and its value is code * max|w| / n correctly rounded to
 * float32, for the pure quantizer (fixedCodes, fixedQuantize) and the tensor one (src/tf/ste.ts,
 * both cpu paths). The cases put every bit width 2..16 at every tie point (k + 1/2) * max / n and
 * its float32 neighbours, with maxes that make every tie an exact float32 (n * 2^-8, 3n * 2^-20),
 * ordinary ones, a subnormal one and one near float32's largest, plus plain random layers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fixedCodes, fixedLevelCount, fixedQuantize, quantizeWeights } from '../../src/core';
import { useNodeBackend } from '../../src/tf/tfNode';
import { quantizeTensor, setCpuQuantizerPath } from '../../src/tf/ste';
import { mulberry32 } from '../../src/core/rng';
import { exactCode, exactValue, fraction } from '../helpers/exactFixed';

// ---------------------------------------------------------------------------------------------
// Exact ties (the reference itself: tests/helpers/exactFixed.ts, BigInt arithmetic only)
// ---------------------------------------------------------------------------------------------

/** Whether w sits exactly on a tie: 2 w n = (2k + 1) max for an integer k. */
function isExactTie(w: number, n: number, max: number): boolean {
  const a = fraction(Math.abs(w), 2n * BigInt(n), 1n);
  const b = fraction(max, 1n, 1n);
  const num = a.num * b.den;
  const den = a.den * b.num;
  return num % den === 0n && (num / den) % 2n === 1n;
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

const bitsOf = new Uint32Array(1);
const floatOf = new Float32Array(bitsOf.buffer);

/** x (a float32) and its float32 neighbours up to `spread` steps away, as bit patterns allow. */
function pushNeighbours(out: number[], x: number, spread: number): void {
  floatOf[0] = x;
  const bits = bitsOf[0];
  for (let d = -spread; d <= spread; d++) {
    const b = bits + d;
    if (b < 0 || b > 0x7f7fffff) continue; // positive finite patterns only
    bitsOf[0] = b;
    out.push(floatOf[0]);
  }
}

/**
 * A layer with max|w| = max: ±max, and for every `stride`-th k the float32 nearest the tie
 * (k + 1/2) max / n (the tie itself when it is a float32) with its neighbours, both signs.
 */
function tieLayer(n: number, max: number, stride: number, spread: number): Float32Array {
  const out: number[] = [max, -max];
  for (let k = 0; k < n; k += stride) {
    const tie = Math.fround(((2 * k + 1) * max) / (2 * n)); // within an ulp of the real tie
    const around: number[] = [];
    pushNeighbours(around, tie, spread);
    for (const v of around) if (v <= max) out.push(v, -v);
  }
  return Float32Array.from(out);
}

/** ±max, count / 2 float32 patterns evenly spread from max 2^-20 to max, count / 2 evenly spaced values. */
function denseLayer(max: number, count: number): Float32Array {
  const out: number[] = [max, -max];
  floatOf[0] = max * 2 ** -20;
  const from = bitsOf[0];
  floatOf[0] = max;
  const to = bitsOf[0];
  const half = count / 2;
  for (let i = 0; i < half; i++) {
    bitsOf[0] = from + Math.floor(((to - from) * i) / half);
    out.push(i % 2 ? -floatOf[0] : floatOf[0]);
    const even = Math.fround((max * i) / half);
    out.push(i % 2 ? even : -even);
  }
  return Float32Array.from(out);
}

interface Layer {
  label: string;
  bits: number;
  values: Float32Array;
  /** Every tie of the width is an exact float32 and is in the layer. */
  allTiesExact?: boolean;
}

function layersFor(bits: number): Layer[] {
  const n = fixedLevelCount(bits);
  const rng = mulberry32(1000 + bits);
  const layers: Layer[] = [];
  // Every tie exact: max = n 2^-8 (for 16 bits 127.99609375, where w = 1.001953125 is the tie
  // 256.5) and max = 3n 2^-20 (a mantissa with a factor 3).
  // The first has every tie, the second every tie up to 13 bits and 4096 of them above.
  layers.push({ label: `max ${n * 2 ** -8}`, bits, values: tieLayer(n, n * 2 ** -8, 1, 1), allTiesExact: true });
  const sparse = Math.max(1, Math.floor(n / 4096));
  layers.push({ label: `max ${3 * n * 2 ** -20}`, bits, values: tieLayer(n, 3 * n * 2 ** -20, sparse, 1), allTiesExact: sparse === 1 });
  // Ordinary maxes, a subnormal one (its levels are subnormals), one near float32's largest: every
  // tie up to 11 bits, 1024 of them above.
  const others = [1, Math.fround(Math.PI), Math.fround(0.0771), Math.fround(rng() * 100), Math.fround(3.3 * 2 ** -130), 3e38];
  const stride = Math.max(1, Math.floor(n / 1024));
  for (const max of others) layers.push({ label: `max ${max}`, bits, values: tieLayer(n, Math.fround(max), stride, 1) });
  // Narrow widths have few ties: a dense sweep of [-max, max] as well (every k-th float32 pattern
  // from max 2^-20 up, and evenly spaced values), so every width sees tens of thousands of values.
  if (bits <= 10) layers.push({ label: 'dense sweep', bits, values: denseLayer(Math.fround(1 + rng()), 40_000) });
  // Plain random layers: uniform and normal-ish weights.
  for (let t = 0; t < 3; t++) {
    const scale = [0.05, 1, 300][t];
    const values = Float32Array.from({ length: 4000 }, () => (rng() + rng() + rng() - 1.5) * scale);
    layers.push({ label: `random ${t}`, bits, values });
  }
  return layers;
}

const BITS = Array.from({ length: 15 }, (_, i) => i + 2);

/** The first mismatch between got and want, or null. */
function firstMismatch(values: Float32Array, got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  for (let i = 0; i < values.length; i++) {
    if (got[i] !== want[i]) return `w = ${values[i]} (index ${i}): got ${got[i]}, expected ${want[i]}`;
  }
  return null;
}

/** Expected codes and values of a layer from the BigInt reference (values cached per code). */
function reference(layer: Layer): { codes: Int32Array; values: Float32Array; ties: number } {
  const n = fixedLevelCount(layer.bits);
  let max = 0;
  for (const v of layer.values) max = Math.max(max, Math.abs(v));
  const codes = new Int32Array(layer.values.length);
  const values = new Float32Array(layer.values.length);
  const valueOfCode = new Map<number, number>();
  let ties = 0;
  for (let i = 0; i < layer.values.length; i++) {
    const w = layer.values[i];
    const code = exactCode(w, n, max);
    codes[i] = code;
    let value = valueOfCode.get(code);
    if (value === undefined) {
      value = exactValue(code, n, max);
      valueOfCode.set(code, value);
    }
    values[i] = value;
    if (layer.allTiesExact && isExactTie(w, n, max)) ties++;
  }
  return { codes, values, ties };
}

describe('fixed point is exactly rounded (BigInt reference)', () => {
  const all = BITS.map((bits) => ({ bits, layers: layersFor(bits) }));
  const expected = new Map<Layer, ReturnType<typeof reference>>();

  it('the reference itself: the 16-bit tie 256.5 goes to 256, others by hand', () => {
    expect(exactCode(1.001953125, 32767, 127.99609375)).toBe(256);
    expect(exactCode(1.005859375, 32767, 127.99609375)).toBe(258); // 257.5 goes up to the even 258
    expect(exactCode(-0.5, 1, 1)).toBe(0);
    expect(exactCode(2.5, 3, 3)).toBe(2);
    expect(exactValue(4, 7, 1)).toBe(Math.fround(4 / 7));
    expect(exactValue(1, 3, 2 ** -149)).toBe(0); // 2^-149 / 3 rounds to 0
    expect(exactValue(2, 3, 2 ** -149)).toBe(2 ** -149); // 2/3 of the smallest subnormal
    expect(isExactTie(1.001953125, 32767, 127.99609375)).toBe(true);
    expect(fixedQuantize(Float32Array.from([127.99609375, 1.001953125]), 16)[1]).toBe(256 / 256);
  });

  it('codes and values: 0 mismatches at every tie, its neighbours and random layers, bits 2..16', () => {
    let count = 0;
    for (const { bits, layers } of all) {
      const n = fixedLevelCount(bits);
      let perWidth = 0;
      for (const layer of layers) {
        const want = reference(layer);
        expected.set(layer, want);
        const label = `fixed ${bits}-bit, ${layer.label}`;
        expect(firstMismatch(layer.values, fixedCodes(layer.values, { kind: 'fixed', bits }), want.codes), label).toBeNull();
        expect(firstMismatch(layer.values, fixedQuantize(layer.values, bits), want.values), label).toBeNull();
        // Every tie is there and is an exact float32: n per sign.
        if (layer.allTiesExact) expect(want.ties, label).toBe(2 * n);
        perWidth += layer.values.length;
      }
      expect(perWidth).toBeGreaterThan(30_000);
      count += perWidth;
    }
    expect(count).toBeGreaterThan(1_000_000);
  });

  it('re-quantizing a quantized layer changes nothing, and code n gives max|w| itself', () => {
    for (const { bits, layers } of all) {
      for (const layer of layers.slice(0, 3)) {
        const once = fixedQuantize(layer.values, bits);
        expect(firstMismatch(once, fixedQuantize(once, bits), once), `${bits}-bit ${layer.label}`).toBeNull();
        let max = 0;
        for (const v of layer.values) max = Math.max(max, Math.abs(v));
        expect(once[0]).toBe(max); // layer.values[0] is max
      }
    }
  });

  it('the tensor quantizer gives the same values on both cpu paths', async () => {
    await useNodeBackend('cpu');
    for (const path of ['ops', 'values'] as const) {
      const previous = setCpuQuantizerPath(path);
      try {
        for (const { bits, layers } of all) {
          for (const layer of layers) {
            const want = expected.get(layer) ?? reference(layer);
            const got = tf.tidy(() => quantizeTensor(tf.tensor1d(layer.values), { kind: 'fixed', bits }).dataSync());
            expect(firstMismatch(layer.values, got, want.values), `${path} path, fixed ${bits}-bit, ${layer.label}`).toBeNull();
          }
        }
      } finally {
        setCpuQuantizerPath(previous);
      }
    }
  });

  it('edges: all-zero layers, one weight, NaN and infinities', () => {
    expect(Array.from(fixedCodes(Float32Array.from([0, -0, 0]), { kind: 'fixed', bits: 8 }))).toEqual([0, 0, 0]);
    expect(Array.from(fixedCodes(Float32Array.from([-3e-45]), { kind: 'fixed', bits: 16 }))).toEqual([-32767]);
    expect(Array.from(fixedCodes(new Float32Array(0), { kind: 'fixed', bits: 4 }))).toEqual([]);
    expect(() => fixedCodes(Float32Array.from([1, NaN]), { kind: 'fixed', bits: 4 })).toThrow(/weight 1 is NaN/);
    expect(() => fixedCodes(Float32Array.from([Infinity]), { kind: 'fixed', bits: 4 })).toThrow(/finite/);
    expect(() => fixedCodes(Float32Array.from([1]), { kind: 'fixed', bits: 17 })).toThrow(/fixed bits/);
    // No finite scale: NaN everywhere, in the pure and the tensor quantizer alike.
    for (const layer of [[1, NaN, 2], [1, -Infinity, 0]]) {
      const values = Float32Array.from(layer);
      expect(Array.from(quantizeWeights(values, { kind: 'fixed', bits: 4 })).every(Number.isNaN)).toBe(true);
    }
  });
});

// The tensor path above switches the cpu path inside the test; make sure it is restored even if
// that test is skipped.
let initialPath: 'ops' | 'values';
beforeAll(() => {
  initialPath = setCpuQuantizerPath('values');
  setCpuQuantizerPath(initialPath);
});
afterAll(() => {
  setCpuQuantizerPath(initialPath);
});
