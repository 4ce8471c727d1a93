import { describe, expect, it } from 'vitest';
import { ACCURACY_TICKS, epochAxis, formatEpochTick, zeroBasedAxis } from '../../src/ui/ticks';

describe('epochAxis', () => {
  it('one epoch: quarters', () => {
    expect(epochAxis(1)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
  });

  it('two epochs and more: integers only', () => {
    expect(epochAxis(2).ticks).toEqual([0, 1, 2]);
    expect(epochAxis(3).ticks).toEqual([0, 1, 2, 3]);
    expect(epochAxis(2.4).ticks).toEqual([0, 1, 2, 3]);
    expect(epochAxis(10).ticks).toEqual([0, 2, 4, 6, 8, 10]);
    expect(epochAxis(37).ticks).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    expect(epochAxis(150).ticks).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160]);
  });

  it('early in a first epoch: short fraction steps, never the "0.0 0.1 0.1 0.1" of one-decimal labels', () => {
    expect(epochAxis(0.15).ticks).toEqual([0, 0.05, 0.1, 0.15]);
    expect(epochAxis(0.6).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(epochAxis(1.5).ticks).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
  });

  it('nothing yet, or nonsense: 0..1', () => {
    for (const v of [0, -1, NaN, Infinity]) expect(epochAxis(v)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
  });

  it('for any length: starts at 0, ends at or past it on a tick, ascending, distinct labels, few ticks', () => {
    for (let m = 0.01; m < 400; m *= 1.07) {
      const { max, ticks } = epochAxis(m);
      expect(ticks[0]).toBe(0);
      expect(max).toBe(ticks[ticks.length - 1]);
      expect(max).toBeGreaterThanOrEqual(m - 1e-9);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(9);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]);
      const labels = ticks.map(formatEpochTick);
      expect(new Set(labels).size).toBe(labels.length);
      if (m >= 2) expect(ticks.every(Number.isInteger)).toBe(true);
    }
  });
});

describe('formatEpochTick', () => {
  it('prints only the decimals a tick needs', () => {
    expect([0, 0.25, 0.5, 1, 3, 0.1 + 0.2].map(formatEpochTick)).toEqual(['0', '0.25', '0.5', '1', '3', '0.3']);
  });
});

it('accuracy ticks cover 0..100% in quarters', () => {
  expect(ACCURACY_TICKS).toEqual([0, 0.25, 0.5, 0.75, 1]);
});

describe('zeroBasedAxis (the loss axis)', () => {
  it('round steps from 0 to at or above the largest loss', () => {
    expect(zeroBasedAxis(2.6).ticks).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(zeroBasedAxis(2.6, 4).ticks).toEqual([0, 1, 2, 3]);
    expect(zeroBasedAxis(0.37, 4).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(zeroBasedAxis(12).ticks).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(zeroBasedAxis(0)).toEqual({ max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  });

  it('for any value: ascending, ends at or past it, few ticks', () => {
    for (let m = 0.003; m < 5000; m *= 1.09) {
      for (const n of [4, 8]) {
        const { max, ticks } = zeroBasedAxis(m, n);
        expect(max).toBeGreaterThanOrEqual(m - 1e-9);
        expect(ticks.length).toBeLessThanOrEqual(n + 1);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]);
      }
    }
  });
});
