/**
 * Sweeps: a grid over one or two quantization knobs, evaluated cell by cell (PTQ of one float model,
 * or quantization-aware training per cell). This module holds the pure parts: the definition and
 * its URL text (`weightBits:2-8,inputBits:1-8;mode=ptq`), the cells and their configs, the ETA,
 * the heatmap layout, the one-click presets and what the papers report beside ours.
 * TF.js-free: the page, the worker and Node use it.
 */
import { z } from 'zod';
import type { Config } from './config';
import { SEED003_PRESETS } from './presets';
import { isFloatConfig, quantOf } from './quant/quantConfig';
import { minifloatBiasRange, minifloatFormatEntry, type MinifloatScheme } from './quant/formats/minifloat';
import type { ActivationScheme, WeightScheme } from './quant/schemes';
import { maxOf, minOf } from './arrays';
import { percent } from './percent';

// ---------------------------------------------------------------- the definition

export const NUMERIC_SWEEP_KNOBS = ['weightBits', 'inputBits', 'exponentBits', 'mantissaBits', 'lightnnK', 'activationBits'] as const;
export type NumericSweepKnob = (typeof NUMERIC_SWEEP_KNOBS)[number];
export type SweepKnob = NumericSweepKnob | 'preset';
export const SWEEP_KNOBS: readonly SweepKnob[] = [...NUMERIC_SWEEP_KNOBS, 'preset'];
export const SWEEP_MODES = ['ptq', 'qat'] as const;
export type SweepMode = (typeof SWEEP_MODES)[number];

export type SweepAxis = { knob: NumericSweepKnob; values: number[] } | { knob: 'preset'; values: string[] };

export interface SweepDefinition {
  /** One or two axes; with two, the first gives the heatmap's rows and the second its columns. */
  axes: SweepAxis[];
  /** 'ptq': train float once, then quantize and test per cell; 'qat': train each cell through its quantizers. */
  mode: SweepMode;
}

/** Cells a sweep may have (a 16 x 16 grid). */
export const MAX_SWEEP_CELLS = 256;

interface NumericKnobInfo {
  label: string;
  min: number;
  max: number;
  /** Which part of the quantization the knob sets; two axes must not set the same part differently. */
  sets: 'weights' | 'minifloat' | 'inputs' | 'activations';
  short(value: number): string;
}

export const SWEEP_KNOB_INFO: Record<NumericSweepKnob, NumericKnobInfo> = {
  weightBits: { label: 'Weight bits (fixed point)', min: 2, max: 16, sets: 'weights', short: (v) => `${v}-bit weights` },
  inputBits: { label: 'Input bits', min: 1, max: 8, sets: 'inputs', short: (v) => `${v}-bit inputs` },
  exponentBits: { label: 'Minifloat exponent bits E', min: 2, max: 8, sets: 'minifloat', short: (v) => `E${v}` },
  mantissaBits: { label: 'Minifloat mantissa bits M', min: 0, max: 23, sets: 'minifloat', short: (v) => `M${v}` },
  lightnnK: { label: 'LightNN k (powers of two per weight)', min: 1, max: 4, sets: 'weights', short: (v) => `LightNN-${v}` },
  activationBits: { label: 'Activation bits (fixed ReLU)', min: 1, max: 16, sets: 'activations', short: (v) => `${v}-bit ReLU` },
};
export const PRESET_KNOB_LABEL = 'Seed 003 model (weights and activations)';

export function knobLabel(knob: SweepKnob): string {
  return knob === 'preset' ? PRESET_KNOB_LABEL : SWEEP_KNOB_INFO[knob].label;
}

const PRESET_IDS = SEED003_PRESETS.map((p) => p.id);

/** What a knob sets, for conflict checks: a preset sets both the weights and the activations. */
function partsSet(knob: SweepKnob): string[] {
  if (knob === 'preset') return ['weights', 'minifloat', 'activations'];
  const sets = SWEEP_KNOB_INFO[knob].sets;
  return sets === 'minifloat' ? ['weights', 'minifloat'] : [sets];
}

