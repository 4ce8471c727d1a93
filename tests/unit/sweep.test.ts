import { heatColour } from '../../src/ui/sweep/heatColour';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema, decodeConfig, defaultConfig, DEFAULT_ENERGY_TABLE, estimateCost, SEED003_PRESETS, type Config } from '../../src/tf';
import {
  cellConfig,
  cellCount,
  cellLabel,
  cellQuant,
  checkSweep,
  encodeSweep,
  enumerateCells,
  heatmapLayout,
  keptModelServes,
  matchSweepPreset,
  MAX_SWEEP_CELLS,
  paperComparison,
  parseSweep,
  sweepEtaMs,
  SWEEP_PRESETS,
  type SweepDefinition,
} from '../../src/core/sweep';
import {
  chartPoints,
  frontStaircase,
  isRunRecord,
  makeRecord,
  paperRecords,
  recordConfig,
  recordsToCsv,
  recordsToJson,
  recostRecord,
  wantsLogScale,
} from '../../src/core/runRecord';
import type { SweepEvent } from '../../src/worker/protocol';
import { minOf, maxOf } from '../../src/core/arrays';

const seed000 = SWEEP_PRESETS.find((p) => p.id === 'seed000')!.sweep;
const seed001 = SWEEP_PRESETS.find((p) => p.id === 'seed001')!.sweep;
const seed003 = SWEEP_PRESETS.find((p) => p.id === 'seed003-mlp1')!.sweep;

describe('sweep definitions', () => {
  it('parses the URL text of the seed presets and writes it back the same', () => {
    expect(encodeSweep(seed000)).toBe('weightBits:2-8,inputBits:1-8;mode=ptq');
    expect(encodeSweep(seed001)).toBe('exponentBits:2-8,mantissaBits:0-7;mode=ptq');
    expect(encodeSweep(seed003)).toBe('preset:all;mode=qat');
    for (const preset of SWEEP_PRESETS) expect(parseSweep(encodeSweep(preset.sweep))).toEqual({ ok: true, sweep: preset.sweep });
  });

  it('reads lists, single values and a left-out mode (ptq)', () => {
    expect(parseSweep('lightnnK:1_2_4')).toEqual({ ok: true, sweep: { axes: [{ knob: 'lightnnK', values: [1, 2, 4] }], mode: 'ptq' } });
    expect(parseSweep('inputBits:3,preset:binarynet_lightnn-1;mode=qat')).toEqual({
      ok: true,
      sweep: { axes: [{ knob: 'inputBits', values: [3] }, { knob: 'preset', values: ['binarynet', 'lightnn-1'] }], mode: 'qat' },
    });
  });

  it('round-trips any valid definition', () => {
    const numericAxis = fc.constantFrom(
      ['weightBits', 2, 16],
      ['inputBits', 1, 8],
      ['lightnnK', 1, 4],
      ['activationBits', 1, 16],
    ) as fc.Arbitrary<[string, number, number]>;
    const axis = numericAxis.chain(([knob, min, max]) =>
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 8 }).map((values) => ({ knob, values })),
    );
    fc.assert(
      fc.property(axis, fc.constantFrom('ptq', 'qat'), (a, mode) => {
        const checked = checkSweep({ axes: [a], mode });
        expect(checked.ok).toBe(true);
        if (checked.ok) expect(parseSweep(encodeSweep(checked.sweep))).toEqual(checked);
      }),
    );
  });

  it('refuses bad definitions with a message', () => {
    const bad = (text: string) => {
      const parsed = parseSweep(text);
      return parsed.ok ? null : parsed.message;
    };
    expect(bad('weightBits:1-8')).toMatch(/integers from 2 to 16, got 1/);
    expect(bad('weightBits:2-4,weightBits:5-6')).toMatch(/on both axes/);
    expect(bad('weightBits:2-4,preset:all')).toMatch(/both set the weights/);
    expect(bad('activationBits:2-4,preset:all')).toMatch(/both set the activations/);
    expect(bad('weightBits:2-4,inputBits:1-2,lightnnK:1')).toMatch(/one or two axes/);
    expect(bad('preset:lightnn-9')).toMatch(/unknown model "lightnn-9"/);
    expect(bad('inputBits:1_1')).toMatch(/repeated/);
    expect(bad('inputBits:abc')).toMatch(/integers from 1 to 8/);
    expect(bad('mantissaBits:0-23,weightBits:2-16')).toMatch(/both set the weights/);
    expect(bad('mantissaBits:0-23,activationBits:1-16')).toMatch(new RegExp(`${24 * 16} cells; at most ${MAX_SWEEP_CELLS}`));
    expect(bad('inputBits:1-8;speed=fast')).toMatch(/unknown part/);
    // Exponent x mantissa is the one pair of weight knobs that go together.
    expect(bad('exponentBits:2-8,mantissaBits:0-7')).toBeNull();
  });
});

