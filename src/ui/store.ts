/**
 * The page's store: the config (mirrored into the URL) and what the worker reported. Its intents
 * (Train, Pause, questions about the kept model) are handed to the controller, which owns the
 * worker; components read slices with selectors and never touch the worker.
 */
import { create } from 'zustand';
// The page imports only TF.js-free parts of the core; tensors live in the worker.
import { decodeConfig, encodeConfig, encodeScheme, updateConfig, type Config, type ConfigKey, type ConfigNotice, type LayerOverride } from '../core/config';
import { parameterCount } from '../core/models';
import { planTraining, trainingWarning, type PlanWarning } from '../core/planning';
import type { BatchMetrics, EpochMetrics } from '../tf/train';
import type { BackendInfo, DataInfo, KernelLogits, LayerSummary, Prediction, PtqResult, QuantAnalysis, RunSummary, WeightStats } from '../worker/protocol';
import type { WeightScheme } from '../core/quant/schemes';
import type { TrainerHandle } from './trainerClient';
import type { ExplainedError } from './errors';
import type { QuantConfig } from '../worker/protocol';
import type { BackendName, ProbeResult } from '../core/autoBackend';
import { fitModelToData, PAGE_MODEL_NAMES } from './data/dataModels';
import type { DatasetName, ImageShape } from '../core/datasets/kinds';

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

/** What `backend=auto` knows for the current model: measured now, remembered, or being measured. */
export interface AutoBackendState {
  /** modelKey of the model it is about (src/core/autoBackend.ts). */
  model: string;
  status: 'measuring' | 'measured' | 'remembered' | 'interrupted' | 'failed';
  /** The backend auto trains on for this model; null until known. */
  choice: BackendName | null;
  /** WASM's thread count when WASM is the choice (null: the worker's default). */
  threads: number | null;
  results: ProbeResult[];
  /** Batch size the numbers were measured at. */
  batch: number;
  measuredAt: number | null;
  /** The choice differs from the running backend and waits for the next Train (a model is kept, or a run is under way). */
  pending: boolean;
  error: string | null;
  /** Tensors the measurement left in its worker, summed over the backends timed (0: leak-free). */
  tensorsLeft: number;
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
  /** `backend=auto`: what was measured or remembered for the current model (null for a manual choice). */
  auto: AutoBackendState | null;
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
  /** `backend=auto`: time the backends again for the current model (not during a run or a sweep). */
  remeasureBackends(): void;
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
  /** The first `count` test images and labels of MNIST or `data`; null before the worker has the data. */
  testDigits(count: number, data?: DatasetName): Promise<{ pixels: Uint8Array; labels: Uint8Array; shape: ImageShape } | null>;
}

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

export function thin(points: CurvePoint[]): CurvePoint[] {
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

export function computeWarning(config: Config, backend: BackendInfo | null): PlanWarning | null {
  if (!backend) return null;
  return trainingWarning(planTraining(config), backend.capacity);
}

/** What the store hands to the controller. */
export type Intents = Pick<
  AppState,
  'startTraining' | 'trainConfig' | 'worker' | 'pause' | 'resume' | 'stop' | 'remeasureBackends' | 'fetchLayerSummaries' | 'fetchWeightStats' | 'predictDigit' | 'kernelLogits' | 'analyzeQuantized' | 'testDigits'
> & {
  /** After the store took a new config (the URL is synced already). */
  configChanged(previous: Config, config: Config): void;
};

/** Bound by the controller when it loads: it imports this store, so the store cannot import it. */
let intents: Intents | null = null;
export function bindIntents(bound: Intents) {
  intents = bound;
}
function controller(): Intents {
  if (!intents) throw new Error('the controller is not loaded (import ./controller)');
  return intents;
}

/** The models the page offers, for some data set (src/ui/data/dataModels.ts says which take which). */
export const PAGE_MODELS = PAGE_MODEL_NAMES;

/**
 * The page loads every data set (MNIST built in, the others from the user's files, kept in
 * IndexedDB), so a link keeps its data=; a model that does not take that set's images gets the
 * set's first model, and a notice says so, instead of training a network the link did not mean.
 */
export function pageConfig(decoded: { config: Config; notices: ConfigNotice[] }, modelNamed = true): { config: Config; notices: ConfigNotice[] } {
  const fitted = fitModelToData(decoded.config, modelNamed);
  return { config: fitted.config, notices: fitted.notice ? [...decoded.notices, fitted.notice] : decoded.notices };
}

const search = typeof location === 'undefined' ? '' : location.search;
const initial = pageConfig(decodeConfig(search), new URLSearchParams(search).has('model'));

export const useStore = create<AppState>((set, get) => {
  if (typeof window !== 'undefined') {
    // The address bar holds the canonical URL: junk and repeated keys are gone (the notices say what was dropped).
    flushUrl(initial.config);
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
    auto: null,
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
      set({ config, knobError: null, warning: computeWarning(config, get().backend), warningAcknowledged: false, linkCopied: false });
      syncUrl(config);
      controller().configChanged(previous, config);
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

    // Intents: the controller does the work.
    startTraining: () => controller().startTraining(),
    trainConfig: (config) => controller().trainConfig(config),
    worker: () => controller().worker(),
    pause: () => controller().pause(),
    resume: () => controller().resume(),
    stop: () => controller().stop(),
    remeasureBackends: () => controller().remeasureBackends(),

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

    fetchLayerSummaries: (exponentBits) => controller().fetchLayerSummaries(exponentBits),
    fetchWeightStats: (layerIndex, scheme) => controller().fetchWeightStats(layerIndex, scheme),
    predictDigit: (pixels) => controller().predictDigit(pixels),
    kernelLogits: (pixels) => controller().kernelLogits(pixels),
    analyzeQuantized: () => controller().analyzeQuantized(),
    testDigits: (count, data) => controller().testDigits(count, data),
  };
});

export const selectParameterCount = (s: AppState) => parameterCount(s.config);
