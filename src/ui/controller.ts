/**
 * The page's one controller: it owns the worker (start, restart, fault recovery, the backend
 * choice, whether it is ready), the run intents, live PTQ, questions about the kept model, the
 * sweep run and the kernel run, and it records what finished. The stores only hold state; they
 * never drive each other, and only this module talks to the worker.
 */
import type { Config } from '../core/config';
import type { DatasetName } from '../core/datasets/kinds';
import { AUTO_DEFAULT, chooseBackend, fastest, modelKey, probeOrder, type AutoPick } from '../core/autoBackend';
import type { ArchitectureConfig } from '../core/models';
import { divergenceMessage } from '../core/divergence';
import { makeRecord } from '../core/runRecord';
import { cellConfig, cellLabel, enumerateCells, keptModelServes, matchSweepPreset, type SweepDefinition, type SweepPreset } from '../core/sweep';
import type { WeightScheme } from '../core/quant/schemes';
import type { BackendName } from '../worker/backends';
import type { ActivateOptions, InjectedFault, KernelRunPhase, ProbeResult, QuantConfig, RunSummary, SweepEvent, TrainEvent, WorkerEvent } from '../worker/protocol';
import { lastDevice, rememberChoice, rememberDevice, rememberedChoice } from './autoBackendMemory';
import { explainError } from './errors';
import { dataReady, syncData, useData } from './data/dataStore';
import { useKernelRun } from './kernels/kernelStore';
import { describeQuant, isFloatQuant, quantKey, quantOfConfig } from './quantKnobs';
import { trainingLabel, useRecords } from './records/recordsStore';
import { bindIntents, computeWarning, thin, useStore, type AppState, type AutoBackendState, type Intents } from './store';
import { isBusy, sweepProgress, useSweep } from './sweep/sweepStore';
import { Comlink, startTrainer, WorkerFault, type TrainerHandle } from './trainerClient';

const get = () => useStore.getState();
const set = (partial: Partial<AppState>) => useStore.setState(partial);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