describe('cells', () => {
  it('enumerates row-major, first axis outer', () => {
    const cells = enumerateCells(seed000);
    expect(cells).toHaveLength(56);
    expect(cellCount(seed000)).toBe(56);
    expect(cells[0]).toEqual({ index: 0, coords: [0, 0], values: [2, 1] });
    expect(cells[1].values).toEqual([2, 2]);
    expect(cells[8].values).toEqual([3, 1]);
    expect(cells[55].values).toEqual([8, 8]);
    expect(cellLabel(seed000, cells[9])).toBe('3-bit weights · 2-bit inputs');
  });

  it('sets each axis knob on the base config and keeps the rest', () => {
    const base: Config = { ...defaultConfig(), model: 'lenet', trainSize: 1000, layers: [{ layer: -1, scheme: { kind: 'fixed', bits: 8 } }] };
    const cell = enumerateCells(seed000)[9];
    const config = cellConfig(base, seed000, cell);
    expect(config).toMatchObject({ model: 'lenet', trainSize: 1000, weights: { kind: 'fixed', bits: 3 }, inputBits: 2, training: 'float', layers: base.layers });

    const minifloat = enumerateCells(seed001).find((c) => c.values[0] === 5 && c.values[1] === 2)!;
    expect(cellQuant(base, seed001, minifloat).weights).toEqual({ kind: 'minifloat', exponentBits: 5, mantissaBits: 2 });
    // Only E swept: M comes from the base's minifloat.
    const onlyE: SweepDefinition = { axes: [{ knob: 'exponentBits', values: [3] }], mode: 'ptq' };
    const mBase = { ...base, weights: { kind: 'minifloat' as const, exponentBits: 4, mantissaBits: 6 } };
    expect(cellQuant(mBase, onlyE, enumerateCells(onlyE)[0]).weights).toEqual({ kind: 'minifloat', exponentBits: 3, mantissaBits: 6 });

    const presets = enumerateCells(seed003).map((c) => cellConfig(base, seed003, c));
    expect(presets.map((c) => c.training)).toEqual(Array(7).fill('qat'));
    expect(presets[6]).toMatchObject({ weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'sign' } });
    expect(cellLabel(seed003, enumerateCells(seed003)[4])).toBe('LightNN-2-bin');
  });

  it('a minifloat sweep keeps every other field of the base scheme (top, overflow, subnormals, bias)', () => {
    const fn: Config = {
      ...defaultConfig(),
      weights: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3, top: 'fn', overflow: 'saturate', subnormals: false, bias: 9 },
    };
    for (const cell of enumerateCells(seed001)) {
      const [exponentBits, mantissaBits] = cell.values as number[];
      const weights = cellQuant(fn, seed001, cell).weights;
      // A bias of 9 is legal at every E (2..8) and no E's default; overflow=saturate is the default, normalized away.
      expect(weights).toEqual({ kind: 'minifloat', exponentBits, mantissaBits, top: 'fn', subnormals: false, bias: 9 });
    }
    // Only M swept: E and everything else come from the base; overflow=inf and top=ieee stay.
    const onlyM: SweepDefinition = { axes: [{ knob: 'mantissaBits', values: [1, 10] }], mode: 'ptq' };
    const inf: Config = { ...defaultConfig(), weights: { kind: 'minifloat', exponentBits: 5, mantissaBits: 2, overflow: 'inf', subnormals: false } };
    expect(enumerateCells(onlyM).map((c) => cellQuant(inf, onlyM, c).weights)).toEqual([
      { kind: 'minifloat', exponentBits: 5, mantissaBits: 1, overflow: 'inf', subnormals: false },
      { kind: 'minifloat', exponentBits: 5, mantissaBits: 10, overflow: 'inf', subnormals: false },
    ]);
    // A bias the cell's E does not allow (range -126 .. 2^E + 124) gives way to that E's default.
    const highBias: Config = { ...defaultConfig(), weights: { kind: 'minifloat', exponentBits: 8, mantissaBits: 3, bias: 200, top: 'finite' } };
    const onlyE: SweepDefinition = { axes: [{ knob: 'exponentBits', values: [2, 7] }], mode: 'ptq' };
    expect(enumerateCells(onlyE).map((c) => cellQuant(highBias, onlyE, c).weights)).toEqual([
      { kind: 'minifloat', exponentBits: 2, mantissaBits: 3, top: 'finite' },
      { kind: 'minifloat', exponentBits: 7, mantissaBits: 3, bias: 200, top: 'finite' },
    ]);
    // The cells' configs pass the config schema.
    for (const cell of enumerateCells(seed001)) expect(configSchema.safeParse(cellConfig(fn, seed001, cell)).success).toBe(true);
  });

  it('a weight-bits or LightNN-K sweep keeps the base\'s fixed clip or LightNN rounding', () => {
    const mse: Config = { ...defaultConfig(), weights: { kind: 'fixed', bits: 4, scale: 'mse', granularity: 'channel' } };
    expect(cellQuant(mse, seed000, enumerateCells(seed000)[0]).weights).toEqual({ kind: 'fixed', bits: 2, scale: 'mse', granularity: 'channel' });
    const onlyK: SweepDefinition = { axes: [{ knob: 'lightnnK', values: [2] }], mode: 'ptq' };
    const stochastic: Config = { ...defaultConfig(), weights: { kind: 'lightnn', k: 1, rounding: 'stochastic', allowZero: true } };
    expect(cellQuant(stochastic, onlyK, enumerateCells(onlyK)[0]).weights).toEqual({ kind: 'lightnn', k: 2, rounding: 'stochastic', allowZero: true });
    // From another kind: the plain scheme, as before.
    expect(cellQuant(stochastic, seed000, enumerateCells(seed000)[0]).weights).toEqual({ kind: 'fixed', bits: 2 });
  });
});