/** Checks a definition; the same rules judge the URL, the page's editor and the tests. */
export function checkSweep(raw: unknown): { ok: true; sweep: SweepDefinition } | { ok: false; message: string } {
  if (typeof raw !== 'object' || raw === null) return { ok: false, message: 'a sweep is one or two axes and a mode' };
  const { axes, mode, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return { ok: false, message: `unknown part ${extra.join(', ')}` };
  if (!SWEEP_MODES.includes(mode as SweepMode)) return { ok: false, message: `mode must be ptq or qat, got ${JSON.stringify(mode)}` };
  if (!Array.isArray(axes) || axes.length < 1 || axes.length > 2) return { ok: false, message: 'one or two axes' };
  const out: SweepAxis[] = [];
  for (const axis of axes as unknown[]) {
    if (typeof axis !== 'object' || axis === null) return { ok: false, message: 'an axis is knob:values' };
    const { knob, values, ...more } = axis as Record<string, unknown>;
    if (Object.keys(more).length > 0) return { ok: false, message: `unknown part ${Object.keys(more).join(', ')}` };
    if (!SWEEP_KNOBS.includes(knob as SweepKnob)) {
      return { ok: false, message: `unknown knob ${JSON.stringify(knob)}; expected one of ${SWEEP_KNOBS.join(', ')}` };
    }
    if (!Array.isArray(values) || values.length === 0) return { ok: false, message: `${String(knob)}: no values` };
    if (new Set(values).size !== values.length) return { ok: false, message: `${String(knob)}: a value is repeated` };
    if (knob === 'preset') {
      const bad = values.find((v) => !PRESET_IDS.includes(v as string));
      if (bad !== undefined) return { ok: false, message: `preset: unknown model ${JSON.stringify(bad)}; expected ${PRESET_IDS.join(', ')} or all` };
      out.push({ knob, values: [...(values as string[])] });
    } else {
      const info = SWEEP_KNOB_INFO[knob as NumericSweepKnob];
      const bad = values.find((v) => typeof v !== 'number' || !Number.isInteger(v) || v < info.min || v > info.max);
      if (bad !== undefined) return { ok: false, message: `${String(knob)}: values must be integers from ${info.min} to ${info.max}, got ${JSON.stringify(bad)}` };
      out.push({ knob: knob as NumericSweepKnob, values: [...(values as number[])] });
    }
  }
  if (out.length === 2) {
    if (out[0].knob === out[1].knob) return { ok: false, message: `${out[0].knob} is on both axes` };
    const a = partsSet(out[0].knob);
    const b = partsSet(out[1].knob);
    const bothMinifloat = a.includes('minifloat') && b.includes('minifloat') && out[0].knob !== 'preset' && out[1].knob !== 'preset';
    if (!bothMinifloat && a.some((part) => b.includes(part))) {
      return { ok: false, message: `${out[0].knob} and ${out[1].knob} both set the ${a.find((part) => b.includes(part))}; sweep them separately` };
    }
  }
  const cells = out.reduce((n, axis) => n * axis.values.length, 1);
  if (cells > MAX_SWEEP_CELLS) return { ok: false, message: `${cells} cells; at most ${MAX_SWEEP_CELLS}` };
  return { ok: true, sweep: { axes: out, mode: mode as SweepMode } };
}

/** The URL key's schema: any raw value goes through checkSweep. */
export const sweepSchema = z.unknown().transform((raw, ctx): SweepDefinition => {
  const checked = checkSweep(raw);
  if (checked.ok) return checked.sweep;
  ctx.addIssue({ code: 'custom', message: checked.message });
  return z.NEVER;
});

// ---------------------------------------------------------------- URL text

/** Consecutive ascending integers (two or more) are written as a range `a-b`; others joined with `_`. */
export function encodeValues(axis: SweepAxis): string {
  if (axis.knob === 'preset') {
    const all = axis.values.length === PRESET_IDS.length && axis.values.every((v, i) => v === PRESET_IDS[i]);
    return all ? 'all' : axis.values.join('_');
  }
  const v = axis.values;
  const consecutive = v.length >= 2 && v.every((x, i) => i === 0 || x === v[i - 1] + 1);
  return consecutive ? `${v[0]}-${v[v.length - 1]}` : v.join('_');
}

/** `weightBits:2-8,inputBits:1-8;mode=ptq`. */
export function encodeSweep(sweep: SweepDefinition): string {
  return `${sweep.axes.map((a) => `${a.knob}:${encodeValues(a)}`).join(',')};mode=${sweep.mode}`;
}

function decodeNumbers(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to < from || to - from > MAX_SWEEP_CELLS) return [NaN];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  return text.split('_').map((part) => (/^\d+$/.test(part.trim()) ? Number(part) : NaN));
}

