/**
 * `seed000`: fixed-point weights x input resolution. One float model is trained once; every cell
 * of the 7 x 8 grid (weight bits 2..8 x input bits 1..8) is post-training quantization of that
 * same model (no retraining), so the sweep costs 56 test-set evaluations. A few cells are also
 * trained with QAT to show what retraining recovers.
 */
import { disposeNetwork, estimateCost, evaluate, evaluatePtq } from '../tf';
import type { Config, MnistData, QuantConfig } from '../tf';
import type { Seed000Command } from './args';
import { formatDuration, markdownTable, percent, round, toCsv, writeResults, type Log } from './format';
import { trainFloatModel, trainOne, type TrainedRun } from './run';

export const WEIGHT_BITS = [2, 3, 4, 5, 6, 7, 8];
export const INPUT_BITS = [1, 2, 3, 4, 5, 6, 7, 8];

/** The seed's own scale (max|w| per layer) unless `scale` says another: mse is the calibrated column. */
export function fixedPointQuant(weightBits: number, inputBits: number, scale: 'max' | 'mse' = 'max'): QuantConfig {
  const weights = scale === 'max' ? { kind: 'fixed' as const, bits: weightBits } : { kind: 'fixed' as const, bits: weightBits, scale };
  return { weights, activations: { kind: 'relu' }, inputBits, layers: [] };
}

export interface GridCell {
  weightBits: number;
  inputBits: number;
  ptqAccuracy: number;
  /** PTQ with the calibrated clip (scale=mse: the step that minimises the squared error per layer). */
  ptqMseAccuracy: number;
  storageBits: number;
  energyPJ: number;
  qatAccuracy?: number;
}

/** Rows = weight bits, columns = input bits, accuracy in percent. */
export function gridTable(cells: GridCell[], pick: (c: GridCell) => number | undefined = (c) => c.ptqAccuracy): string {
  return markdownTable(
    ['w bits \\ in bits', ...INPUT_BITS.map(String)],
    WEIGHT_BITS.map((wb) => [
      String(wb),
      ...INPUT_BITS.map((ib) => {
        const value = pick(cells.find((c) => c.weightBits === wb && c.inputBits === ib)!);
        return value === undefined ? '' : (100 * value).toFixed(2);
      }),
    ]),
  );
}

/** Median wall time of `repeats` calls (after one warm-up), in ms. */
async function timeMedian(repeats: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export async function runSeed000(cmd: Seed000Command, data: MnistData, log: Log) {
  const started = performance.now();
  const { record: floatRecord, network, trainSet, testSet } = await trainFloatModel('seed000', cmd, data, log);
  const floatConfig = floatRecord.config;

  let cells: GridCell[];
  let sweepMs: number;
  let floatEvalMs: number;
  try {
    floatEvalMs = await timeMedian(3, () => evaluate(network, testSet));
    const sweepStart = performance.now();
    cells = [];
    for (const weightBits of WEIGHT_BITS) {
      for (const inputBits of INPUT_BITS) {
        const q = fixedPointQuant(weightBits, inputBits);
        const { accuracy } = await evaluatePtq(network, q, testSet, trainSet);
        const mse = await evaluatePtq(network, fixedPointQuant(weightBits, inputBits, 'mse'), testSet, trainSet);
        const cost = estimateCost({ model: floatConfig.model, hidden: floatConfig.hidden, batchNorm: floatConfig.batchNorm, ...q });
        cells.push({ weightBits, inputBits, ptqAccuracy: accuracy, ptqMseAccuracy: mse.accuracy, storageBits: cost.storageBits, energyPJ: round(cost.energyPJ, 1) });
      }
    }
    sweepMs = performance.now() - sweepStart;
  } finally {
    disposeNetwork(network);
  }
  log(`\nPTQ accuracy (%) of the float model (${percent(floatRecord.floatAccuracy)}), fixed-point weights x input bits:\n`);
  log(gridTable(cells));
  log('\nThe same with the calibrated clip (scale=mse, one scale per layer):\n');
  log(gridTable(cells, (c) => c.ptqMseAccuracy));
  log(
    `\nPTQ sweep: 2 x 56 cells in ${formatDuration(sweepMs)}; one float evaluation of the ${testSet.count} test images ` +
      `${floatEvalMs.toFixed(0)} ms (median of 3); ratio ${(sweepMs / floatEvalMs).toFixed(1)}x (112 evaluations, no retraining)`,
  );

  const qatRuns: Array<{ weightBits: number; inputBits: number; record: TrainedRun }> = [];
  for (const cell of cmd.qatCells) {
    const config: Config = { ...floatConfig, ...fixedPointQuant(cell.weightBits, cell.inputBits), training: 'qat' };
    const label = `QAT w${cell.weightBits} in${cell.inputBits}`;
    const { record, network: qatNetwork } = await trainOne(config, data, cmd.backend, log, label);
    disposeNetwork(qatNetwork);
    qatRuns.push({ ...cell, record });
    const target = cells.find((c) => c.weightBits === cell.weightBits && c.inputBits === cell.inputBits)!;
    target.qatAccuracy = record.quantizedAccuracy;
    log(`[${label}] QAT ${percent(record.quantizedAccuracy)} vs PTQ ${percent(target.ptqAccuracy)} (${formatDuration(record.wallS * 1000)})`);
  }
  if (qatRuns.length > 0) {
    log('\nQAT vs PTQ:\n');
    log(
      markdownTable(
        ['Weight bits', 'Input bits', 'PTQ', 'QAT', 'QAT - PTQ (pp)', 'QAT wall time'],
        qatRuns.map((r) => {
          const cell = cells.find((c) => c.weightBits === r.weightBits && c.inputBits === r.inputBits)!;
          return [r.weightBits, r.inputBits, percent(cell.ptqAccuracy), percent(r.record.quantizedAccuracy), (100 * (r.record.quantizedAccuracy - cell.ptqAccuracy)).toFixed(2), formatDuration(r.record.wallS * 1000)];
        }),
      ),
    );
  }
  const wallS = round((performance.now() - started) / 1000, 1);
  const json = {
    command: 'seed000',
    date: new Date().toISOString(),
    model: cmd.model,
    float: floatRecord,
    timing: { ptqSweepMs: round(sweepMs, 1), floatEvalMs: round(floatEvalMs, 1), ratio: round(sweepMs / floatEvalMs, 2), cells: cells.length, evaluations: 2 * cells.length },
    grid: cells.map((c) => ({ ...c, ptqAccuracy: round(c.ptqAccuracy), ptqMseAccuracy: round(c.ptqMseAccuracy), qatAccuracy: c.qatAccuracy === undefined ? undefined : round(c.qatAccuracy) })),
    qat: qatRuns,
    wallS,
  };
  const csv = toCsv(
    ['weight_bits', 'input_bits', 'ptq_accuracy', 'ptq_mse_accuracy', 'qat_accuracy', 'float_accuracy', 'storage_bits', 'energy_pj'],
    cells.map((c) => [c.weightBits, c.inputBits, round(c.ptqAccuracy), round(c.ptqMseAccuracy), c.qatAccuracy === undefined ? '' : round(c.qatAccuracy), round(floatRecord.floatAccuracy), c.storageBits, c.energyPJ]),
  );
  const { jsonPath, csvPath } = writeResults(cmd.out, json, csv);
  log(`\ntotal wall time ${formatDuration(wallS * 1000)}; wrote ${jsonPath} and ${csvPath}`);
  return json;
}
