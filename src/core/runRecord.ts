/**
 * Run records: every configuration evaluated in a session (a training run, a PTQ evaluation, a
 * sweep cell, or a paper's reported point) with its accuracy and its cost, for the Pareto chart
 * and for export. TF.js-free.
 */
import { maxOf, minOf } from './arrays';
import { decodeConfig, encodeConfig, energyTableOf, withoutClassroomKeys, type Config } from './config';
import type { EnergyTable } from './cost/energyTable';
import { estimateCost } from './cost/estimate';
import { paretoFront } from './pareto';
import { SEED003_PRESETS, type SchemePreset } from './presets';

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
  /** Where training's loss stopped being finite (1-based epoch and batch in it); accuracy is then 0. */
  diverged?: { epoch: number; batch: number };
}

/** Longest config text a stored record may carry (16 per-layer overrides stay well below). */
export const MAX_RECORD_CONFIG_CHARS = 4000;
export const MAX_RECORD_LABEL_CHARS = 300;
export const MAX_RECORD_ID_CHARS = 200;

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
  diverged?: { epoch: number; batch: number };
}): RunRecord {
  const time = input.time ?? Date.now();
  const label = input.label.length > MAX_RECORD_LABEL_CHARS ? `${input.label.slice(0, MAX_RECORD_LABEL_CHARS - 1)}…` : input.label;
  const record: RunRecord = {
    id: newRecordId(time),
    config: recordConfigText(input.config),
    label,
    // A diverged network outputs NaN: it classifies nothing.
    accuracy: input.diverged ? 0 : input.accuracy,
    ...costOf(input.config, input.table ?? energyTableOf(input.config)),
    source: input.source,
    time,
  };
  if (input.source !== 'paper') record.testSize = input.config.testSize;
  // A failed measurement is no measurement (a stored NaN would fail validation on reload).
  if (input.kernelMs !== undefined && Number.isFinite(input.kernelMs) && input.kernelMs >= 0) record.kernelMs = input.kernelMs;
  if (input.diverged) record.diverged = { epoch: input.diverged.epoch, batch: input.diverged.batch };
  return record;
}

/** The same record with its cost recomputed under another energy table (the chart follows table edits). */
export function recostRecord(record: RunRecord, table: EnergyTable): RunRecord {
  return { ...record, ...costOf(recordConfig(record), table) };
}

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
/** A cost: a number, NaN included (costOf gives NaN where the cost model refuses a config). */
const isCost = (v: unknown): v is number => typeof v === 'number';

/**
 * Why a stored value is not a usable record, or null when it is. Every field is checked, optional
 * ones included: what IndexedDB or an import gives back may come from an older page, another
 * tab's bug or a hand edit, and one bad field (kernelMs: null) used to blank the whole page.
 */
export function recordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (!isText(r.id, MAX_RECORD_ID_CHARS)) return 'id';
  if (!isText(r.config, MAX_RECORD_CONFIG_CHARS)) return 'config';
  if (!isText(r.label, MAX_RECORD_LABEL_CHARS)) return 'label';
  if (!(typeof r.accuracy === 'number' && Number.isFinite(r.accuracy) && r.accuracy >= 0 && r.accuracy <= 1)) return 'accuracy';
  if (!isCost(r.energyPJ)) return 'energyPJ';
  if (!isCost(r.storageBits)) return 'storageBits';
  if (!isCost(r.areaUm2)) return 'areaUm2';
  if (!RECORD_SOURCES.includes(r.source as RecordSource)) return 'source';
  if (!(typeof r.time === 'number' && Number.isFinite(r.time))) return 'time';
  if (r.testSize !== undefined && !isCount(r.testSize)) return 'testSize';
  if (r.kernelMs !== undefined && !(typeof r.kernelMs === 'number' && Number.isFinite(r.kernelMs) && r.kernelMs >= 0)) return 'kernelMs';
  if (r.diverged !== undefined) {
    const d = r.diverged as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || !isCount(d.epoch) || !isCount(d.batch)) return 'diverged';
  }
  return null;
}

/** Whether a stored value is a record (what IndexedDB gives back is checked before use). */
export function isRunRecord(value: unknown): value is RunRecord {
  return recordProblem(value) === null;
}

/** The valid records among stored values, and how many were not. */
export function validRecords(values: readonly unknown[]): { records: RunRecord[]; skipped: number } {
  const records: RunRecord[] = [];
  let skipped = 0;
  for (const value of values) {
    if (isRunRecord(value)) records.push(value);
    else skipped++;
  }
  return { records, skipped };
}

// ---------------------------------------------------------------- paper points

/** Seed 003's column for a model, or null when the paper has none for it. */
export function paperModelKey(config: Pick<Config, 'model' | 'hidden' | 'data'>): keyof SchemePreset['paperError'] | null {
  // The paper reports MNIST and CIFAR-10: nothing for Fashion-MNIST or the user's own IDX set.
  if (config.data === 'cifar10') return config.model === 'cifar3conv' || config.model === 'cifar6conv' ? config.model : null;
  if (config.data !== 'mnist') return null;
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
  return maxOf(positive) / minOf(positive) > 10;
}

