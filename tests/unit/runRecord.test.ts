import { describe, expect, it } from 'vitest';
import { maxAbsOf, maxOf, minOf, pushAll } from '../../src/core/arrays';
import { defaultConfig, type Config } from '../../src/core/config';
import {
  chartPoints,
  isRunRecord,
  makeRecord,
  MAX_DRAWN_POINTS,
  pointExtent,
  recordProblem,
  recordsToCsv,
  thinPoints,
  validRecords,
  wantsLogScale,
  type RunRecord,
} from '../../src/core/runRecord';
import { linearDomain, logDomain, yScale } from '../../src/ui/pareto/axes';

const base: Config = { ...defaultConfig(), trainSize: 1000, testSize: 300 };
const valid = (): RunRecord => makeRecord({ config: base, label: 'float32', accuracy: 0.97, source: 'train', time: 1000 });

describe('stored record validation', () => {
  it('accepts records with and without the optional fields', () => {
    const record = valid();
    expect(isRunRecord(record)).toBe(true);
    const { testSize: _t, ...bare } = record;
    expect(isRunRecord(bare)).toBe(true);
    expect(isRunRecord({ ...record, kernelMs: 0.25 })).toBe(true);
    expect(isRunRecord({ ...record, kernelMs: 0 })).toBe(true);
    expect(isRunRecord({ ...record, diverged: { epoch: 1, batch: 12 } })).toBe(true);
    // The cost model refuses some configs: NaN costs are legitimate.
    expect(isRunRecord({ ...record, energyPJ: NaN, storageBits: NaN, areaUm2: NaN })).toBe(true);
    expect(isRunRecord({ ...record, accuracy: 0 })).toBe(true);
    expect(isRunRecord({ ...record, accuracy: 1 })).toBe(true);
  });

  it('rejects a bad value in any field, optional ones included', () => {
    const record = valid();
    const { id: _id, ...noId } = record;
    const bad: [string, unknown][] = [
      ['id', noId],
      ['id', { ...record, id: '' }],
      ['id', { ...record, id: 7 }],
      ['config', { ...record, config: '' }],
      ['config', { ...record, config: 'x'.repeat(4001) }],
      ['label', { ...record, label: 'x'.repeat(301) }],
      ['label', { ...record, label: null }],
      ['accuracy', { ...record, accuracy: 1.5 }],
      ['accuracy', { ...record, accuracy: -0.1 }],
      ['accuracy', { ...record, accuracy: NaN }],
      ['accuracy', { ...record, accuracy: '0.9' }],
      ['energyPJ', { ...record, energyPJ: null }],
      ['energyPJ', { ...record, energyPJ: '12' }],
      ['storageBits', { ...record, storageBits: undefined }],
      ['areaUm2', { ...record, areaUm2: {} }],
      ['source', { ...record, source: 'guess' }],
      ['time', { ...record, time: Infinity }],
      ['time', { ...record, time: '2024' }],
      ['testSize', { ...record, testSize: 0 }],
      ['testSize', { ...record, testSize: 2.5 }],
      ['testSize', { ...record, testSize: null }],
      ['kernelMs', { ...record, kernelMs: null }],
      ['kernelMs', { ...record, kernelMs: '0.3' }],
      ['kernelMs', { ...record, kernelMs: NaN }],
      ['kernelMs', { ...record, kernelMs: -1 }],
      ['diverged', { ...record, diverged: null }],
      ['diverged', { ...record, diverged: { epoch: 0, batch: 3 } }],
      ['diverged', { ...record, diverged: { epoch: 1 } }],
      ['diverged', { ...record, diverged: { epoch: 1, batch: 1.5 } }],
    ];
    for (const [field, value] of bad) {
      expect(recordProblem(value), JSON.stringify(value)?.slice(0, 80)).toBe(field);
      expect(isRunRecord(value)).toBe(false);
    }
    for (const value of [null, undefined, 3, 'record', [], [record]]) expect(isRunRecord(value)).toBe(false);
  });

  it('splits stored values into records and a count of the rest', () => {
    const record = valid();
    const { records, skipped } = validRecords([record, { ...record, kernelMs: null }, null, { ...record, id: 'b' }]);
    expect(records.map((r) => r.id)).toEqual([record.id, 'b']);
    expect(skipped).toBe(2);
  });

  it('never makes a record it would refuse to load', () => {
    const long = makeRecord({ config: base, label: 'y'.repeat(1000), accuracy: 0.5, source: 'ptq', kernelMs: NaN });
    expect(isRunRecord(long)).toBe(true);
    expect(long.label.length).toBeLessThanOrEqual(300);
    expect(long.kernelMs).toBeUndefined();
  });
});

