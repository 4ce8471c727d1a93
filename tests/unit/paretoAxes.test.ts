import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearDomain, logDomain, placeLabels, yScale } from '../../src/ui/pareto/axes';

describe('Pareto chart axes', () => {
  it('log domain: whole decades around the values, one tick per decade', () => {
    expect(logDomain([27_000, 310_000, 640_000])).toEqual({ domain: [10_000, 1_000_000], ticks: [10_000, 100_000, 1_000_000] });
    // A value exactly on a decade stays inside it; a single decade still gets two ticks.
    expect(logDomain([100, 100])).toEqual({ domain: [100, 1000], ticks: [100, 1000] });
    expect(logDomain([0, NaN, -3])).toEqual({ domain: [1, 10], ticks: [1, 10] });
  });

  it('linear domain: [0, a round top] with at most six round ticks', () => {
    expect(linearDomain([3.2, 7.9])).toEqual({ domain: [0, 8], ticks: [0, 2, 4, 6, 8] });
    expect(linearDomain([0.37])).toEqual({ domain: [0, 0.4], ticks: [0, 0.1, 0.2, 0.3, 0.4] });
    expect(linearDomain([])).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  });

  it('domains do not move while a value moves inside them (the chart is not redrawn)', () => {
    const a = logDomain([20_000, 500_000, 140_000]);
    const b = logDomain([20_000, 500_000, 160_000]);
    expect(b).toEqual(a);
  });

  it('every value lies inside its domain, for any set of positive costs', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 30 }), (values) => {
        const log = logDomain(values);
        const lin = linearDomain(values);
        for (const v of values) {
          expect(v).toBeGreaterThanOrEqual(log.domain[0]);
          expect(v).toBeLessThanOrEqual(log.domain[1]);
          expect(v).toBeLessThanOrEqual(lin.domain[1] * (1 + 1e-12));
        }
        expect(lin.ticks.length).toBeLessThanOrEqual(6);
        expect(new Set(lin.ticks).size).toBe(lin.ticks.length);
      }),
      { numRuns: 500 },
    );
  });

  it('accuracy axis: 5 % steps below the lowest value up to 100 %', () => {
    expect(yScale([97.2, 91.4], 'accuracy')).toEqual({ domain: [90, 100], ticks: [90, 95, 100] });
    expect(yScale([12.6, 97], 'accuracy').ticks).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(yScale([2.1, 8.7], 'error')).toEqual({ domain: [0, 10], ticks: [0, 5, 10] });
  });
});

describe('paper point labels', () => {
  const plot = { left: 0, right: 400, top: 0, bottom: 300 };
  it('puts a label right-above its marker when there is room', () => {
    expect(placeLabels([{ x: 100, y: 100, width: 50 }], plot)).toEqual([{ x: 109, y: 92, anchor: 'start' }]);
  });

  it('moves a label left of its marker at the right edge', () => {
    const [label] = placeLabels([{ x: 390, y: 100, width: 60 }], plot);
    expect(label.anchor).toBe('end');
    expect(label.x).toBe(381);
  });

  it('never lets two labels overlap when there is room for both', () => {
    const marks = [
      { x: 200, y: 100, width: 70 },
      { x: 205, y: 102, width: 70 },
      { x: 210, y: 98, width: 70 },
    ];
    const boxes = placeLabels(marks, plot).map((l, i) => ({
      x: l.anchor === 'start' ? l.x : l.x - marks[i].width,
      y: l.y - 11,
      w: marks[i].width,
      h: 13,
    }));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `labels ${i} and ${j}`).toBe(false);
      }
  });
});
