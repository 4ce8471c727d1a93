import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, findFlips, matrixAccuracy, perClassAccuracy } from '../../src/core/confusion';

describe('confusionMatrix', () => {
  it('counts a small hand-worked case, rows = true class, columns = prediction', () => {
    //        labels: 0  0  1  1  2  2
    //   predictions: 0  1  1  1  0  2
    const m = confusionMatrix([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 2], 3);
    // prettier-ignore
    expect(m).toEqual([
      1, 1, 0,
      0, 2, 0,
      1, 0, 1,
    ]);
    expect(matrixAccuracy(m, 3)).toBeCloseTo(4 / 6, 15);
    expect(perClassAccuracy(m, 3)).toEqual([0.5, 1, 0.5]);
  });

  it('has 100 cells for the 10 digits by default', () => {
    const m = confusionMatrix([7, 7, 3], [7, 1, 3]);
    expect(m.length).toBe(100);
    expect(m[7 * 10 + 7]).toBe(1);
    expect(m[7 * 10 + 1]).toBe(1);
    expect(m[3 * 10 + 3]).toBe(1);
  });

  it('gives null accuracy to a class without examples, and 0 overall for no examples', () => {
    const m = confusionMatrix([0, 2, 2], [1, 2, 0], 3);
    expect(perClassAccuracy(m, 3)).toEqual([0, null, 0.5]);
    expect(matrixAccuracy(confusionMatrix([], [], 3), 3)).toBe(0);
    expect(perClassAccuracy(confusionMatrix([], [], 3), 3)).toEqual([null, null, null]);
  });

  it('refuses mismatched lengths and classes out of range', () => {
    expect(() => confusionMatrix([0, 1], [0])).toThrow(RangeError);
    expect(() => confusionMatrix([10], [0])).toThrow(RangeError);
    expect(() => confusionMatrix([0], [-1])).toThrow(RangeError);
  });

  it('properties: the cells sum to the count, and the diagonal over the count is the accuracy', () => {
    const pairs = fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), { maxLength: 200 });
    fc.assert(
      fc.property(pairs, (list) => {
        const labels = list.map(([t]) => t);
        const preds = list.map(([, p]) => p);
        const m = confusionMatrix(labels, preds);
        expect(m.reduce((a, b) => a + b, 0)).toBe(list.length);
        const right = list.filter(([t, p]) => t === p).length;
        expect(matrixAccuracy(m)).toBe(list.length === 0 ? 0 : right / list.length);
        perClassAccuracy(m).forEach((acc, c) => {
          const ofClass = list.filter(([t]) => t === c);
          if (ofClass.length === 0) expect(acc).toBeNull();
          else expect(acc).toBe(ofClass.filter(([, p]) => p === c).length / ofClass.length);
        });
      }),
    );
  });
});

describe('findFlips', () => {
  const labels = [3, 1, 4, 1, 5, 9, 2, 6];
  const float = [3, 1, 4, 7, 5, 9, 0, 6];
  const quant = [3, 7, 4, 1, 5, 4, 8, 2];

  it('lists the images quantization broke first, then the other disagreements, each in index order', () => {
    // Disagreements: 1 (float right), 3 (quantized right), 5 (float right), 6 (both wrong), 7 (float right).
    expect(findFlips(labels, float, quant)).toEqual([
      { index: 1, label: 1, floatPred: 1, quantPred: 7 },
      { index: 5, label: 9, floatPred: 9, quantPred: 4 },
      { index: 7, label: 6, floatPred: 6, quantPred: 2 },
      { index: 3, label: 1, floatPred: 7, quantPred: 1 },
      { index: 6, label: 2, floatPred: 0, quantPred: 8 },
    ]);
  });

  it('stops at the limit, the broken ones taking the places first', () => {
    expect(findFlips(labels, float, quant, 2).map((f) => f.index)).toEqual([1, 5]);
    expect(findFlips(labels, float, quant, 4).map((f) => f.index)).toEqual([1, 5, 7, 3]);
    expect(findFlips(labels, float, quant, 0)).toEqual([]);
  });

  it('finds nothing when both models agree everywhere', () => {
    expect(findFlips(labels, float, float)).toEqual([]);
  });

  it('defaults to at most 16', () => {
    const n = 40;
    const l = Array.from({ length: n }, () => 0);
    const q = Array.from({ length: n }, () => 1);
    expect(findFlips(l, l, q).length).toBe(16);
  });
});
