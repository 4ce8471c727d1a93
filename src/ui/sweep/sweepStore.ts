/**
 * The sweep under way (or the last one): its cells, their results as they arrive, progress, timing.
 * PTQ sweeps train the float model through the page's own Train path (unless the kept model is
 * already that model), then ask the worker to quantize and test it once per cell; QAT sweeps ask
 * the worker to train each cell. Results become run records (source 'sweep').
 */
import { create } from 'zustand';
import type { Config } from '../../core/config';
import { makeRecord } from '../../core/runRecord';
import {
  cellConfig,
  cellLabel,
  enumerateCells,
  keptModelServes,
  matchSweepPreset,
  type SweepCell,
  type SweepDefinition,
  type SweepPreset,
} from '../../core/sweep';
import type { SweepCellResult, SweepEvent } from '../../worker/protocol';
// Not core/train's copy: that module would pull TF.js into the page's bundle.
import { divergenceMessage } from '../../core/divergence';
import { useRecords } from '../records/recordsStore';
import { useStore } from '../store';
import { Comlink } from '../trainerClient';

export type CellDivergence = NonNullable<SweepCellResult['diverged']>;

export type SweepStatus = 'idle' | 'training' | 'running' | 'done' | 'cancelled' | 'error';

export interface SweepTiming {
  cells: number;
  sweepMs: number;
  floatEvalMs: number;
  ratio: number;
  testCount: number;
}

export interface SweepState {
  status: SweepStatus;
  error: string | null;
  definition: SweepDefinition | null;
  /** The seed preset the sweep reproduces, for the paper's numbers beside ours. */
  presetId: SweepPreset['id'] | null;
  /** The page's config when the sweep started (the cells vary it). */
  base: Config | null;
  cells: SweepCell[];
  /** Accuracy per cell index; null while pending, and for a diverged cell. */
  results: (number | null)[];
  /** Where each QAT cell's training loss diverged; null unless it did. */
  diverged: (CellDivergence | null)[];
  cellMs: (number | null)[];
  cellsDone: number;
  /** Progress of the QAT cell in training, 0..1. */
  currentFraction: number;
  /** When the cells started (after the float model, for PTQ). */
  cellsStartedAt: number | null;
  elapsedMs: number;
  floatAccuracy: number | null;
  timing: SweepTiming | null;
  /** Whether the float model was trained for this sweep (false: the kept model was reused). */
  trainedFloatModel: boolean;
  run(definition?: SweepDefinition): Promise<void>;
  runPreset(preset: SweepPreset): Promise<void>;
  cancel(): void;
}

