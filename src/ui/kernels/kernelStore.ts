/**
 * "Run on WebGPU kernels": the kept model's test subset through the hand-written integer WGSL
 * kernels, beside TF.js's fake-quantized evaluation. Each measured run also becomes a run record
 * with its kernel time, so the Pareto chart can use measured latency.
 */
import { create } from 'zustand';
import type { Config } from '../../core/config';
import { makeRecord } from '../../core/runRecord';
import { describeQuant, quantKey, quantOfConfig } from '../quantKnobs';
import { useRecords } from '../records/recordsStore';
import { useStore } from '../store';
import { Comlink } from '../trainerClient';
import type { KernelRunPhase, KernelRunReport } from '../../worker/protocol';

export interface KernelState {
  status: 'idle' | 'running' | 'done' | 'error';
  phase: KernelRunPhase | null;
  fraction: number;
  report: KernelRunReport | null;
  /** quantKey of the setting the report belongs to. */
  reportKey: string | null;
  error: string | null;
  run(): Promise<void>;
}

export const useKernelRun = create<KernelState>((set, get) => ({
  status: 'idle',
  phase: null,
  fraction: 0,
  report: null,
  reportKey: null,
  error: null,

  async run() {
    if (get().status === 'running') return;
    const app = useStore.getState();
    if (!app.modelKept || !app.result) {
      set({ status: 'error', error: 'Train a model first: the kernels run the trained weights.' });
      return;
    }
    const api = await app.worker();
    if (!api) return;
    const config: Config = { ...app.result.config, ...quantOfConfig(app.config) };
    const modelVersion = app.modelVersion;
    set({ status: 'running', phase: null, fraction: 0, error: null });
    try {
      const report = await api.runOnKernels(
        quantOfConfig(config),
        Comlink.proxy((phase: KernelRunPhase, fraction: number) => set({ phase, fraction })),
      );
      if (useStore.getState().modelVersion !== modelVersion) return;
      set({ status: 'done', report, reportKey: quantKey(config), phase: null });
      useRecords.getState().add([
        makeRecord({
          config,
          label: `${describeQuant(config)} · WebGPU kernels`,
          accuracy: report.intAccuracy,
          source: 'ptq',
          kernelMs: report.fullPassMsPerImage,
        }),
      ]);
    } catch (error) {
      set({ status: 'error', error: error instanceof Error ? error.message : String(error), phase: null });
    }
  },
}));

// A new training run makes an old report stale.
if (typeof window !== 'undefined') {
  useStore.subscribe((state, previous) => {
    if (state.modelVersion !== previous.modelVersion) useKernelRun.setState({ status: 'idle', report: null, reportKey: null, error: null });
  });
}
