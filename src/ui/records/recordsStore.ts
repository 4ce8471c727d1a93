/**
 * The session's run records (every evaluated configuration), persisted in IndexedDB across reloads.
 * The controller adds what finished (training runs, PTQ evaluations, sweep cells, kernel runs).
 */
import { create } from 'zustand';
import type { Config } from '../../core/config';
import { recordProblem, type RunRecord } from '../../core/runRecord';
import { describeQuant, isFloatQuant } from '../quantKnobs';
import { clearRecords, loadRecords, putRecords } from './recordDb';

export type Persistence = 'loading' | 'indexeddb' | 'memory';

export interface RecordsState {
  records: RunRecord[];
  persistence: Persistence;
  /** Why records are kept in memory only. */
  persistenceNote: string | null;
  /** Stored records that failed validation on load: skipped, never drawn (the database keeps them until Clear). */
  skipped: number;
  /** True while Clear empties the browser store (a reload before it ends would bring the records back). */
  clearing: boolean;
  add(records: RunRecord[]): void;
  clear(): Promise<void>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** When Clear was last pressed: a load that was under way then must not bring the old records back. */
let clearedAt: number | null = null;

export const useRecords = create<RecordsState>((set, get) => ({
  records: [],
  persistence: 'loading',
  persistenceNote: null,
  skipped: 0,
  clearing: false,

  add(incoming) {
    // What would be skipped on the next load is not shown now either.
    const records = incoming.filter((r) => {
      const problem = recordProblem(r);
      if (problem !== null) console.warn(`Run record not kept (bad ${problem}):`, r);
      return problem === null;
    });
    if (records.length === 0) return;
    set({ records: [...get().records, ...records] });
    if (get().persistence === 'memory') return;
    putRecords(records).catch((error) => set({ persistence: 'memory', persistenceNote: message(error) }));
  },

  async clear() {
    clearedAt = Date.now();
    set({ records: [], skipped: 0 });
    if (get().persistence === 'memory') return;
    set({ clearing: true });
    try {
      await clearRecords();
    } catch (error) {
      set({ persistence: 'memory', persistenceNote: message(error) });
    } finally {
      set({ clearing: false });
    }
  },
}));

/** "fixed 4-bit, 2-bit inputs · QAT". */
export function trainingLabel(config: Config): string {
  if (isFloatQuant(config)) return 'float32';
  return `${describeQuant(config)} · ${config.training === 'qat' ? 'QAT' : 'float training + PTQ'}`;
}

if (typeof window !== 'undefined') {
  const loadStarted = Date.now();
  loadRecords().then(
    ({ records: stored, skipped }) => {
      const added = useRecords.getState().records;
      if (clearedAt !== null && clearedAt >= loadStarted) {
        useRecords.setState({ persistence: 'indexeddb' });
        return;
      }
      const ids = new Set(added.map((r) => r.id));
      if (skipped > 0) console.warn(`${skipped} stored run records failed validation and were skipped`);
      useRecords.setState({ records: [...stored.filter((r) => !ids.has(r.id)), ...added], persistence: 'indexeddb', skipped });
      // Records made before the database answered.
      putRecords(added).catch(() => undefined);
    },
    (error) => useRecords.setState({ persistence: 'memory', persistenceNote: message(error) }),
  );
}
