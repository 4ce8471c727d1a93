import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  lightnnLegalValues,
  legalValues,
  minExponentBits,
  minifloatBiasRange,
  quantizeWeights,
  type WeightScheme,
} from '../../src/core/quant/schemes';
import { mulberry32 } from '../../src/core/rng';
import {
  MAX_DRAWN_LEGAL_VALUES,
  exponentOfSorted,
  sortedFinite,
  weightStats,
  type LevelCount,
  type WeightStats,
} from '../../src/worker/weightStats';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);
const stats = (values: Float32Array, scheme: WeightScheme): WeightStats => weightStats(0, 'dense', values, scheme);
const levelMap = (levels: LevelCount[] | null): [number, number][] => (levels ?? []).map((l) => [l.value, l.count]);
const sumCounts = (levels: LevelCount[] | null): number => (levels ?? []).reduce((s, l) => s + l.count, 0);
const binTotal = (s: WeightStats): number => s.bins.reduce((t, b) => t + b.count, 0);

/** What the counts must be: quantizeWeights on the layer as given, counted with a Map. */
function referenceLevels(values: Float32Array, scheme: WeightScheme): [number, number][] {
  const counts = new Map<number, number>();
  for (const v of quantizeWeights(values, scheme)) if (!Number.isNaN(v)) counts.set(v + 0, (counts.get(v + 0) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]);
}

/** The stats of a hand-worked layer, once its per-level counts are `want`, and `want` is what quantizeWeights gives. */
function handWorked(values: Float32Array, scheme: WeightScheme, want: [number, number][]): WeightStats {
  const s = stats(values, scheme);
  expect(levelMap(s.levels)).toEqual(want);
  expect(want).toEqual(referenceLevels(values, scheme));
  return s;
}

function gaussian(n: number, sigma: number, seed = 1): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sigma * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return out;
}

describe('sortedFinite', () => {
  const special = fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38);
  const value = fc.oneof(fc.float(), special);
  it('agrees with the typed-array sort, NaN left out (small layers and the radix path)', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), fc.integer({ min: 0, max: 6000 }), fc.integer(), (head, pad, seed) => {
        const rng = mulberry32(seed);
        const values = f32([...head, ...Array.from({ length: pad }, () => (rng() - 0.5) * 2 ** Math.floor(rng() * 40 - 20))]);
        const expected = Float32Array.from(values).sort().filter((v) => !Number.isNaN(v));
        expect(sortedFinite(values)).toEqual(expected);
        // Sign of zero included: -0 first, as the typed-array sort puts it.
        const got = sortedFinite(values);
        for (let i = 0; i < got.length; i++) if (!Object.is(got[i], expected[i])) throw new Error(`index ${i}`);
      }),
      { numRuns: 60 },
    );
  });
});

