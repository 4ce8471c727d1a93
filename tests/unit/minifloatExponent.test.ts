/**
 * Our minimum exponent width E_min and auto bias (seed 001's rule, see minExponentBits) for every
 * top: the IEEE top reserves the all-ones exponent code (2^E - 2 normal exponents), while 'fn' with
 * M > 0 (OCP E4M3FN) and 'finite' keep numbers there (2^E - 1 normal exponents), so
 *   ieee (and fn with M = 0):  E_min = ceil(log2(e_max - e_min + 3)), auto bias = 2^E - 2 - e_max;
 *   fn (M > 0), finite:        E_min = ceil(log2(e_max - e_min + 2)), auto bias = 2^E - 1 - e_max.
 * Checked against brute force over the formats' legal values (minifloatFiniteValues).
 */
import { describe, expect, it } from 'vitest';
import {
  autoBias,
  defaultMinifloatBias,
  floorLog2,
  FLOAT_FORMATS,
  minExponentBits,
  minifloatBiasRange,
  minifloatFiniteValues,
  minifloatFormat,
  MINIFLOAT_EXPONENT_BITS,
  type MinifloatScheme,
  type MinifloatTop,
} from '../../src/core/quant/schemes';
import { summariesForFormat } from '../../src/ui/quant/exponentSummary';
import type { LayerSummary } from '../../src/worker/protocol';

const TOPS: MinifloatTop[] = ['ieee', 'fn', 'finite'];

const valuesMemo = new Map<string, Float32Array>();
/** minifloatFiniteValues, memoized (the brute force asks for the same formats many times). */
function finiteValues(scheme: MinifloatScheme): Float32Array {
  const key = JSON.stringify(scheme);
  let values = valuesMemo.get(key);
  if (!values) valuesMemo.set(key, (values = minifloatFiniteValues(scheme)));
  return values;
}

/** The exponents floor(log2 |v|) of the format's normal values (no subnormals: every non-zero value is normal), read off the values. */
function normalExponents(scheme: MinifloatScheme): Set<number> {
  const exponents = new Set<number>();
  for (const v of finiteValues({ ...scheme, subnormals: false })) if (v > 0) exponents.add(floorLog2(v));
  return exponents;
}

/**
 * The number of normal exponents of E exponent bits, read off the values at a bias that keeps
 * them all inside float32 (the default bias + 1: with E = 8 the default's top binade 2^128 is
 * beyond float32).
 */
function normalExponentCount(top: MinifloatTop, mantissaBits: number, exponentBits: number): number {
  return normalExponents({ kind: 'minifloat', exponentBits, mantissaBits, top, bias: defaultMinifloatBias(exponentBits) + 1 }).size;
}

function covers(exponents: Set<number>, eMin: number, eMax: number): boolean {
  for (let e = eMin; e <= eMax; e++) if (!exponents.has(e)) return false;
  return true;
}

/**
 * Brute force: the fewest exponent bits E (2..8) for which some bias makes the format's normal
 * values reach every power of two e_min..e_max, or null when none does (the rule then clamps to 8).
 * Biases are tried over the whole allowed range; a bias shifts the values by a power of two, so the
 * count of normal exponents read off the default bias's values decides, and the bias found is
 * checked on its own values.
 */
function bruteMinExponentBits(top: MinifloatTop, mantissaBits: number, eMin: number, eMax: number): number | null {
  for (let e = MINIFLOAT_EXPONENT_BITS.min; e <= MINIFLOAT_EXPONENT_BITS.max; e++) {
    if (normalExponentCount(top, mantissaBits, e) < eMax - eMin + 1) continue;
    const { min, max } = minifloatBiasRange(e);
    for (let bias = min; bias <= max; bias++) {
      const f = minifloatFormat({ kind: 'minifloat', exponentBits: e, mantissaBits, top, bias });
      if (f.minNormalExponent <= eMin && f.maxNormalExponent >= eMax) {
        expect(covers(normalExponents({ kind: 'minifloat', exponentBits: e, mantissaBits, top, bias }), eMin, eMax)).toBe(true);
        return e;
      }
    }
  }
  return null;
}

