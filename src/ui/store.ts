/**
 * The page's one store: the config (mirrored into the URL), what the worker reported, and the
 * intents the UI sends. Components read slices with selectors and never touch the worker.
 */
import { create } from 'zustand';
// The page imports only TF.js-free parts of the core; tensors live in the worker.
import { decodeConfig, encodeConfig, encodeScheme, updateConfig, type Config, type ConfigKey, type ConfigNotice, type LayerOverride } from '../core/config';
import { parameterCount } from '../core/models';
import { planTraining, trainingWarning, type PlanWarning } from '../core/planning';
import type { BatchMetrics, EpochMetrics } from '../tf/train';
import type { BackendInfo, DataInfo, KernelLogits, LayerSummary, Prediction, PtqResult, QuantAnalysis, RunSummary, TrainEvent, WeightStats } from '../worker/protocol';
import type { WeightScheme } from '../core/quant/schemes';
import { quantKey, quantOfConfig } from './quantKnobs';
import { Comlink, startTrainer, WorkerFault, type TrainerHandle } from './trainerClient';
import { divergenceMessage } from '../core/divergence';
import { explainError, type ExplainedError } from './errors';
import type { BackendName } from '../worker/backends';
import type { InjectedFault, QuantConfig, WorkerEvent } from '../worker/protocol';

export type Phase = 'starting' | 'loading' | 'ready' | 'training' | 'paused' | 'done' | 'stopped' | 'error';

/** Batch curves keep at most this many points; older ones are thinned so long runs stay fast to draw. */
const MAX_CURVE_POINTS = 600;
/**
 * The URL is rewritten at most this often while a slider moves (browsers throttle
 * history.replaceState past ~100 calls in 10 s).
 */
const URL_SYNC_MS = 120;

/** A PTQ evaluation of the kept model and the quantization setting it evaluated. */
export interface KeptPtqResult extends PtqResult {
  quant: QuantConfig;
}

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
  /** What failed, in words a user understands (phase 'error'); the technical text is in errorDetails. */
  error: string | null;
  errorDetails: string | null;
  /** One line about a recovery the page made by itself (a worker restarted, a backend given up), with its details. */
  recovery: ExplainedError | null;
  backend: BackendInfo | null;
  /** The backend choice the running worker was started with; the config's choice applies from the next run when they differ. */
  backendChoice: Config['backend'] | null;
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
  /** True while the worker holds the last run's trained network (for PTQ and the weight charts). */
  modelKept: boolean;
  /** Changes with every run, so answers about an older model are dropped. */
  modelVersion: number;
  /** PTQ results of the kept model, by quantKey of the setting evaluated (which each result carries). */
  ptqResults: Record<string, KeptPtqResult>;
  ptqRunning: boolean;
  ptqError: string | null;

  setKnob<K extends ConfigKey>(key: K, value: unknown): void;
  /** Like setKnob, but the caller shows the message (beside its knob): null when the value was taken. */
  trySetKnob<K extends ConfigKey>(key: K, value: unknown): string | null;
  /** Several knobs at once (e.g. a preset's weights and activations); all or none are taken. */
  setKnobs(values: Partial<Record<ConfigKey, unknown>>): void;
  applyConfig(config: Config): void;
  dismissNotice(index: number): void;
  dismissRecovery(): void;
  acknowledgeWarning(): void;
  startTraining(): Promise<void>;
  /**
   * Trains a given config the way Train does (progress, curves, the kept model), e.g. a sweep's
   * float model; resolves with the run's summary, or null when it did not run or failed.
   */
  trainConfig(config: Config): Promise<RunSummary | null>;
  /** The worker, started and loaded; null when it failed to start. */
  worker(): Promise<TrainerHandle['api'] | null>;
  pause(): void;
  resume(): void;
  stop(): void;
  copyLink(): Promise<void>;
  /** The kept model's weight layers; null when there is none. */
  fetchLayerSummaries(exponentBits: number | null): Promise<LayerSummary[] | null>;
  fetchWeightStats(layerIndex: number, scheme: WeightScheme): Promise<WeightStats | null>;
  /** A 28x28 digit (0..255) through the kept model, float and at the current quantization; null without a model. */
  predictDigit(pixels: Uint8Array): Promise<Prediction | null>;
  /** The same digit's integer logits on the WGSL kernels (or their CPU reference); null without a model. */
  kernelLogits(pixels: Uint8Array): Promise<KernelLogits | null>;
  /** Confusion matrices and flipped test images at the current quantization; null without a model. */
  analyzeQuantized(): Promise<QuantAnalysis | null>;
  /** The first `count` MNIST test images and labels; null before the worker has the data. */
  testDigits(count: number): Promise<{ pixels: Uint8Array; labels: Uint8Array } | null>;
}

