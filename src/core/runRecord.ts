/**
 * Run records: every configuration evaluated in a session (a training run, a PTQ evaluation, a
 * sweep cell, or a paper's reported point) with its accuracy and its cost, for the Pareto chart
 * and for export. TF.js-free.
 */
import { decodeConfig, encodeConfig, energyTableOf, withoutClassroomKeys, type Config } from './config';
import type { EnergyTable } from './cost/energyTable';
import { estimateCost } from './cost/estimate';
import { paretoFront } from './pareto';
import { SEED003_PRESETS } from './presets';

export const RECORD_SOURCES = ['train', 'ptq', 'sweep', 'paper'] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

export interface RunRecord {
  id: string;
  /** The configuration as URL text (encodeConfig, without the energy table and the sweep). */
  config: string;
  label: string;
  /** Test accuracy in [0, 1]. */
  accuracy: number;
  /** Energy per inference (pJ), storage (bits) and area (um^2) under the energy table of the time. */
  energyPJ: number;
  storageBits: number;
  areaUm2: number;
  source: RecordSource;
  /** Milliseconds since 1970. */
  time: number;
  /** Test images the accuracy was measured on (absent for paper points). */
  testSize?: number;
  /** Measured time of one inference on the hand-written kernels (ms), when measured. */
  kernelMs?: number;
}

/** The part of a config that says which network was evaluated: no energy table, no sweep. */
export function recordConfigText(config: Config): string {
  // A record names the evaluated network, not the page it was shown on (lesson, hidden panels).
  return encodeConfig(withoutClassroomKeys({ ...config, energy: {}, sweep: null }));
}

export function recordConfig(record: Pick<RunRecord, 'config'>): Config {
  return decodeConfig(record.config).config;
}

export interface Cost {
  energyPJ: number;
  storageBits: number;
  areaUm2: number;
}

/** Energy, storage and area of a config under a table; NaN where the cost model refuses it. */
export function costOf(config: Config, table: EnergyTable = energyTableOf(config)): Cost {
  try {
    const cost = estimateCost(config, table);
    return { energyPJ: cost.energyPJ, storageBits: cost.storageBits, areaUm2: cost.areaUm2 };
  } catch {
    return { energyPJ: NaN, storageBits: NaN, areaUm2: NaN };
  }
}