describe('reusing the kept model', () => {
  it('serves a PTQ sweep when it was trained in float with the same training keys', () => {
    const base: Config = { ...defaultConfig(), trainSize: 1000 };
    expect(keptModelServes({ ...base, weights: { kind: 'fixed', bits: 2 } }, base)).toBe(true);
    expect(keptModelServes({ ...base, training: 'qat', weights: { kind: 'fixed', bits: 2 } }, base)).toBe(false);
    expect(keptModelServes({ ...base, training: 'qat' }, base)).toBe(true);
    expect(keptModelServes({ ...base, trainSize: 2000 }, base)).toBe(false);
    expect(keptModelServes({ ...base, testSize: 300 }, base)).toBe(false);
    expect(keptModelServes({ ...base, hidden: [10] }, base)).toBe(true);
    expect(keptModelServes({ ...base, model: 'mlp', hidden: [10] }, { ...base, model: 'mlp' })).toBe(false);
    // Batch norm and the learning-rate schedule change the float model too.
    expect(keptModelServes({ ...base, batchNorm: true }, base)).toBe(false);
    expect(keptModelServes({ ...base, lrSchedule: { kind: 'cosine' } }, base)).toBe(false);
  });
});

describe('ETA', () => {
  it('extrapolates the mean time per cell, counting the cell in progress', () => {
    expect(sweepEtaMs({ cellsDone: 0, cellsTotal: 56, elapsedMs: 0 })).toBeNull();
    expect(sweepEtaMs({ cellsDone: 14, cellsTotal: 56, elapsedMs: 7000 })).toBe(21000);
    expect(sweepEtaMs({ cellsDone: 1, cellsTotal: 7, elapsedMs: 3000, currentFraction: 0.5 })).toBe(11000);
    expect(sweepEtaMs({ cellsDone: 7, cellsTotal: 7, elapsedMs: 3000 })).toBe(0);
  });
});

