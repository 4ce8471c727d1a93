/**
 * Real 8- and 16-bit float formats: FLOAT_FORMATS against the standards' tables and bit-level
 * references (IEEE binary16, bfloat16 as rounded float32 bits, OCP FP8 E4M3FN and E5M2 decoded
 * code by code), the even-code tie rule (M = 0 included), flush to zero without subnormals, the
 * 'fn' and 'finite' tops, overflow to infinity, the tensor quantizer on both cpu paths, and the
 * new parameters through the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  FLOAT_FORMATS,
  canonicalScheme,
  decodeConfig,
  defaultConfig,
  describeScheme,
  encodeConfig,
  formatOf,
  legalValues,
  minifloatFiniteValues,
  minifloatFormat,
  quantizeWeights,
  validateWeightScheme,
  weightSchemeSchema,
  type MinifloatScheme,
} from '../../src/core';
import { useNodeBackend } from '../../src/tf/tfNode';
import { quantizeTensor, setCpuQuantizerPath } from '../../src/tf/ste';

const p2 = (k: number): number => Math.pow(2, k);
const F32_MAX = (2 - p2(-23)) * p2(127);

const u32 = new Uint32Array(1);
const f32 = new Float32Array(u32.buffer);
const bitsOf = (x: number): number => ((f32[0] = x), u32[0]);
const floatOfBits = (b: number): number => ((u32[0] = b >>> 0), f32[0]);

/** Equal with ===, or both NaN; the first difference as a message, else null. */
function firstMismatch(inputs: ArrayLike<number>, got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  for (let i = 0; i < inputs.length; i++) {
    const same = got[i] === want[i] || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!same) return `x = ${inputs[i]}: got ${got[i]}, expected ${want[i]}`;
  }
  return null;
}

