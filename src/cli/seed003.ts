/**
 * `seed003`: the seven LightNN-paper models (Conventional ... BinaryNet) trained with QAT under the
 * same settings, each beside the test error the paper reports. Results are rewritten after every
 * model, so a long run that is cut off keeps what it finished.
 */
import { disposeNetwork, SEED003_PRESETS, type MnistData, type SchemePreset } from '../tf';
import type { Seed003Command, SeedModel } from './args';
import { formatDuration, markdownTable, round, toCsv, writeResults, type Log } from './format';
import { describeSetup, trainOne, type TrainedRun } from './run';

export interface Seed003Row {
  id: string;
  name: string;
  /** Test error of the QAT model, percent. */
  errorPct: number;
  paperErrorPct: number;
  /** Ours minus the paper's, percentage points (positive: we are worse). */
  gapPP: number;
  /** Test error of the latent float weights of the same run (same activations), percent. */
  latentFloatErrorPct: number;
  epochs: number;
  wallS: number;
  storageBits: number;
  energyPJ: number;
}

export function seed003Row(preset: SchemePreset, model: SeedModel, record: TrainedRun): Seed003Row {
  const errorPct = round(100 * (1 - record.quantizedAccuracy), 2);
  const paperErrorPct = preset.paperError[model];
  return {
    id: preset.id,
    name: preset.name,
    errorPct,
    paperErrorPct,
    gapPP: round(errorPct - paperErrorPct, 2),
    latentFloatErrorPct: round(100 * (1 - record.floatAccuracy), 2),
    epochs: record.config.epochs,
    wallS: record.wallS,
    storageBits: record.storageBits,
    energyPJ: record.energyPJ,
  };
}

const CSV_HEADER = ['id', 'name', 'error_pct', 'paper_error_pct', 'gap_pp', 'latent_float_error_pct', 'epochs', 'wall_s', 'storage_bits', 'energy_pj'];

export function seed003Table(rows: Seed003Row[]): string {
  return markdownTable(
    ['Model', 'Our test error', 'Paper', 'Gap (pp)', 'Epochs', 'Wall time', 'Storage (bits)', 'Energy (pJ)'],
    rows.map((r) => [
      r.name,
      `${r.errorPct.toFixed(2)}%`,
      `${r.paperErrorPct.toFixed(2)}%`,
      `${r.gapPP >= 0 ? '+' : ''}${r.gapPP.toFixed(2)}`,
      r.epochs,
      formatDuration(r.wallS * 1000),
      r.storageBits.toLocaleString('en-US'),
      Math.round(r.energyPJ).toLocaleString('en-US'),
    ]),
  );
}

export async function runSeed003(cmd: Seed003Command, data: MnistData, log: Log): Promise<Seed003Row[]> {
  const started = performance.now();
  const { base } = cmd;
  log(
    `seed003 ${cmd.model}: ${cmd.only.length} models, QAT, ${describeSetup(base, cmd.backend)}`,
  );
  const rows: Seed003Row[] = [];
  const runs: TrainedRun[] = [];
  for (const preset of SEED003_PRESETS.filter((p) => cmd.only.includes(p.id))) {
    const config = { ...base, weights: preset.weights, activations: preset.activations, batchNorm: cmd.batchNorm ?? preset.batchNorm, training: 'qat' as const };
    const { record, network } = await trainOne(config, data, cmd.backend, log, preset.name);
    disposeNetwork(network);
    const row = seed003Row(preset, cmd.model, record);
    rows.push(row);
    runs.push(record);
    log(`[${preset.name}] test error ${row.errorPct.toFixed(2)}% (paper ${row.paperErrorPct.toFixed(2)}%, gap ${row.gapPP.toFixed(2)} pp), ${formatDuration(row.wallS * 1000)}`);
    const json = {
      command: 'seed003',
      date: new Date().toISOString(),
      model: cmd.model,
      settings: { batchNorm: cmd.batchNorm ?? 'preset', lrSchedule: base.lrSchedule, epochs: base.epochs, trainSize: base.trainSize, testSize: base.testSize, batch: base.batch, lr: base.lr, optimizer: base.optimizer, dataSeed: base.dataSeed, initSeed: base.initSeed, backend: cmd.backend },
      wallS: round((performance.now() - started) / 1000, 1),
      rows,
      runs,
    };
    writeResults(cmd.out, json, toCsv(CSV_HEADER, rows.map((r) => [r.id, r.name, r.errorPct, r.paperErrorPct, r.gapPP, r.latentFloatErrorPct, r.epochs, r.wallS, r.storageBits, r.energyPJ])));
  }
  log(`\nseed003 ${cmd.model}, ${base.epochs} epochs, total wall time ${formatDuration(performance.now() - started)}\n`);
  log(seed003Table(rows));
  log(`\nwrote ${cmd.out}.json and ${cmd.out}.csv`);
  return rows;
}