describe('heatmap', () => {
  it('puts the first axis on rows, the second on columns, pending cells as null', () => {
    const values = Array.from({ length: 56 }, (_, i) => (i < 10 ? i / 100 : null));
    const layout = heatmapLayout(seed000, values);
    expect(layout.rowLabels).toEqual(['2', '3', '4', '5', '6', '7', '8']);
    expect(layout.colLabels).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(layout.grid).toHaveLength(7);
    expect(layout.grid.every((row) => row.length === 8)).toBe(true);
    expect(layout.grid[1][1]).toMatchObject({ index: 9, value: 0.09, label: '3-bit weights · 2-bit inputs' });
    expect(layout.grid[6][7]).toMatchObject({ index: 55, value: null });
  });

  it('lays a one-axis sweep out as one column', () => {
    const layout = heatmapLayout(seed003, [0.9]);
    expect(layout.grid).toHaveLength(7);
    expect(layout.grid.every((row) => row.length === 1)).toBe(true);
    expect(layout.rowLabels[0]).toBe('Conventional');
    expect(layout.grid[0][0].value).toBe(0.9);
  });

  it('colours from dark (low) to yellow (high) with readable text', () => {
    expect(heatColour(0.5, 0.5, 1)).toEqual({ background: 'rgb(68, 1, 84)', text: '#ffffff' });
    expect(heatColour(1, 0.5, 1)).toEqual({ background: 'rgb(253, 231, 37)', text: '#111827' });
    expect(heatColour(0.7, 0.7, 0.7).background).toBe('rgb(253, 231, 37)');
  });
});

describe('paper beside ours', () => {
  it('summarises seed 000 by weight width', () => {
    const results = enumerateCells(seed000).map((c) => ((c.values[0] as number) === 2 ? 0.75 : (c.values[0] as number) > 3 ? 0.98 + (c.values[1] as number) / 1000 : 0.95));
    const rows = paperComparison('seed000', seed000, results, 0.985);
    expect(rows[0]).toEqual({ what: '2-bit weights, any input resolution', paper: '74.5% to 76.1%', ours: '75.00%' });
    expect(rows[1].ours).toBe('98.10% to 98.80%');
    expect(rows[2].ours).toBe('0.60 pp at most');
    expect(rows[3].ours).toBe('98.50%');
  });

  it('counts seed 001 formats of <= 10 bits within 0.5 pp of float32', () => {
    const results = enumerateCells(seed001).map((c) => ((c.values[1] as number) >= 2 ? 0.98 : 0.5));
    const rows = paperComparison('seed001', seed001, results, 0.982);
    // E + M <= 9 with E 2..8, M 0..7: 8+7+6+5+4+3+2 = 35 cells; those with M >= 2: 6+5+4+3+2+1+0 = 21.
    expect(rows[0].ours).toMatch(/^21 of 35; best E2 · M2 at 98.00%$/);
  });

  it('prints seed 003 errors beside the paper table', () => {
    const rows = paperComparison('seed003-mlp1', seed003, [0.98, 0.97], null);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toEqual({ what: 'Conventional', paper: '1.72% error', ours: '2.00% error' });
    expect(rows[2].ours).toBe('pending');
    expect(paperComparison('seed003-lenet', seed003, [], null)[6].paper).toBe('3.16% error');
    expect(matchSweepPreset(seed003, 'lenet')?.id).toBe('seed003-lenet');
    expect(matchSweepPreset(seed000, 'lenet')?.id).toBe('seed000');
  });
});

