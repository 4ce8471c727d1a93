/**
 * The sweep under way (or the last one): its cells, their results as they arrive, progress, timing.
 * State only: the controller runs and cancels sweeps and records their cells.
 */
import { create } from 'zustand';
import type { Config } from '../../core/config';
import type { SweepCell, SweepDefinition, SweepPreset } from '../../core/sweep';
import type { SweepCellResult } from '../../worker/protocol';

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
}

export const isBusy = (status: SweepStatus) => status === 'training' || status === 'running';
/** The progress fields of a sweep over `count` cells, before its first cell. */
export function sweepProgress(count: number): Pick<SweepState, 'results' | 'diverged' | 'cellMs' | 'cellsDone' | 'currentFraction' | 'cellsStartedAt' | 'elapsedMs' | 'floatAccuracy' | 'timing' | 'trainedFloatModel'> {
  return {
    results: Array.from({ length: count }, () => null),
    diverged: Array.from({ length: count }, () => null),
    cellMs: Array.from({ length: count }, () => null),
    cellsDone: 0,
    currentFraction: 0,
    cellsStartedAt: null,
    elapsedMs: 0,
    floatAccuracy: null,
    timing: null,
    trainedFloatModel: false,
  };
}

export const useSweep = create<SweepState>(() => ({
  status: 'idle',
  error: null,
  definition: null,
  presetId: null,
  base: null,
  cells: [],
  ...sweepProgress(0),
}));

/** True while a sweep trains its float model or evaluates cells: other runs and the backend wait. */
export const selectSweepBusy = (s: SweepState) => isBusy(s.status);