const minifloat = (exponentBits: number, mantissaBits: number, extra: Partial<MinifloatScheme> = {}): MinifloatScheme => ({
  kind: 'minifloat',
  exponentBits,
  mantissaBits,
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// Bit-level references
// ---------------------------------------------------------------------------------------------

/** IEEE binary16 round to nearest even of a float32, from its bits (overflow gives ±Infinity). */
function float16Reference(x: number): number {
  const bits = bitsOf(x);
  const sign = bits >>> 31 ? -1 : 1;
  const field = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  if (field === 0xff) return x; // NaN, ±Infinity
  const significand = field === 0 ? fraction : fraction | 0x800000; // value = significand 2^(e - 23)
  const e = field === 0 ? -126 : field - 127;
  // Units of the binary16 grid at this exponent: 2^(max(e, -14) - 10).
  const shift = Math.max(e, -14) - 10 - (e - 23); // significand bits below the grid
  let units: number;
  if (shift >= 26) units = 0; // below half the smallest unit
  else {
    const step = p2(shift);
    units = Math.floor(significand / step);
    const rest = significand - units * step;
    if (rest > step / 2 || (rest === step / 2 && units % 2 === 1)) units += 1;
  }
  const value = units * p2(Math.max(e, -14) - 10);
  return sign * (value > 65504 ? Infinity : value);
}

/** bfloat16: float32 bits rounded to nearest even at bit 16 (overflow gives ±Infinity). */
function bfloat16Reference(x: number): number {
  if (Number.isNaN(x)) return x;
  const bits = bitsOf(x);
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  return floatOfBits(rounded);
}

/**
 * Every code of a format (sign +), decoded by the bit rules of `top`: 'ieee' reserves the
 * all-ones exponent (Infinity with mantissa 0, else NaN), 'fn' makes only its all-ones mantissa
 * NaN, 'finite' has no special codes. Values are exact doubles.
 */
function decodeCodes(e: number, m: number, bias: number, top: 'ieee' | 'fn' | 'finite'): Array<{ code: number; value: number }> {
  const out: Array<{ code: number; value: number }> = [];
  const topField = p2(e) - 1;
  for (let field = 0; field <= topField; field++) {
    for (let mantissa = 0; mantissa < p2(m); mantissa++) {
      const code = field * p2(m) + mantissa;
      let value: number;
      if (top === 'ieee' && field === topField) value = mantissa === 0 ? Infinity : NaN;
      else if (top === 'fn' && field === topField && mantissa === p2(m) - 1) value = NaN;
      else if (field === 0) value = mantissa * p2(1 - bias - m);
      else value = (1 + mantissa / p2(m)) * p2(field - bias);
      out.push({ code, value });
    }
  }
  return out;
}

/** The finite values of a format that float32 holds, ascending, each with its code. */
function finiteTable(e: number, m: number, bias: number, top: 'ieee' | 'fn' | 'finite') {
  return decodeCodes(e, m, bias, top)
    .filter(({ value }) => Number.isFinite(value) && value <= F32_MAX && (value === 0 || value >= p2(-149)) && Math.fround(value) === value)
    .sort((a, b) => a.value - b.value);
}

/** Nearest value of the table to x >= 0, ties to the even code, saturating above the largest. */
function nearestEvenCode(table: Array<{ code: number; value: number }>, x: number): number {
  const top = table[table.length - 1].value;
  if (x >= top) return top;
  let lo = 0;
  let hi = table.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (table[mid].value <= x) lo = mid;
    else hi = mid;
  }
  const below = x - table[lo].value; // exact: both are float32
  const above = table[hi].value - x;
  if (below !== above) return below < above ? table[lo].value : table[hi].value;
  return table[lo].code % 2 === 0 ? table[lo].value : table[hi].value;
}

/** Every value of the table, every midpoint between neighbours that is a float32, and its float32 neighbours. */
function probesOf(table: Array<{ value: number }>): number[] {
  const out: number[] = [];
  for (let i = 0; i < table.length; i++) {
    out.push(table[i].value);
    if (i + 1 === table.length) break;
    const mid = (table[i].value + table[i + 1].value) / 2;
    if (Math.fround(mid) !== mid || mid === 0) continue;
    const b = bitsOf(mid);
    out.push(floatOfBits(b - 1), mid, floatOfBits(b + 1));
  }
  return out.filter((v) => v > 0);
}

function withNegatives(values: number[]): Float32Array {
  const out = new Float32Array(2 * values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = values[i];
    out[values.length + i] = -values[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('FLOAT_FORMATS against the standards', () => {
  const table = {
    fp16: { max: 65504, minNormal: p2(-14), minSubnormal: p2(-24), infinities: true, positiveFinite: null },
    bf16: { max: (2 - p2(-7)) * p2(127), minNormal: p2(-126), minSubnormal: p2(-133), infinities: true, positiveFinite: null },
    fp8e4m3fn: { max: 448, minNormal: p2(-6), minSubnormal: p2(-9), infinities: false, positiveFinite: 126 },
    fp8e5m2: { max: 57344, minNormal: p2(-14), minSubnormal: p2(-16), infinities: true, positiveFinite: 123 },
  } as const;

  it('names the four formats, each a scheme quantizeWeights takes, saturating by default', () => {
    expect(Object.keys(FLOAT_FORMATS).sort()).toEqual(Object.keys(table).sort());
    expect(Math.fround(table.bf16.max)).toBe(Math.fround(3.3895314e38));
    for (const scheme of Object.values(FLOAT_FORMATS)) {
      validateWeightScheme(scheme);
      expect(weightSchemeSchema.safeParse(scheme).success).toBe(true);
      expect(minifloatFormat(scheme).overflow).toBe('saturate');
    }
  });

  for (const [name, want] of Object.entries(table)) {
    it(`${name}: max normal, min normal, min subnormal, NaN and infinities`, () => {
      const scheme: MinifloatScheme = FLOAT_FORMATS[name as keyof typeof FLOAT_FORMATS];
      const f = minifloatFormat(scheme);
      expect(f.maxFinite).toBe(want.max);
      expect(f.minNormal).toBe(want.minNormal);
      const finite = minifloatFiniteValues(scheme);
      const positive = Array.from(finite).filter((v) => v > 0);
      expect(positive[0]).toBe(want.minSubnormal);
      expect(positive[positive.length - 1]).toBe(want.max);
      expect(positive).toContain(want.minNormal);
      if (want.positiveFinite !== null) {
        expect(positive.length).toBe(want.positiveFinite);
        expect(legalValues(scheme)!.length).toBe(2 * want.positiveFinite + 1);
      }
      const inputs = [
        want.max,
        Math.fround(want.max * 1.5), // past max + half a step (infinity for bf16's)
        F32_MAX,
        Infinity,
        -Infinity,
        NaN,
        want.minSubnormal,
        want.minSubnormal / 2, // the tie between 0 and the smallest subnormal: 0 is the even code
        want.minSubnormal * 0.75,
        want.minNormal,
        -want.minNormal,
        -0,
      ];
      const out = quantizeWeights(Float32Array.from(inputs), scheme);
      const expected = [want.max, want.max, want.max, want.max, -want.max, NaN, want.minSubnormal, 0, want.minSubnormal, want.minNormal, -want.minNormal, -0];
      expect(firstMismatch(inputs, out, expected)).toBeNull();
      expect(Object.is(out[11], -0)).toBe(true);
      if (want.infinities) {
        const inf = quantizeWeights(Float32Array.from(inputs), { ...scheme, overflow: 'inf' });
        expect(firstMismatch(inputs, inf, [want.max, Infinity, Infinity, Infinity, -Infinity, NaN, ...expected.slice(6)])).toBeNull();
      } else {
        expect(() => validateWeightScheme({ ...scheme, overflow: 'inf' })).toThrow(/overflow=inf needs infinities/);
      }
    });
  }

  it('overflow thresholds: the tie above max goes to infinity (even code) or saturates', () => {
    const cases: Array<[MinifloatScheme, number, number]> = [
      // [format, largest input that stays finite, the tie that overflows]
      [FLOAT_FORMATS.fp16, 65519.99609375, 65520],
      [FLOAT_FORMATS.fp8e5m2, 61439.99609375, 61440],
      [FLOAT_FORMATS.bf16, floatOfBits(bitsOf((2 - p2(-8)) * p2(127)) - 1), (2 - p2(-8)) * p2(127)],
    ];
    for (const [scheme, finite, tie] of cases) {
      const max = minifloatFormat(scheme).maxFinite;
      expect(Array.from(quantizeWeights(Float32Array.from([finite, tie]), { ...scheme, overflow: 'inf' }))).toEqual([max, Infinity]);
      expect(Array.from(quantizeWeights(Float32Array.from([finite, tie]), scheme))).toEqual([max, max]);
    }
    // E4M3FN: 464 is the tie between 448 and the NaN code's 480: saturates, as does anything above.
    expect(Array.from(quantizeWeights(Float32Array.from([464, 465, 1e9, -1e9]), FLOAT_FORMATS.fp8e4m3fn))).toEqual([448, 448, 448, -448]);
  });

  it('fp16 is IEEE binary16 rounding (bit-level reference, and Math.f16round where Node has it)', () => {
    const values: number[] = [];
    for (let b = 0; b < 0x7f800000; b += 2039) values.push(floatOfBits(b)); // every 2039th float32
    for (const v of probesOf(finiteTable(5, 10, 15, 'ieee'))) values.push(v);
    values.push(65504, 65519, 65520, 65536, F32_MAX, Infinity, NaN);
    const inputs = withNegatives(values);
    const want = Array.from(inputs, float16Reference);
    const f16round = (Math as unknown as { f16round?: (x: number) => number }).f16round;
    if (f16round) expect(firstMismatch(inputs, Array.from(inputs, f16round), want)).toBeNull();
    expect(firstMismatch(inputs, quantizeWeights(inputs, { ...FLOAT_FORMATS.fp16, overflow: 'inf' }), want)).toBeNull();
    const saturated = want.map((v) => (Math.abs(v) === Infinity ? Math.sign(v) * 65504 : v));
    expect(firstMismatch(inputs, quantizeWeights(inputs, FLOAT_FORMATS.fp16), saturated)).toBeNull();
    expect(inputs.length).toBeGreaterThan(1_000_000);
  });

  it('bf16 is float32 rounded to nearest even at bit 16 (bit-level reference)', () => {
    const values: number[] = [];
    for (let b = 0; b <= 0x7f800000; b += 2053) values.push(floatOfBits(b));
    for (let b = 0x7f7f0000; b <= 0x7f7fffff; b += 97) values.push(floatOfBits(b)); // next to float32's max
    for (let hi = 0; hi < 0x7f80; hi += 61) for (const lo of [0x7fff, 0x8000, 0x8001]) values.push(floatOfBits(hi * 0x10000 + lo)); // ties
    values.push(F32_MAX, Infinity, NaN, p2(-149), p2(-133), 3 * p2(-134));
    const inputs = withNegatives(values);
    const want = Array.from(inputs, bfloat16Reference);
    expect(firstMismatch(inputs, quantizeWeights(inputs, { ...FLOAT_FORMATS.bf16, overflow: 'inf' }), want)).toBeNull();
    const max = minifloatFormat(FLOAT_FORMATS.bf16).maxFinite;
    const saturated = want.map((v) => (Math.abs(v) === Infinity ? Math.sign(v) * max : v));
    expect(firstMismatch(inputs, quantizeWeights(inputs, FLOAT_FORMATS.bf16), saturated)).toBeNull();
  });

  it('fp8e4m3fn and fp8e5m2: every code decoded by the OCP rules, and rounding to the even code', () => {
    for (const [scheme, top] of [
      [FLOAT_FORMATS.fp8e4m3fn, 'fn'],
      [FLOAT_FORMATS.fp8e5m2, 'ieee'],
    ] as const) {
      const codes = decodeCodes(scheme.exponentBits, scheme.mantissaBits, p2(scheme.exponentBits - 1) - 1, top);
      expect(codes.length).toBe(128);
      const nans = codes.filter((c) => Number.isNaN(c.value)).length;
      const infinities = codes.filter((c) => c.value === Infinity).length;
      expect([nans, infinities]).toEqual(top === 'fn' ? [1, 0] : [3, 1]);
      const finite = finiteTable(scheme.exponentBits, scheme.mantissaBits, p2(scheme.exponentBits - 1) - 1, top);
      expect(Array.from(minifloatFiniteValues(scheme)).filter((v) => v >= 0)).toEqual(finite.map((c) => c.value));
      const probes = probesOf(finite);
      const inputs = withNegatives(probes);
      const want = Array.from(inputs, (x) => Math.sign(x) * nearestEvenCode(finite, Math.abs(x)));
      expect(firstMismatch(inputs, quantizeWeights(inputs, scheme), want), JSON.stringify(scheme)).toBeNull();
    }
  });
});

describe('rounding rules', () => {
  // Formats of every kind, their bit-level tables, and probes at every value, midpoint and neighbour.
  const formats: Array<{ scheme: MinifloatScheme; top: 'ieee' | 'fn' | 'finite'; bias: number }> = [];
  for (let e = 2; e <= 8; e++) {
    for (const m of [0, 1, 2, 3, 5]) {
      if (e + m > 12) continue;
      const standard = p2(e - 1) - 1;
      for (const bias of [standard, standard + 1, standard - 3]) {
        for (const top of ['ieee', 'fn', 'finite'] as const) {
          if (e === 2 && m === 0 && top !== 'finite') continue; // nothing left but 0 and one power
          formats.push({ scheme: minifloat(e, m, { bias, ...(top === 'ieee' ? {} : { top }) }), top, bias });
        }
      }
    }
  }

  it('every format rounds to the nearest value, ties to the even code, M = 0 included (bit-level rule)', () => {
    let count = 0;
    for (const { scheme, top, bias } of formats) {
      const finite = finiteTable(scheme.exponentBits, scheme.mantissaBits, bias, top);
      const inputs = withNegatives(probesOf(finite));
      const want = Array.from(inputs, (x) => Math.sign(x) * nearestEvenCode(finite, Math.abs(x)));
      expect(firstMismatch(inputs, quantizeWeights(inputs, scheme), want), JSON.stringify(scheme)).toBeNull();
      count += inputs.length;
    }
    expect(count).toBeGreaterThan(100_000);
  });

  it('M = 0: a tie 1.5 * 2^e goes to the power of two whose biased exponent is even', () => {
    // E3M0, bias 3: 0.25 (field 1), 0.5 (2), 1 (3), 2 (4), 4 (5), 8 (6); 16 would be infinity.
    const ties = Float32Array.from([0.375, 0.75, 1.5, 3, 6, 12, 0.125]);
    expect(Array.from(quantizeWeights(ties, minifloat(3, 0)))).toEqual([0.5, 0.5, 2, 2, 8, 8, 0]);
    // bias 2 flips every parity: 0.5 (field 1), 1 (2), 2 (3), 4 (4), 8 (5), 16 (6)
    expect(Array.from(quantizeWeights(ties, minifloat(3, 0, { bias: 2 })))).toEqual([0.5, 1, 1, 4, 4, 16, 0]);
    // The tie above the largest value: field 7 would be infinity (odd), so it stays, even with overflow=inf.
    expect(Array.from(quantizeWeights(Float32Array.from([12, 12.5]), minifloat(3, 0, { overflow: 'inf' })))).toEqual([8, Infinity]);
  });

  it('without subnormals, everything below the smallest normal is flushed to ±0', () => {
    const scheme = minifloat(4, 3, { subnormals: false }); // min normal 2^-6
    const below = [p2(-7), p2(-7) * 1.5, Math.fround(p2(-6) * (1 - p2(-24))), p2(-6) - p2(-12), p2(-149), 1e-30];
    const out = quantizeWeights(withNegatives(below), scheme);
    expect(Array.from(out).every((v) => v === 0)).toBe(true);
    expect(Object.is(out[below.length], -0)).toBe(true);
    expect(Array.from(quantizeWeights(Float32Array.from([p2(-6), p2(-6) * 1.0625, p2(-6) * 1.07]), scheme))).toEqual([p2(-6), p2(-6), p2(-6) * 1.125]);
    expect(Array.from(minifloatFiniteValues(scheme)).filter((v) => v > 0)[0]).toBe(p2(-6));
  });

  it("top='finite': OCP MX FP4 E2M1 and FP6 E2M3 / E3M2 value sets; NaN stays NaN, infinities saturate", () => {
    const fp4 = minifloat(2, 1, { top: 'finite' }); // bias 1
    expect(Array.from(minifloatFiniteValues(fp4)).filter((v) => v >= 0)).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(minifloatFormat(minifloat(2, 3, { top: 'finite' })).maxFinite).toBe(7.5);
    expect(minifloatFormat(minifloat(3, 2, { top: 'finite' })).maxFinite).toBe(28);
    const out = quantizeWeights(Float32Array.from([NaN, Infinity, -Infinity, 5, 7, 100]), fp4);
    expect(firstMismatch([NaN, Infinity, -Infinity, 5, 7, 100], out, [NaN, 6, -6, 4, 6, 6])).toBeNull();
    expect(() => validateWeightScheme(minifloat(2, 1, { top: 'finite', overflow: 'inf' }))).toThrow(/overflow=inf needs infinities/);
  });

  it('E8M23 with overflow=inf is float32 exactly, infinities and NaN included', () => {
    const values: number[] = [];
    for (let b = 0; b <= 0x7f800000; b += 4093) values.push(floatOfBits(b));
    values.push(F32_MAX, Infinity, NaN, p2(-149));
    const inputs = withNegatives(values);
    expect(firstMismatch(inputs, quantizeWeights(inputs, minifloat(8, 23, { overflow: 'inf' })), inputs)).toBeNull();
  });

  it('labels and checks', () => {
    expect(describeScheme(FLOAT_FORMATS.fp8e4m3fn)).toBe('minifloat E4M3 (FN: no infinities)');
    expect(describeScheme({ ...FLOAT_FORMATS.fp16, overflow: 'inf' })).toBe('minifloat E5M10 (overflow to ±∞)');
    expect(describeScheme(minifloat(2, 1, { top: 'finite' }))).toBe('minifloat E2M1 (all codes finite)');
    expect(() => validateWeightScheme(minifloat(4, 3, { top: 'x' as never }))).toThrow(/top must be/);
    expect(() => validateWeightScheme(minifloat(4, 3, { overflow: 'wrap' as never }))).toThrow(/overflow must be/);
    const refused = weightSchemeSchema.safeParse({ ...FLOAT_FORMATS.fp8e4m3fn, overflow: 'inf' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0].message).toMatch(/overflow=inf needs infinities, which only top=ieee has/);
  });
});

describe('the tensor quantizer agrees with the pure one for the new parameters', () => {
  let previous: 'ops' | 'values';
  beforeAll(async () => {
    await useNodeBackend('cpu');
    previous = setCpuQuantizerPath('ops');
  });
  afterAll(() => {
    setCpuQuantizerPath(previous);
  });

  const schemes: MinifloatScheme[] = [
    ...Object.values(FLOAT_FORMATS),
    { ...FLOAT_FORMATS.fp16, overflow: 'inf' },
    { ...FLOAT_FORMATS.bf16, overflow: 'inf' },
    { ...FLOAT_FORMATS.fp8e5m2, overflow: 'inf' },
    { ...FLOAT_FORMATS.fp8e4m3fn, subnormals: false },
    minifloat(2, 1, { top: 'finite' }),
    minifloat(3, 2, { top: 'finite', subnormals: false }),
    minifloat(3, 0),
    minifloat(3, 0, { bias: 2, overflow: 'inf' }),
    minifloat(4, 0, { top: 'fn' }),
    minifloat(5, 0, { top: 'finite', subnormals: false }),
    minifloat(8, 0), // the odd jump 127 of the exponent search
    minifloat(8, 0, { bias: 100, top: 'finite' }),
    minifloat(8, 23, { overflow: 'inf' }),
    minifloat(8, 3, { bias: -100, overflow: 'inf' }), // wider than float32: overflow past its range
    minifloat(8, 10, { bias: 140, subnormals: false }), // min normal 2^-139, a float32 subnormal
  ];

  for (const path of ['ops', 'values'] as const) {
    it(`on the '${path}' path: every value, midpoint, neighbour and special input`, () => {
      setCpuQuantizerPath(path);
      for (const scheme of schemes) {
        const f = minifloatFormat(scheme);
        let probes: number[] = [];
        if (scheme.exponentBits + scheme.mantissaBits <= 16) {
          probes = probesOf(finiteTable(scheme.exponentBits, scheme.mantissaBits, f.bias, f.top));
          if (probes.length > 60_000) probes = probes.filter((_, i) => i % Math.ceil(probes.length / 60_000) === 0);
        } else {
          // Too many codes to list: every 4099th float32, and each power of two with its neighbours.
          for (let b = 1; b < 0x7f800000; b += 4099 * 64) probes.push(floatOfBits(b));
          for (let k = -149; k <= 127; k++) for (const d of [-1, 0, 1]) probes.push(floatOfBits(bitsOf(p2(k)) + d));
        }
        const inputs = withNegatives([...probes, 0, F32_MAX, Infinity, NaN, p2(-149), f.minNormal * 0.75, f.maxFinite * 1.5].filter((v) => v <= F32_MAX || !Number.isFinite(v)));
        const got = tf.tidy(() => quantizeTensor(tf.tensor1d(inputs), scheme).dataSync());
        expect(firstMismatch(inputs, got, quantizeWeights(inputs, scheme)), `${path} ${JSON.stringify(scheme)}`).toBeNull();
      }
    });
  }
});

describe('the new parameters in the URL', () => {
  it('round-trip through encodeConfig / decodeConfig, defaults dropped', () => {
    const schemes: MinifloatScheme[] = [
      FLOAT_FORMATS.fp8e4m3fn,
      { ...FLOAT_FORMATS.fp8e5m2, overflow: 'inf' },
      minifloat(2, 1, { top: 'finite', subnormals: false, bias: 0 }),
    ];
    for (const weights of schemes) {
      const text = encodeConfig({ ...defaultConfig(), weights });
      const { config, notices } = decodeConfig(text);
      expect(notices).toEqual([]);
      expect(config.weights).toEqual(weights);
    }
    expect(encodeConfig({ ...defaultConfig(), weights: FLOAT_FORMATS.fp8e4m3fn })).toContain('weights=minifloat:exponentBits=4,mantissaBits=3,top=fn');
    // Defaults are dropped by normalize and ignored by canonicalScheme: old URLs keep their meaning.
    const explicit: MinifloatScheme = minifloat(4, 3, { top: 'ieee', overflow: 'saturate', subnormals: true });
    expect(formatOf(explicit).normalize!(explicit)).toEqual(minifloat(4, 3));
    expect(canonicalScheme(explicit)).toBe(canonicalScheme(minifloat(4, 3)));
    expect(decodeConfig('?weights=minifloat:exponentBits=4,mantissaBits=3').config.weights).toEqual(minifloat(4, 3));
  });

  it('a bad value is refused with a message naming it', () => {
    const { config, notices } = decodeConfig('?weights=minifloat:exponentBits=4,mantissaBits=3,top=fn,overflow=inf');
    expect(config.weights).toEqual(defaultConfig().weights);
    expect(notices.map((n) => n.message).join(' ')).toMatch(/overflow=inf needs infinities/);
    expect(decodeConfig('?weights=minifloat:exponentBits=4,mantissaBits=3,top=ocp').notices.length).toBeGreaterThan(0);
  });
});