const isBusy = (status: SweepStatus) => status === 'training' || status === 'running';
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const useSweep = create<SweepState>((set, get) => {
  let cancelRequested = false;

  /** Why the page cannot start a sweep now, or null. */
  function refusal(): string | null {
    const page = useStore.getState();
    if (page.phase === 'training' || page.phase === 'paused') return 'a training run is under way';
    if (page.phase === 'starting' || page.phase === 'loading') return 'the backend and MNIST are still loading';
    if (page.warning?.blocking) return page.warning.message;
    if (page.warning && !page.warningAcknowledged) return `${page.warning.message} Press "Train anyway" first to sweep anyway.`;
    return null;
  }

  /** Cell results are applied in batches, so a fast PTQ sweep does not re-render the page 56 times. */
  let pending: Extract<SweepEvent, { type: 'cell' }>[] = [];
  /** Cells of the current run already taken (from an event or from the final answer), by index. */
  let seen = new Set<number>();
  /** Changes with every run, so late events of an older run are dropped. */
  let runId = 0;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const FLUSH_MS = 500;

  function flush(definition: SweepDefinition, base: Config) {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (pending.length === 0) return;
    const events = pending;
    pending = [];
    const state = get();
    const results = [...state.results];
    const diverged = [...state.diverged];
    const cellMs = [...state.cellMs];
    for (const event of events) {
      if (event.diverged) diverged[event.index] = event.diverged;
      else results[event.index] = event.accuracy;
      cellMs[event.index] = event.ms;
    }
    set({
      results,
      diverged,
      cellMs,
      cellsDone: state.cellsDone + events.length,
      currentFraction: 0,
      elapsedMs: performance.now() - (state.cellsStartedAt ?? performance.now()),
    });
    useRecords.getState().add(
      // A diverged cell is recorded as diverged, like a diverged run: listed, never on the front.
      events.map((event) => {
        const cell = state.cells[event.index];
        return makeRecord({
          config: cellConfig(base, definition, cell),
          label: `${cellLabel(definition, cell)} · ${definition.mode === 'qat' ? 'QAT' : 'PTQ'} sweep${event.diverged ? ' · diverged' : ''}`,
          accuracy: event.accuracy,
          source: 'sweep',
          diverged: event.diverged,
        });
      }),
    );
  }

  function onEvent(run: number, definition: SweepDefinition, base: Config, event: SweepEvent) {
    const state = get();
    if (run !== runId || !isBusy(state.status)) return;
    if (event.type === 'cell') {
      if (seen.has(event.index)) return;
      seen.add(event.index);
    }
    if (event.type === 'progress') {
      set({ currentFraction: event.fraction, elapsedMs: performance.now() - (state.cellsStartedAt ?? performance.now()) });
      return;
    }
    pending.push(event);
    // QAT cells are slow: show each at once. PTQ cells come fast: batch them.
    if (definition.mode === 'qat') flush(definition, base);
    else if (!flushTimer) flushTimer = setTimeout(() => flush(definition, base), FLUSH_MS);
  }

  return {
    status: 'idle',
    error: null,
    definition: null,
    presetId: null,
    base: null,
    cells: [],
    results: [],
    diverged: [],
    cellMs: [],
    cellsDone: 0,
    currentFraction: 0,
    cellsStartedAt: null,
    elapsedMs: 0,
    floatAccuracy: null,
    timing: null,
    trainedFloatModel: false,

    async runPreset(preset) {
      if (isBusy(get().status)) return;
      const page = useStore.getState();
      page.setKnobs({ ...preset.base, sweep: preset.sweep });
      if (useStore.getState().knobError) return;
      await get().run(preset.sweep);
    },

    async run(definitionArg) {
      if (isBusy(get().status)) return;
      const page = useStore.getState();
      const definition = definitionArg ?? page.config.sweep;
      if (!definition) {
        set({ status: 'error', error: 'Define a sweep first.' });
        return;
      }
      const why = refusal();
      if (why) {
        set({ status: 'error', error: `Cannot start the sweep: ${why}` });
        return;
      }
      cancelRequested = false;
      pending = [];
      seen = new Set();
      const thisRun = ++runId;
      const base = page.config;
      const cells = enumerateCells(definition);
      set({
        status: 'running',
        error: null,
        definition,
        presetId: matchSweepPreset(definition, base.model)?.id ?? null,
        base,
        cells,
        results: cells.map(() => null),
        diverged: cells.map(() => null),
        cellMs: cells.map(() => null),
        cellsDone: 0,
        currentFraction: 0,
        cellsStartedAt: null,
        elapsedMs: 0,
        floatAccuracy: null,
        timing: null,
        trainedFloatModel: false,
      });
      try {
        const api = await page.worker();
        if (!api) throw new Error(useStore.getState().error ?? 'the worker did not start');
        if (definition.mode === 'ptq') {
          const floatConfig: Config = { ...base, training: 'float' };
          const now = useStore.getState();
          const reuse = now.modelKept && now.result?.status === 'done' && keptModelServes(now.result.config, floatConfig);
          if (!reuse) {
            set({ status: 'training', trainedFloatModel: true });
            const summary = await now.trainConfig(floatConfig);
            if (cancelRequested || summary?.status === 'stopped') {
              set({ status: 'cancelled' });
              return;
            }
            if (!summary) throw new Error(useStore.getState().error ?? 'the float model did not train');
            // Every PTQ cell would quantize NaN weights.
            if (summary.divergedAt) throw new Error(`float model: ${divergenceMessage(summary.divergedAt)}`);
            set({ status: 'running' });
          }
        }
        if (cancelRequested) {
          set({ status: 'cancelled' });
          return;
        }
        set({ cellsStartedAt: performance.now() });
        const request = { mode: definition.mode, cells: cells.map((cell) => ({ index: cell.index, config: cellConfig(base, definition, cell) })) };
        let summary;
        try {
          summary = await api.runSweep(
            request,
            Comlink.proxy((event: SweepEvent) => onEvent(thisRun, definition, base, event)),
          );
          // Cells whose events have not arrived yet (another message port) come from the answer.
          for (const cell of summary.cells) {
            if (!seen.has(cell.index)) {
              seen.add(cell.index);
              pending.push({ type: 'cell', ...cell });
            }
          }
        } finally {
          flush(definition, base);
        }
        const timing =
          summary.floatEvalMs !== null && summary.cellsDone > 0
            ? { cells: summary.cellsDone, sweepMs: summary.sweepMs, floatEvalMs: summary.floatEvalMs, ratio: summary.sweepMs / summary.floatEvalMs, testCount: summary.testCount }
            : null;
        set({ status: summary.status, floatAccuracy: summary.floatAccuracy, timing, currentFraction: 0 });
      } catch (error) {
        set({ status: 'error', error: message(error) });
      }
    },

    cancel() {
      const status = get().status;
      if (!isBusy(status)) return;
      cancelRequested = true;
      if (status === 'training') useStore.getState().stop();
      else void useStore.getState().worker().then((api) => api?.cancelSweep());
    },
  };
});

/** True while a sweep trains its float model or evaluates cells: other runs and the backend wait. */
export const selectSweepBusy = (s: SweepState) => isBusy(s.status);
