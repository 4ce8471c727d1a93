/**
 * What the Pareto chart draws, in two parts that change at different speeds: the records (the
 * session's evaluated configurations, costed under the current energy table, and seed 003's paper
 * points), which change when a record is added; and the current config's point, which moves with
 * every knob. Keeping them apart lets the chart redraw only the moving point while a slider moves.
 */
import { useMemo } from 'react';
import { decodeConfig, energyTableOf, type Config } from '../../core/config';
import type { EnergyTable } from '../../core/cost/energyTable';
import { chartPoints, costOf, paperRecords, type ChartPoint, type Cost, type CostAxis, type RunRecord } from '../../core/runRecord';
import { useRecords } from '../records/recordsStore';
import { quantKey } from '../quantConfig';
import { useStore, type AppState } from '../store';

const decoded = new Map<string, Config>();
/** Decoded record configs, cached by their URL text. */
export function configOfText(text: string): Config {
  let config = decoded.get(text);
  if (!config) {
    config = decodeConfig(text).config;
    decoded.set(text, config);
  }
  return config;
}

const costs = new Map<string, Cost>();
/** A record's cost under a table, cached by config text and table (a sweep adds records one by one). */
function costedRecord(record: RunRecord, table: EnergyTable, tableKey: string): RunRecord {
  const key = `${tableKey}|${record.config}`;
  let cost = costs.get(key);
  if (!cost) {
    cost = costOf(configOfText(record.config), table);
    if (costs.size > 5000) costs.clear();
    costs.set(key, cost);
  }
  return { ...record, ...cost };
}

export const sameNetwork = (a: Config, b: Config) => a.model === b.model && (a.model !== 'mlp' || a.hidden.join(',') === b.hidden.join(','));

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

/** The network a config trains (model and hidden widths) and its energy table: what the records depend on. */
function networkKey(c: Config): string {
  return JSON.stringify([c.model, c.model === 'mlp' ? c.hidden : null, c.energy]);
}

export function useParetoRecords(axis: CostAxis, thisNetworkOnly: boolean, showPaper: boolean): ParetoRecords {
  const records = useRecords((s) => s.records);
  const key = useStore((s) => networkKey(s.config));
  return useMemo(() => {
    // Only the network and the energy table of the config matter here, never its quantization.
    const config = useStore.getState().config;
    const table = energyTableOf(config);
    const tableKey = JSON.stringify(config.energy);
    const costed = records.map((r) => costedRecord(r, table, tableKey));
    const shown = thisNetworkOnly ? costed.filter((r) => sameNetwork(configOfText(r.config), config)) : costed;
    const { points, front } = chartPoints(shown, axis);
    const paper: RunRecord[] = showPaper ? paperRecords({ ...config, sweep: null }, table) : [];
    return {
      points,
      front,
      paper: chartPoints(paper, axis).points,
      hasKernelTime: records.some((r) => r.kernelMs !== undefined),
      recordCount: shown.length,
    };
  }, [records, key, axis, thisNetworkOnly, showPaper]);
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
