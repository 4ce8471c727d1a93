/**
 * The page's one controller: it owns the worker (start, restart, fault recovery, the backend
 * choice, whether it is ready), the run intents, live PTQ, questions about the kept model, the
 * sweep run and the kernel run, and it records what finished. The stores only hold state; they
 * never drive each other, and only this module talks to the worker.
 */
import type { Config } from '../core/config';
import { divergenceMessage } from '../core/divergence';
import { makeRecord } from '../core/runRecord';
import { cellConfig, cellLabel, enumerateCells, keptModelServes, matchSweepPreset, type SweepDefinition, type SweepPreset } from '../core/sweep';
import type { WeightScheme } from '../core/quant/schemes';
import type { BackendName } from '../worker/backends';
import type { InjectedFault, KernelRunPhase, QuantConfig, RunSummary, SweepEvent, TrainEvent, WorkerEvent } from '../worker/protocol';
import { explainError } from './errors';
import { useKernelRun } from './kernels/kernelStore';
import { describeQuant, isFloatQuant, quantKey, quantOfConfig } from './quantKnobs';
import { trainingLabel, useRecords } from './records/recordsStore';
import { bindIntents, computeWarning, thin, useStore, type AppState, type Intents } from './store';
import { isBusy, sweepProgress, useSweep } from './sweep/sweepStore';
import { Comlink, startTrainer, WorkerFault, type TrainerHandle } from './trainerClient';

const get = () => useStore.getState();
const set = (partial: Partial<AppState>) => useStore.setState(partial);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

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

// ---- The worker

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
/** A run the worker took with it: no result, and no progress line that reads as if it were still going. */
function forgetLostRun(lostRun: boolean): Partial<AppState> {
  return lostRun ? { result: null, progress: null } : {};
}

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
    ...forgetLostRun(lostRun),
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
    ...forgetLostRun(lostRun),
  });
  void restartTrainer();
}

/** A new model (or none) makes the kernel report stale. */
function dropKernelReport() {
  useKernelRun.setState({ status: 'idle', report: null, reportKey: null, error: null });
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
  dropKernelReport();
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
    if (trainer === handle && get().modelVersion === modelVersion) {
      const fresh = !(key in get().ptqResults);
      set({ ptqResults: { ...get().ptqResults, [key]: { ...ptq, quant } } });
      const run = get().result?.config;
      if (fresh && run) recordPtq(run, quant, ptq.accuracy);
    }
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

// ---- Records: what finished, recorded where the answer arrives.

function recordRun(result: RunSummary) {
  const add = useRecords.getState().add;
  if (result.status === 'done') {
    // Its own quantized accuracy (PTQ after float training, or the QAT model).
    const { config, quantizedAccuracy, testAccuracy } = result;
    const accuracy = quantizedAccuracy ?? testAccuracy;
    if (accuracy !== null) add([makeRecord({ config, label: trainingLabel(config), accuracy, source: 'train' })]);
  } else if (result.status === 'diverged' && result.divergedAt) {
    // Listed so the table says so, kept off the chart.
    const { config, divergedAt } = result;
    add([makeRecord({ config, label: `${trainingLabel(config)} · diverged`, accuracy: 0, source: 'train', diverged: { epoch: divergedAt.epoch, batch: divergedAt.batch } })]);
  }
}

function recordPtq(run: Config, quant: QuantConfig, accuracy: number) {
  const config: Config = { ...run, ...quant };
  const from = run.training === 'qat' && !isFloatQuant(run) ? `PTQ of a QAT model (${describeQuant(run)})` : 'PTQ';
  useRecords.getState().add([makeRecord({ config, label: `${describeQuant(config)} · ${from}`, accuracy, source: 'ptq' })]);
}

// ---- Training

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
      recordRun(result);
      return result;
    }
    set({ result, phase: result.status === 'done' ? 'done' : 'stopped', modelKept: true, ptqResults: {} });
    recordRun(result);
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

async function trainConfig(config: Config): Promise<RunSummary | null> {
  const phase = get().phase;
  if (runActive || phase === 'training' || phase === 'paused') return null;
  runActive = true;
  try {
    return await trainOnce(config);
  } finally {
    runActive = false;
  }
}

/** The worker, started and loaded; null when it failed to start. */
async function worker(): Promise<TrainerHandle['api'] | null> {
  const handle = await ensureTrainer();
  return trainerReady && trainer === handle ? handle.api : null;
}

// ---- Sweeps

let sweepCancelRequested = false;
/** Cell results are applied in batches, so a fast PTQ sweep does not re-render the page 56 times. */
let sweepPending: Extract<SweepEvent, { type: 'cell' }>[] = [];
/** Cells of the current sweep already taken (from an event or from the final answer), by index. */
let sweepSeen = new Set<number>();
/** Changes with every sweep, so late events of an older one are dropped. */
let sweepRunId = 0;
let sweepFlushTimer: ReturnType<typeof setTimeout> | null = null;
const SWEEP_FLUSH_MS = 500;