describe('run records', () => {
  const base: Config = { ...defaultConfig(), trainSize: 1000, testSize: 300 };

  it('carry the config as URL text (no energy table, no sweep) and its cost', () => {
    const config: Config = { ...base, weights: { kind: 'fixed', bits: 4 }, sweep: seed000, energy: { sramBytes: 1 } };
    const record = makeRecord({ config, label: 'w4', accuracy: 0.97, source: 'sweep', time: 1000 });
    expect(record.config).not.toMatch(/sweep|energy/);
    expect(recordConfig(record)).toEqual({ ...config, sweep: null, energy: {} });
    // Cost under the config's own table (1-byte SRAM: weights from DRAM).
    const cost = estimateCost(config, { ...DEFAULT_ENERGY_TABLE, sramBytes: 1 });
    expect(record.energyPJ).toBeCloseTo(cost.energyPJ, 6);
    expect(record.storageBits).toBe(cost.storageBits);
    expect(recostRecord(record, DEFAULT_ENERGY_TABLE).energyPJ).toBeCloseTo(estimateCost(config).energyPJ, 6);
    expect(isRunRecord(record)).toBe(true);
    expect(isRunRecord({ ...record, source: 'guess' })).toBe(false);
  });

  it('give seed 003 paper points for mlp1 and lenet, none for a custom mlp', () => {
    const paper = paperRecords(base);
    expect(paper.map((r) => r.label)).toEqual(SEED003_PRESETS.map((p) => `${p.name} (paper)`));
    expect(paper[0].accuracy).toBeCloseTo(1 - 0.0172, 10);
    expect(paper.every((r) => r.source === 'paper')).toBe(true);
    // The energy order seed 003 reports: BinaryNet cheapest, conventional the most expensive.
    const energy = Object.fromEntries(paper.map((r) => [r.id.replace('paper-mlp1-', ''), r.energyPJ]));
    expect(minOf(Object.values(energy))).toBe(energy.binarynet);
    expect(maxOf(Object.values(energy))).toBe(energy.conventional);
    expect(paperRecords({ ...base, model: 'lenet' })[6].accuracy).toBeCloseTo(1 - 0.0316, 10);
    expect(paperRecords({ ...base, model: 'mlp', hidden: [64] })).toEqual([]);
    // The paper's errors are MNIST's: no points for Fashion-MNIST, CIFAR-10 or an IDX set.
    expect(paperRecords({ ...base, data: 'fashion' })).toEqual([]);
    // CIFAR-10's networks get the paper's CIFAR-10 errors (seed 003's 3-conv and 6-conv columns).
    expect(paperRecords({ ...base, data: 'cifar10', model: 'cifar3conv' }).map((r) => Math.round((1 - r.accuracy) * 10000) / 100)).toEqual([21.16, 24.62, 26.11, 43.22, 32.58, 36.56, 73.82]);
    expect(paperRecords({ ...base, data: 'cifar10', model: 'cifar6conv' }).map((r) => Math.round((1 - r.accuracy) * 10000) / 100)).toEqual([10.94, 8.84, 8.79, 9.9, 10.12, 9.05, 11.4]);
    expect(paperRecords({ ...base, data: 'cifar10', model: 'mlp1' })).toEqual([]);
  });

  it('mark the front and join it with a staircase', () => {
    const mk = (accuracy: number, energy: number) => ({ ...makeRecord({ config: base, label: String(accuracy), accuracy, source: 'train' }), energyPJ: energy });
    const records = [mk(0.9, 10), mk(0.95, 100), mk(0.8, 50), mk(0.97, 1000)];
    const { points, front } = chartPoints(records, 'energy');
    expect(front).toEqual([0, 1, 3]);
    expect(frontStaircase(front.map((i) => points[i]))).toEqual([
      { cost: 10, accuracy: 0.9 },
      { cost: 100, accuracy: 0.9 },
      { cost: 100, accuracy: 0.95 },
      { cost: 1000, accuracy: 0.95 },
      { cost: 1000, accuracy: 0.97 },
    ]);
    // No kernel time measured: no points on that axis.
    expect(chartPoints(records, 'kernelTime').points).toEqual([]);
    expect(wantsLogScale([10, 101])).toBe(true);
    expect(wantsLogScale([10, 100])).toBe(false);
    expect(wantsLogScale([0, 5, 1000])).toBe(true);
  });

  it('export as CSV (quoted where needed) and JSON', () => {
    const record = makeRecord({ config: base, label: 'a "quoted", label', accuracy: 0.5, source: 'ptq', time: 0 });
    const csv = recordsToCsv([record]).split('\n');
    expect(csv[0]).toBe('id,time,source,label,accuracy,error_pct,energy_pj,storage_bits,area_um2,test_size,kernel_ms,diverged,config');
    expect(csv[1]).toContain(',1970-01-01T00:00:00.000Z,ptq,"a ""quoted"", label",0.5,50,');
    expect(csv[1].endsWith(`,300,,,${record.config}`)).toBe(true);
    const json = JSON.parse(recordsToJson([record]));
    expect(json.records[0]).toEqual(record);
    expect(decodeConfig(json.records[0].config).config.trainSize).toBe(1000);
  });
});