/**
 * The URL text as the raw object checkSweep judges (never throws): `knob:values` axes joined with
 * `,`, then `;mode=ptq` or `;mode=qat` (ptq when left out). Values: `a-b`, `a_b_c`, or for presets
 * ids joined with `_`, or `all`.
 */
export function decodeSweepText(text: string): unknown {
  const [axesText, ...options] = text.split(';');
  let mode: unknown = 'ptq';
  for (const option of options) {
    const [key, value] = option.split('=');
    if (key.trim() === 'mode') mode = value?.trim();
    else return { axes: [], mode, [key.trim() || 'empty']: value };
  }
  const axes = axesText
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const colon = part.indexOf(':');
      const knob = (colon < 0 ? part : part.slice(0, colon)).trim();
      const values = colon < 0 ? '' : part.slice(colon + 1).trim();
      if (knob === 'preset') return { knob, values: values === 'all' ? [...PRESET_IDS] : values.split('_').filter((v) => v !== '') };
      return { knob, values: values === '' ? [] : decodeNumbers(values) };
    });
  return { axes, mode };
}

export function parseSweep(text: string): { ok: true; sweep: SweepDefinition } | { ok: false; message: string } {
  return checkSweep(decodeSweepText(text));
}

// ---------------------------------------------------------------- cells

export interface SweepCell {
  /** Row-major index: the first axis is the outer loop. */
  index: number;
  /** Index along each axis. */
  coords: number[];
  values: (number | string)[];
}

export function cellCount(sweep: SweepDefinition): number {
  return sweep.axes.reduce((n, axis) => n * axis.values.length, 1);
}

export function enumerateCells(sweep: SweepDefinition): SweepCell[] {
  const cells: SweepCell[] = [];
  const sizes = sweep.axes.map((a) => a.values.length);
  const total = cellCount(sweep);
  for (let index = 0; index < total; index++) {
    const coords: number[] = [];
    let rest = index;
    for (let a = sizes.length - 1; a >= 0; a--) {
      coords[a] = rest % sizes[a];
      rest = Math.floor(rest / sizes[a]);
    }
    cells.push({ index, coords, values: coords.map((c, a) => sweep.axes[a].values[c]) });
  }
  return cells;
}

export type SweepQuantKeys = Pick<Config, 'weights' | 'activations' | 'inputBits' | 'layers'>;

/**
 * The minifloat a cell starts from: the base's whole scheme (its top, overflow, subnormals and
 * bias, and E or M where only the other is swept), or E4M3.
 */
function baseMinifloat(weights: WeightScheme): MinifloatScheme {
  return weights.kind === 'minifloat' ? { ...weights } : { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 };
}

/**
 * A cell's minifloat: every field of the base kept. A bias is kept as the number it is (it moves
 * the range the same way at any E) where the cell's exponent width allows it, else dropped for that
 * cell's default bias; the result is normalized (a bias equal to the cell's default is left out).
 */
function sweptMinifloat(scheme: MinifloatScheme): MinifloatScheme {
  let cell = scheme;
  if (cell.bias !== undefined) {
    const { min, max } = minifloatBiasRange(cell.exponentBits);
    if (cell.bias < min || cell.bias > max) {
      const { bias: _dropped, ...rest } = cell;
      cell = rest;
    }
  }
  return minifloatFormatEntry.normalize?.(cell) ?? cell;
}

