/**
 * The "Adapt to a budget" section's pure parts: what each resource means in words, its numbers
 * with their unit, the progress and ETA of an adaptation, the trajectory's points for the Pareto
 * chart (each step's modelled cost), the URL keys of an adapted network, and the latency-table cache.
 */
import type { Config } from '../../core/config';
import type { EnergyTable } from '../../core/cost/energyTable';
import { modelResource, prunableWidths, withWidths, type LatencyTable, type NetAdaptStep, type ResourceName } from '../../core/netadapt';
import { WEIGHT_FORMATS } from '../../core/quant/formats';
import { schemeForLayer } from '../../core/quant/quantConfig';
import { architecture, isWeightLayer } from '../../core/models';
import { costOf, COST_AXES, type Cost, type CostAxis, type PointExtent, type RunRecord } from '../../core/runRecord';
import { formatEnergy, formatStorage } from '../format';

export const RESOURCE_INFO: Record<ResourceName, { label: string; explain: string }> = {
  latency: { label: 'latency', explain: 'time per image on this GPU, measured on the integer kernels' },
  energy: { label: 'energy', explain: 'energy per image in the 45 nm model (arithmetic and memory)' },
  storage: { label: 'storage', explain: 'bits of weights to store, at their format' },
  macs: { label: 'MACs', explain: 'multiply-accumulates per image: a count, not a measurement' },
  params: { label: 'parameters', explain: 'number of weights and biases: a count, not a measurement' },
};

/** The unit a resource is measured in (latency tables hold ms). */
export const resourceUnit = (name: ResourceName): string => (name === 'latency' ? 'ms' : modelResource(name).unit);

/** A resource value with its unit, short (the units of src/core/netadapt/resources.ts). */
export function formatResource(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  switch (unit) {
    case 'pJ':
      return formatEnergy(value);
    case 'bits':
      return formatStorage(value);
    case 'ms':
      return value < 1 ? `${(value * 1000).toPrecision(3)} µs` : `${value.toPrecision(3)} ms`;
    case 'MACs':
      return value >= 1e6 ? `${(value / 1e6).toPrecision(3)} M MACs` : `${Math.round(value).toLocaleString('en-US')} MACs`;
    default:
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  }
}

/** The URL keys that rebuild an adapted architecture: mlp's hidden widths, or lenet's three. */
export function architectureKeys(config: Pick<Config, 'model' | 'hidden' | 'lenetWidths'>): Partial<Config> {
  return config.model === 'lenet' ? { model: 'lenet', lenetWidths: [...config.lenetWidths] } : { model: config.model, hidden: [...config.hidden] };
}

/** Widths as the table shows them: 100 or 20·50·500. */
export const widthsText = (widths: readonly number[]) => widths.join('·');

/**
 * Why latency cannot be the resource here, in words, or null. Without WebGPU nothing can be timed;
 * a weight format the integer kernels lack has no kernel to time (the format registry says which).
 */
export function latencyRefusal(config: Config, hasWebGpu: boolean): string | null {
  if (!hasWebGpu) return 'this browser has no WebGPU, so kernel time cannot be measured here; energy is the modelled direct metric.';
  const layers = architecture(config).filter(isWeightLayer);
  for (let i = 0; i < layers.length; i++) {
    const scheme = schemeForLayer(config, i, layers.length);
    const refusal = WEIGHT_FORMATS[scheme.kind].kernelRefusal;
    if (refusal !== null) return `it is timed on the integer kernels, and these weights ${refusal}.`;
    if (scheme.kind === 'fixed' && scheme.bits > 8) return 'it is timed on the integer kernels, which store at most 8-bit fixed-point weights.';
  }
  return null;
}

// ---- Progress and ETA

export interface ProgressInput {
  /** Iterations asked for (the algorithm may need a few more at the budget). */
  iterations: number;
  /** Proposals per iteration: one per prunable layer. */
  layers: number;
  finetuneBatches: number;
  /** Batches of the final fine-tune and, with the baseline, of its training from scratch. */
  finalBatches: number;
  /** Steps reported so far, iteration 0 (the starting network) included. */
  steps: readonly Pick<NetAdaptStep, 'iteration' | 'ms'>[];
  phase: 'latency-table' | 'iterations' | 'final';
  /** Time since the current iteration (or the final phase) began, ms. */
  elapsedInPhaseMs: number;
}

/**
 * Fraction done and the time left, estimated from the iterations timed so far: an iteration
 * fine-tunes one proposal per layer, so its time gives the time of one fine-tune batch, which
 * prices the final fine-tune. The current iteration's share is its elapsed time against the mean
 * (never counted as finished). Null ETA until one iteration is timed.
 */
export function estimateProgress(input: ProgressInput): { fraction: number; etaMs: number | null } {
  const timed = input.steps.filter((s) => s.iteration > 0);
  const perIteration = Math.max(1, input.layers * Math.max(1, input.finetuneBatches));
  const totalBatches = input.iterations * perIteration + input.finalBatches;
  if (timed.length === 0) return { fraction: 0, etaMs: null };
  const iterationMs = timed.reduce((sum, s) => sum + s.ms, 0) / timed.length;
  const batchMs = iterationMs / perIteration;
  if (input.phase === 'final') {
    const doneBatches = Math.min(input.finalBatches, input.elapsedInPhaseMs / batchMs);
    const leftMs = Math.max(0, (input.finalBatches - doneBatches) * batchMs);
    const iterationsDone = Math.max(input.iterations, timed.length) * perIteration;
    return { fraction: Math.min(0.99, (iterationsDone + doneBatches) / (iterationsDone + input.finalBatches)), etaMs: leftMs };
  }
  const current = Math.min(0.95, input.elapsedInPhaseMs / iterationMs);
  // Past the schedule's iterations: one more at the budget, each time.
  const iterationsLeft = Math.max(input.iterations - timed.length, 1) - current;
  const leftBatches = iterationsLeft * perIteration + input.finalBatches;
  const doneBatches = (timed.length + current) * perIteration;
  return { fraction: Math.min(0.99, doneBatches / Math.max(doneBatches + leftBatches, totalBatches)), etaMs: leftBatches * batchMs };
}