let counter = 0;
/** Unique within a page and across reloads (time, a counter and a random part). */
export function newRecordId(time: number): string {
  counter = (counter + 1) % 1_000_000;
  return `${time.toString(36)}-${counter.toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

export function makeRecord(input: {
  config: Config;
  label: string;
  accuracy: number;
  source: RecordSource;
  table?: EnergyTable;
  time?: number;
  kernelMs?: number;
}): RunRecord {
  const time = input.time ?? Date.now();
  const record: RunRecord = {
    id: newRecordId(time),
    config: recordConfigText(input.config),
    label: input.label,
    accuracy: input.accuracy,
    ...costOf(input.config, input.table ?? energyTableOf(input.config)),
    source: input.source,
    time,
  };
  if (input.source !== 'paper') record.testSize = input.config.testSize;
  if (input.kernelMs !== undefined) record.kernelMs = input.kernelMs;
  return record;
}

/** The same record with its cost recomputed under another energy table (the chart follows table edits). */
export function recostRecord(record: RunRecord, table: EnergyTable): RunRecord {
  return { ...record, ...costOf(recordConfig(record), table) };
}

/** Whether a stored value is a record (what IndexedDB gives back is checked before use). */
export function isRunRecord(value: unknown): value is RunRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.config === 'string' &&
    typeof r.label === 'string' &&
    typeof r.accuracy === 'number' &&
    typeof r.energyPJ === 'number' &&
    typeof r.storageBits === 'number' &&
    typeof r.areaUm2 === 'number' &&
    RECORD_SOURCES.includes(r.source as RecordSource) &&
    typeof r.time === 'number'
  );
}

// ---------------------------------------------------------------- paper points

/** Seed 003's column for a model, or null when the paper has none for it. */
export function paperModelKey(config: Pick<Config, 'model' | 'hidden'>): 'mlp1' | 'lenet' | 'mlp4096x3' | null {
  if (config.model === 'mlp1' || config.model === 'lenet') return config.model;
  if (config.model === 'mlp' && config.hidden.length === 3 && config.hidden.every((h) => h === 4096)) return 'mlp4096x3';
  return null;
}

/**
 * Seed 003's seven models for the base config's network: accuracy = 100 % - the paper's test error,
 * cost from our model of that preset's config. Empty for a network the paper did not report.
 */
export function paperRecords(base: Config, table: EnergyTable = energyTableOf(base)): RunRecord[] {
  const key = paperModelKey(base);
  if (!key) return [];
  return SEED003_PRESETS.map((preset) => {
    const config: Config = { ...base, weights: preset.weights, activations: preset.activations, inputBits: 8, layers: [], training: preset.id === 'conventional' ? 'float' : 'qat' };
    return {
      ...makeRecord({ config, label: `${preset.name} (paper)`, accuracy: 1 - preset.paperError[key] / 100, source: 'paper', table, time: 0 }),
      id: `paper-${key}-${preset.id}`,
    };
  });
}

// ---------------------------------------------------------------- chart axes

export type CostAxis = 'energy' | 'storage' | 'area' | 'kernelTime';

export const COST_AXES: Record<CostAxis, { label: string; unit: string; value(r: RunRecord): number | undefined }> = {
  energy: { label: 'Energy per inference', unit: 'pJ', value: (r) => r.energyPJ },
  storage: { label: 'Storage', unit: 'KB', value: (r) => r.storageBits / 8 / 1024 },
  area: { label: 'Area (MAC datapaths)', unit: 'um²', value: (r) => r.areaUm2 },
  kernelTime: { label: 'Measured kernel time', unit: 'ms', value: (r) => r.kernelMs },
};

/** A log axis when the positive values span more than one decade. */
export function wantsLogScale(values: readonly number[]): boolean {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length < 2) return false;
  return Math.max(...positive) / Math.min(...positive) > 10;
}

export interface ChartPoint {
  record: RunRecord;
  cost: number;
  accuracy: number;
}

/** Points with a finite positive-or-zero cost on the axis, and which of them are Pareto-optimal (indices into the points). */
export function chartPoints(records: readonly RunRecord[], axis: CostAxis): { points: ChartPoint[]; front: number[] } {
  const points = records
    .map((record) => ({ record, cost: COST_AXES[axis].value(record) ?? NaN, accuracy: record.accuracy }))
    .filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.accuracy));
  return { points, front: paretoFront(points, 'cost') };
}

/**
 * The staircase joining front points: from each point right to the next point's cost, then up to its
 * accuracy (the best accuracy reachable at a given cost).
 */
export function frontStaircase(front: readonly { cost: number; accuracy: number }[]): { cost: number; accuracy: number }[] {
  const sorted = [...front].sort((a, b) => a.cost - b.cost || a.accuracy - b.accuracy);
  const steps: { cost: number; accuracy: number }[] = [];
  sorted.forEach((p, i) => {
    if (i > 0) steps.push({ cost: p.cost, accuracy: sorted[i - 1].accuracy });
    steps.push({ cost: p.cost, accuracy: p.accuracy });
  });
  return steps;
}

// ---------------------------------------------------------------- export

const CSV_COLUMNS = ['id', 'time', 'source', 'label', 'accuracy', 'error_pct', 'energy_pj', 'storage_bits', 'area_um2', 'test_size', 'kernel_ms', 'config'] as const;

function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function recordsToCsv(records: readonly RunRecord[]): string {
  const rows = records.map((r) =>
    [
      r.id,
      new Date(r.time).toISOString(),
      r.source,
      r.label,
      r.accuracy,
      +(100 * (1 - r.accuracy)).toFixed(6),
      r.energyPJ,
      r.storageBits,
      r.areaUm2,
      r.testSize,
      r.kernelMs,
      r.config,
    ]
      .map(csvField)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

export function recordsToJson(records: readonly RunRecord[], table?: EnergyTable): string {
  return JSON.stringify({ format: 'quantization-playground-records', version: 1, energyTable: table, records }, null, 2) + '\n';
}