describe('robust range and outliers', () => {
  // 1000 evenly spaced weights in [-0.2, 0.2] and two outliers at ±5: floor(1002 * 0.001) = 1
  // weight is left out at each end, which is exactly one outlier each.
  const inner = Array.from({ length: 1000 }, (_, i) => -0.2 + (0.4 * i) / 999);
  const values = f32([5, ...inner, -5]);
  const edge = Math.fround(0.2);

  it('float32: the range is ±0.2, the two outliers are counted and in no bin', () => {
    const s = stats(values, { kind: 'float32' });
    expect(s.robustLo).toBe(-edge);
    expect(s.robustHi).toBe(edge);
    expect([s.lo, s.hi]).toEqual([-edge, edge]);
    expect([s.outliersBelow, s.outliersAbove]).toEqual([1, 1]);
    expect(s.bins).toHaveLength(60);
    expect(binTotal(s)).toBe(1000);
    expect(s.bins[0].x0).toBe(-edge);
    expect(s.bins[59].x1).toBe(edge);
    expect(s.maxAbs).toBe(5);
    expect(s.weightCount).toBe(1002);
    expect([s.legal, s.legalInRange, s.legalTotal, s.levels, s.levelsUsed]).toEqual([null, null, null, null, null]);
  });

  it('fixed 8-bit: the outlier sets the step (5/127), and only the 11 levels within ±0.2 are drawn', () => {
    const s = stats(values, { kind: 'fixed', bits: 8 });
    // 0.2 sits at index 0.2 * 127 / 5 = 5.08, which rounds to 5 (0.197), inside the range: no widening.
    expect(s.hi).toBe(edge);
    expect([s.outliersBelow, s.outliersAbove]).toEqual([1, 1]);
    expect(s.legalInRange).toBe(11);
    expect(s.legal).toEqual(Array.from({ length: 11 }, (_, i) => Math.fround(Math.fround((i - 5) / 127) * 5)));
    expect(s.legalTotal).toBe(255);
    expect(s.legalNote).toBe('244 more beyond ±0.2, up to ±5');
    expect(sumCounts(s.levels)).toBe(1002);
    // The outliers keep their own levels ±5, outside the drawn range.
    expect(s.levels![0]).toEqual({ value: -5, count: 1 });
    expect(s.levels![s.levels!.length - 1]).toEqual({ value: 5, count: 1 });
  });

  it('layers under 1,000 weights are not trimmed', () => {
    const s = stats(f32([-0.1, 0.05, 0.3]), { kind: 'float32' });
    expect([s.robustLo, s.robustHi]).toEqual([Math.fround(-0.1), Math.fround(0.3)]);
    expect([s.lo, s.hi]).toEqual([-Math.fround(0.3), Math.fround(0.3)]);
    expect(s.outliersBelow + s.outliersAbove).toBe(0);
  });

  it('an all-zero or empty layer still gets a range', () => {
    expect(stats(new Float32Array(5), { kind: 'fixed', bits: 4 }).hi).toBe(1);
    const empty = stats(new Float32Array(0), { kind: 'lightnn', k: 1 });
    expect(empty.hi).toBe(1);
    expect(binTotal(empty)).toBe(0);
  });
});

