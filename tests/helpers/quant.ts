/** Shared pieces of the quantizer tests (pure schemes and their TF.js versions). */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { MinifloatScheme } from '../../src/core/quant/schemes';

export const p2 = (k: number): number => Math.pow(2, k);

/** Arrays equal with ===, so +0 and -0 count as equal (the sign of zero is not part of the contract); NaN equals NaN. */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const same = actual[i] === expected[i] || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!same) throw new Error(`${label ? `${label} ` : ''}index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

export const minifloat = (exponentBits: number, mantissaBits: number, extra: Partial<MinifloatScheme> = {}): MinifloatScheme => ({
  kind: 'minifloat',
  exponentBits,
  mantissaBits,
  ...extra,
});

/** Small minifloats with the default bias and subnormals, from the narrowest (E2M1) up. */
export const SMALL_MINIFLOATS: readonly MinifloatScheme[] = [minifloat(2, 1), minifloat(3, 2), minifloat(4, 3), minifloat(5, 2), minifloat(3, 0)];

/**
 * Layers of 1 to `maxLength` weights in a realistic range (±8), with exact multiples of
 * 1/`denominator` in ±4 and `specials` mixed in so that ties actually occur.
 */
export function weightLayerArb(denominator: number, specials: readonly number[], maxLength: number): fc.Arbitrary<Float32Array> {
  const weight = fc.oneof(
    fc.float({ min: -8, max: 8, noNaN: true }),
    fc.integer({ min: -4 * denominator, max: 4 * denominator }).map((i) => i / denominator),
    fc.constantFrom(...specials),
  );
  return fc.array(weight, { minLength: 1, maxLength }).map((v) => Float32Array.from(v));
}
