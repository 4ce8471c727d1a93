import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { paretoFront } from '../../src/core/pareto';

interface Point {
  accuracy: number;
  energy: number;
}

/** The definition, O(n^2): on the front unless some other finite point dominates it. */
function bruteForceFront<T extends { accuracy: number }>(points: readonly T[], costKey: keyof T & string): number[] {
  const cost = (p: T) => p[costKey] as unknown as number;
  const finite = (p: T) => Number.isFinite(p.accuracy) && Number.isFinite(cost(p));
  const front: number[] = [];
  points.forEach((p, i) => {
    if (!finite(p)) return;
    const dominated = points.some(
      (q) =>
        finite(q) &&
        q.accuracy >= p.accuracy &&
        cost(q) <= cost(p) &&
        (q.accuracy > p.accuracy || cost(q) < cost(p)),
    );
    if (!dominated) front.push(i);
  });
  return front;
}

// Small integers force many ties and exact duplicates; the odd non-finite value tests exclusion.
const coordinate = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);
const pointArb = fc.record({ accuracy: coordinate, energy: coordinate });

describe('paretoFront', () => {
  it('matches the brute-force definition on random point sets with ties and duplicates', () => {
    fc.assert(
      fc.property(fc.array(pointArb, { maxLength: 40 }), (points) => {
        expect(paretoFront(points)).toEqual(bruteForceFront(points, 'energy'));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches the brute force on continuous coordinates', () => {
    const real = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.record({ accuracy: real, energy: real }), { maxLength: 60 }), (points) => {
        expect(paretoFront(points)).toEqual(bruteForceFront(points, 'energy'));
      }),
      { numRuns: 500 },
    );
  });

  it('uses the named cost key', () => {
    const points = [
      { accuracy: 0.9, energy: 1, storageBits: 100 },
      { accuracy: 0.8, energy: 2, storageBits: 10 },
    ];
    expect(paretoFront(points)).toEqual([0]); // point 1 costs more energy for less accuracy
    expect(paretoFront(points, 'storageBits')).toEqual([0, 1]); // a trade-off on storage
    fc.assert(
      fc.property(
        fc.array(fc.record({ accuracy: coordinate, energy: coordinate, area: coordinate }), { maxLength: 30 }),
        (pts) => {
          expect(paretoFront(pts, 'area')).toEqual(bruteForceFront(pts, 'area'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('handles hand-made cases', () => {
    const p = (accuracy: number, energy: number): Point => ({ accuracy, energy });
    expect(paretoFront([])).toEqual([]);
    expect(paretoFront([p(0.5, 3)])).toEqual([0]);
    // A staircase: every point trades accuracy for energy.
    expect(paretoFront([p(0.9, 10), p(0.8, 5), p(0.7, 1)])).toEqual([0, 1, 2]);
    // (0.8, 6) is dominated by (0.8, 5) (same accuracy, cheaper); (0.7, 5) by (0.8, 5) (same cost).
    expect(paretoFront([p(0.9, 10), p(0.8, 6), p(0.8, 5), p(0.7, 5)])).toEqual([0, 2]);
    // Exact duplicates of a front point are all on the front.
    expect(paretoFront([p(0.8, 5), p(0.9, 7), p(0.8, 5)])).toEqual([0, 1, 2]);
    // Duplicates of a dominated point are all off it.
    expect(paretoFront([p(0.7, 6), p(0.8, 5), p(0.7, 6)])).toEqual([1]);
    // Non-finite values never make the front and never dominate.
    expect(paretoFront([p(Number.NaN, 0), p(0.5, 5), p(1, Number.POSITIVE_INFINITY), p(0.4, Number.NaN)])).toEqual([1]);
    expect(paretoFront([p(Number.POSITIVE_INFINITY, 1), p(0.5, 5)])).toEqual([1]);
    // A missing cost field counts as non-finite.
    expect(paretoFront([{ accuracy: 1 } as Point, p(0.5, 5)])).toEqual([1]);
    // Negative zero and zero are the same cost.
    expect(paretoFront([p(0.5, -0), p(0.5, 0)])).toEqual([0, 1]);
  });

  it('returns indices in ascending order whatever the input order', () => {
    const points = [
      { accuracy: 0.1, energy: 0.5 },
      { accuracy: 0.99, energy: 100 },
      { accuracy: 0.5, energy: 2 },
      { accuracy: 0.95, energy: 50 },
    ];
    expect(paretoFront(points)).toEqual([0, 1, 2, 3]);
  });
});