describe('diverged runs', () => {
  const diverged = makeRecord({ config: base, label: 'float32 · diverged', accuracy: NaN, source: 'train', time: 5, diverged: { epoch: 2, batch: 40 } });

  it('are records with accuracy 0 and where the loss stopped being finite', () => {
    expect(diverged.accuracy).toBe(0);
    expect(diverged.diverged).toEqual({ epoch: 2, batch: 40 });
    expect(isRunRecord(diverged)).toBe(true);
  });

  it('are left off the chart and the front', () => {
    const ok = { ...valid(), energyPJ: 100 };
    const { points, front } = chartPoints([{ ...diverged, energyPJ: 1 }, ok], 'energy');
    expect(points.map((p) => p.record.id)).toEqual([ok.id]);
    expect(front).toEqual([0]);
  });

  it('say so in the CSV', () => {
    const lines = recordsToCsv([valid(), diverged]).trim().split('\n');
    const column = lines[0].split(',').indexOf('diverged');
    expect(column).toBeGreaterThan(0);
    expect(lines[1].split(',')[column]).toBe('');
    expect(lines[2].split(',')[column]).toBe('epoch 2 batch 40');
  });
});

describe('arrays of any length', () => {
  const big = Array.from({ length: 200_000 }, (_, i) => ((i * 7919) % 200_003) - 100_000);

  it('minOf / maxOf / pushAll take 200,000 values (a spread of 130,000 overflowed the stack)', () => {
    expect(minOf(big)).toBe(-100_000);
    expect(maxOf(big)).toBe(big.reduce((m, v) => (v > m ? v : m), -Infinity));
    expect(maxAbsOf(Float32Array.from(big))).toBe(Math.max(-minOf(big), maxOf(big)));
    expect(pushAll([1], big).length).toBe(200_001);
    expect(wantsLogScale(big)).toBe(true);
    expect(() => logDomain(big)).not.toThrow();
    expect(() => linearDomain(big)).not.toThrow();
    expect(() => yScale(big, 'accuracy')).not.toThrow();
  });

  it('give what Math.min / Math.max give, empty arrays, NaN and -0 included', () => {
    const cases: [number[], number, number][] = [
      [[], Infinity, -Infinity],
      [[3], 3, 3],
      [[2, -1, 5], -1, 5],
      [[0, -0], -0, 0],
      [[-0, 0], -0, 0],
      [[1, NaN, 2], NaN, NaN],
      [[Infinity, -Infinity], -Infinity, Infinity],
    ];
    for (const [values, min, max] of cases) {
      expect(minOf(values)).toBe(min);
      expect(maxOf(values)).toBe(max);
    }
    expect(minOf(new Float32Array([4, 2, 8]))).toBe(2);
    expect(maxAbsOf([NaN, -Infinity, -3, 2])).toBe(3);
    expect(maxAbsOf([])).toBe(0);
  });
});

describe('thinning the chart', () => {
  /** n points on a noisy trade-off curve, deterministic. */
  function cloud(n: number) {
    const points: { cost: number; accuracy: number }[] = [];
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < n; i++) {
      const cost = 10 ** (1 + 5 * rand());
      points.push({ cost, accuracy: Math.min(1, 0.5 + 0.08 * Math.log10(cost) - 0.3 * rand()) });
    }
    return points;
  }

  it('draws everything up to the cap', () => {
    const points = cloud(500);
    const one = valid();
    const records = points.map((p, i) => ({ ...one, id: `r${i}`, energyPJ: p.cost, accuracy: p.accuracy }));
    const { points: chart, front } = chartPoints(records, 'energy');
    const drawn = thinPoints(chart, front, true);
    expect(drawn.length + front.length).toBe(500);
    expect(drawn.some((i) => front.includes(i))).toBe(false);
  });

  it('keeps every front point and at most MAX_DRAWN_POINTS others at 130,000 points, deterministically', () => {
    const points = cloud(130_000);
    const one = valid();
    const records = points.map((p, i) => ({ ...one, id: `r${i}`, time: i, energyPJ: p.cost, accuracy: p.accuracy }));
    const { points: chart, front } = chartPoints(records, 'energy');
    expect(chart.length).toBe(130_000);
    const drawn = thinPoints(chart, front, wantsLogScale([pointExtent(chart).costLo, pointExtent(chart).costHi]));
    expect(front.length).toBeGreaterThan(0);
    expect(drawn.length).toBeLessThanOrEqual(MAX_DRAWN_POINTS);
    expect(drawn.length).toBeGreaterThan(MAX_DRAWN_POINTS / 4);
    const onFront = new Set(front);
    expect(drawn.every((i) => !onFront.has(i))).toBe(true);
    expect(drawn).toEqual([...drawn].sort((a, b) => a - b));
    expect(thinPoints(chart, front, true)).toEqual(drawn);
    // Linear axes and a tiny cap work too.
    expect(thinPoints(chart, front, false, 10).length).toBeLessThanOrEqual(10);
    expect(thinPoints(chart, front, false, 0)).toEqual([]);
  });

  it('summarises the extent for the axes', () => {
    expect(pointExtent([{ cost: 0, accuracy: 0.5 }, { cost: 20, accuracy: 0.9 }, { cost: 3, accuracy: NaN }])).toEqual({
      costLo: 3,
      costHi: 20,
      accuracyLo: 0.5,
      accuracyHi: 0.9,
    });
    expect(pointExtent([])).toEqual({ costLo: Infinity, costHi: -Infinity, accuracyLo: Infinity, accuracyHi: -Infinity });
  });
});
