import { describe, expect, it } from 'vitest';
import { decodeConfig, defaultConfig, encodeConfig, energyTableOf, type Config } from '../../src/core/config';
import { withWidths, type LatencyTable } from '../../src/core/netadapt';
import { costOf } from '../../src/core/runRecord';
import {
  architectureKeys,
  estimateProgress,
  formatResource,
  latencyRefusal,
  MAX_CACHED_TABLES,
  parseCachedTables,
  rememberTable,
  resourceUnit,
  tablesFor,
  trajectoryCost,
  trajectoryPoints,
  widenExtent,
} from '../../src/ui/adapt/adaptModel';

const mlp1: Config = { ...defaultConfig(), model: 'mlp1', weights: { kind: 'lightnn', k: 2 } };
const lenet: Config = { ...defaultConfig(), model: 'lenet' };

describe('NetAdapt page: progress and ETA', () => {
  const base = { iterations: 4, layers: 3, finetuneBatches: 10, finalBatches: 60, phase: 'iterations' as const };

  it('has no ETA before an iteration is timed', () => {
    expect(estimateProgress({ ...base, steps: [{ iteration: 0, ms: 0 }], elapsedInPhaseMs: 5000 })).toEqual({ fraction: 0, etaMs: null });
  });

  it('prices the iterations left and the final fine-tune from the mean iteration', () => {
    // 2 iterations of 3 proposals x 10 batches in 600 ms each: 20 ms a batch.
    const steps = [{ iteration: 0, ms: 0 }, { iteration: 1, ms: 500 }, { iteration: 2, ms: 700 }];
    const atStart = estimateProgress({ ...base, steps, elapsedInPhaseMs: 0 });
    expect(atStart.etaMs).toBeCloseTo(2 * 600 + 60 * 20, 6);
    expect(atStart.fraction).toBeCloseTo(60 / (60 + 60 + 60), 6);
    // Halfway through iteration 3: half an iteration less.
    const halfway = estimateProgress({ ...base, steps, elapsedInPhaseMs: 300 });
    expect(halfway.etaMs).toBeCloseTo(1.5 * 600 + 60 * 20, 6);
    expect(halfway.fraction).toBeGreaterThan(atStart.fraction);
    // A slow iteration never counts as finished.
    expect(estimateProgress({ ...base, steps, elapsedInPhaseMs: 10_000 }).etaMs).toBeCloseTo(1.05 * 600 + 60 * 20, 6);
  });

  it('counts one more iteration past the schedule, and the final phase by its batches', () => {
    const steps = [0, 1, 2, 3, 4, 5].map((iteration) => ({ iteration, ms: iteration === 0 ? 0 : 600 }));
    expect(estimateProgress({ ...base, steps, elapsedInPhaseMs: 0 }).etaMs).toBeCloseTo(600 + 60 * 20, 6);
    const final = estimateProgress({ ...base, phase: 'final', steps, elapsedInPhaseMs: 600 });
    expect(final.etaMs).toBeCloseTo(30 * 20, 6);
    expect(final.fraction).toBeLessThan(1);
    expect(estimateProgress({ ...base, phase: 'final', steps, elapsedInPhaseMs: 1e6 }).etaMs).toBe(0);
  });
});

describe('NetAdapt page: the trajectory on the Pareto chart', () => {
  const table = energyTableOf(mlp1);
  const steps = [
    { iteration: 0, widths: [100], holdoutAccuracy: 0.95, layer: null },
    { iteration: 1, widths: [70], holdoutAccuracy: 0.94, layer: 'hidden1' },
    { iteration: 2, widths: [48], holdoutAccuracy: 0.93, layer: 'hidden1' },
  ];

  it('one point per step at its widths\' modelled cost and holdout accuracy, then the final and the baseline at test accuracy', () => {
    const points = trajectoryPoints(mlp1, steps, table, { widths: [48], testAccuracy: 0.945 }, { widths: [50], testAccuracy: 0.93 });
    expect(points.map((p) => p.kind)).toEqual(['step', 'step', 'step', 'final', 'uniform']);
    expect(points.map((p) => p.accuracy)).toEqual([0.95, 0.94, 0.93, 0.945, 0.93]);
    points.forEach((p) => expect(p.energyPJ).toBe(costOf(withWidths(mlp1, p.widths), table).energyPJ));
    // Energy falls as the network narrows.
    expect(points[1].energyPJ).toBeLessThan(points[0].energyPJ);
    expect(points[2].energyPJ).toBeLessThan(points[1].energyPJ);
    expect(trajectoryPoints(mlp1, steps, table, null, null)).toHaveLength(3);
  });

  it('places points on the chart axes in the chart\'s units, and widens the axes\' extent to take them in', () => {
    const points = trajectoryPoints(mlp1, steps, table, null, null);
    expect(trajectoryCost(points[0], 'energy')).toBe(points[0].energyPJ);
    expect(trajectoryCost(points[0], 'storage')).toBe(points[0].storageBits / 8 / 1024);
    expect(trajectoryCost(points[0], 'kernelTime')).toBeUndefined();
    const none = { costLo: Infinity, costHi: -Infinity, accuracyLo: Infinity, accuracyHi: -Infinity };
    expect(widenExtent(none, points, 'energy')).toEqual({ costLo: points[2].energyPJ, costHi: points[0].energyPJ, accuracyLo: 0.93, accuracyHi: 0.95 });
    expect(widenExtent(none, points, 'kernelTime')).toEqual(none);
  });
});

