/**
 * The session's run records (every evaluated configuration), persisted in IndexedDB across reloads.
 * Training runs and PTQ evaluations are recorded by watching the page's store; sweeps add theirs.
 */
import { create } from 'zustand';
import type { Config } from '../../core/config';
import { makeRecord, type RunRecord } from '../../core/runRecord';
import type { QuantConfig } from '../../core/quant/quantConfig';
import { describeQuant, isFloatQuant } from '../quantConfig';
import { useStore } from '../store';
import { clearRecords, loadRecords, putRecords } from './recordDb';

export type Persistence = 'loading' | 'indexeddb' | 'memory';

export interface RecordsState {
  records: RunRecord[];
  persistence: Persistence;
  /** Why records are kept in memory only. */
  persistenceNote: string | null;
  add(records: RunRecord[]): void;
  clear(): Promise<void>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const useRecords = create<RecordsState>((set, get) => ({
  records: [],
  persistence: 'loading',
  persistenceNote: null,

  add(records) {
    if (records.length === 0) return;
    set({ records: [...get().records, ...records] });
    if (get().persistence === 'memory') return;
    putRecords(records).catch((error) => set({ persistence: 'memory', persistenceNote: message(error) }));
  },

  async clear() {
    set({ records: [] });
    if (get().persistence === 'memory') return;
    try {
      await clearRecords();
    } catch (error) {
      set({ persistence: 'memory', persistenceNote: message(error) });
    }
  },
}));

/** "fixed 4-bit, 2-bit inputs · QAT". */
export function trainingLabel(config: Config): string {
  if (isFloatQuant(config)) return 'float32';
  return `${describeQuant(config)} · ${config.training === 'qat' ? 'QAT' : 'float training + PTQ'}`;
}

function watchRuns() {
  useStore.subscribe((state, previous) => {
    const add = useRecords.getState().add;
    // A finished run: its own quantized accuracy (PTQ after float training, or the QAT model).
    if (state.result && state.result !== previous.result && state.result.status === 'done') {
      const { config, quantizedAccuracy, testAccuracy } = state.result;
      const accuracy = quantizedAccuracy ?? testAccuracy;
      if (accuracy !== null) add([makeRecord({ config, label: trainingLabel(config), accuracy, source: 'train' })]);
    }
    // New PTQ results of the kept model.
    if (state.ptqResults !== previous.ptqResults && state.result && state.modelVersion === previous.modelVersion) {
      const run = state.result.config;
      const fresh = Object.keys(state.ptqResults).filter((key) => !(key in previous.ptqResults));
      add(
        fresh.map((key) => {
          const quant = JSON.parse(key) as QuantConfig;
          const config: Config = { ...run, ...quant };
          const from = run.training === 'qat' && !isFloatQuant(run) ? `PTQ of a QAT model (${describeQuant(run)})` : 'PTQ';
          return makeRecord({ config, label: `${describeQuant(config)} · ${from}`, accuracy: state.ptqResults[key].accuracy, source: 'ptq' });
        }),
      );
    }
  });
}

if (typeof window !== 'undefined') {
  watchRuns();
  loadRecords().then(
    (stored) => {
      const added = useRecords.getState().records;
      const ids = new Set(added.map((r) => r.id));
      useRecords.setState({ records: [...stored.filter((r) => !ids.has(r.id)), ...added], persistence: 'indexeddb' });
      // Records made before the database answered.
      putRecords(added).catch(() => undefined);
    },
    (error) => useRecords.setState({ persistence: 'memory', persistenceNote: message(error) }),
  );
}
