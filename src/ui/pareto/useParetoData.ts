/**
 * What the Pareto chart draws: the session's records (costed under the current energy table,
 * optionally only those of the current network), seed 003's paper points, and the current config.
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

export interface ParetoData {
  points: ChartPoint[];
  /** Indices into points of the Pareto-optimal ones (over the measured points, paper points excluded). */
  front: number[];
  paper: ChartPoint[];
  current: { cost: number; accuracy: number | null; how: string | null; config: Config };
  /** Whether any record has a measured kernel time. */
  hasKernelTime: boolean;
  recordCount: number;
}

export function useParetoData(axis: CostAxis, thisNetworkOnly: boolean, showPaper: boolean): ParetoData {
  const records = useRecords((s) => s.records);
  const config = useStore((s) => s.config);
  const currentValue = useStore((s) => currentAccuracy(s)?.accuracy ?? null);
  const currentHow = useStore((s) => currentAccuracy(s)?.how ?? null);
  const tableKey = JSON.stringify(config.energy);
  const costed = useMemo(() => {
    const table = energyTableOf(config);
    return records.map((r) => costedRecord(r, table, tableKey));
    // Records are costed again only when the table changes, not with every knob.
  }, [records, tableKey]);
  return useMemo(() => {
    const shown = thisNetworkOnly ? costed.filter((r) => sameNetwork(configOfText(r.config), config)) : costed;
    const { points, front } = chartPoints(shown, axis);
    const paper: RunRecord[] = showPaper ? paperRecords({ ...config, sweep: null }) : [];
    const cost = costOf(config);
    const currentRecord: RunRecord = { id: 'current', config: '', label: 'current', accuracy: 0, ...cost, source: 'train', time: 0 };
    const currentCost = chartPoints([currentRecord], axis).points[0]?.cost ?? NaN;
    return {
      points,
      front,
      paper: chartPoints(paper, axis).points,
      current: { cost: currentCost, accuracy: currentValue, how: currentHow, config },
      hasKernelTime: records.some((r) => r.kernelMs !== undefined),
      recordCount: shown.length,
    };
  }, [costed, config, axis, thisNetworkOnly, showPaper, currentValue, currentHow]);
}