describe('NetAdapt page: the adapted network in the URL', () => {
  it('mlp1 becomes model=mlp&hidden=N, lenet keeps lenetWidths, and the link rebuilds the architecture', () => {
    const adaptedMlp = withWidths(mlp1, [37]);
    expect(architectureKeys(adaptedMlp)).toEqual({ model: 'mlp', hidden: [37] });
    const adaptedLenet = withWidths(lenet, [9, 21, 180]);
    expect(architectureKeys(adaptedLenet)).toEqual({ model: 'lenet', lenetWidths: [9, 21, 180] });
    for (const config of [adaptedMlp, adaptedLenet]) {
      const decoded = decodeConfig(encodeConfig({ ...defaultConfig(), ...architectureKeys(config) })).config;
      expect(architectureKeys(decoded)).toEqual(architectureKeys(config));
    }
  });
});

describe('NetAdapt page: latency', () => {
  it('says in words why latency cannot be measured: no WebGPU, or weights the integer kernels lack', () => {
    expect(latencyRefusal(mlp1, true)).toBeNull();
    expect(latencyRefusal(mlp1, false)).toMatch(/no WebGPU/);
    expect(latencyRefusal({ ...mlp1, weights: { kind: 'float32' } }, true)).toMatch(/integer kernels/);
    expect(latencyRefusal({ ...mlp1, weights: { kind: 'fixed', bits: 12 } }, true)).toMatch(/at most 8-bit/);
  });

  const table = (key: string, device = 'dev'): LatencyTable => ({ device, key, batch: 1, layers: [{ name: 'hidden1', inputs: [1], outputs: [1, 100], ms: [[0.01, 0.02]] }] });

  it('caches one table per device and key, newest first, a few at most', () => {
    let list = rememberTable([], 'gpu-a', table('k1'));
    list = rememberTable(list, 'gpu-b', table('k1'));
    list = rememberTable(list, 'gpu-a', table('k2'));
    // The same device and key again replaces the old one.
    list = rememberTable(list, 'gpu-a', { ...table('k1'), batch: 1, device: 'again' });
    expect(list.map((e) => [e.deviceKey, e.table.key, e.table.device])).toEqual([
      ['gpu-a', 'k1', 'again'],
      ['gpu-a', 'k2', 'dev'],
      ['gpu-b', 'k1', 'dev'],
    ]);
    expect(tablesFor(list, 'gpu-a').map((t) => t.key)).toEqual(['k1', 'k2']);
    expect(tablesFor(list, 'gpu-c')).toEqual([]);
    for (let i = 0; i < 20; i++) list = rememberTable(list, 'gpu-a', table(`many${i}`));
    expect(list).toHaveLength(MAX_CACHED_TABLES);
    expect(parseCachedTables(JSON.stringify(list))).toEqual(list);
    expect(parseCachedTables('not json')).toEqual([]);
    expect(parseCachedTables(JSON.stringify([{ deviceKey: 1 }, { deviceKey: 'x', table: { key: 'k', layers: [] } }]))).toHaveLength(1);
  });
});

describe('NetAdapt page: numbers with their unit', () => {
  it('writes each resource in the unit that reads best', () => {
    expect(resourceUnit('latency')).toBe('ms');
    expect(resourceUnit('energy')).toBe('pJ');
    expect(formatResource(52_100, resourceUnit('energy'))).toBe('52.1 nJ');
    expect(formatResource(0.0123, 'ms')).toBe('12.3 µs');
    expect(formatResource(2.5, 'ms')).toBe('2.50 ms');
    expect(formatResource(79_510, resourceUnit('params'))).toBe('79,510 parameters');
    expect(formatResource(2_300_000, resourceUnit('macs'))).toBe('2.30 M MACs');
    expect(formatResource(8 * 2048, resourceUnit('storage'))).toBe('2 KB');
  });
});
