/**
 * "Run on WebGPU kernels": the kept model's test subset through the hand-written integer WGSL
 * kernels, beside TF.js's fake-quantized evaluation. State only: the controller runs it, records
 * each measured run (with its kernel time) and drops the report when the model changes.
 */
import { create } from 'zustand';
import type { KernelRunPhase, KernelRunReport } from '../../worker/protocol';

export interface KernelState {
  status: 'idle' | 'running' | 'done' | 'error';
  phase: KernelRunPhase | null;
  fraction: number;
  report: KernelRunReport | null;
  /** quantKey of the setting the report belongs to. */
  reportKey: string | null;
  error: string | null;
}

export const useKernelRun = create<KernelState>(() => ({
  status: 'idle',
  phase: null,
  fraction: 0,
  report: null,
  reportKey: null,
  error: null,
}));
