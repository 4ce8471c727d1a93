/**
 * What the Pareto chart draws, in two parts that change at different speeds: the records (the
 * session's evaluated configurations, costed under the current energy table, and seed 003's paper
 * points), which change when a record is added; and the current config's point, which moves with
 * every knob. Keeping them apart lets the chart redraw only the moving point while a slider moves.
 */
import { useMemo } from 'react';
import { decodeConfig, energyTableOf, type Config } from '../../core/config';
import type { EnergyTable } from '../../core/cost/energyTable';
import { networkName } from '../../core/models';
import {
  chartPoints,
  costOf,
  paperRecords,
  pointExtent,
  thinPoints,
  wantsLogScale,
  type ChartPoint,
  type Cost,
  type CostAxis,
  type PointExtent,
  type RunRecord,
} from '../../core/runRecord';
import { useRecords } from '../records/recordsStore';
import { quantKey } from '../quantKnobs';
import { useStore, type AppState } from '../store';
import { useTrajectoryPoints } from '../adapt/TrajectoryLayer';
import { widenExtent } from '../adapt/adaptModel';

/**
 * Per config text (the record's own string is the key: no concatenation, its hash is cached), the
 * cost under the current table and the network. Decoding and costing take ~0.3 ms a config, so a
 * store of 100,000 distinct configs is decoded once, not on every new record; the costs are
 * dropped when the table changes, the networks never. Bounded, in case a page lives for days.
 */
const MAX_CACHED_CONFIGS = 300_000;
const networks = new Map<string, string>();
let costTableKey: string | null = null;
let costs = new Map<string, Cost>();


function cached(text: string, table: EnergyTable, tableKey: string): { cost: Cost; network: string } {
  if (tableKey !== costTableKey || costs.size > MAX_CACHED_CONFIGS) {
    costs = new Map();
    costTableKey = tableKey;
  }
  if (networks.size > MAX_CACHED_CONFIGS) networks.clear();
  let cost = costs.get(text);
  let network = networks.get(text);
  if (!cost || network === undefined) {
    const config = decodeConfig(text).config;
    cost = costOf(config, table);
    network = networkName(config);
    costs.set(text, cost);
    networks.set(text, network);
  }
  return { cost, network };
}

export const sameNetwork = (a: Config, b: Config) => networkName(a) === networkName(b);

/** The current config's accuracy, when the kept model of the same network has been tested with its quantization. */
export function currentAccuracy(s: AppState): { accuracy: number; how: string } | null {
  const result = s.result;
  if (!s.modelKept || !result || result.status !== 'done' || !sameNetwork(result.config, s.config)) return null;
  const key = quantKey(s.config);
  const ptq = s.ptqResults[key];
  if (ptq) return { accuracy: ptq.accuracy, how: 'PTQ of the kept model' };
  if (key === quantKey(result.config)) {
    const accuracy = result.quantizedAccuracy ?? result.testAccuracy;
    return accuracy === null ? null : { accuracy, how: 'the last run' };
  }
  return null;
}

export interface ParetoRecords {
  points: ChartPoint[];
  /** Indices into points of the Pareto-optimal ones (over the measured points, paper points excluded). */
  front: number[];
  /** Indices into points of the others the chart draws: all of them up to MAX_DRAWN_POINTS, then one per cell (thinPoints). */
  drawn: number[];
  /** The costs and accuracies of all points (drawn or not), for the axes. */
  extent: PointExtent;
  /** Runs whose training diverged (no accuracy to draw), oldest first: for the table. */
  diverged: RunRecord[];
  paper: ChartPoint[];
  /** Whether any record has a measured kernel time. */
  hasKernelTime: boolean;
  recordCount: number;
}

export interface CurrentPoint {
  cost: number;
  accuracy: number | null;
  how: string | null;
}

/** The network a config trains and its energy table: what the records depend on. */
function networkKey(c: Config): string {
  return JSON.stringify([networkName(c), c.energy]);
}

export function useParetoRecords(axis: CostAxis, thisNetworkOnly: boolean, showPaper: boolean): ParetoRecords {
  const records = useRecords((s) => s.records);
  const key = useStore((s) => networkKey(s.config));
  const trajectory = useTrajectoryPoints();
  return useMemo(() => {
    // Only the network and the energy table of the config matter here, never its quantization.
    const config = useStore.getState().config;
    const table = energyTableOf(config);
    const tableKey = JSON.stringify(config.energy);
    const network = networkName(config);
    const shown: RunRecord[] = [];
    for (const r of records) {
      const known = cached(r.config, table, tableKey);
      if (!thisNetworkOnly || known.network === network) shown.push({ ...r, ...known.cost });
    }
    const { points, front } = chartPoints(shown, axis);
    // NetAdapt's trajectory is drawn over the records: the axes take it in too.
    const extent = widenExtent(pointExtent(points), trajectory, axis);
    const drawn = thinPoints(points, front, wantsLogScale([extent.costLo, extent.costHi]));
    const paper: RunRecord[] = showPaper ? paperRecords({ ...config, sweep: null }, table) : [];
    return {
      points,
      front,
      drawn,
      extent,
      diverged: shown.filter((r) => r.diverged !== undefined),
      paper: chartPoints(paper, axis).points,
      hasKernelTime: records.some((r) => r.kernelMs !== undefined),
      recordCount: shown.length,
    };
  }, [records, key, axis, thisNetworkOnly, showPaper, trajectory]);
}

/** The cost of the current config on an axis (kernel time has none until measured). */
export function currentCost(config: Config, axis: CostAxis): number {
  const record: RunRecord = { id: 'current', config: '', label: 'current', accuracy: 0, ...costOf(config), source: 'train', time: 0 };
  return chartPoints([record], axis).points[0]?.cost ?? NaN;
}

export function useCurrentPoint(axis: CostAxis): CurrentPoint {
  const config = useStore((s) => s.config);
  const accuracy = useStore((s) => currentAccuracy(s)?.accuracy ?? null);
  const how = useStore((s) => currentAccuracy(s)?.how ?? null);
  const cost = useMemo(() => currentCost(config, axis), [config, axis]);
  return useMemo(() => ({ cost, accuracy, how }), [cost, accuracy, how]);
}