/** Why the page cannot start a sweep now, or null. */
function sweepRefusal(): string | null {
  const page = get();
  if (page.phase === 'training' || page.phase === 'paused') return 'a training run is under way';
  if (page.phase === 'starting' || page.phase === 'loading') return 'the backend and MNIST are still loading';
  if (page.warning?.blocking) return page.warning.message;
  if (page.warning && !page.warningAcknowledged) return `${page.warning.message} Press "Train anyway" first to sweep anyway.`;
  return null;
}

function flushSweep(definition: SweepDefinition, base: Config) {
  if (sweepFlushTimer) clearTimeout(sweepFlushTimer);
  sweepFlushTimer = null;
  if (sweepPending.length === 0) return;
  const events = sweepPending;
  sweepPending = [];
  const state = useSweep.getState();
  const results = [...state.results];
  const diverged = [...state.diverged];
  const cellMs = [...state.cellMs];
  for (const event of events) {
    if (event.diverged) diverged[event.index] = event.diverged;
    else results[event.index] = event.accuracy;
    cellMs[event.index] = event.ms;
  }
  useSweep.setState({
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

function onSweepEvent(run: number, definition: SweepDefinition, base: Config, event: SweepEvent) {
  const state = useSweep.getState();
  if (run !== sweepRunId || !isBusy(state.status)) return;
  if (event.type === 'cell') {
    if (sweepSeen.has(event.index)) return;
    sweepSeen.add(event.index);
  }
  if (event.type === 'progress') {
    useSweep.setState({ currentFraction: event.fraction, elapsedMs: performance.now() - (state.cellsStartedAt ?? performance.now()) });
    return;
  }
  sweepPending.push(event);
  // QAT cells are slow: show each at once. PTQ cells come fast: batch them.
  if (definition.mode === 'qat') flushSweep(definition, base);
  else if (!sweepFlushTimer) sweepFlushTimer = setTimeout(() => flushSweep(definition, base), SWEEP_FLUSH_MS);
}

/**
 * PTQ sweeps train the float model the way Train does (unless the kept model is already that
 * model), then ask the worker to quantize and test it once per cell; QAT sweeps ask the worker to
 * train each cell. Results become run records (source 'sweep').
 */
async function runSweep(definitionArg?: SweepDefinition): Promise<void> {
  const setSweep = useSweep.setState;
  if (isBusy(useSweep.getState().status)) return;
  const page = get();
  const definition = definitionArg ?? page.config.sweep;
  if (!definition) {
    setSweep({ status: 'error', error: 'Define a sweep first.' });
    return;
  }
  const why = sweepRefusal();
  if (why) {
    setSweep({ status: 'error', error: `Cannot start the sweep: ${why}` });
    return;
  }
  sweepCancelRequested = false;
  sweepPending = [];
  sweepSeen = new Set();
  const thisRun = ++sweepRunId;
  const base = page.config;
  const cells = enumerateCells(definition);
  setSweep({
    status: 'running',
    error: null,
    definition,
    presetId: matchSweepPreset(definition, base.model)?.id ?? null,
    base,
    cells,
    ...sweepProgress(cells.length),
  });
  try {
    const api = await worker();
    if (!api) throw new Error(get().error ?? 'the worker did not start');
    if (definition.mode === 'ptq') {
      const floatConfig: Config = { ...base, training: 'float' };
      const now = get();
      const reuse = now.modelKept && now.result?.status === 'done' && keptModelServes(now.result.config, floatConfig);
      if (!reuse) {
        setSweep({ status: 'training', trainedFloatModel: true });
        const summary = await trainConfig(floatConfig);
        if (sweepCancelRequested || summary?.status === 'stopped') {
          setSweep({ status: 'cancelled' });
          return;
        }
        if (!summary) throw new Error(get().error ?? 'the float model did not train');
        // Every PTQ cell would quantize NaN weights.
        if (summary.divergedAt) throw new Error(`float model: ${divergenceMessage(summary.divergedAt)}`);
        setSweep({ status: 'running' });
      }
    }
    if (sweepCancelRequested) {
      setSweep({ status: 'cancelled' });
      return;
    }
    setSweep({ cellsStartedAt: performance.now() });
    const request = { mode: definition.mode, cells: cells.map((cell) => ({ index: cell.index, config: cellConfig(base, definition, cell) })) };
    let summary;
    try {
      summary = await api.runSweep(
        request,
        Comlink.proxy((event: SweepEvent) => onSweepEvent(thisRun, definition, base, event)),
      );
      // Cells whose events have not arrived yet (another message port) come from the answer.
      for (const cell of summary.cells) {
        if (!sweepSeen.has(cell.index)) {
          sweepSeen.add(cell.index);
          sweepPending.push({ type: 'cell', ...cell });
        }
      }
    } finally {
      flushSweep(definition, base);
    }
    const timing =
      summary.floatEvalMs !== null && summary.cellsDone > 0
        ? { cells: summary.cellsDone, sweepMs: summary.sweepMs, floatEvalMs: summary.floatEvalMs, ratio: summary.sweepMs / summary.floatEvalMs, testCount: summary.testCount }
        : null;
    setSweep({ status: summary.status, floatAccuracy: summary.floatAccuracy, timing, currentFraction: 0 });
  } catch (error) {
    setSweep({ status: 'error', error: message(error) });
  }
}

// ---- Kernel run

async function runKernels(): Promise<void> {
  const kernel = useKernelRun;
  if (kernel.getState().status === 'running') return;
  const app = get();
  if (!app.modelKept || !app.result) {
    kernel.setState({ status: 'error', error: 'Train a model first: the kernels run the trained weights.' });
    return;
  }
  const api = await worker();
  if (!api) return;
  const config: Config = { ...app.result.config, ...quantOfConfig(app.config) };
  const modelVersion = app.modelVersion;
  kernel.setState({ status: 'running', phase: null, fraction: 0, error: null });
  try {
    const report = await api.runOnKernels(
      quantOfConfig(config),
      Comlink.proxy((phase: KernelRunPhase, fraction: number) => kernel.setState({ phase, fraction })),
    );
    if (get().modelVersion !== modelVersion) return;
    kernel.setState({ status: 'done', report, reportKey: quantKey(config), phase: null });
    // Its kernel time lets the Pareto chart use measured latency.
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
    kernel.setState({ status: 'error', error: message(error), phase: null });
  }
}

// ---- The intents

export const controller = {
  /** After the store took a new config: a new backend restarts the worker, a new quantization is evaluated. */
  configChanged(previous: Config, config: Config) {
    const backendChanged = config.backend !== previous.backend;
    if (backendChanged && get().phase !== 'training' && get().phase !== 'paused') void ensureTrainer();
    else if (quantKey(config) !== quantKey(previous)) {
      set({ ptqError: null });
      schedulePtq();
    }
  },

  async startTraining() {
    const { phase, warning, warningAcknowledged } = get();
    if (runActive || phase === 'training' || phase === 'paused') return;
    // While the worker starts, Train waits for it (after an error it starts a fresh one).
    if ((phase === 'starting' || phase === 'loading') && !trainerStart) return;
    if (warning && !warningAcknowledged) return;
    await trainConfig(get().config);
  },

  /**
   * Trains a given config the way Train does (progress, curves, the kept model), e.g. a sweep's
   * float model; resolves with the run's summary, or null when it did not run or failed.
   */
  trainConfig,
  worker,

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

  async fetchLayerSummaries(exponentBits: number | null) {
    const handle = trainer;
    if (!handle || !get().modelKept) return null;
    return handle.api.layerSummaries(exponentBits);
  },

  fetchWeightStats(layerIndex: number, scheme: WeightScheme) {
    return afterEvaluation((api) => api.weightStats(layerIndex, scheme));
  },

  predictDigit(pixels: Uint8Array) {
    return afterEvaluation((api) => api.predictDigit(pixels, quantOfConfig(get().config)));
  },

  kernelLogits(pixels: Uint8Array) {
    return afterEvaluation((api) => api.kernelLogits(pixels, quantOfConfig(get().config)));
  },

  analyzeQuantized() {
    return afterEvaluation((api) => api.analyzeQuantized(quantOfConfig(get().config)));
  },

  async testDigits(count: number) {
    const handle = trainer;
    // The data arrive after the worker starts; before that there is nothing to show.
    if (!handle || !get().data) return null;
    return handle.api.testDigits(count);
  },

  runSweep,

  async runSweepPreset(preset: SweepPreset) {
    if (isBusy(useSweep.getState().status)) return;
    get().setKnobs({ ...preset.base, sweep: preset.sweep });
    if (get().knobError) return;
    await runSweep(preset.sweep);
  },

  cancelSweep() {
    const status = useSweep.getState().status;
    if (!isBusy(status)) return;
    sweepCancelRequested = true;
    if (status === 'training') controller.stop();
    else void worker().then((api) => api?.cancelSweep());
  },

  runKernels,
};

// The store's intent methods (Train, Pause, ..., and what __playground.store calls) land here.
bindIntents(controller satisfies Intents);

if (typeof window !== 'undefined') {
  // Start the worker as soon as the page loads so the backend and data are ready early.
  queueMicrotask(() => void ensureTrainer());
}

// ---- Hooks for tests and devtools (window.__playground)

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

/** The worker's tensor count. */
export async function workerMemory(): Promise<{ numTensors: number } | null> {
  return trainer ? trainer.api.memory() : null;
}

/** Frees the worker's kept network; returns the tensor count afterwards. */
export async function resetWorker(): Promise<{ numTensors: number } | null> {
  if (!trainer) return null;
  useStore.setState((s) => ({ modelKept: false, modelVersion: s.modelVersion + 1, ptqResults: {} }));
  dropKernelReport();
  return trainer.api.reset();
}