describe('per-level counts, worked by hand', () => {
  it('fixed 2-bit: step = max|w| = 1, levels -1, 0, 1; ties (±0.5) go to the even index 0', () => {
    const values = f32([-0.9, -0.5, -0.3, 0, 0.1, 0.49, 0.5, 0.7, 1]);
    const s = handWorked(values, { kind: 'fixed', bits: 2 }, [
      [-1, 1],
      [0, 6],
      [1, 2],
    ]);
    expect(s.levelsUsed).toBe(3);
    expect(s.legal).toEqual([-1, 0, 1]);
    expect([s.legalInRange, s.legalTotal]).toEqual([3, 3]);
  });

  it('fixed 2-bit with the largest weight past the 99.9th percentile: the range widens to ±max, where the edge weights land', () => {
    // 1000 weights in [-0.6, 0.6] and max 1 (the one weight trimmed at the top): weights past 0.5
    // round to ±1, so ±1 must be in view.
    const values = f32([...Array.from({ length: 1000 }, (_, i) => -0.6 + (1.2 * i) / 999), 1]);
    const s = stats(values, { kind: 'fixed', bits: 2 });
    expect(s.robustHi).toBe(Math.fround(0.6));
    expect(s.hi).toBe(1);
    expect(s.legal).toEqual([-1, 0, 1]);
    expect(s.outliersBelow + s.outliersAbove).toBe(0);
    expect(sumCounts(s.levels)).toBe(1001);
  });

  it('LightNN-1: 0.3 lands on 0.25 (midpoint 0.375), 0.6 on 0.5, 0 and tiny weights on ±2^-7', () => {
    const values = f32([0.3, -0.3, 0.01, 0.6, 0, -0.0001]);
    const s = handWorked(values, { kind: 'lightnn', k: 1 }, [
      [-0.25, 1],
      [-(2 ** -7), 1],
      [2 ** -7, 2],
      [0.25, 1],
      [0.5, 1],
    ]);
    // Range ±0.6: magnitudes 2^-7 .. 2^-1 on each side; 2^0 = 1 is beyond.
    expect(s.hi).toBe(Math.fround(0.6));
    expect(s.legal).toEqual([-0.5, -0.25, -0.125, -0.0625, -0.03125, -0.015625, -0.0078125, 0.0078125, 0.015625, 0.03125, 0.0625, 0.125, 0.25, 0.5]);
    expect([s.legalInRange, s.legalTotal]).toEqual([14, 16]);
    expect(s.legalNote).toBe('2 more beyond ±0.6, up to ±1');
  });

  it('LightNN-2: 0.3 lands on 0.3125 = 2^-2 + 2^-4, 0.6 on 0.625, tiny weights on ±2^-6 = ±(2^-7 + 2^-7)', () => {
    const values = f32([0.3, -0.3, 0.01, 0.6, 0, -0.0001]);
    const s = handWorked(values, { kind: 'lightnn', k: 2 }, [
      [-0.3125, 1],
      [-(2 ** -6), 1],
      [2 ** -6, 2],
      [0.3125, 1],
      [0.625, 1],
    ]);
    // 0.6 lands on 0.625, so the range widens to ±0.625. Magnitudes 2^-a + 2^-b (a <= b) up to
    // 0.625: a = 1 with b = 3..7 (5), a = 2..7 with b = a..7 (6 + 5 + 4 + 3 + 2 + 1): 26 a side.
    expect(s.hi).toBe(0.625);
    expect(s.legalInRange).toBe(52);
    expect(s.legal).toEqual(Array.from(lightnnLegalValues(2)).filter((v) => Math.abs(v) <= 0.625));
    expect(s.legalTotal).toBe(72);
  });

  it('LightNN stochastic is counted with nearest rounding, and says so', () => {
    const values = f32([0.3, -0.3, 0.6]);
    const s = stats(values, { kind: 'lightnn', k: 1, rounding: 'stochastic' });
    expect(levelMap(s.levels)).toEqual([
      [-0.25, 1],
      [0.25, 1],
      [0.5, 1],
    ]);
    expect(s.levelsNote).toBe('counted with nearest rounding');
  });

  it('BinaryConnect: two levels, negatives on -1 and the rest (0 included) on +1; the range reaches ±1', () => {
    const values = f32([-0.3, -0.1, 0, 0.2, 0.5]);
    const s = handWorked(values, { kind: 'binary', scale: 'none' }, [
      [-1, 2],
      [1, 3],
    ]);
    expect(s.hi).toBe(1);
    expect(s.legal).toEqual([-1, 1]);
    expect(s.levelsUsed).toBe(2);
  });

  it('binary ±α: α = mean |w| = 0.22', () => {
    const values = f32([-0.3, -0.1, 0, 0.2, 0.5]);
    const alpha = Math.fround((Math.fround(0.3) + Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.5)) / 5);
    const s = handWorked(values, { kind: 'binary', scale: 'l1' }, [
      [-alpha, 2],
      [alpha, 3],
    ]);
    expect(s.legal).toEqual([-alpha, alpha]);
  });

  it('minifloat E2M1 (bias 1): all 11 legal values ±{0, 0.5, 1, 1.5, 2, 3} in a ±3 layer; 1.25 ties to the even 1', () => {
    const values = f32([-3, -1.2, -0.2, 0.3, 0.8, 1.25, 2.6, 2.9]);
    const scheme: WeightScheme = { kind: 'minifloat', exponentBits: 2, mantissaBits: 1 };
    // -0.2 -> -0 (counted as 0), 0.3 -> 0.5, 0.8 -> 1, 1.25 -> 1 (tie, even mantissa), 2.6, 2.9 -> 3.
    const s = handWorked(values, scheme, [
      [-3, 1],
      [-1, 1],
      [0, 1],
      [0.5, 1],
      [1, 2],
      [3, 2],
    ]);
    expect(Array.from(legalValues(scheme)!)).toEqual([-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3]);
    expect(s.hi).toBe(3);
    expect(s.legal).toEqual([-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3]);
    expect([s.legalInRange, s.legalTotal, s.legalNote]).toEqual([11, 11, null]);
  });

  it('minifloat E2M1 on a ±0.22 layer: everything rounds to 0, so only 0 is in range and the rest is a note', () => {
    const values = gaussian(5000, 0.07);
    const s = stats(values, { kind: 'minifloat', exponentBits: 2, mantissaBits: 1 });
    expect(s.hi).toBeLessThan(0.25);
    expect(s.legal).toEqual([0]);
    expect(s.legalNote).toBe(`10 more beyond ±${Number(s.hi.toPrecision(3))}, up to ±3`);
    expect(levelMap(s.levels)).toEqual(referenceLevels(values, { kind: 'minifloat', exponentBits: 2, mantissaBits: 1 }));
  });

  it('minifloat over 12 bits: no per-level counts, still a range and a histogram', () => {
    const values = gaussian(3000, 0.07);
    const s = stats(values, { kind: 'minifloat', exponentBits: 5, mantissaBits: 10 });
    expect([s.levels, s.levelsUsed, s.legal, s.legalTotal]).toEqual([null, null, null, null]);
    expect(s.levelsNote).toMatch(/not counted per level/);
    expect(binTotal(s) + s.outliersBelow + s.outliersAbove).toBe(3000);
  });

  it('fixed 10-bit on 20,000 weights: more than 512 levels used, so no list, but the number', () => {
    const s = stats(gaussian(20_000, 0.1), { kind: 'fixed', bits: 10 });
    expect(s.levels).toBeNull();
    expect(s.levelsUsed).toBeGreaterThan(512);
    expect(s.legal).toBeNull(); // more than MAX_DRAWN_LEGAL_VALUES in range
    expect(s.legalInRange).toBeGreaterThan(MAX_DRAWN_LEGAL_VALUES);
    expect(s.legalNote).toMatch(/too dense to draw/);
  });
});