describe('E_min and auto bias depend on the top exponent code', () => {
  it('the normal exponents number 2^E - 2 (IEEE, fn with M = 0) or 2^E - 1 (fn with M > 0, finite), read off the values', () => {
    for (const top of TOPS) {
      for (const mantissaBits of [0, 1, 3]) {
        for (let e = 2; e <= 8; e++) {
          const count = normalExponentCount(top, mantissaBits, e);
          const topHoldsNumbers = top === 'finite' || (top === 'fn' && mantissaBits > 0);
          expect(count, `${top} E${e}M${mantissaBits}`).toBe(2 ** e - (topHoldsNumbers ? 1 : 2));
        }
      }
    }
  });

  it('E_min equals brute force, and the auto bias puts the largest value in binade e_max, for every top', () => {
    let checked = 0;
    for (const top of TOPS) {
      for (const mantissaBits of [0, 1, 3]) {
        const format = { top, mantissaBits };
        for (const eMax of [-30, -7, -1, 0, 1, 4, 8]) {
          for (let span = 1; span <= 260; span += span < 20 ? 1 : 7) {
            const eMin = eMax - span + 1;
            if (eMin < -149) continue;
            const layer = Float32Array.of(2 ** eMin, -(2 ** eMax));
            const range = minExponentBits(layer, format);
            expect(range.eMax).toBe(eMax);
            expect(range.eMin).toBe(eMin);
            const brute = bruteMinExponentBits(top, mantissaBits, eMin, eMax);
            expect(range.eMinBits, `${top} M${mantissaBits} e ${eMin}..${eMax}`).toBe(brute ?? 8);
            // The auto bias: the largest finite value lies in binade e_max, and at E = E_min every
            // power of two e_min..e_max is a normal exponent of the format.
            const scheme: MinifloatScheme = { kind: 'minifloat', exponentBits: range.eMinBits, mantissaBits, top, bias: range.autoBias };
            const values = finiteValues(scheme);
            expect(floorLog2(values[values.length - 1]), `${top} M${mantissaBits} e ${eMin}..${eMax}`).toBe(eMax);
            if (brute !== null) expect(covers(normalExponents(scheme), eMin, eMax)).toBe(true);
            // The same bias rule at any other width.
            for (const e of [2, 5, 8]) {
              const bias = autoBias(layer, e, format);
              const at = finiteValues({ kind: 'minifloat', exponentBits: e, mantissaBits, top, bias });
              expect(floorLog2(at[at.length - 1])).toBe(eMax);
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('the numbers: a layer spanning 2^-6..448 needs E = 5 with the IEEE top, E = 4 as E4M3FN, with E4M3FN\'s own bias 7', () => {
    const layer = Float32Array.of(2 ** -6, 448, -0.5);
    // ieee: ceil(log2(8 + 6 + 3)) = ceil(log2 17) = 5, bias 2^5 - 2 - 8 = 22; at E = 4: 16 - 2 - 8 = 6.
    expect(minExponentBits(layer)).toEqual({ eMax: 8, eMin: -6, eMinBits: 5, autoBias: 22 });
    expect(autoBias(layer, 4)).toBe(6);
    // fn (M = 3): ceil(log2(8 + 6 + 2)) = 4, bias 2^4 - 1 - 8 = 7 = E4M3FN's, whose max is 448.
    expect(minExponentBits(layer, FLOAT_FORMATS.fp8e4m3fn)).toEqual({ eMax: 8, eMin: -6, eMinBits: 4, autoBias: 7 });
    expect(autoBias(layer, 4, FLOAT_FORMATS.fp8e4m3fn)).toBe(defaultMinifloatBias(4));
    expect(minifloatFormat({ ...FLOAT_FORMATS.fp8e4m3fn, bias: 7 }).maxFinite).toBe(448);
    // finite: the same count as fn; fn with M = 0 has its top code for NaN alone: as IEEE.
    expect(minExponentBits(layer, { top: 'finite', mantissaBits: 0 }).eMinBits).toBe(4);
    expect(minExponentBits(layer, { top: 'fn', mantissaBits: 0 })).toEqual(minExponentBits(layer));
    // The former rule stays the default (IEEE top).
    expect(minExponentBits(layer, { top: 'ieee', mantissaBits: 3 })).toEqual(minExponentBits(layer));
    // An all-zero layer: E = 2, bias 2^2 - 2 (ieee) or 2^2 - 1.
    expect(minExponentBits(new Float32Array(3), { top: 'finite' })).toEqual({ eMax: 0, eMin: 0, eMinBits: 2, autoBias: 3 });
  });

  it('the page recomputes the worker\'s IEEE-top summaries for the format in use', () => {
    const layer = Float32Array.of(2 ** -6, 448, -0.5);
    const summary: LayerSummary = {
      index: 0,
      name: 'hidden1',
      shape: [3, 1],
      weightCount: 3,
      maxAbs: 448,
      exponent: minExponentBits(layer),
      autoBias: autoBias(layer, 4),
    };
    expect(summariesForFormat([summary], { top: 'ieee', mantissaBits: 3 }, 4)).toEqual([summary]);
    const [fn] = summariesForFormat([summary], FLOAT_FORMATS.fp8e4m3fn, 4);
    expect(fn.exponent).toEqual(minExponentBits(layer, FLOAT_FORMATS.fp8e4m3fn));
    expect(fn.autoBias).toBe(autoBias(layer, 4, FLOAT_FORMATS.fp8e4m3fn));
    const [auto] = summariesForFormat([summary], { top: 'finite', mantissaBits: 2 }, null);
    expect(auto.autoBias).toBe(minExponentBits(layer, { top: 'finite' }).autoBias);
  });
});
