import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FLOAT32_MAX,
  autoBias,
  binaryQuantize,
  binaryWithHysteresis,
  bitsPerWeight,
  describeScheme,
  fixedQuantize,
  floorLog2,
  legalValues,
  lightnnDecode,
  lightnnEncode,
  lightnnLegalMagnitudes,
  lightnnLegalValues,
  lightnnQuantize,
  lightnnStochasticWithUniforms,
  minExponentBits,
  minifloatFiniteValues,
  minifloatQuantize,
  quantizeActivationFixed,
  quantizeInput,
  quantizeWeights,
  roundHalfEven,
  signActivation,
  type WeightScheme,
} from '../../src/core/quant/schemes';
import { mulberry32 } from '../../src/core/rng';
import { minOf, maxOf } from '../../src/core/arrays';
import { expectSameValues, minifloat, p2, SMALL_MINIFLOATS, weightLayerArb } from '../helpers/quant';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);
const list = (values: Float32Array | Float64Array): number[] => Array.from(values);

// Weights in a realistic range, with exact dyadic values mixed in so that ties actually occur.
const layer = weightLayerArb(64, [0, -0, 0.75, -0.375, 1.5, 2.5], 48);
const anyFloat32 = fc.float({ noNaN: true, noDefaultInfinity: true });

describe('roundHalfEven and floorLog2', () => {
  it('rounds ties to the even neighbour in both directions', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, -2, 2, 3, -3]);
  });
  it('is exact at powers of two and just below them', () => {
    expect(floorLog2(1)).toBe(0);
    expect(floorLog2(p2(-149))).toBe(-149);
    expect(floorLog2(FLOAT32_MAX)).toBe(127);
    expect(floorLog2(Math.fround(1 - p2(-24)))).toBe(-1);
    expect(floorLog2(0.01)).toBe(-7);
    expect(floorLog2(3)).toBe(1);
  });
});

describe('fixed point', () => {
  it('bits=3: step = max/3, ties at 0.5, 1.5, 2.5 go to the even index', () => {
    const out = fixedQuantize(f32([3, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -3, 1.2, -2.7]), 3);
    expectSameValues(out, [3, 0, 2, 2, 0, -2, -2, -3, 1, -3]);
  });
  it('bits=3 with a non-integer step: max 0.75, step 0.25, ties at 0.5, 1.5, 2.5 steps', () => {
    const out = fixedQuantize(f32([0.75, 0.125, 0.375, 0.625, -0.125, -0.375, -0.625]), 3);
    expectSameValues(out, [0.75, 0, 0.5, 0.5, 0, -0.5, -0.5]);
  });
  it('layers near float32 max do not overflow', () => {
    const max = FLOAT32_MAX;
    const out = fixedQuantize(f32([max, max / 2, -max / 3, 1]), 3);
    const levels = legalValues({ kind: 'fixed', bits: 3 }, f32([max]))!;
    expectSameValues(out, [max, levels[5], levels[2], 0]);
    expect(levels[5]).toBeCloseTo((2 / 3) * max, -30);
  });
  it('bits=2 gives the ternary levels -max, 0, max', () => {
    expectSameValues(fixedQuantize(f32([0.4, -0.6, 1, 0.5, -0.5, -1]), 2), [0, -1, 1, 0, 0, -1]);
  });
  it('bits=8: step 1 for max 127, ties 63.5 -> 64 and 64.5 -> 64', () => {
    expectSameValues(fixedQuantize(f32([127, 63.5, 64.5, -0.5, -126.5]), 8), [127, 64, 64, 0, -126]);
  });
  it('non-integer step: max 1 with bits=4 gives multiples of 1/7', () => {
    const out = fixedQuantize(f32([1, 0.5, -0.2, 0.07]), 4);
    expectSameValues(out, [1, Math.fround(4 / 7), Math.fround(-1 / 7), 0]);
  });
  it('all-zero and empty layers', () => {
    expectSameValues(fixedQuantize(f32([0, 0, -0]), 5), [0, 0, 0]);
    expect(fixedQuantize(new Float32Array(0), 5).length).toBe(0);
  });
  it('rejects bits outside 2..16', () => {
    expect(() => quantizeWeights(f32([1]), { kind: 'fixed', bits: 1 })).toThrow('fixed bits must be an integer 2..16, got 1');
    expect(() => quantizeWeights(f32([1]), { kind: 'fixed', bits: 17 })).toThrow(/fixed bits/);
    expect(() => quantizeWeights(f32([1]), { kind: 'fixed', bits: 4.5 })).toThrow(/fixed bits/);
  });
  it('does not modify its input', () => {
    const input = f32([0.3, -0.7]);
    fixedQuantize(input, 2);
    expectSameValues(input, f32([0.3, -0.7]));
  });
  it('property: at most 2^bits - 1 distinct values, all legal, max preserved, bounded', () => {
    fc.assert(
      fc.property(layer, fc.integer({ min: 2, max: 16 }), (values, bits) => {
        const out = fixedQuantize(values, bits);
        expect(new Set(out).size).toBeLessThanOrEqual(2 ** bits - 1);
        const max = maxOf(list(values).map(Math.abs));
        expect(maxOf(list(out).map(Math.abs))).toBe(max);
        if (bits <= 12) {
          const levels = new Set(legalValues({ kind: 'fixed', bits }, values)!);
          for (const q of out) expect(levels.has(q)).toBe(true);
        }
      }),
    );
  });
});