let trainer: TrainerHandle | null = null;
let trainerBackendChoice: Config['backend'] | null = null;
/** The current worker's start (backend, then data) while under way. */
let trainerStart: Promise<TrainerHandle> | null = null;
/** True once the current worker has its backend and the data. */
let trainerReady = false;
/** Backends whose device was lost this session: restarts skip them. */
const avoidBackends: BackendName[] = [];
/** Faults since the last worker that became ready: past this many, restarting stops until Train is pressed. */
let faultsInARow = 0;
const MAX_AUTOMATIC_RESTARTS = 2;
/** Set synchronously when a run is asked for, so two presses in one tick start one run. */
let runActive = false;
/** The user's last pause/resume intent: a 'paused' event arriving after a resume is stale. */
let pauseWanted = false;

let urlTimer: ReturnType<typeof setTimeout> | null = null;
/** Writes the URL now (Copy link must copy what the address bar shows). */
function flushUrl(config: Config) {
  if (urlTimer) clearTimeout(urlTimer);
  urlTimer = null;
  history.replaceState(history.state, '', `${location.pathname}?${encodeConfig(config)}${location.hash}`);
}
function syncUrl(config: Config) {
  if (urlTimer) clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    urlTimer = null;
    history.replaceState(history.state, '', `${location.pathname}?${encodeConfig(config)}${location.hash}`);
  }, URL_SYNC_MS);
}