describe('the worker PTQ grid (shared input batches and quantized weights)', () => {
  it('gives exactly the numbers of evaluatePtq, cell by cell, and frees every tensor', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const { useNodeBackend } = await import('../../src/tf/tfNode');
    const { loadMnistFromPackage } = await import('../helpers/mnist');
    const { createNetwork, disposeNetwork } = await import('../../src/tf/network');
    const { evaluatePtq } = await import('../../src/tf/experiment');
    const { selectTestSubset, selectTrainingSubset } = await import('../../src/tf/train');
    const { evaluatePtqGrid } = await import('../../src/worker/ptqGrid');
    await useNodeBackend('wasm');
    const data = loadMnistFromPackage();
    const base: Config = { ...defaultConfig(), testSize: 700 };
    // Untrained weights are enough to compare two evaluations of the same network.
    const network = createNetwork(base, 7);
    const testSet = selectTestSubset(data.test, 700);
    const calibrationSet = selectTrainingSubset(data.train, 600, 1);
    const before = tf.memory().numTensors;
    const sweep: SweepDefinition = { axes: [{ knob: 'weightBits', values: [2, 8] }, { knob: 'inputBits', values: [1, 3, 8] }], mode: 'ptq' };
    const quants = [
      ...enumerateCells(sweep).map((cell) => cellQuant(base, sweep, cell)),
      { ...base, weights: { kind: 'lightnn' as const, k: 2 }, activations: { kind: 'relu' as const, bits: 4 }, inputBits: 2 },
      { ...base, weights: { kind: 'binary' as const, scale: 'none' as const }, activations: { kind: 'sign' as const } },
      { ...base, weights: { kind: 'minifloat' as const, exponentBits: 3, mantissaBits: 2 }, layers: [{ layer: -1, scheme: { kind: 'fixed' as const, bits: 8 } }] },
    ].map((q) => ({ weights: q.weights, activations: q.activations, inputBits: q.inputBits, layers: q.layers }));
    const grid: { accuracy: number; loss: number }[] = [];
    const done = await evaluatePtqGrid(network, quants.map((quant, index) => ({ index, quant })), testSet, calibrationSet, {
      cancelled: () => false,
      yieldToEvents: async () => undefined,
      onCell: (index, accuracy, loss) => {
        grid[index] = { accuracy, loss };
      },
    });
    expect(done).toBe(quants.length);
    expect(tf.memory().numTensors).toBe(before);
    for (const [index, quant] of quants.entries()) {
      expect(grid[index], JSON.stringify(quant)).toEqual(await evaluatePtq(network, quant, testSet, calibrationSet));
    }
    // Cancelled before the first cell: nothing evaluated, nothing left behind.
    const none = await evaluatePtqGrid(network, [{ index: 0, quant: quants[0] }], testSet, calibrationSet, {
      cancelled: () => true,
      yieldToEvents: async () => undefined,
      onCell: () => undefined,
    });
    expect(none).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(network);
  });
});

describe('the worker QAT sweep', () => {
  it('reports a diverged cell as diverged and goes on with the next', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const { useNodeBackend } = await import('../../src/tf/tfNode');
    const { loadMnistFromPackage } = await import('../helpers/mnist');
    const { runSweepCells } = await import('../../src/worker/sweepRunner');
    await useNodeBackend('wasm');
    const data = loadMnistFromPackage();
    const small: Config = { ...defaultConfig(), model: 'mlp1', trainSize: 200, testSize: 100, epochs: 1, batch: 32, training: 'qat', dataSeed: 1, initSeed: 1 };
    // Minifloat QAT keeps its latent weights unclipped: SGD at lr 10, momentum 0.999 through eight layers blows up.
    const diverging: Config = {
      ...small,
      model: 'mlp',
      hidden: [64, 64, 64, 64, 64, 64, 64, 64],
      lr: 10,
      optimizer: 'sgd',
      momentum: 0.999,
      trainSize: 400,
      weights: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 },
    };
    const healthy: Config = { ...small, weights: { kind: 'fixed', bits: 8 } };
    const events: SweepEvent[] = [];
    const before = tf.memory().numTensors;
    const summary = await runSweepCells(
      { mode: 'qat', cells: [{ index: 0, config: diverging }, { index: 1, config: healthy }] },
      { data, kept: null, cancelled: () => false, yieldToEvents: async () => undefined, onEvent: (e) => events.push(e) },
    );
    expect(tf.memory().numTensors).toBe(before);
    const cells = events.filter((e) => e.type === 'cell');
    expect(cells.map((c) => c.index)).toEqual([0, 1]);
    const [bad, good] = cells;
    expect(bad.diverged?.epoch).toBe(1);
    expect(bad.diverged?.batch).toBeGreaterThan(1);
    expect(bad.accuracy).toBeNaN();
    expect(good.diverged).toBeUndefined();
    expect(good.accuracy).toBeGreaterThan(0);
    // Not 'cancelled': the diverged cell is a result of its own, counted and sent again in the answer.
    expect(summary.status).toBe('done');
    expect(summary.cellsDone).toBe(2);
    expect(summary.cells.map((c) => c.diverged ?? null)).toEqual([bad.diverged, null]);
  });
});