describe('counts and ranges on every scheme', () => {
  const schemes: WeightScheme[] = [
    { kind: 'fixed', bits: 2 },
    { kind: 'fixed', bits: 8 },
    { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 },
    { kind: 'minifloat', exponentBits: 5, mantissaBits: 2 },
    { kind: 'minifloat', exponentBits: 3, mantissaBits: 2, bias: 6, subnormals: false },
    { kind: 'lightnn', k: 1 },
    { kind: 'lightnn', k: 2 },
    { kind: 'lightnn', k: 4, allowZero: true },
    { kind: 'binary', scale: 'none' },
    { kind: 'binary', scale: 'l1' },
  ];
  const values = gaussian(10_000, 0.07, 7);
  for (const scheme of schemes) {
    it(`${JSON.stringify(scheme)}: counts sum to the weight count and match quantizeWeights`, () => {
      const s = stats(values, scheme);
      expect(sumCounts(s.levels)).toBe(10_000);
      expect(levelMap(s.levels)).toEqual(referenceLevels(values, scheme));
      expect(s.levelsUsed).toBe(s.levels!.length);
      expect(binTotal(s) + s.outliersBelow + s.outliersAbove).toBe(10_000);
      const legal = new Set(Array.from(legalValues(scheme, values)!));
      for (const l of s.levels!) expect(legal.has(l.value)).toBe(true);
      for (const v of s.legal ?? []) expect(v >= s.lo && v <= s.hi).toBe(true);
      expect(s.exponent).toEqual(minExponentBits(values));
    });
  }
});