describe('minifloat', () => {
  it('E2M1 (bias 1): values 0, 0.5, 1, 1.5, 2, 3 with ties to even and saturation', () => {
    expectSameValues(list(minifloatFiniteValues(minifloat(2, 1))), [-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3]);
    const inputs = [0.2, 0.25, 0.3, 0.75, 1.25, 1.75, 2.5, 3.4, 3.5, 100, -100, -0.75, Infinity];
    const expected = [0, 0, 0.5, 1, 1, 2, 2, 3, 3, 3, -3, -1, 3];
    expectSameValues(minifloatQuantize(f32(inputs), minifloat(2, 1)), expected);
  });
  it('E2M1 without subnormals flushes everything below the smallest normal to 0', () => {
    const out = minifloatQuantize(f32([0.2, 0.5, 0.51, 0.75, -0.6, 0.99, 1, 1.25]), minifloat(2, 1, { subnormals: false }));
    expectSameValues(out, [0, 0, 0, 0, -0, 0, 1, 1]);
    expectSameValues(list(minifloatFiniteValues(minifloat(2, 1, { subnormals: false }))), [-3, -2, -1.5, -1, 0, 1, 1.5, 2, 3]);
  });
  it('E2M1 with bias 0: values 0, 1, 2, 3, 4, 6', () => {
    const scheme = minifloat(2, 1, { bias: 0 });
    expectSameValues(list(minifloatFiniteValues(scheme)).filter((v) => v >= 0), [0, 1, 2, 3, 4, 6]);
    expectSameValues(minifloatQuantize(f32([0.5, 0.6, 2.5, 3.5, 5, 7, 9]), scheme), [0, 1, 2, 4, 4, 6, 6]);
  });
  it('E3M2 (bias 3): subnormal step 1/16, smallest normal 1/4, max 14', () => {
    const scheme = minifloat(3, 2);
    const inputs = [0.03, 1 / 32, 3 / 32, 0.2, 0.22, 13, 15, -1e9, 0.3];
    const expected = [0, 0, 0.125, 0.1875, 0.25, 12, 14, -14, 0.3125];
    expectSameValues(minifloatQuantize(f32(inputs), scheme), expected);
    const positives = list(minifloatFiniteValues(scheme)).filter((v) => v > 0);
    expect(positives.slice(0, 5)).toEqual([1 / 16, 2 / 16, 3 / 16, 0.25, 0.3125]);
    expect(positives[positives.length - 1]).toBe(14);
    expect(positives.length).toBe(3 + 6 * 4);
  });
  it('E4M3 (bias 7): max 240, 0.1 -> 13/128, smallest subnormal 2^-9', () => {
    const out = minifloatQuantize(f32([1000, 0.1, p2(-9), p2(-10), 3 * p2(-11)]), minifloat(4, 3));
    expectSameValues(out, [240, 13 / 128, p2(-9), 0, p2(-9)]);
  });
  it('E5M10 is IEEE half precision (max 65504) and E8M7 is bfloat16', () => {
    expectSameValues(minifloatQuantize(f32([1 / 3, 65519, 65520, p2(-25), 3 * p2(-26)]), minifloat(5, 10)), [
      0.333251953125,
      65504,
      65504,
      0,
      p2(-24),
    ]);
    expectSameValues(minifloatQuantize(f32([1 / 3, 1 + p2(-8), 1 + 3 * p2(-8)]), minifloat(8, 7)), [
      0.333984375,
      1,
      1 + p2(-6),
    ]);
  });
  it('keeps the sign of zero and passes NaN through', () => {
    const out = minifloatQuantize(f32([-0, 0, NaN, -1e-30]), minifloat(4, 3));
    expect(Object.is(out[0], -0)).toBe(true);
    expect(Object.is(out[1], 0)).toBe(true);
    expect(Number.isNaN(out[2])).toBe(true);
    expect(Object.is(out[3], -0)).toBe(true);
  });
  it('rejects parameters out of range', () => {
    expect(() => quantizeWeights(f32([1]), minifloat(1, 3))).toThrow('minifloat exponentBits must be an integer 2..8, got 1');
    expect(() => quantizeWeights(f32([1]), minifloat(4, 24))).toThrow(/mantissaBits/);
    expect(() => quantizeWeights(f32([1]), minifloat(4, 3, { bias: 1000 }))).toThrow(/bias/);
    expect(() => quantizeWeights(f32([1]), minifloat(4, 3, { bias: 2.5 }))).toThrow(/bias/);
  });
  it('property: E8M23 (bias 127) is the identity on every finite float32, -0 included', () => {
    fc.assert(
      fc.property(fc.array(anyFloat32, { minLength: 1, maxLength: 64 }), (values) => {
        const input = Float32Array.from(values);
        const out = minifloatQuantize(input, minifloat(8, 23));
        for (let i = 0; i < input.length; i++) expect(Object.is(out[i], input[i])).toBe(true);
      }),
      { numRuns: 300 },
    );
    const edges = f32([FLOAT32_MAX, -FLOAT32_MAX, p2(-149), p2(-126), p2(-126) - p2(-149), 1 + p2(-23)]);
    expectSameValues(minifloatQuantize(edges, minifloat(8, 23)), edges);
  });
  it('property: small formats only produce their own finite values and stay within max', () => {
    const formats = [...SMALL_MINIFLOATS, minifloat(4, 3, { bias: 10 }), minifloat(4, 3, { bias: 12 }), minifloat(3, 2, { subnormals: false })];
    fc.assert(
      fc.property(fc.array(anyFloat32, { minLength: 1, maxLength: 32 }), fc.constantFrom(...formats), (values, scheme) => {
        const finite = minifloatFiniteValues(scheme);
        const legal = new Set(finite);
        const max = finite[finite.length - 1];
        for (const q of minifloatQuantize(Float32Array.from(values), scheme)) {
          expect(legal.has(q)).toBe(true);
          expect(Math.abs(q)).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('minExponentBits on a hand-made layer: 1st percentile skips one outlier', () => {
    // 101 non-zero magnitudes: the 1st percentile index is floor(0.01 * 100) = 1, i.e. 0.01.
    const values = [p2(-20), -0.01, ...Array<number>(98).fill(0.5), -3, 0, 0, -0];
    const range = minExponentBits(f32(values));
    // e_max = floor(log2 3) = 1; e_min = floor(log2 0.01) = -7; E = ceil(log2(1 + 7 + 3)) = 4;
    // autoBias = 2^4 - 2 - 1 = 13, so the normal exponents are -12..1.
    expect(range).toEqual({ eMax: 1, eMin: -7, eMinBits: 4, autoBias: 13 });
    expect(autoBias(f32(values), 4)).toBe(13);
    expect(autoBias(f32(values), 6)).toBe(61);
    // With only 100 non-zero values the index is floor(0.99) = 0: the outlier itself.
    const hundred = [p2(-20), ...Array<number>(98).fill(0.5), 3];
    expect(minExponentBits(f32(hundred))).toEqual({ eMax: 1, eMin: -20, eMinBits: 5, autoBias: 29 });
  });
  it('minExponentBits clamps to 2..8 and handles an all-zero layer', () => {
    expect(minExponentBits(f32([1, -1]))).toEqual({ eMax: 0, eMin: 0, eMinBits: 2, autoBias: 2 });
    expect(minExponentBits(f32([p2(127), p2(-149)]))).toEqual({ eMax: 127, eMin: -149, eMinBits: 8, autoBias: 127 });
    expect(minExponentBits(f32([0, -0]))).toEqual({ eMax: 0, eMin: 0, eMinBits: 2, autoBias: 2 });
  });
  it('autoBias keeps the layer max below saturation', () => {
    const values = f32([0.9, -0.02, 0.3]);
    const bias = autoBias(values, 4);
    expect(bias).toBe(15); // e_max = -1
    const out = minifloatQuantize(values, minifloat(4, 3, { bias }));
    expectSameValues(out, [0.875, -0.01953125, 0.3125]);
  });
});

describe('LightNN', () => {
  it('legal magnitudes: k=1 is 2^0..2^-7, k=2 has the 36 sums of two terms (repeats allowed)', () => {
    expectSameValues(lightnnLegalMagnitudes(1), [7, 6, 5, 4, 3, 2, 1, 0].map((m) => p2(-m)));
    // In units of 2^-7: 2^a + 2^b for 0 <= a <= b <= 7 (7 = 1 + 2 + 4 needs three terms).
    const units = [
      2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 17, 18, 20, 24, 32, 33, 34, 36, 40, 48, 64, 65, 66, 68, 72, 80, 96, 128, 129,
      130, 132, 136, 144, 160, 192, 256,
    ];
    expectSameValues(lightnnLegalMagnitudes(2), units.map((u) => u / 128));
    expect(lightnnLegalMagnitudes(3)[0]).toBe(3 / 128);
    expect(lightnnLegalMagnitudes(4).at(-1)).toBe(4);
  });
  it('k=1 nearest: ties away from zero, clamping, sign(0) = +1', () => {
    const inputs = [0.75, 0.375, 0.7, 3, 0.001, -0.75, -0.375, 0, -0, -1e-9, 3 * p2(-8), -5];
    const expected = [1, 0.5, 0.5, 1, p2(-7), -1, -0.5, p2(-7), p2(-7), -p2(-7), p2(-6), -1];
    expectSameValues(lightnnQuantize(f32(inputs), 1), expected);
  });
  it('k=1: every midpoint goes to the larger magnitude', () => {
    const mags = list(lightnnLegalMagnitudes(1));
    const mids = mags.slice(1).map((m, i) => (m + mags[i]) / 2);
    expectSameValues(lightnnQuantize(f32(mids), 1), mags.slice(1));
    expectSameValues(lightnnQuantize(f32(mids.map((m) => -m)), 1), mags.slice(1).map((m) => -m));
  });
  it('k=2 nearest: max 2 (= 1 + 1), min 2^-6, 7/128 is a tie between 6/128 and 8/128', () => {
    const out = lightnnQuantize(f32([3, 1.9, 1.75, 1.7, 0.05, 7 / 128, 0.001, -0.001]), 2);
    expectSameValues(out, [2, 2, 2, 1.5, 6 / 128, 8 / 128, p2(-6), -p2(-6)]);
  });
  it('allowZero adds 0: tiny weights go to 0, the tie at min/2 goes away from zero', () => {
    const out = lightnnQuantize(f32([0, 0.003, p2(-8), -p2(-8), -0.004]), 1, { allowZero: true });
    expectSameValues(out, [0, 0, p2(-7), -p2(-7), -p2(-7)]);
    expect(list(lightnnLegalValues(1, true))).toContain(0);
  });
  it('stochastic with given uniforms: w_h when u < p, legal values and clamped values stay', () => {
    // 0.3 lies between 0.25 and 0.5: p = 0.2 (in float32 arithmetic, slightly above).
    const values = f32([0.3, 0.3, 0.5, 0.5, 5, -5, 0, 0]);
    const out = lightnnStochasticWithUniforms(values, 1, [0.1, 0.3, 0, 0.999, 0.999, 0, 0.49, 0.51]);
    expectSameValues(out, [0.5, 0.25, 0.5, 0.5, 1, -1, p2(-7), -p2(-7)]);
  });
  it('stochastic: a uniform that rounded up to 1 still keeps the top legal value', () => {
    expectSameValues(lightnnStochasticWithUniforms(f32([1, 5, -1, 0.25]), 1, [1, 1, 1, 1]), [1, 1, -1, 0.25]);
  });
  it('stochastic needs an rng', () => {
    expect(() => quantizeWeights(f32([0.3]), { kind: 'lightnn', k: 1, rounding: 'stochastic' })).toThrow(/rng/);
  });
  it('stochastic mean equals w within 4 sigma (20000 draws)', () => {
    const draws = 20000;
    const cases: Array<[number, number, number, number]> = [
      // w, k, w_l, w_h
      [0.3, 1, 0.25, 0.5],
      [0, 1, -p2(-7), p2(-7)],
      [-0.8, 2, -1, -0.75],
      [0.006, 2, -p2(-6), p2(-6)],
    ];
    const rng = mulberry32(1234);
    for (const [w, k, low, high] of cases) {
      const out = lightnnQuantize(new Float32Array(draws).fill(w), k, { rounding: 'stochastic', rng });
      let sum = 0;
      for (const q of out) {
        expect(q === low || q === high).toBe(true);
        sum += q;
      }
      const wf = Math.fround(w);
      const p = (wf - low) / (high - low);
      const sigma = ((high - low) * Math.sqrt(p * (1 - p))) / Math.sqrt(draws);
      expect(Math.abs(sum / draws - wf)).toBeLessThanOrEqual(4 * sigma);
    }
  });
  it('encode/decode: sign bit and exponent codes', () => {
    expect(lightnnEncode(0.75, 2)).toEqual({ sign: 0, exponents: [1, 2] });
    expect(lightnnEncode(2, 2)).toEqual({ sign: 0, exponents: [0, 0] });
    expect(lightnnEncode(-p2(-7), 1)).toEqual({ sign: 1, exponents: [7] });
    expect(lightnnEncode(1.25, 3)).toEqual({ sign: 0, exponents: [0, 3, 3] }); // also 1/2+1/2+1/4
    expect(lightnnEncode(0, 2)).toEqual({ sign: 0, exponents: [] });
    expect(lightnnDecode({ sign: 1, exponents: [0, 3] })).toBe(-1.125);
    expect(() => lightnnEncode(0.3, 1)).toThrow('0.3 is not a legal LightNN-1 value');
    expect(() => lightnnEncode(p2(-7), 2)).toThrow(/not a legal/);
    expect(() => lightnnDecode({ sign: 0, exponents: [8] })).toThrow(/exponent code/);
  });
  it('encode/decode round-trips every legal value for k = 1..4', () => {
    for (let k = 1; k <= 4; k++) {
      for (const v of lightnnLegalValues(k)) {
        const code = lightnnEncode(v, k);
        expect(code.exponents.length).toBe(k);
        expect(lightnnDecode(code)).toBe(v);
      }
    }
  });
  it('rejects k outside 1..4', () => {
    expect(() => quantizeWeights(f32([1]), { kind: 'lightnn', k: 0 })).toThrow('lightnn k must be an integer 1..4, got 0');
    expect(() => quantizeWeights(f32([1]), { kind: 'lightnn', k: 5 })).toThrow(/lightnn k/);
  });
  it('property: nearest output is the closest legal value (ties to the larger magnitude)', () => {
    fc.assert(
      fc.property(layer, fc.integer({ min: 1, max: 4 }), fc.boolean(), (values, k, allowZero) => {
        const legal = list(lightnnLegalValues(k, allowZero));
        const out = lightnnQuantize(values, k, { allowZero });
        values.forEach((w, i) => {
          const best = minOf(legal.map((v) => Math.abs(v - w)));
          expect(Math.abs(out[i] - w)).toBe(best);
          if (legal.filter((v) => Math.abs(v - w) === best).length > 1) {
            expect(Math.abs(out[i])).toBe(maxOf(legal.filter((v) => Math.abs(v - w) === best).map(Math.abs)));
          }
        });
      }),
    );
  });
});

describe('binary', () => {
  it('BinaryConnect: sign with sign(0) = +1', () => {
    expectSameValues(binaryQuantize(f32([0.3, -0.2, 0, -0, 5, -1e-30]), 'none'), [1, -1, 1, 1, 1, -1]);
  });
  it('L1 scale: alpha = mean |w|', () => {
    expectSameValues(binaryQuantize(f32([1, -2, 3, -4]), 'l1'), [2.5, -2.5, 2.5, -2.5]);
    expectSameValues(binaryQuantize(f32([0.5, 0, -0.25]), 'l1'), [0.25, 0.25, -0.25]);
    expectSameValues(binaryQuantize(f32([0, 0]), 'l1'), [0, 0]);
  });
  it('L1 alpha is the correctly rounded mean, so re-quantizing keeps it exactly', () => {
    // With a float32-rounded sum, 12 copies of this alpha would come back one ulp higher.
    const alpha = Math.fround(1.3614418506622314);
    const layerOfAlphas = f32(Array.from({ length: 12 }, (_, i) => (i % 2 ? -alpha : alpha)));
    expectSameValues(binaryQuantize(layerOfAlphas, 'l1'), layerOfAlphas);
    fc.assert(
      fc.property(layer, (values) => {
        const once = binaryQuantize(values, 'l1');
        expectSameValues(binaryQuantize(once, 'l1'), once);
      }),
      { numRuns: 500 },
    );
  });
  it('quantizeWeights ignores hysteresis', () => {
    expectSameValues(quantizeWeights(f32([0.05, -0.05]), { kind: 'binary', scale: 'none', hysteresis: 0.1 }), [1, -1]);
  });
  it('hysteresis: a sign flips only past the opposite threshold', () => {
    const values = f32([0.05, -0.05, -0.2, 0.2, -0.05, 0.3, 0, -0.5, 0.5]);
    const previous = Int8Array.from([1, -1, 1, -1, 0, 0, 0, 1, -1]);
    expectSameValues(binaryWithHysteresis(values, previous, 0.1), [1, -1, -1, 1, -1, 1, 1, -1, 1]);
    expectSameValues(binaryWithHysteresis(f32([-0.5, 0.5]), Int8Array.from([1, -1]), 0.5), [1, -1]);
    expectSameValues(binaryWithHysteresis(f32([-0.06, 0.06]), Int8Array.from([1, -1]), 0), [-1, 1]);
    expect(() => binaryWithHysteresis(f32([1]), new Int8Array(2), 0.1)).toThrow(/previousSigns/);
    expect(() => binaryWithHysteresis(f32([1]), new Int8Array(1), -1)).toThrow(/hysteresis/);
  });
});

describe('activations', () => {
  it('quantizeInput: clamp to [0,1], round(x * (2^b - 1)) half-even', () => {
    expectSameValues(quantizeInput(f32([0.5, 0.51, -1, 2, 0.49]), 1), [0, 1, 0, 1, 0]);
    expectSameValues(quantizeInput(f32([0.5, 0, 1]), 2), [Math.fround(2 / 3), 0, 1]);
    expectSameValues(quantizeInput(f32([0.5]), 3), [Math.fround(4 / 7)]);
    expectSameValues(quantizeInput(f32([0.5, 0.2]), 8), [Math.fround(128 / 255), Math.fround(51 / 255)]);
    expect(() => quantizeInput(f32([0]), 9)).toThrow(/input bits/);
  });
  it('quantizeActivationFixed: ReLU clamp to [0, clip], step clip/(2^b - 1), half-even', () => {
    expectSameValues(quantizeActivationFixed(f32([-1, 0.5, 1.5, 2.5, 3, 10, 1.2]), 2, 3), [0, 0, 2, 2, 3, 3, 1]);
    expectSameValues(quantizeActivationFixed(f32([0.5, 0.6, 7]), 1, 1), [0, 1, 1]);
    expectSameValues(quantizeActivationFixed(f32([4, 0.3]), 4, 4), [4, Math.fround(Math.fround(1 / 15) * 4)]);
    expect(() => quantizeActivationFixed(f32([0]), 4, 0)).toThrow(/clip/);
  });
  it('signActivation: +1 for x >= 0', () => {
    expectSameValues(signActivation(f32([0, -0, -1e-9, 2, -3])), [1, 1, -1, 1, -1]);
  });
});

describe('labels, sizes and legal value sets', () => {
  it('bitsPerWeight', () => {
    expect(bitsPerWeight({ kind: 'float32' })).toBe(32);
    expect(bitsPerWeight({ kind: 'fixed', bits: 6 })).toBe(6);
    expect(bitsPerWeight(minifloat(4, 3))).toBe(8);
    expect(bitsPerWeight({ kind: 'lightnn', k: 1 })).toBe(4);
    expect(bitsPerWeight({ kind: 'lightnn', k: 2 })).toBe(8);
    expect(bitsPerWeight({ kind: 'lightnn', k: 4 })).toBe(16);
    expect(bitsPerWeight({ kind: 'binary', scale: 'l1' })).toBe(1);
  });
  it('describeScheme', () => {
    expect(describeScheme({ kind: 'float32' })).toBe('float32');
    expect(describeScheme({ kind: 'fixed', bits: 4 })).toBe('fixed 4-bit');
    expect(describeScheme(minifloat(4, 3))).toBe('minifloat E4M3');
    expect(describeScheme(minifloat(4, 3, { bias: 7 }))).toBe('minifloat E4M3');
    expect(describeScheme(minifloat(4, 3, { bias: 10, subnormals: false }))).toBe('minifloat E4M3 (bias 10, no subnormals)');
    expect(describeScheme({ kind: 'lightnn', k: 2 })).toBe('LightNN-2');
    const stochastic: WeightScheme = { kind: 'lightnn', k: 1, rounding: 'stochastic', allowZero: true };
    expect(describeScheme(stochastic)).toBe('LightNN-1 (stochastic, with 0)');
    expect(describeScheme({ kind: 'binary', scale: 'none' })).toBe('BinaryConnect ±1');
    expect(describeScheme({ kind: 'binary', scale: 'l1' })).toBe('binary ±α (L1)');
  });
  it('legalValues', () => {
    expect(legalValues({ kind: 'float32' })).toBeNull();
    expectSameValues(legalValues({ kind: 'fixed', bits: 3 }, f32([0.5, -3]))!, [-3, -2, -1, 0, 1, 2, 3]);
    expect(legalValues({ kind: 'fixed', bits: 3 })).toBeNull();
    expect(legalValues({ kind: 'fixed', bits: 13 }, f32([1]))).toBeNull();
    expect(legalValues({ kind: 'fixed', bits: 12 }, f32([1]))!.length).toBe(4095);
    expectSameValues(legalValues({ kind: 'fixed', bits: 4 }, f32([0]))!, [0]);
    expectSameValues(legalValues(minifloat(2, 1))!, [-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3]);
    expect(legalValues(minifloat(4, 3))!.length).toBe(2 * (7 + 14 * 8) + 1);
    expect(legalValues(minifloat(4, 8))).toBeNull();
    expect(legalValues({ kind: 'lightnn', k: 1 })!.length).toBe(16);
    expect(legalValues({ kind: 'lightnn', k: 1, allowZero: true })!.length).toBe(17);
    expectSameValues(legalValues({ kind: 'binary', scale: 'none' })!, [-1, 1]);
    expectSameValues(legalValues({ kind: 'binary', scale: 'l1' }, f32([1, -3]))!, [-2, 2]);
    expect(legalValues({ kind: 'binary', scale: 'l1' })).toBeNull();
  });
});

describe('properties shared by every scheme', () => {
  const schemes: WeightScheme[] = [
    { kind: 'float32' },
    ...[2, 3, 4, 8, 12, 16].map((bits): WeightScheme => ({ kind: 'fixed', bits })),
    ...SMALL_MINIFLOATS,
    minifloat(5, 10),
    minifloat(8, 7),
    minifloat(4, 3, { bias: 10 }),
    minifloat(4, 3, { bias: 12 }),
    minifloat(3, 2, { subnormals: false }),
    ...[1, 2, 3, 4].map((k): WeightScheme => ({ kind: 'lightnn', k })),
    { kind: 'lightnn', k: 2, allowZero: true },
    { kind: 'binary', scale: 'none' },
    { kind: 'binary', scale: 'l1' },
  ];

  it('idempotence: q(q(w)) = q(w)', () => {
    fc.assert(
      fc.property(layer, fc.constantFrom(...schemes), (values, scheme) => {
        const once = quantizeWeights(values, scheme);
        expectSameValues(quantizeWeights(once, scheme), once);
      }),
      { numRuns: 1000 },
    );
  });

  it('stochastic LightNN is idempotent too (legal values never move)', () => {
    fc.assert(
      fc.property(layer, fc.integer({ min: 1, max: 4 }), fc.integer(), (values, k, seed) => {
        const scheme: WeightScheme = { kind: 'lightnn', k, rounding: 'stochastic' };
        const once = quantizeWeights(values, scheme, mulberry32(seed));
        expectSameValues(quantizeWeights(once, scheme, mulberry32(seed + 1)), once);
      }),
    );
  });

  it('every output is a legal value and bounded by the largest one', () => {
    const drawable = schemes.filter((s) => legalValues(s, f32([1])) !== null);
    fc.assert(
      fc.property(layer, fc.constantFrom(...drawable), (values, scheme) => {
        const legal = legalValues(scheme, values)!;
        const set = new Set(legal);
        const bound = maxOf(list(legal).map(Math.abs));
        for (const q of quantizeWeights(values, scheme)) {
          expect(set.has(q)).toBe(true);
          expect(Math.abs(q)).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 500 },
    );
  });
});