function thin(points: CurvePoint[]): CurvePoint[] {
  if (points.length <= MAX_CURVE_POINTS) return points;
  return points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

/** The text a knob value had, for messages: schemes as in the URL rather than "[object Object]". */
function knobText(key: ConfigKey, value: unknown): string | null {
  if ((key === 'weights' || key === 'activations') && value && typeof value === 'object') return encodeScheme(value);
  if (key === 'layers' && Array.isArray(value)) {
    return (value as LayerOverride[]).map((o) => `${o.layer}=${o.scheme && typeof o.scheme === 'object' ? encodeScheme(o.scheme) : String(o.scheme)}`).join(';');
  }
  return null;
}

function validate(config: Config, key: ConfigKey, value: unknown): { ok: true; config: Config } | { ok: false; message: string } {
  const update = updateConfig(config, key, value);
  if (update.ok) return update;
  const text = knobText(key, value);
  if (text === null) return update;
  // updateConfig writes String(value); name the scheme the way the URL does.
  const written = Array.isArray(value) ? value.join(',') : String(value);
  return { ok: false, message: update.message.replace(`${key}=${JSON.stringify(written)}`, `${key}=${JSON.stringify(text)}`) };
}

function computeWarning(config: Config, backend: BackendInfo | null): PlanWarning | null {
  if (!backend) return null;
  return trainingWarning(planTraining(config), backend.capacity);
}

const initial = decodeConfig(typeof location === 'undefined' ? '' : location.search);

export const useStore = create<AppState>((set, get) => {
  /** The worker for the config's backend choice: the current one when it is ready or starting, else a fresh one. */
  function ensureTrainer(): Promise<TrainerHandle> {
    if (trainer && trainerBackendChoice === get().config.backend) {
      if (trainerReady) return Promise.resolve(trainer);
      if (trainerStart) return trainerStart;
    }
    return restartTrainer();
  }

  /** Ends the current worker (if any) and starts one on the config's backend, then loads MNIST into it. */
  function restartTrainer(): Promise<TrainerHandle> {
    const { config } = get();
    trainer?.terminate();
    const handle = startTrainer((fault) => onWorkerFault(handle, fault));
    trainer = handle;
    trainerBackendChoice = config.backend;
    trainerReady = false;
    forgetModel();
    set({ phase: 'starting', backend: null, backendChoice: config.backend, data: null, error: null, errorDetails: null, loadProgress: null });
    const start = (async () => {
      try {
        const onEvent = Comlink.proxy((event: WorkerEvent) => onWorkerEvent(handle, event));
        const backend = await handle.api.init(config.backend, [...avoidBackends], onEvent);
        if (trainer !== handle) return handle;
        set({ backend, warning: computeWarning(get().config, backend), phase: 'loading' });
        const recovery = get().recovery;
        if (recovery?.pendingBackend) set({ recovery: { ...recovery, summary: `${recovery.summary} Now on ${backend.name}.`, pendingBackend: false } });
        const data = await handle.api.loadData(
          `${location.origin}${import.meta.env.BASE_URL}data/mnist`,
          Comlink.proxy((loaded: number, total: number) => {
            if (trainer === handle) set({ loadProgress: { loaded, total } });
          }),
        );
        if (trainer !== handle) return handle;
        trainerReady = true;
        faultsInARow = 0;
        set({ data, phase: 'ready' });
      } catch (error) {
        if (trainer === handle && !(error instanceof WorkerFault)) {
          const explained = explainError(error, 'start');
          set({ phase: 'error', error: explained.summary, errorDetails: explained.details });
        }
      } finally {
        if (trainer === handle) trainerStart = null;
      }
      return handle;
    })();
    trainerStart = start;
    return start;
  }

  /** The worker died or hung: say so in one line and start a fresh one, keeping the config, the records and the URL. */
  function onWorkerFault(handle: TrainerHandle, fault: WorkerFault) {
    if (trainer !== handle) return;
    const phase = get().phase;
    const lostRun = phase === 'training' || phase === 'paused';
    faultsInARow++;
    trainer = null;
    trainerReady = false;
    trainerStart = null;
    forgetModel();
    if (faultsInARow > MAX_AUTOMATIC_RESTARTS) {
      set({
        phase: 'error',
        error: `${fault.message} It failed ${faultsInARow} times in a row; press Train to try once more.`,
        errorDetails: `${fault.kind}: ${fault.message}`,
      });
      return;
    }
    set({
      recovery: {
        summary: `${fault.message}${lostRun ? ' The run in progress was lost.' : ''} A fresh worker was started; your settings and records are kept.`,
        details: `${fault.kind}: ${fault.message} (at ${new Date().toLocaleTimeString()})`,
      },
      result: lostRun ? null : get().result,
    });
    void restartTrainer();
  }

  function onWorkerEvent(handle: TrainerHandle, event: WorkerEvent) {
    if (trainer !== handle || event.type !== 'device-lost') return;
    const lost = event.backend as BackendName;
    if (!avoidBackends.includes(lost)) avoidBackends.push(lost);
    const phase = get().phase;
    const lostRun = phase === 'training' || phase === 'paused';
    set({
      recovery: {
        summary: `The GPU stopped working (its ${event.backend === 'webgpu' ? 'WebGPU' : event.backend} device was lost).${lostRun ? ' The run in progress was lost.' : ''} The playground moved to the next backend; your settings and records are kept.`,
        details: `GPUDevice.lost: reason "${event.reason}"${event.message ? `, "${event.message}"` : ''}`,
        pendingBackend: true,
      },
      result: lostRun ? null : get().result,
    });
    void restartTrainer();
  }

  // ---- Live PTQ: one evaluation at a time; when it ends, the setting showing then is evaluated.
  let ptqTimer: ReturnType<typeof setTimeout> | null = null;
  /** The evaluation under way; a terminated worker never answers, so forgetting the model clears it. */
  let ptqInFlight: symbol | null = null;
  /** Settles when the evaluation under way ends: weight charts wait for it, so the accuracy comes first. */
  let ptqDone: Promise<unknown> = Promise.resolve();

  function forgetModel() {
    ptqInFlight = null;
    set({ modelKept: false, modelVersion: get().modelVersion + 1, ptqResults: {}, ptqRunning: false, ptqError: null });
  }

  function ptqWanted(): boolean {
    const { modelKept, phase, result, config, ptqResults } = get();
    if (!modelKept || phase !== 'done' || !result) return false;
    const key = quantKey(config);
    // The run already evaluated its own setting (PTQ for float training, the QAT model itself).
    return !(key in ptqResults) && key !== quantKey(result.config);
  }

  /**
   * No debounce: while one evaluation runs, knob changes only move the target, and the setting
   * showing when it ends is evaluated next (stale settings are never evaluated).
   */
  function schedulePtq() {
    if (ptqTimer) return;
    ptqTimer = setTimeout(() => {
      ptqTimer = null;
      void runPtq();
    }, 0);
  }

  async function runPtq() {
    if (ptqInFlight || !ptqWanted() || !trainer || !trainerReady) return;
    const handle = trainer;
    const { config, modelVersion } = get();
    const key = quantKey(config);
    const token = Symbol('ptq');
    ptqInFlight = token;
    set({ ptqRunning: true, ptqError: null });
    try {
      const quant = quantOfConfig(config);
      const evaluation = handle.api.evaluatePtq(quant);
      ptqDone = evaluation.catch(() => undefined);
      const ptq = await evaluation;
      if (trainer === handle && get().modelVersion === modelVersion) set({ ptqResults: { ...get().ptqResults, [key]: { ...ptq, quant } } });
    } catch (error) {
      if (trainer === handle && get().modelVersion === modelVersion) set({ ptqError: explainError(error, 'evaluate').summary });
    } finally {
      if (ptqInFlight === token) {
        ptqInFlight = null;
        set({ ptqRunning: false });
        if (ptqWanted() && !get().ptqError) schedulePtq();
      }
    }
  }

  /**
   * A question about the kept model, asked after the evaluation in flight: the worker runs one call
   * at a time, and a slider step's accuracy number comes before charts and predictions. Null when
   * there is no kept model, or the worker or the model changed while waiting.
   */
  async function afterEvaluation<T>(ask: (api: TrainerHandle['api']) => Promise<T>): Promise<T | null> {
    const handle = trainer;
    if (!handle || !get().modelKept) return null;
    await new Promise((r) => setTimeout(r, 0));
    await ptqDone;
    if (trainer !== handle || !get().modelKept) return null;
    return ask(handle.api);
  }

  /** One run of `config` on the worker (the caller holds runActive). */
  async function trainOnce(config: Config): Promise<RunSummary | null> {
    const handle = await ensureTrainer();
    if (!trainerReady || trainer !== handle) return null;
    forgetModel();
    pauseWanted = false;
    set({ phase: 'training', progress: null, curve: [], epochs: [], result: null, error: null, errorDetails: null });
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
        // A resume pressed before this event arrived wins.
        if (pauseWanted) set({ phase: 'paused' });
      }
    });
    try {
      const result = await handle.api.train(config, onEvent);
      if (trainer !== handle) return null;
      if (result.status === 'diverged' && result.divergedAt) {
        // The diverged weights are NaN: nothing to re-quantize, and no result to show as one.
        set({ result, phase: 'error', error: divergenceMessage(result.divergedAt), errorDetails: `batch loss ${result.divergedAt.loss}` });
        return result;
      }
      set({ result, phase: result.status === 'done' ? 'done' : 'stopped', modelKept: true, ptqResults: {} });
      schedulePtq();
      return result;
    } catch (error) {
      if (trainer === handle && !(error instanceof WorkerFault)) {
        const explained = explainError(error, 'train');
        set({ phase: 'error', error: explained.summary, errorDetails: explained.details });
      }
      return null;
    }
  }

  if (typeof window !== 'undefined') {
    // The address bar holds the canonical URL: junk and repeated keys are gone (the notices say what was dropped).
    flushUrl(initial.config);
    // Start the worker as soon as the store exists so the backend and data are ready early.
    queueMicrotask(() => void ensureTrainer());
  }

  return {
    config: initial.config,
    notices: initial.notices,
    knobError: null,
    phase: 'starting',
    error: null,
    errorDetails: null,
    recovery: null,
    backend: null,
    backendChoice: null,
    data: null,
    loadProgress: null,
    progress: null,
    curve: [],
    epochs: [],
    result: null,
    warning: null,
    warningAcknowledged: false,
    linkCopied: false,
    modelKept: false,
    modelVersion: 0,
    ptqResults: {},
    ptqRunning: false,
    ptqError: null,

    setKnob(key, value) {
      get().setKnobs({ [key]: value });
    },

    trySetKnob(key, value) {
      const update = validate(get().config, key, value);
      if (!update.ok) return update.message;
      get().applyConfig(update.config);
      return null;
    },

    setKnobs(values) {
      let config = get().config;
      for (const [key, value] of Object.entries(values)) {
        const update = validate(config, key as ConfigKey, value);
        if (!update.ok) {
          set({ knobError: update.message });
          return;
        }
        config = update.config;
      }
      get().applyConfig(config);
    },

    applyConfig(config) {
      const previous = get().config;
      const backendChanged = config.backend !== previous.backend;
      set({ config, knobError: null, warning: computeWarning(config, get().backend), warningAcknowledged: false, linkCopied: false });
      syncUrl(config);
      if (backendChanged && get().phase !== 'training' && get().phase !== 'paused') void ensureTrainer();
      else if (quantKey(config) !== quantKey(previous)) {
        set({ ptqError: null });
        schedulePtq();
      }
    },

    dismissNotice(index) {
      set({ notices: get().notices.filter((_, i) => i !== index) });
    },

    dismissRecovery() {
      set({ recovery: null });
    },

    acknowledgeWarning() {
      set({ warningAcknowledged: true });
    },

    async startTraining() {
      const { phase, warning, warningAcknowledged } = get();
      if (runActive || phase === 'training' || phase === 'paused') return;
      // While the worker starts, Train waits for it (after an error it starts a fresh one).
      if ((phase === 'starting' || phase === 'loading') && !trainerStart) return;
      if (warning && !warningAcknowledged) return;
      await get().trainConfig(get().config);
    },

    async worker() {
      const handle = await ensureTrainer();
      return trainerReady && trainer === handle ? handle.api : null;
    },

    async trainConfig(config) {
      const phase = get().phase;
      if (runActive || phase === 'training' || phase === 'paused') return null;
      runActive = true;
      try {
        return await trainOnce(config);
      } finally {
        runActive = false;
      }
    },
    pause() {
      if (get().phase !== 'training') return;
      // 'paused' shows when the worker has stopped between batches (its last batches are flushed first).
      pauseWanted = true;
      trainer?.api.pause().catch(() => undefined);
    },

    resume() {
      const phase = get().phase;
      // A resume right after a pause the worker has not confirmed yet cancels it.
      if (phase !== 'paused' && !(phase === 'training' && pauseWanted)) return;
      pauseWanted = false;
      set({ phase: 'training' });
      trainer?.api.resume().catch(() => undefined);
    },

    stop() {
      const phase = get().phase;
      if (phase !== 'training' && phase !== 'paused') return;
      pauseWanted = false;
      trainer?.api.stop().catch(() => undefined);
    },

    async copyLink() {
      // The open section (#hash) travels too, so a link opens where the sender was.
      const url = `${location.origin}${location.pathname}?${encodeConfig(get().config)}${location.hash}`;
      flushUrl(get().config);
      try {
        await navigator.clipboard.writeText(url);
      } catch {
        // Clipboard can be refused (no permission, insecure context); the URL bar holds the same link.
      }
      set({ linkCopied: true });
    },

    async fetchLayerSummaries(exponentBits) {
      const handle = trainer;
      if (!handle || !get().modelKept) return null;
      return handle.api.layerSummaries(exponentBits);
    },

    fetchWeightStats(layerIndex, scheme) {
      return afterEvaluation((api) => api.weightStats(layerIndex, scheme));
    },

    predictDigit(pixels) {
      return afterEvaluation((api) => api.predictDigit(pixels, quantOfConfig(get().config)));
    },

    kernelLogits(pixels) {
      return afterEvaluation((api) => api.kernelLogits(pixels, quantOfConfig(get().config)));
    },

    analyzeQuantized() {
      return afterEvaluation((api) => api.analyzeQuantized(quantOfConfig(get().config)));
    },

    async testDigits(count) {
      const handle = trainer;
      // The data arrive after the worker starts; before that there is nothing to show.
      if (!handle || !get().data) return null;
      return handle.api.testDigits(count);
    },
  };
});

export const selectParameterCount = (s: AppState) => parameterCount(s.config);

/** Fault injection for the recovery tests: ends the worker the way a crash would. */
export function crashWorker(): boolean {
  if (!trainer) return false;
  trainer.crash();
  return true;
}

/** Fault injection for the recovery tests (a kernel that throws once, a lost WebGPU device). */
export async function injectFault(fault: InjectedFault): Promise<string | null> {
  return trainer ? trainer.api.injectFault(fault) : null;
}

/** For tests and devtools: the worker's tensor count. */
export async function workerMemory(): Promise<{ numTensors: number } | null> {
  return trainer ? trainer.api.memory() : null;
}

/** Frees the worker's kept network; returns the tensor count afterwards. */
export async function resetWorker(): Promise<{ numTensors: number } | null> {
  if (!trainer) return null;
  useStore.setState((s) => ({ modelKept: false, modelVersion: s.modelVersion + 1, ptqResults: {} }));
  return trainer.api.reset();
}
