/**
 * CPU reference of the quantized dense kernels: packing round trips, hand-worked dot products,
 * requantization rounding, overflow refusal, chain validation. Pure TypeScript, no GPU.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accumulatorHeadroom,
  checkNoOverflow,
  denseReference,
  fieldBits,
  lightNNValue,
  mlpReference,
  packBinaryWeights,
  packFixed,
  packLightNN,
  packSignBits,
  packedWeightWords,
  requantize,
  unpackBinaryWeights,
  unpackFixed,
  unpackLightNN,
  unpackSignBits,
  validateChain,
  weightValues,
  type LightK,
  type QuantDenseLayer,
  type WeightFormat,
} from '../../src/core/kernels/reference';
import { randomDenseLayer, randomLayerInput } from '../../src/core/kernels/random';
import { mulberry32 } from '../../src/core/rng';

const shape = fc.record({ inputs: fc.integer({ min: 1, max: 70 }), units: fc.integer({ min: 1, max: 9 }) });
const sign = fc.constantFrom(-1, 1);

describe('packing round trips', () => {
  it('LightNN-K signs and exponents', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<LightK>(1, 2, 3, 4),
        shape,
        fc.integer(),
        (k, { inputs, units }, seed) => {
          const rng = mulberry32(seed);
          const n = inputs * units;
          const signs = Int8Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1));
          const exponents = Uint8Array.from({ length: n * k }, () => Math.floor(rng() * 8));
          const packed = packLightNN(k, signs, exponents, inputs, units);
          expect(packed.length).toBe(packedWeightWords({ kind: 'lightnn', k }, inputs, units));
          const back = unpackLightNN(k, packed, inputs, units);
          expect(back.signs).toEqual(signs);
          expect(back.exponents).toEqual(exponents);
        },
      ),
    );
  });

  it('fixed-point q in [-(2^(b-1)-1), 2^(b-1)-1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), shape, fc.integer(), (bits, { inputs, units }, seed) => {
        const rng = mulberry32(seed);
        const limit = 2 ** (bits - 1) - 1;
        const values = Int8Array.from({ length: inputs * units }, () => Math.floor(rng() * (2 * limit + 1)) - limit);
        const packed = packFixed(bits, values, inputs, units);
        expect(packed.length).toBe(Math.ceil(inputs / (bits <= 4 ? 8 : 4)) * units);
        expect(unpackFixed(bits, packed, inputs, units)).toEqual(values);
      }),
    );
  });

  it('binary weights', () => {
    fc.assert(
      fc.property(shape.chain(({ inputs, units }) => fc.array(sign, { minLength: inputs * units, maxLength: inputs * units }).map((s) => ({ inputs, units, s }))), ({ inputs, units, s }) => {
        const packed = packBinaryWeights(s, inputs, units);
        expect(packed.length).toBe(Math.ceil(inputs / 32) * units);
        expect(Array.from(unpackBinaryWeights(packed, inputs, units))).toEqual(s);
      }),
    );
  });

  it('sign-bit activations, tail bits zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 100 }), fc.integer(), (rows, n, seed) => {
        const rng = mulberry32(seed);
        const values = Int8Array.from({ length: rows * n }, () => (rng() < 0.5 ? -1 : 1));
        const words = packSignBits(values, rows, n);
        expect(words.length).toBe(rows * Math.ceil(n / 32));
        expect(unpackSignBits(words, rows, n)).toEqual(values);
        if (n % 32 !== 0) {
          for (let r = 0; r < rows; r++) expect(words[(r + 1) * Math.ceil(n / 32) - 1] >>> (n % 32)).toBe(0);
        }
      }),
    );
  });

  it('rejects values outside the format', () => {
    expect(() => packLightNN(1, [1], [8], 1, 1)).toThrow(/0\.\.7/);
    expect(() => packLightNN(1, [0], [1], 1, 1)).toThrow(/\+1 or -1/);
    expect(() => packFixed(4, [8], 1, 1)).toThrow(/\[-7, 7\]/);
    expect(() => packFixed(4, [-8], 1, 1)).toThrow(/\[-7, 7\]/);
    expect(() => packFixed(9, [0], 1, 1)).toThrow(/2\.\.8/);
    expect(() => packBinaryWeights([1, 0], 2, 1)).toThrow(/\+1 or -1/);
  });
});

describe('packing layout', () => {
  it('field widths round up to 4/8/16 bits', () => {
    const widths = ([1, 2, 3, 4] as const).map((k) => fieldBits({ kind: 'lightnn', k }));
    expect(widths).toEqual([4, 8, 16, 16]);
    expect(fieldBits({ kind: 'fixed', bits: 2 })).toBe(4);
    expect(fieldBits({ kind: 'fixed', bits: 5 })).toBe(8);
    expect(fieldBits({ kind: 'binarynet' })).toBe(1);
  });

  it('LightNN-1: word (i / 8) * units + o, sign in bit 0, exponent in bits 1..3', () => {
    // 9 inputs x 2 units: two word rows; the second holds only input 8.
    const inputs = 9;
    const units = 2;
    const signs = new Int8Array(inputs * units).fill(1);
    const exponents = new Uint8Array(inputs * units);
    signs[0 * units + 1] = -1; // input 0, unit 1: -2^-3
    exponents[0 * units + 1] = 3;
    exponents[1 * units + 0] = 5; // input 1, unit 0: +2^-5
    exponents[8 * units + 1] = 7; // input 8, unit 1: +2^-7
    const packed = packLightNN(1, signs, exponents, inputs, units);
    expect(Array.from(packed)).toEqual([
      (5 << 1) << 4, // unit 0, inputs 0..7: field 1 = m 5, sign +
      1 | (3 << 1), // unit 1, inputs 0..7: field 0 = sign - and m 3
      0, // unit 0, input 8
      7 << 1, // unit 1, input 8
    ]);
  });

  it('LightNN-2: m_1 in bits 1..3, m_2 in bits 4..6', () => {
    const packed = packLightNN(2, [-1], [2, 6], 1, 1);
    expect(packed[0]).toBe(1 | (2 << 1) | (6 << 4));
    expect(lightNNValue(-1, [2, 6])).toBe(-(32 + 2));
  });

  it('fixed-4: two\'s complement nibbles; binary: bit 1 = +1', () => {
    expect(packFixed(3, [-3, 2, -1], 3, 1)[0]).toBe(0xd | (0x2 << 4) | (0xf << 8));
    expect(packBinaryWeights([1, -1, 1], 3, 1)[0]).toBe(0b101);
    expect(packSignBits([-1, 1, 1], 1, 3)[0]).toBe(0b110);
  });
});

function layerOf(format: WeightFormat, weights: Uint32Array, partial: Partial<QuantDenseLayer> = {}): QuantDenseLayer {
  return {
    name: 'hand',
    inputs: 3,
    units: 1,
    format,
    inputBits: 4,
    weights,
    bias: Int32Array.of(0),
    output: { kind: 'logits' },
    ...partial,
  };
}

describe('hand-worked dot products', () => {
  const input = Uint32Array.of(3, 0, 15);

  it('LightNN-1: 3 * 2^-2 - 15 * 2^-7, in units of 2^-7', () => {
    // weights +2^-2, -2^-4, -2^-7: 3 << 5 - 0 - 15 << 0 = 96 - 15
    const weights = packLightNN(1, [1, -1, -1], [2, 4, 7], 3, 1);
    expect(Array.from(denseReference(layerOf({ kind: 'lightnn', k: 1 }, weights), input))).toEqual([81]);
  });

  it('LightNN-2 with bias', () => {
    // weights +(2^0 + 2^-1) = 192, -(2^-7 + 2^-7) = -2, -(2^-3 + 2^-6) = -18; bias -100
    const weights = packLightNN(2, [1, -1, -1], [0, 1, 7, 7, 3, 6], 3, 1);
    const layer = layerOf({ kind: 'lightnn', k: 2 }, weights, { bias: Int32Array.of(-100) });
    expect(Array.from(denseReference(layer, input))).toEqual([3 * 192 - 15 * 18 - 100]);
  });

  it('fixed-8', () => {
    const weights = packFixed(8, [-127, 5, 100], 3, 1);
    expect(Array.from(denseReference(layerOf({ kind: 'fixed', bits: 8 }, weights), input))).toEqual([-381 + 1500]);
  });

  it('BinaryConnect: add or subtract', () => {
    const weights = packBinaryWeights([-1, 1, 1], 3, 1);
    expect(Array.from(denseReference(layerOf({ kind: 'binaryconnect' }, weights), input))).toEqual([12]);
  });

  it('BinaryNet: n - 2 popcount(xor) over 33 inputs (one tail bit)', () => {
    const inputs = 33;
    const a = Int8Array.from({ length: inputs }, (_, i) => (i % 3 === 0 ? -1 : 1));
    const w = Int8Array.from({ length: inputs }, (_, i) => (i % 2 === 0 ? -1 : 1));
    let dot = 0;
    for (let i = 0; i < inputs; i++) dot += a[i] * w[i];
    const layer = layerOf({ kind: 'binarynet' }, packBinaryWeights(w, inputs, 1), { inputs, inputBits: 1 });
    expect(Array.from(denseReference(layer, packSignBits(a, 1, inputs)))).toEqual([dot]);
  });

  it('sign output packs acc >= 0 as 1 (zero counts as +1)', () => {
    // Units: acc = +3, 0, -3 -> bits 1, 1, 0
    const weights = packBinaryWeights([1, 1, -1], 1, 3);
    const layer = layerOf({ kind: 'binaryconnect' }, weights, {
      inputs: 1,
      units: 3,
      bias: Int32Array.of(0, -3, 0),
      output: { kind: 'sign' },
    });
    expect(Array.from(denseReference(layer, Uint32Array.of(3)))).toEqual([0b011]);
  });
});

describe('integer forms agree', () => {
  it('LightNN reference equals the literal shift form sign(w) * sum_j (a << (7 - m_j))', () => {
    fc.assert(
      fc.property(fc.constantFrom<LightK>(1, 2, 3, 4), fc.integer({ min: 1, max: 40 }), fc.integer(), (k, inputs, seed) => {
        const rng = mulberry32(seed);
        const layer = randomDenseLayer(rng, { name: 'l', inputs, units: 3, format: { kind: 'lightnn', k }, inputBits: 8, output: 'logits' });
        const input = randomLayerInput(rng, layer, 2);
        const { signs, exponents } = unpackLightNN(k, layer.weights, inputs, 3);
        const expected = new Int32Array(6);
        for (let b = 0; b < 2; b++) {
          for (let o = 0; o < 3; o++) {
            let acc = layer.bias[o];
            for (let i = 0; i < inputs; i++) {
              const w = i * 3 + o;
              let shifted = 0;
              for (let j = 0; j < k; j++) shifted += input[b * inputs + i] << (7 - exponents[w * k + j]);
              acc += signs[w] < 0 ? -shifted : shifted;
            }
            expected[b * 3 + o] = acc;
          }
        }
        expect(denseReference(layer, input)).toEqual(expected);
      }),
    );
  });

  it('BinaryNet reference equals n - 2 * popcount(xor) with the tail masked', () => {
    const popcount = (x: number): number => {
      let c = 0;
      for (let v = x >>> 0; v; v &= v - 1) c++;
      return c;
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer(), (inputs, seed) => {
        const rng = mulberry32(seed);
        const layer = randomDenseLayer(rng, { name: 'l', inputs, units: 2, format: { kind: 'binarynet' }, inputBits: 1, output: 'logits' });
        const input = randomLayerInput(rng, layer, 1);
        const words = Math.ceil(inputs / 32);
        for (let o = 0; o < 2; o++) {
          let differing = 0;
          for (let r = 0; r < words; r++) {
            const tail = r === words - 1 && inputs % 32 ? (2 ** (inputs % 32) - 1) >>> 0 : 0xffffffff;
            differing += popcount((input[r] ^ layer.weights[r * 2 + o]) & tail);
          }
          expect(denseReference(layer, input)[o]).toBe(layer.bias[o] + inputs - 2 * differing);
        }
      }),
    );
  });

  it('weightValues decodes each format to accumulator units', () => {
    expect(Array.from(weightValues({ format: { kind: 'lightnn', k: 3 }, weights: packLightNN(3, [-1], [0, 0, 0], 1, 1), inputs: 1, units: 1 }))).toEqual([-384]);
    expect(Array.from(weightValues({ format: { kind: 'fixed', bits: 2 }, weights: packFixed(2, [-1, 1, 0], 3, 1), inputs: 3, units: 1 }))).toEqual([-1, 1, 0]);
  });
});

describe('requantize', () => {
  it('ReLU, round half up, clamp', () => {
    expect(requantize(-5, 2, 4)).toBe(0);
    expect(requantize(5, 2, 4)).toBe(1); // 1.25 -> 1
    expect(requantize(6, 2, 4)).toBe(2); // 1.5 -> 2 (half up)
    expect(requantize(10, 2, 4)).toBe(3); // 2.5 -> 3
    expect(requantize(1000, 2, 4)).toBe(15); // clamp to 2^4 - 1
    expect(requantize(7, 0, 3)).toBe(7);
    expect(requantize(9, 0, 3)).toBe(7);
  });

  it('requant layer output', () => {
    const weights = packFixed(8, [2, 3], 1, 2);
    const layer = layerOf({ kind: 'fixed', bits: 8 }, weights, {
      inputs: 1,
      units: 2,
      bias: Int32Array.of(0, -1),
      output: { kind: 'requant', rshift: 1, bits: 2 },
    });
    // acc = 2a, 3a - 1 with a = 1: 2 -> 1, 2 -> 1; a = 3: 6 -> 3, 8 -> 4 clamped to 3
    expect(Array.from(denseReference(layer, Uint32Array.of(1, 3)))).toEqual([1, 1, 3, 3]);
  });

  it('refuses activations wider than inputBits', () => {
    const layer = layerOf({ kind: 'binaryconnect' }, packBinaryWeights([1, 1, 1], 3, 1), { inputBits: 2 });
    expect(() => denseReference(layer, Uint32Array.of(1, 4, 0))).toThrow(/exceeds 2 bits/);
  });
});

describe('overflow', () => {
  const lightnn4: WeightFormat = { kind: 'lightnn', k: 4 };

  it('bound = fan-in x max|a| x max|w| + |bias| (+ rounding)', () => {
    const h = accumulatorHeadroom({ name: 'fc', inputs: 784, inputBits: 8, maxAbsBias: 1000, rshift: 3 }, lightnn4);
    expect(h.bound).toBe(784 * 255 * 512 + 1000 + 4);
    expect(h.fits).toBe(true);
    expect(accumulatorHeadroom({ name: 'fc', inputs: 100, inputBits: 1 }, { kind: 'binarynet' }).bound).toBe(100);
    expect(accumulatorHeadroom({ name: 'fc', inputs: 10, inputBits: 2 }, { kind: 'fixed', bits: 8 }).bound).toBe(10 * 3 * 127);
  });

  it('the largest fan-in that fits passes; one more input is refused with the layer and bits named', () => {
    const fits = Math.floor((2 ** 31 - 1) / (255 * 512)); // 16448
    const make = (inputs: number): QuantDenseLayer => ({
      name: 'huge',
      inputs,
      units: 1,
      format: lightnn4,
      inputBits: 8,
      weights: new Uint32Array(packedWeightWords(lightnn4, inputs, 1)),
      bias: Int32Array.of(0),
      output: { kind: 'logits' },
    });
    expect(() => checkNoOverflow(make(fits))).not.toThrow();
    expect(() => checkNoOverflow(make(fits + 1))).toThrow(/Layer "huge".*33 bits/);
    expect(() => denseReference(make(fits + 1), new Uint32Array(fits + 1))).toThrow(/overflow/);
  });

  it('the rounding term of requantization counts', () => {
    const inputs = Math.floor((2 ** 31 - 1) / 255);
    const layer: QuantDenseLayer = {
      name: 'edge',
      inputs,
      units: 1,
      format: { kind: 'binaryconnect' },
      inputBits: 8,
      weights: new Uint32Array(packedWeightWords({ kind: 'binaryconnect' }, inputs, 1)),
      bias: Int32Array.of(0),
      output: { kind: 'requant', rshift: 0, bits: 8 },
    };
    expect(() => checkNoOverflow(layer)).not.toThrow();
    expect(() => checkNoOverflow({ ...layer, output: { kind: 'requant', rshift: 30, bits: 8 } })).toThrow(/Layer "edge"/);
  });
});

describe('chains', () => {
  const rng = mulberry32(7);
  const lightnn: WeightFormat = { kind: 'lightnn', k: 1 };

  it('validateChain names the mismatch', () => {
    const a = randomDenseLayer(rng, { name: 'h1', inputs: 5, units: 4, format: lightnn, inputBits: 2, output: { kind: 'requant', bits: 2 } });
    const b = randomDenseLayer(rng, { name: 'out', inputs: 4, units: 3, format: lightnn, inputBits: 2, output: 'logits' });
    expect(() => validateChain([a, b])).not.toThrow();
    expect(() => validateChain([a])).toThrow(/only the last layer/);
    expect(() => validateChain([a, { ...b, inputs: 5 }])).toThrow(/"out" takes 5 inputs/);
    expect(() => validateChain([a, { ...b, inputBits: 3 }])).toThrow(/2-bit activations/);
    const bnn = randomDenseLayer(rng, { name: 'bnn', inputs: 4, units: 3, format: { kind: 'binarynet' }, inputBits: 1, output: 'logits' });
    expect(() => validateChain([a, bnn])).toThrow(/reads sign bits/);
  });

  it('mlpReference feeds each layer into the next', () => {
    const a = randomDenseLayer(rng, { name: 'h1', inputs: 9, units: 40, format: { kind: 'binaryconnect' }, inputBits: 3, output: 'sign' });
    const b = randomDenseLayer(rng, { name: 'h2', inputs: 40, units: 6, format: { kind: 'binarynet' }, inputBits: 1, output: 'logits' });
    const input = randomLayerInput(rng, a, 3);
    const hidden = denseReference(a, input) as Uint32Array;
    expect(hidden.length).toBe(3 * 2);
    expect(mlpReference([a, b], input)).toEqual(denseReference(b, hidden));
  });
});