let trainer: TrainerHandle | null = null;
let trainerBackendChoice: Config['backend'] | null = null;
/** What the current worker was asked for (`auto` resolved, with WASM's threads); init may fall back from it. */
let trainerStartedOn: AutoPick | null = null;
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
  cancelMeasurement();
  const handle = startTrainer((fault) => onWorkerFault(handle, fault));
  trainer = handle;
  trainerBackendChoice = config.backend;
  const startOn: AutoPick = config.backend === 'auto' ? autoStartBackend(config) : { backend: config.backend, threads: null };
  trainerStartedOn = startOn;
  trainerReady = false;
  forgetModel();
  set({ phase: 'starting', backend: null, backendChoice: config.backend, auto: config.backend === 'auto' ? autoStateFor(config) : null, data: null, error: null, errorDetails: null, loadProgress: null });
  const start = (async (): Promise<TrainerHandle> => {
    try {
      const onEvent = Comlink.proxy((event: WorkerEvent) => onWorkerEvent(handle, event));
      const backend = await handle.api.init(startOn.backend, [...avoidBackends], onEvent, activateOptions(startOn.threads));
      if (trainer !== handle) return handle;
      if (config.backend === 'auto' && backend.deviceKey !== device) {
        device = backend.deviceKey;
        rememberDevice(device);
        // Not the device of the last visit: its own remembered choice, if any, before the data load.
        if (!samePick(autoStartBackend(get().config), startOn)) return restartTrainer();
      }
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
      // The user's set (data=fashion, cifar10, idx) from IndexedDB, or the page asks for its files.
      await syncData(handle.api, get().config.data);
      if (trainer !== handle) return handle;
      trainerReady = true;
      faultsInARow = 0;
      set({ data, phase: 'ready' });
      if (config.backend === 'auto') autoWorkerReady();
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

// ---- backend=auto: start on the remembered (or default) backend, measure once the page is usable, switch between runs.

/** The device the current worker named (auto's memory key); until it answers, the last visit's. */
let device: string | null = typeof window === 'undefined' ? null : lastDevice();
/** Changes with every measurement asked for, so an older one's answer is not shown. */
let probeRun = 0;
let probeTimer: ReturnType<typeof setTimeout> | null = null;
/** After 'ready': the page paints it, and what it asks for once ready (the preview digits), before the measurement takes CPU. */
const PROBE_AFTER_READY_MS = 1000;
/** After a model change: hidden widths are typed a digit at a time. */
const PROBE_AFTER_MODEL_CHANGE_MS = 1000;

const architectureOf = (config: Config): ArchitectureConfig => ({ model: config.model, hidden: config.hidden, lenetWidths: config.lenetWidths, batchNorm: config.batchNorm });

/** What auto knows for `config`'s model: this session's state when it is about that model, else what is remembered. */
function autoStateFor(config: Config): AutoBackendState | null {
  const key = modelKey(architectureOf(config));
  const current = get().auto;
  if (current?.model === key) return current;
  const remembered = rememberedChoice(device, architectureOf(config));
  if (!remembered) return null;
  return {
    model: key,
    status: 'remembered',
    choice: remembered.choice,
    threads: remembered.threads,
    results: remembered.results,
    batch: remembered.batch,
    measuredAt: remembered.measuredAt,
    pending: false,
    error: null,
    tensorsLeft: 0,
  };
}

const samePick = (a: AutoPick, b: AutoPick | null) => !!b && a.backend === b.backend && a.threads === b.threads;

/** Where an auto worker starts: the measured or remembered choice, else AUTO_DEFAULT; never a backend whose device was lost. */
function autoStartBackend(config: Config): AutoPick {
  const state = autoStateFor(config);
  if (state?.choice && !avoidBackends.includes(state.choice)) return { backend: state.choice, threads: state.threads };
  const next = fastest(state?.results.filter((r) => !avoidBackends.includes(r.backend)) ?? []);
  return next ? { backend: next.backend, threads: next.threads } : { backend: AUTO_DEFAULT, threads: null };
}

/** localStorage `qp-wasm-threads`: a thread count for measurements (see README, Measuring); null when unset. */
function threadsOverride(): number | null {
  try {
    const threads = Number(localStorage.getItem('qp-wasm-threads'));
    return Number.isInteger(threads) && threads > 0 ? threads : null;
  } catch {
    return null;
  }
}

/** WASM's thread count: the override, else what auto measured best, else the worker's default. */
function activateOptions(threads: number | null = null): ActivateOptions {
  const wasmThreads = threadsOverride() ?? threads;
  return wasmThreads === null ? {} : { wasmThreads };
}

function cancelScheduledProbe() {
  if (probeTimer) clearTimeout(probeTimer);
  probeTimer = null;
}

function scheduleProbe(delayMs: number) {
  cancelScheduledProbe();
  probeTimer = setTimeout(() => {
    probeTimer = null;
    void measureBackends();
  }, delayMs);
}

/** What auto wants now, when it is not what the worker runs (and was not already asked for). */
function autoWanted(): AutoPick | null {
  const { config, backend, auto } = get();
  if (config.backend !== 'auto' || trainerBackendChoice !== 'auto' || !backend || !trainerReady) return null;
  if (!auto?.choice || auto.model !== modelKey(architectureOf(config))) return null;
  const want: AutoPick = { backend: auto.choice, threads: auto.choice === 'wasm' ? auto.threads : null };
  const running = want.backend === backend.name && (want.threads === null || want.threads === backend.threads);
  // Asked for at this start and not obtained (init fell back): no second try, or it would loop.
  if (running || samePick(want, trainerStartedOn) || avoidBackends.includes(want.backend)) return null;
  return want;
}

/**
 * Moves to auto's choice now when that costs nothing (no run, no sweep, no kept model: a fresh
 * worker loses nothing), else marks it for the next Train.
 */
function applyAutoChoice() {
  const want = autoWanted();
  const auto = get().auto;
  if (!want) {
    if (auto?.pending) set({ auto: { ...auto, pending: false } });
    return;
  }
  const { phase, modelKept } = get();
  // Not while dropped files are parsed: a fresh worker would lose them before they are stored.
  if (phase === 'ready' && !modelKept && !runActive && !isBusy(useSweep.getState().status) && useData.getState().status !== 'loading') void restartTrainer();
  else if (auto && !auto.pending) set({ auto: { ...auto, pending: true } });
}

/** The worker (auto) has the data: use what is known for this model, or measure. */
function autoWorkerReady() {
  const state = autoStateFor(get().config);
  set({ auto: state });
  if (state?.choice && state.status !== 'interrupted') applyAutoChoice();
  else if (!state || state.status !== 'interrupted') scheduleProbe(PROBE_AFTER_READY_MS);
}

/** The model changed under auto: its remembered choice, or a measurement once the typing stops. */
function autoModelChanged() {
  probeRun++;
  cancelMeasurement();
  const state = autoStateFor(get().config);
  set({ auto: state });
  if (state?.choice) {
    // After this tick: a sweep preset sets the model and starts its sweep in the same one.
    setTimeout(applyAutoChoice, 0);
  } else if (trainerReady) {
    scheduleProbe(PROBE_AFTER_MODEL_CHANGE_MS);
  }
}

/** The measurement under way: it runs in a worker of its own, ended at once when something needs the machine. */
let measurement: { cancel(): void } | null = null;
/** A backend that has not finished its warm-up and one timed step by then is not waited for (and its worker ends). */
const PROBE_DEADLINE_MS = 20_000;

/** Ends the measurement under way (a run, a sweep or a kernel run wants the machine); it then says it was interrupted. */
function cancelMeasurement() {
  cancelScheduledProbe();
  measurement?.cancel();
  measurement = null;
}

/**
 * Times the backends for the current model at the current batch size, one after another in a
 * worker of its own (the training worker stays free, and ending that worker cancels at once),
 * remembers the fastest per device and model, and moves there (now, or at the next Train: see
 * applyAutoChoice).
 */
async function measureBackends(): Promise<void> {
  const { config, phase } = get();
  if (!trainer || !trainerReady || config.backend !== 'auto' || trainerBackendChoice !== 'auto') return;
  if (phase === 'training' || phase === 'paused' || runActive || isBusy(useSweep.getState().status)) return;
  cancelMeasurement();
  const run = ++probeRun;
  const running = get().backend;
  const active: AutoPick = running ? { backend: running.name, threads: running.threads } : { backend: AUTO_DEFAULT, threads: null };
  const architecture = architectureOf(config);
  const key = modelKey(architecture);
  const previous = get().auto;
  const base: AutoBackendState = {
    model: key,
    status: 'measuring',
    // The running choice stays shown (and wanted) while it is measured again.
    choice: previous?.model === key ? previous.choice : null,
    threads: previous?.model === key ? previous.threads : null,
    results: [],
    batch: config.batch,
    measuredAt: null,
    pending: false,
    error: null,
    tensorsLeft: 0,
  };
  set({ auto: base });
  const current = () => run === probeRun && get().auto?.model === key;

  let probe: TrainerHandle | null = null;
  let cancelled = false;
  const drop = () => {
    probe?.terminate();
    probe = null;
  };
  const mine = {
    cancel: () => {
      cancelled = true;
      drop();
    },
  };
  measurement = mine;
  const failed = (backend: BackendName, note: string): ProbeResult => ({ backend, samplesPerSec: null, adapter: '', emulated: false, threads: null, steps: 0, warmupMs: 0, note });
  let tensorsLeft = 0;
  /** WASM starts once per worker: a second WASM measurement (another thread count) gets a fresh one. */
  let wasmStarted = false;
  const timeOne = async ({ backend, threads }: AutoPick): Promise<ProbeResult | null> => {
    if (backend === 'wasm' && wasmStarted) drop();
    // A fault ends that worker: the call rejects, and the next backend gets a fresh one.
    if (!probe) {
      probe = startTrainer(() => undefined);
      wasmStarted = false;
    }
    if (backend === 'wasm') wasmStarted = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), PROBE_DEADLINE_MS)));
    try {
      const answer = await Promise.race([
        probe.api.probeBackends({
          model: architecture,
          training: { batch: config.batch, lr: config.lr, optimizer: config.optimizer, momentum: config.momentum },
          candidates: [backend],
          baseline: results.reduce((m, r) => Math.max(m, r.samplesPerSec ?? 0), 0),
          options: activateOptions(threads),
        }),
        deadline,
      ]);
      if (answer === 'late') {
        drop();
        return failed(backend, `no training step within ${PROBE_DEADLINE_MS / 1000} s`);
      }
      tensorsLeft += answer.tensorsAfter - answer.tensorsBefore;
      return answer.results[0] ?? null;
    } catch (error) {
      if (cancelled) return null;
      drop();
      return failed(backend, message(error));
    } finally {
      clearTimeout(timer);
    }
  };

  const results: ProbeResult[] = [];
  const order: AutoPick[] = probeOrder(active.backend, avoidBackends).map((backend) => ({ backend, threads: backend === 'wasm' ? active.threads : null }));
  for (let i = 0; i < order.length && !cancelled; i++) {
    const result = await timeOne(order[i]);
    if (!result) break;
    results.push(result);
    if (current()) set({ auto: { ...get().auto!, results: [...results], tensorsLeft } });
    // WASM at another thread count too: one when it ran on several (on a busy or 2-core machine threads can
    // cost more than they give), two when TF.js's default gave one (it halves the logical cores).
    if (order[i].backend === 'wasm' && !order.slice(i + 1).some((o) => o.backend === 'wasm') && threadsOverride() === null && result.threads !== null) {
      const other = result.threads > 1 ? 1 : crossOriginIsolated && navigator.hardwareConcurrency > 1 ? 2 : null;
      if (other !== null && !results.some((r) => r.backend === 'wasm' && r.threads === other)) order.splice(i + 1, 0, { backend: 'wasm', threads: other });
    }
    // CPU is the last resort: timed only when nothing else trains.
    if (i === order.length - 1 && order[i].backend !== 'cpu' && !avoidBackends.includes('cpu') && results.every((r) => r.samplesPerSec === null)) order.push({ backend: 'cpu', threads: null });
  }
  drop();
  if (measurement === mine) measurement = null;
  const pick = cancelled ? null : chooseBackend(results, active);
  const measuredAt = Date.now();
  // Kept even when the model changed meanwhile: it is still that model's measurement.
  if (pick && device) rememberChoice(device, architecture, { choice: pick.backend, threads: pick.threads, results, batch: config.batch, measuredAt });
  if (!current()) return;
  if (cancelled) set({ auto: { ...base, status: 'interrupted', results, tensorsLeft } });
  else if (!pick) set({ auto: { ...base, status: 'failed', results, error: 'no backend trained a step', tensorsLeft } });
  else {
    set({ auto: { ...base, status: 'measured', choice: pick.backend, threads: pick.threads, results, measuredAt, tensorsLeft } });
    applyAutoChoice();
  }
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
  // The run gets the machine: a backend measurement would slow it and be skewed by it.
  cancelMeasurement();
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
  if (!dataReady(useData.getState(), page.config.data)) return 'the data set is not loaded: drop its files first';
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
  cancelMeasurement();
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
  cancelMeasurement();
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
    // A restarting worker syncs the config's set itself once it has MNIST.
    if (config.data !== previous.data && trainer && trainerReady) void syncData(trainer.api, config.data);
    if (backendChanged && get().phase !== 'training' && get().phase !== 'paused') void ensureTrainer();
    else if (quantKey(config) !== quantKey(previous)) {
      set({ ptqError: null });
      schedulePtq();
    }
    if (!backendChanged && config.backend === 'auto' && modelKey(architectureOf(config)) !== modelKey(architectureOf(previous))) autoModelChanged();
  },

  async startTraining() {
    const { phase, warning, warningAcknowledged } = get();
    if (runActive || phase === 'training' || phase === 'paused') return;
    // While the worker starts, Train waits for it (after an error it starts a fresh one).
    if ((phase === 'starting' || phase === 'loading') && !trainerStart) return;
    if (warning && !warningAcknowledged) return;
    if (!dataReady(useData.getState(), get().config.data)) return;
    // auto measured another backend while a model was kept: this run starts there (the kept model goes with any new run).
    if (autoWanted()) void restartTrainer();
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

  remeasureBackends() {
    void measureBackends();
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

  async testDigits(count: number, data?: DatasetName) {
    const handle = trainer;
    // The data arrive after the worker starts; before that there is nothing to show.
    if (!handle || !get().data) return null;
    return handle.api.testDigits(count, data);
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

  /**
   * NetAdapt (src/ui/adapt) takes the kept model's worker like a run: Train, sweeps, the kernel
   * run and the backend measurement wait, and the run bar's Stop cancels it. False when there is
   * no finished run to adapt or something else runs.
   */
  beginAdaptation(): boolean {
    const { phase, modelKept, result } = get();
    if (runActive || phase !== 'done' || !modelKept || result?.status !== 'done' || isBusy(useSweep.getState().status)) return false;
    cancelMeasurement();
    runActive = true;
    set({ phase: 'training', progress: null });
    return true;
  },

  /** The adaptation ended; `adapted`: the worker now keeps the adapted network, shown as the last run. */
  endAdaptation(adapted: RunSummary | null) {
    runActive = false;
    // A worker that failed meanwhile was restarted: its phase is the new worker's.
    if (get().phase !== 'training') return;
    if (adapted) {
      forgetModel();
      set({ result: adapted, modelKept: true, ptqResults: {} });
    }
    set({ phase: 'done' });
    if (adapted) schedulePtq();
  },
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