// ---- The trajectory on the Pareto chart

export type TrajectoryKind = 'step' | 'final' | 'uniform';

export interface TrajectoryPoint extends Cost {
  kind: TrajectoryKind;
  /** The iteration (steps), or -1 (final, uniform). */
  iteration: number;
  widths: number[];
  /** Holdout accuracy for the steps, test accuracy for the final network and the baseline. */
  accuracy: number;
  label: string;
}

/**
 * The points the chart joins: every step at its widths' modelled cost (whatever the resource was)
 * and holdout accuracy, the final network at its test accuracy, and the uniform-width baseline.
 */
export function trajectoryPoints(
  base: Config,
  steps: readonly Pick<NetAdaptStep, 'iteration' | 'widths' | 'holdoutAccuracy' | 'layer'>[],
  table: EnergyTable,
  final: { widths: number[]; testAccuracy: number } | null,
  uniform: { widths: number[]; testAccuracy: number } | null,
): TrajectoryPoint[] {
  const at = (widths: number[]) => costOf(withWidths(base, widths), table);
  const points: TrajectoryPoint[] = steps.map((s) => ({
    kind: 'step',
    iteration: s.iteration,
    widths: [...s.widths],
    accuracy: s.holdoutAccuracy,
    label: s.iteration === 0 ? `start ${widthsText(s.widths)}` : `iteration ${s.iteration}: ${s.layer} cut, ${widthsText(s.widths)}`,
    ...at(s.widths),
  }));
  if (final) points.push({ kind: 'final', iteration: -1, widths: [...final.widths], accuracy: final.testAccuracy, label: `adapted ${widthsText(final.widths)}`, ...at(final.widths) });
  if (uniform) points.push({ kind: 'uniform', iteration: -1, widths: [...uniform.widths], accuracy: uniform.testAccuracy, label: `uniform widths ${widthsText(uniform.widths)}`, ...at(uniform.widths) });
  return points;
}

/** A point's cost on a chart axis (the chart's own units); undefined for measured kernel time, which steps do not have. */
export function trajectoryCost(point: TrajectoryPoint, axis: CostAxis): number | undefined {
  const record: RunRecord = { id: 'trajectory', config: '', label: point.label, accuracy: point.accuracy, energyPJ: point.energyPJ, storageBits: point.storageBits, areaUm2: point.areaUm2, source: 'train', time: 0 };
  const cost = COST_AXES[axis].value(record);
  return cost !== undefined && Number.isFinite(cost) ? cost : undefined;
}

/** Number of prunable layers of a config (proposals per iteration). */
export const prunableCount = (config: Config) => prunableWidths(config).length;

// ---- The latency-table cache (localStorage): per device and table key, newest first, a few only.

export interface CachedLatencyTable {
  /** The page's device key (BackendInfo.deviceKey: adapter, browser, cores). */
  deviceKey: string;
  table: LatencyTable;
}

export const MAX_CACHED_TABLES = 8;

/** The list with `table` for `deviceKey` first, replacing one of the same device and key, at most `max` long. */
export function rememberTable(list: readonly CachedLatencyTable[], deviceKey: string, table: LatencyTable, max = MAX_CACHED_TABLES): CachedLatencyTable[] {
  const others = list.filter((entry) => !(entry.deviceKey === deviceKey && entry.table.key === table.key));
  return [{ deviceKey, table }, ...others].slice(0, max);
}

/** The tables timed on this device (the worker picks the one whose key fits its config). */
export function tablesFor(list: readonly CachedLatencyTable[], deviceKey: string): LatencyTable[] {
  return list.filter((entry) => entry.deviceKey === deviceKey).map((entry) => entry.table);
}

/** Entries that look like cached tables (what localStorage held may be anything). */
export function parseCachedTables(text: string | null): CachedLatencyTable[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (e): e is CachedLatencyTable =>
        !!e && typeof e === 'object' && typeof (e as CachedLatencyTable).deviceKey === 'string' && typeof (e as CachedLatencyTable).table?.key === 'string' && Array.isArray((e as CachedLatencyTable).table?.layers),
    );
  } catch {
    return [];
  }
}

/** The chart's extent of the records, widened to take in the trajectory's points on `axis`. */
export function widenExtent(extent: PointExtent, points: readonly TrajectoryPoint[], axis: CostAxis): PointExtent {
  let { costLo, costHi, accuracyLo, accuracyHi } = extent;
  for (const point of points) {
    const cost = trajectoryCost(point, axis);
    if (cost === undefined || !(cost > 0) || !Number.isFinite(point.accuracy)) continue;
    costLo = Math.min(costLo, cost);
    costHi = Math.max(costHi, cost);
    accuracyLo = Math.min(accuracyLo, point.accuracy);
    accuracyHi = Math.max(accuracyHi, point.accuracy);
  }
  return { costLo, costHi, accuracyLo, accuracyHi };
}