describe('properties', () => {
  const weight = fc.oneof(
    fc.float({ min: -4, max: 4, noNaN: true }),
    fc.integer({ min: -64, max: 64 }).map((i) => i / 32),
    fc.constantFrom(0, -0, 0.75, -0.375, 1.25, 2.5),
  );
  const layer = fc.array(weight, { minLength: 1, maxLength: 300 }).map((v) => Float32Array.from(v));

  it('fixed 2..8 bits: level counts sum to the layer size and every level is a legal value', () => {
    fc.assert(
      fc.property(layer, fc.integer({ min: 2, max: 8 }), (values, bits) => {
        const scheme: WeightScheme = { kind: 'fixed', bits };
        const s = stats(values, scheme);
        expect(sumCounts(s.levels)).toBe(values.length);
        const legal = new Set(Array.from(legalValues(scheme, values)!));
        for (const l of s.levels!) expect(legal.has(l.value)).toBe(true);
        expect(levelMap(s.levels)).toEqual(referenceLevels(values, scheme));
      }),
      { numRuns: 300 },
    );
  });

  it('scale-free schemes (counted by merging against the legal values) match quantizeWeights exactly, ties included', () => {
    const scheme: fc.Arbitrary<WeightScheme> = fc.oneof(
      fc
        .record({ e: fc.integer({ min: 2, max: 5 }), m: fc.integer({ min: 0, max: 3 }), biasShift: fc.integer({ min: -3, max: 3 }), subnormals: fc.boolean() })
        .map(({ e, m, biasShift, subnormals }) => {
          const bias = Math.max(minifloatBiasRange(e).min, 2 ** (e - 1) - 1 + biasShift);
          return { kind: 'minifloat', exponentBits: e, mantissaBits: m, bias, subnormals } as WeightScheme;
        }),
      fc.record({ k: fc.integer({ min: 1, max: 4 }), allowZero: fc.boolean() }).map(({ k, allowZero }) => ({ kind: 'lightnn', k, allowZero }) as WeightScheme),
      fc.constant<WeightScheme>({ kind: 'binary', scale: 'none' }),
    );
    fc.assert(
      fc.property(layer, scheme, (values, s) => {
        const got = stats(values, s);
        expect(levelMap(got.levels)).toEqual(referenceLevels(values, s));
        expect(sumCounts(got.levels)).toBe(values.length);
      }),
      { numRuns: 400 },
    );
  });

  it('the exponent range read off the sorted copy equals minExponentBits', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.float({ noNaN: true }), fc.constantFrom(0, -0)), { maxLength: 400 }), (list) => {
        const values = f32(list);
        expect(exponentOfSorted(sortedFinite(values))).toEqual(minExponentBits(values));
      }),
      { numRuns: 300 },
    );
  });

  it('the drawn range always holds the robust range and where its edge weights land', () => {
    fc.assert(
      fc.property(layer, fc.integer({ min: 2, max: 8 }), (values, bits) => {
        const s = stats(values, { kind: 'fixed', bits });
        expect(s.lo).toBe(-s.hi);
        expect(s.hi).toBeGreaterThanOrEqual(Math.max(Math.abs(s.robustLo), Math.abs(s.robustHi)));
        expect(binTotal(s) + s.outliersBelow + s.outliersAbove).toBe(values.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('timing', () => {
  it('prints the time for a 78,400-weight layer (mlp1 layer 1); not asserted', () => {
    const values = gaussian(78_400, 0.05, 3);
    const schemes: WeightScheme[] = [
      { kind: 'float32' },
      { kind: 'fixed', bits: 4 },
      { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 },
      { kind: 'lightnn', k: 2 },
      { kind: 'binary', scale: 'none' },
    ];
    const lines: string[] = [];
    for (const scheme of schemes) {
      for (let i = 0; i < 5; i++) stats(values, scheme);
      const runs = 20;
      const start = performance.now();
      for (let i = 0; i < runs; i++) stats(values, scheme);
      lines.push(`${JSON.stringify(scheme)}: ${((performance.now() - start) / runs).toFixed(2)} ms`);
    }
    console.log(`weightStats, 78,400 weights:\n  ${lines.join('\n  ')}`);
  });
});

describe('±Infinity is counted, never dropped', () => {
  /** Finite values and ±Infinity after quantizeWeights, counted with a Map: what the stats must say. */
  function reference(values: Float32Array, scheme: WeightScheme) {
    const q = quantizeWeights(values, scheme);
    const finite = Float32Array.from(q).filter((v) => Number.isFinite(v));
    return {
      levels: referenceLevels(finite, { kind: 'float32' }),
      infiniteAfter: { negative: q.filter((v) => v === -Infinity).length, positive: q.filter((v) => v === Infinity).length },
    };
  }

  it('minifloat overflow=inf: weights past the largest finite value are counted as ±Inf, not on the top level', () => {
    // E2M1, IEEE top: largest finite 3, so |w| >= 3.5 overflows to ±Infinity.
    const scheme: WeightScheme = { kind: 'minifloat', exponentBits: 2, mantissaBits: 1, overflow: 'inf' };
    const values = Float32Array.from({ length: 2001 }, (_, i) => (i - 1000) / 100); // -10 .. 10
    const s = stats(values, scheme);
    const want = reference(values, scheme);
    expect(s.infiniteAfter).toEqual(want.infiniteAfter);
    expect(s.infiniteAfter).toEqual({ negative: 651, positive: 651 }); // -10 .. -3.5 and 3.5 .. 10
    expect(levelMap(s.levels)).toEqual(want.levels);
    expect(levelMap(s.levels).find(([v]) => v === 3)).toEqual([3, 99]); // 2.51 .. 3.49 (the tie 2.5 goes to the even 2), not 750
    expect(sumCounts(s.levels) + s.infiniteAfter.negative + s.infiniteAfter.positive).toBe(values.length);
    expect(s.levelsUsed).toBe(want.levels.length);
    // The same layer saturating: no infinities, the top levels take them.
    const saturating = stats(values, { ...scheme, overflow: 'saturate' });
    expect(saturating.infiniteAfter).toEqual({ negative: 0, positive: 0 });
    expect(levelMap(saturating.levels).find(([v]) => v === 3)).toEqual([3, 750]);
  });

  it('every weight overflowing, one side only, and a format over 12 bits (not counted per level) still counts them', () => {
    const scheme: WeightScheme = { kind: 'minifloat', exponentBits: 2, mantissaBits: 1, overflow: 'inf' };
    expect(stats(f32([5, -7, 100]), scheme).infiniteAfter).toEqual({ negative: 1, positive: 2 });
    expect(stats(f32([5, -7, 100]), scheme).levels).toEqual([]);
    expect(stats(f32([0.5, 1, 4]), scheme).infiniteAfter).toEqual({ negative: 0, positive: 1 });
    const fp16: WeightScheme = { kind: 'minifloat', exponentBits: 5, mantissaBits: 10, overflow: 'inf' };
    const wide = f32([1e5, -7e4, 65504, 65519, 65520, 0.5, -2, ...Array<number>(50).fill(0.25)]);
    const s = stats(wide, fp16);
    expect(s.levels).toBeNull();
    expect(s.infiniteAfter).toEqual(reference(wide, fp16).infiniteAfter);
    expect(s.infiniteAfter).toEqual({ negative: 1, positive: 2 }); // 65520 is the tie that rounds up to Infinity
  });

  it('±Infinity float weights are counted (as outliers, and as infinities), and where they land after quantization', () => {
    const values = f32([Infinity, -Infinity, Infinity, 0.5, -0.25, 1, NaN]);
    const inf = stats(values, { kind: 'minifloat', exponentBits: 3, mantissaBits: 2, overflow: 'inf' });
    expect(inf.infiniteWeights).toEqual({ negative: 1, positive: 2 });
    expect(inf.outliersBelow + inf.outliersAbove).toBeGreaterThanOrEqual(3);
    expect(inf.infiniteAfter).toEqual({ negative: 1, positive: 2 });
    expect(sumCounts(inf.levels)).toBe(3);
    const saturating = stats(values, { kind: 'minifloat', exponentBits: 3, mantissaBits: 2 });
    expect(saturating.infiniteAfter).toEqual({ negative: 0, positive: 0 });
    expect(levelMap(saturating.levels)).toEqual(referenceLevels(values, { kind: 'minifloat', exponentBits: 3, mantissaBits: 2 }));
  });

  it('property: finite levels plus ±Inf account for every non-NaN weight, for random minifloats with overflow=inf', () => {
    const weight = fc.oneof(fc.float({ min: -600, max: 600, noNaN: true }), fc.constantFrom(Infinity, -Infinity, 0, 3.5, -3.5, 448, 480, 57344));
    fc.assert(
      fc.property(
        fc.array(weight, { minLength: 1, maxLength: 200 }).map((v) => Float32Array.from(v)),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 4 }),
        (values, e, m) => {
          const scheme: WeightScheme = { kind: 'minifloat', exponentBits: e, mantissaBits: m, overflow: 'inf' };
          const s = stats(values, scheme);
          const want = reference(values, scheme);
          expect(s.infiniteAfter).toEqual(want.infiniteAfter);
          expect(levelMap(s.levels)).toEqual(want.levels);
          expect(sumCounts(s.levels) + s.infiniteAfter.negative + s.infiniteAfter.positive).toBe(values.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the legend says how many land on ±Inf', async () => {
    const { renderToStaticMarkup } = await import('react-dom/server');
    const { createElement } = await import('react');
    const { HistogramLegend } = await import('../../src/ui/quant/WeightHistogram');
    const values = Float32Array.from({ length: 2001 }, (_, i) => (i - 1000) / 100);
    const html = renderToStaticMarkup(createElement(HistogramLegend, { stats: stats(values, { kind: 'minifloat', exponentBits: 2, mantissaBits: 1, overflow: 'inf' }), compact: true }));
    expect(html).toContain('data-testid="histogram-infinite-after"');
    expect(html).toContain('±Inf after quantization: <strong>1,302 (−∞ 651, +∞ 651)</strong>');
    const none = renderToStaticMarkup(createElement(HistogramLegend, { stats: stats(values, { kind: 'minifloat', exponentBits: 2, mantissaBits: 1 }), compact: true }));
    expect(none).not.toContain('histogram-infinite-after');
  });
});