/** The quantization of one cell: the base's, with each axis's knob set to the cell's value. */
export function cellQuant(base: SweepQuantKeys, sweep: SweepDefinition, cell: SweepCell): SweepQuantKeys {
  let weights: WeightScheme = base.weights;
  let activations: ActivationScheme = base.activations;
  let inputBits = base.inputBits;
  const minifloat = baseMinifloat(base.weights);
  let usesMinifloat = false;
  sweep.axes.forEach((axis, a) => {
    const value = cell.values[a];
    switch (axis.knob) {
      // The base's other fields of the same kind stay (a fixed clip, LightNN's rounding and zero).
      case 'weightBits':
        weights = base.weights.kind === 'fixed' ? { ...base.weights, bits: value as number } : { kind: 'fixed', bits: value as number };
        break;
      case 'lightnnK':
        weights = base.weights.kind === 'lightnn' ? { ...base.weights, k: value as number } : { kind: 'lightnn', k: value as number };
        break;
      case 'exponentBits':
        minifloat.exponentBits = value as number;
        usesMinifloat = true;
        break;
      case 'mantissaBits':
        minifloat.mantissaBits = value as number;
        usesMinifloat = true;
        break;
      case 'inputBits':
        inputBits = value as number;
        break;
      case 'activationBits':
        activations = { kind: 'relu', bits: value as number };
        break;
      case 'preset': {
        const preset = SEED003_PRESETS.find((p) => p.id === value)!;
        weights = preset.weights;
        activations = preset.activations;
        break;
      }
    }
  });
  if (usesMinifloat) weights = sweptMinifloat(minifloat);
  return { weights, activations, inputBits, layers: base.layers };
}

/** The full config a cell stands for: PTQ cells are float training then quantization, QAT cells train through it. */
export function cellConfig(base: Config, sweep: SweepDefinition, cell: SweepCell): Config {
  return { ...base, ...cellQuant(base, sweep, cell), training: sweep.mode === 'qat' ? 'qat' : 'float' };
}

/** The keys that decide what a float training run produces (the quantization keys do not, for float training). */
export const TRAINING_KEYS = ['model', 'hidden', 'batchNorm', 'trainSize', 'testSize', 'epochs', 'batch', 'lr', 'optimizer', 'momentum', 'lrSchedule', 'dataSeed', 'initSeed', 'backend'] as const;

/**
 * Whether a kept model, trained with `kept`, is the float model a PTQ sweep of `base` needs:
 * trained in float (float training, or nothing quantized) with the same training keys.
 */
export function keptModelServes(kept: Config, base: Config): boolean {
  const float = kept.training === 'float' || isFloatConfig(quantOf(kept));
  const same = TRAINING_KEYS.every((key) => (key === 'hidden' && kept.model !== 'mlp' && base.model !== 'mlp') || JSON.stringify(kept[key]) === JSON.stringify(base[key]));
  return float && same;
}

function valueLabel(knob: SweepKnob, value: number | string): string {
  if (knob === 'preset') return SEED003_PRESETS.find((p) => p.id === value)?.name ?? String(value);
  return SWEEP_KNOB_INFO[knob].short(value as number);
}

/** "2-bit weights · 3-bit inputs", "E4 · M3", "LightNN-1-bin". */
export function cellLabel(sweep: SweepDefinition, cell: SweepCell): string {
  return sweep.axes.map((axis, a) => valueLabel(axis.knob, cell.values[a])).join(' · ');
}

/** Short axis tick text for the heatmap: "2", "E4", "LightNN-1". */
export function axisValueLabel(knob: SweepKnob, value: number | string): string {
  if (knob === 'preset') return valueLabel(knob, value);
  return String(value);
}

// ---------------------------------------------------------------- progress

/**
 * Remaining time from the average time per cell so far; `currentFraction` is how far the cell in
 * progress is (0..1). Null until some progress is made.
 */
export function sweepEtaMs(progress: { cellsDone: number; cellsTotal: number; elapsedMs: number; currentFraction?: number }): number | null {
  const done = progress.cellsDone + Math.min(1, Math.max(0, progress.currentFraction ?? 0));
  if (done <= 0 || progress.elapsedMs <= 0) return null;
  return Math.max(0, (progress.elapsedMs / done) * (progress.cellsTotal - done));
}

// ---------------------------------------------------------------- heatmap

export interface HeatmapCell {
  index: number;
  row: number;
  col: number;
  label: string;
  value: number | null;
}

export interface HeatmapLayout {
  rowTitle: string;
  colTitle: string;
  rowLabels: string[];
  colLabels: string[];
  /** rows x cols; with one axis, one column. */
  grid: HeatmapCell[][];
}

/**
 * Rows are the first axis's values, columns the second's; a one-axis sweep is one column.
 * `values[i]` is cell i's result (null while pending).
 */
