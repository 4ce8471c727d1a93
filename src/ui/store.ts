/**
 * The page's one store: the config (mirrored into the URL), what the worker reported, and the
 * intents the UI sends. Components read slices with selectors and never touch the worker.
 */
import { create } from 'zustand';
// The page imports only TF.js-free parts of the core; tensors live in the worker.
import { decodeConfig, encodeConfig, updateConfig, type Config, type ConfigKey, type ConfigNotice } from '../core/config';
import { parameterCount } from '../core/models';
import { planTraining, trainingWarning, type PlanWarning } from '../core/planning';
import type { BatchMetrics, EpochMetrics } from '../core/train';
import type { BackendInfo, DataInfo, RunSummary, TrainEvent } from '../worker/protocol';
import { Comlink, startTrainer, type TrainerHandle } from './trainerClient';

export type Phase = 'starting' | 'loading' | 'ready' | 'training' | 'paused' | 'done' | 'stopped' | 'error';

/** Batch curves keep at most this many points; older ones are thinned so long runs stay fast to draw. */
const MAX_CURVE_POINTS = 600;

export interface CurvePoint {
  step: number;
  epochFraction: number;
  loss: number;
  accuracy: number;
}

export interface AppState {
  config: Config;
  notices: ConfigNotice[];
  /** Message of the last refused knob value, shown beside the knobs. */
  knobError: string | null;
  phase: Phase;
  error: string | null;
  backend: BackendInfo | null;
  data: DataInfo | null;
  loadProgress: { loaded: number; total: number } | null;
  progress: BatchMetrics | null;
  curve: CurvePoint[];
  epochs: EpochMetrics[];
  result: RunSummary | null;
  /** Set when the planned run looks too big for this backend; Train asks for confirmation. */
  warning: PlanWarning | null;
  warningAcknowledged: boolean;
  linkCopied: boolean;

  setKnob<K extends ConfigKey>(key: K, value: unknown): void;
  applyConfig(config: Config): void;
  dismissNotice(index: number): void;
  acknowledgeWarning(): void;
  startTraining(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
  copyLink(): Promise<void>;
}

let trainer: TrainerHandle | null = null;
let trainerBackendChoice: Config['backend'] | null = null;

function syncUrl(config: Config) {
  const url = `${location.pathname}?${encodeConfig(config)}${location.hash}`;
  history.replaceState(history.state, '', url);
}

function thin(points: CurvePoint[]): CurvePoint[] {
  if (points.length <= MAX_CURVE_POINTS) return points;
  return points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

function computeWarning(config: Config, backend: BackendInfo | null): PlanWarning | null {
  if (!backend) return null;
  return trainingWarning(planTraining(config), backend.capacity);
}

const initial = decodeConfig(typeof location === 'undefined' ? '' : location.search);

export const useStore = create<AppState>((set, get) => {
  /** (Re)starts the worker when the backend choice changes, then loads MNIST into it. */
  async function ensureTrainer(): Promise<TrainerHandle> {
    const { config } = get();
    if (trainer && trainerBackendChoice === config.backend) return trainer;
    trainer?.terminate();
    const handle = startTrainer();
    trainer = handle;
    trainerBackendChoice = config.backend;
    set({ phase: 'starting', backend: null, data: null, error: null, loadProgress: null });
    try {
      const backend = await handle.api.init(config.backend);
      if (trainer !== handle) return handle;
      set({ backend, warning: computeWarning(get().config, backend), phase: 'loading' });
      const data = await handle.api.loadData(
        `${location.origin}${import.meta.env.BASE_URL}data/mnist`,
        Comlink.proxy((loaded: number, total: number) => {
          if (trainer === handle) set({ loadProgress: { loaded, total } });
        }),
      );
      if (trainer !== handle) return handle;
      set({ data, phase: 'ready' });
    } catch (error) {
      if (trainer === handle) set({ phase: 'error', error: error instanceof Error ? error.message : String(error) });
    }
    return handle;
  }

  // Start the worker as soon as the store exists so the backend and data are ready early.
  if (typeof window !== 'undefined') queueMicrotask(() => void ensureTrainer());

  return {
    config: initial.config,
    notices: initial.notices,
    knobError: null,
    phase: 'starting',
    error: null,
    backend: null,
    data: null,
    loadProgress: null,
    progress: null,
    curve: [],
    epochs: [],
    result: null,
    warning: null,
    warningAcknowledged: false,
    linkCopied: false,

    setKnob(key, value) {
      const update = updateConfig(get().config, key, value);
      if (!update.ok) {
        set({ knobError: update.message });
        return;
      }
      get().applyConfig(update.config);
    },

    applyConfig(config) {
      const backendChanged = config.backend !== get().config.backend;
      set({ config, knobError: null, warning: computeWarning(config, get().backend), warningAcknowledged: false, linkCopied: false });
      syncUrl(config);
      if (backendChanged && get().phase !== 'training' && get().phase !== 'paused') void ensureTrainer();
    },

    dismissNotice(index) {
      set({ notices: get().notices.filter((_, i) => i !== index) });
    },

    acknowledgeWarning() {
      set({ warningAcknowledged: true });
    },

    async startTraining() {
      const { phase, warning, warningAcknowledged } = get();
      if (phase === 'training' || phase === 'paused' || phase === 'starting' || phase === 'loading') return;
      if (warning && !warningAcknowledged) return;
      const handle = await ensureTrainer();
      if (get().phase === 'error') return;
      const config = get().config;
      set({ phase: 'training', progress: null, curve: [], epochs: [], result: null, error: null });
      const onEvent = Comlink.proxy((event: TrainEvent) => {
        if (trainer !== handle) return;
        if (event.type === 'batches') {
          const curve = [...get().curve];
          for (const p of event.points) {
            curve.push({ step: p.step, epochFraction: p.epoch - 1 + p.batchInEpoch / p.batchesPerEpoch, loss: p.loss, accuracy: p.accuracy });
          }
          set({ progress: event.points[event.points.length - 1], curve: thin(curve) });
        } else if (event.type === 'epoch') {
          set({ epochs: [...get().epochs, event.metrics] });
        } else if (event.type === 'paused') {
          set({ phase: 'paused' });
        }
      });
      try {
        const result = await handle.api.train(config, onEvent);
        if (trainer === handle) set({ result, phase: result.status === 'done' ? 'done' : 'stopped' });
      } catch (error) {
        if (trainer === handle) set({ phase: 'error', error: error instanceof Error ? error.message : String(error) });
      }
    },

    pause() {
      if (get().phase !== 'training') return;
      void trainer?.api.pause();
    },

    resume() {
      if (get().phase !== 'paused') return;
      set({ phase: 'training' });
      void trainer?.api.resume();
    },

    stop() {
      const phase = get().phase;
      if (phase !== 'training' && phase !== 'paused') return;
      void trainer?.api.stop();
    },

    async copyLink() {
      const url = `${location.origin}${location.pathname}?${encodeConfig(get().config)}`;
      try {
        await navigator.clipboard.writeText(url);
      } catch {
        // Clipboard can be refused (no permission, insecure context); the URL bar holds the same link.
      }
      set({ linkCopied: true });
    },
  };
});

export const selectParameterCount = (s: AppState) => parameterCount(s.config);

/** For tests and devtools: the worker's tensor count. */
export async function workerMemory(): Promise<{ numTensors: number } | null> {
  return trainer ? trainer.api.memory() : null;
}

/** Frees the worker's kept network; returns the tensor count afterwards. */
export async function resetWorker(): Promise<{ numTensors: number } | null> {
  return trainer ? trainer.api.reset() : null;
}