export interface ChartPoint {
  record: RunRecord;
  cost: number;
  accuracy: number;
}

/**
 * Points with a finite cost on the axis, and which of them are Pareto-optimal (indices into the
 * points). Diverged runs are left out: their accuracy of 0 says nothing about the setting's cost.
 * O(n log n) (the front's sort).
 */
export function chartPoints(records: readonly RunRecord[], axis: CostAxis): { points: ChartPoint[]; front: number[] } {
  const value = COST_AXES[axis].value;
  const points: ChartPoint[] = [];
  for (const record of records) {
    if (record.diverged) continue;
    const cost = value(record) ?? NaN;
    if (Number.isFinite(cost) && Number.isFinite(record.accuracy)) points.push({ record, cost, accuracy: record.accuracy });
  }
  return { points, front: paretoFront(points, 'cost') };
}

/** What the axes need of many points: the smallest and largest positive cost, the lowest and highest accuracy. */
export interface PointExtent {
  costLo: number;
  costHi: number;
  accuracyLo: number;
  accuracyHi: number;
}

/** One pass; Infinity / -Infinity where no point has a value (positive costs only: a log axis has no 0). */
export function pointExtent(points: readonly { cost: number; accuracy: number }[]): PointExtent {
  let costLo = Infinity;
  let costHi = -Infinity;
  let accuracyLo = Infinity;
  let accuracyHi = -Infinity;
  for (const p of points) {
    if (p.cost > 0 && p.cost < Infinity) {
      if (p.cost < costLo) costLo = p.cost;
      if (p.cost > costHi) costHi = p.cost;
    }
    if (Number.isFinite(p.accuracy)) {
      if (p.accuracy < accuracyLo) accuracyLo = p.accuracy;
      if (p.accuracy > accuracyHi) accuracyHi = p.accuracy;
    }
  }
  return { costLo, costHi, accuracyLo, accuracyHi };
}

/** Most off-front points the chart draws; 100,000 SVG marks take seconds to lay out and hide each other anyway. */
export const MAX_DRAWN_POINTS = 2000;

/**
 * Which points off the front the chart draws (ascending indices): all of them up to `max`; beyond
 * that, one per cell of a grid of at most `max` cells over the points' cost (log10 on a log axis)
 * and accuracy range, the last point of the cell in the given order (records are kept oldest
 * first, so the newest). Deterministic, O(n + max); front points are never thinned, the caller
 * draws all of them.
 */
export function thinPoints(points: readonly { cost: number; accuracy: number }[], front: readonly number[], log: boolean, max = MAX_DRAWN_POINTS): number[] {
  const onFront = new Uint8Array(points.length);
  for (const i of front) onFront[i] = 1;
  const others = points.length - front.length;
  if (others <= max) {
    const all: number[] = [];
    for (let i = 0; i < points.length; i++) if (!onFront[i]) all.push(i);
    return all;
  }
  if (max <= 0) return [];
  // About 5:4 columns to rows, the shape of the plot.
  const columns = Math.max(1, Math.min(max, Math.round(Math.sqrt(max * 1.25))));
  const rows = Math.max(1, Math.floor(max / columns));
  // NaN for a cost a log axis cannot place (0): such points share the first column.
  const x = (cost: number) => (log ? (cost > 0 ? Math.log10(cost) : NaN) : cost);
  const xs = new Float64Array(points.length);
  let xLo = Infinity;
  let xHi = -Infinity;
  let yLo = Infinity;
  let yHi = -Infinity;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const v = (xs[i] = x(p.cost));
    if (!Number.isFinite(v) || !Number.isFinite(p.accuracy)) continue;
    if (v < xLo) xLo = v;
    if (v > xHi) xHi = v;
    if (p.accuracy < yLo) yLo = p.accuracy;
    if (p.accuracy > yHi) yHi = p.accuracy;
  }
  const cellOf = (value: number, lo: number, hi: number, n: number) =>
    Number.isFinite(value) && hi > lo ? Math.max(0, Math.min(n - 1, Math.floor(((value - lo) / (hi - lo)) * n))) : 0;
  const kept = new Int32Array(columns * rows).fill(-1);
  for (let i = 0; i < points.length; i++) {
    if (onFront[i]) continue;
    const p = points[i];
    const cell = cellOf(xs[i], xLo, xHi, columns) * rows + cellOf(p.accuracy, yLo, yHi, rows);
    kept[cell] = i;
  }
  const shown: number[] = [];
  for (const i of kept) if (i >= 0) shown.push(i);
  return shown.sort((a, b) => a - b);
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

const CSV_COLUMNS = ['id', 'time', 'source', 'label', 'accuracy', 'error_pct', 'energy_pj', 'storage_bits', 'area_um2', 'test_size', 'kernel_ms', 'diverged', 'config'] as const;

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
      r.diverged ? `epoch ${r.diverged.epoch} batch ${r.diverged.batch}` : '',
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