export function heatmapLayout(sweep: SweepDefinition, values: readonly (number | null | undefined)[]): HeatmapLayout {
  const [rows, cols] = sweep.axes;
  const cells = enumerateCells(sweep);
  const colCount = cols ? cols.values.length : 1;
  const grid: HeatmapCell[][] = rows.values.map(() => []);
  for (const cell of cells) {
    const row = cell.coords[0];
    const col = cols ? cell.coords[1] : 0;
    grid[row][col] = { index: cell.index, row, col, label: cellLabel(sweep, cell), value: values[cell.index] ?? null };
  }
  return {
    rowTitle: knobLabel(rows.knob),
    colTitle: cols ? knobLabel(cols.knob) : 'accuracy',
    rowLabels: rows.values.map((v) => axisValueLabel(rows.knob, v)),
    colLabels: cols ? cols.values.map((v) => axisValueLabel(cols.knob, v)) : [''],
    grid: grid.map((r) => Array.from({ length: colCount }, (_, c) => r[c])),
  };
}

// ---------------------------------------------------------------- one-click reproductions

export interface SweepPreset {
  id: 'seed000' | 'seed001' | 'seed003-mlp1' | 'seed003-lenet';
  name: string;
  sweep: SweepDefinition;
  /** Knobs the preset sets before running (the rest of the config is the page's). */
  base: Partial<Config>;
  /** What the paper reports, in a sentence. */
  paper: string;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const FLOAT_ACTIVATIONS: Partial<Config> = { activations: { kind: 'relu' }, layers: [] };

export const SWEEP_PRESETS: readonly SweepPreset[] = [
  {
    id: 'seed000',
    name: 'Weight bits × input resolution',
    sweep: { axes: [{ knob: 'weightBits', values: range(2, 8) }, { knob: 'inputBits', values: range(1, 8) }], mode: 'ptq' },
    base: FLOAT_ACTIVATIONS,
    paper: '2-bit weights give 74.5-76.1% whatever the input resolution; above 3 bits 98%+; inputs of 2..8 bits within about 0.5 pp.',
  },
  {
    id: 'seed001',
    name: 'Exponent × mantissa of float weights',
    sweep: { axes: [{ knob: 'exponentBits', values: range(2, 8) }, { knob: 'mantissaBits', values: range(0, 7) }], mode: 'ptq' },
    base: { ...FLOAT_ACTIVATIONS, inputBits: 8 },
    paper: 'Float weights of 10 bits or fewer (sign + E + M) stay within 0.5 pp of float32; below a minimum exponent width accuracy collapses.',
  },
  {
    id: 'seed003-mlp1',
    name: 'LightNN vs binary networks: 1 hidden layer',
    sweep: { axes: [{ knob: 'preset', values: [...PRESET_IDS] }], mode: 'qat' },
    base: { model: 'mlp1', inputBits: 8, layers: [] },
    paper: 'MNIST 1-hidden test error (%): see the table (Conventional 1.72 ... BinaryNet 6.79).',
  },
  {
    id: 'seed003-lenet',
    name: 'LightNN vs binary networks: 2 conv layers',
    sweep: { axes: [{ knob: 'preset', values: [...PRESET_IDS] }], mode: 'qat' },
    base: { model: 'lenet', inputBits: 8, layers: [] },
    paper: 'MNIST 2-conv test error (%): see the table (Conventional 0.86 ... BinaryNet 3.16).',
  },
];

/** One line of "paper beside ours". */
export interface PaperComparisonRow {
  what: string;
  paper: string;
  ours: string;
}

/** The accuracies of the cells whose first-axis and second-axis values pass the filters. */
function pick(sweep: SweepDefinition, results: readonly (number | null | undefined)[], keep: (values: (number | string)[]) => boolean): number[] {
  return enumerateCells(sweep)
    .filter((cell) => keep(cell.values))
    .map((cell) => results[cell.index])
    .filter((v): v is number => typeof v === 'number');
}

function spanText(values: number[]): string {
  if (values.length === 0) return 'pending';
  const lo = minOf(values);
  const hi = maxOf(values);
  return lo === hi ? percent(lo) : `${percent(lo)} to ${percent(hi)}`;
}

/** Index of an axis by knob, or -1. */
function axisOf(sweep: SweepDefinition, knob: SweepKnob): number {
  return sweep.axes.findIndex((a) => a.knob === knob);
}

/**
 * What the paper says beside what this sweep measured, for the seed presets (an empty list for a
 * sweep none of them covers). `floatAccuracy` is the float32 model's test accuracy (PTQ sweeps).
 */
export function paperComparison(
  presetId: SweepPreset['id'],
  sweep: SweepDefinition,
  results: readonly (number | null | undefined)[],
  floatAccuracy: number | null,
): PaperComparisonRow[] {
  if (presetId === 'seed000') {
    const w = axisOf(sweep, 'weightBits');
    const i = axisOf(sweep, 'inputBits');
    if (w < 0) return [];
    const rows: PaperComparisonRow[] = [
      { what: '2-bit weights, any input resolution', paper: '74.5% to 76.1%', ours: spanText(pick(sweep, results, (v) => v[w] === 2)) },
      { what: 'weights above 3 bits', paper: '98%+', ours: spanText(pick(sweep, results, (v) => (v[w] as number) > 3)) },
    ];
    if (i >= 0) {
      // Per weight width above 3 bits, the spread over input resolutions 2..8.
      const spreads = sweep.axes[w].values
        .filter((bits) => (bits as number) > 3)
        .map((bits) => pick(sweep, results, (v) => v[w] === bits && (v[i] as number) >= 2))
        .filter((vals) => vals.length > 1)
        .map((vals) => maxOf(vals) - minOf(vals));
      rows.push({
        what: 'input bits 2..8 (weights > 3 bits): spread',
        paper: 'about 0.5 pp',
        ours: spreads.length === 0 ? 'pending' : `${(maxOf(spreads) * 100).toFixed(2)} pp at most`,
      });
    }
    if (floatAccuracy !== null) rows.push({ what: 'float32 model (same training)', paper: '-', ours: percent(floatAccuracy) });
    return rows;
  }
  if (presetId === 'seed001') {
    const e = axisOf(sweep, 'exponentBits');
    const m = axisOf(sweep, 'mantissaBits');
    if (e < 0 || m < 0) return [];
    const cells = enumerateCells(sweep).filter((c) => 1 + (c.values[e] as number) + (c.values[m] as number) <= 10);
    const measured = cells.filter((c) => typeof results[c.index] === 'number');
    const rows: PaperComparisonRow[] = [];
    if (floatAccuracy !== null && measured.length > 0) {
      const within = measured.filter((c) => floatAccuracy - (results[c.index] as number) <= 0.005);
      const best = measured.reduce((a, b) => ((results[b.index] as number) > (results[a.index] as number) ? b : a));
      rows.push({
        what: 'formats of <= 10 bits within 0.5 pp of float32',
        paper: 'yes (10-bit floats match float32 within a hair)',
        ours: `${within.length} of ${measured.length}; best ${cellLabel(sweep, best)} at ${percent(results[best.index] as number)}`,
      });
      rows.push({ what: 'float32 model (same training)', paper: '-', ours: percent(floatAccuracy) });
    } else {
      rows.push({ what: 'formats of <= 10 bits within 0.5 pp of float32', paper: 'yes', ours: 'pending' });
    }
    return rows;
  }
  const model = presetId === 'seed003-lenet' ? 'lenet' : 'mlp1';
  const p = axisOf(sweep, 'preset');
  if (p < 0) return [];
  return sweep.axes[p].values.map((id) => {
    const preset = SEED003_PRESETS.find((x) => x.id === id)!;
    const ours = pick(sweep, results, (v) => v[p] === id);
    return {
      what: preset.name,
      paper: `${preset.paperError[model].toFixed(2)}% error`,
      ours: ours.length === 0 ? 'pending' : `${((1 - ours[0]) * 100).toFixed(2)}% error`,
    };
  });
}

/** The preset a definition is (same axes and mode), for showing the paper's numbers beside a sweep from a link. */
export function matchSweepPreset(sweep: SweepDefinition | null, model: Config['model']): SweepPreset | null {
  if (!sweep) return null;
  const text = encodeSweep(sweep);
  return (
    SWEEP_PRESETS.find((p) => encodeSweep(p.sweep) === text && (p.base.model === undefined || p.base.model === model)) ??
    null
  );
}
