/**
 * "Adapt to a budget": the settings and the adaptation under way (or the last one). State only:
 * adaptController.ts runs it on the worker.
 */
import { create } from 'zustand';
import type { Config } from '../../core/config';
import type { NetAdaptStep, ResourceName } from '../../core/netadapt';
import type { NetAdaptEvent, NetAdaptSummary } from '../../worker/protocol';

export interface AdaptSettings {
  resource: ResourceName;
  /** Fraction of the kept network's resource. */
  budget: number;
  iterations: number;
  finetuneBatches: number;
  /** Also train the uniform width-scaling baseline (a whole training run). */
  uniform: boolean;
}

export type AdaptStatus = 'idle' | 'training' | 'running' | 'done' | 'cancelled' | 'stuck' | 'error';
export type AdaptPhase = Extract<NetAdaptEvent, { type: 'phase' }>['phase'];

export interface AdaptState {
  settings: AdaptSettings;
  status: AdaptStatus;
  error: string | null;
  phase: AdaptPhase | null;
  /** The latency table's timing, 0..1. */
  phaseFraction: number | null;
  /** performance.now() when the current iteration (or phase) began: the ETA's clock. */
  phaseStartedAt: number;
  steps: NetAdaptStep[];
  /** The config adapted (the kept run's, at the page's quantization): each step's cost is of its widths. */
  base: Config | null;
  resourceName: ResourceName | null;
  unit: string | null;
  /** Batches after the iterations (final fine-tune, baseline): what the ETA adds. */
  finalBatches: number;
  summary: NetAdaptSummary | null;
  /** A line for the user (the preset's next step, a cached latency table...). */
  note: string | null;
}

export const DEFAULT_ADAPT_SETTINGS: AdaptSettings = { resource: 'energy', budget: 0.5, iterations: 4, finetuneBatches: 20, uniform: false };

export const useAdapt = create<AdaptState>(() => ({
  settings: DEFAULT_ADAPT_SETTINGS,
  status: 'idle',
  error: null,
  phase: null,
  phaseFraction: null,
  phaseStartedAt: 0,
  steps: [],
  base: null,
  resourceName: null,
  unit: null,
  finalBatches: 0,
  summary: null,
  note: null,
}));

export const isAdapting = (status: AdaptStatus) => status === 'running' || status === 'training';
export const selectAdaptBusy = (s: AdaptState) => isAdapting(s.status);

export function setAdaptSettings(patch: Partial<AdaptSettings>) {
  useAdapt.setState((s) => ({ settings: { ...s.settings, ...patch } }));
}
