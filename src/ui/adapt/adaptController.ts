/**
 * Runs NetAdapt on the worker's kept model (src/worker/netadaptRunner.ts): progress into the adapt
 * store, the adapted network handed to the page as its last run (the controller's
 * begin/endAdaptation), the results recorded for the Pareto chart, latency tables cached per device.
 */
import type { Config } from '../../core/config';
import { SEED002_PRESET } from '../../core/netadapt';
import { makeRecord } from '../../core/runRecord';
import type { NetAdaptEvent, NetAdaptRequest, RunSummary } from '../../worker/protocol';
import { controller } from '../controller';
import { describeQuant, quantOfConfig } from '../quantKnobs';
import { useRecords } from '../records/recordsStore';
import { useStore } from '../store';
import { Comlink } from '../trainerClient';
import { architectureKeys, latencyRefusal, parseCachedTables, prunableCount, rememberTable, tablesFor, widthsText } from './adaptModel';
import { isAdapting, setAdaptSettings, useAdapt } from './adaptStore';

const CACHE_KEY = 'qp-latency-tables';
/** Epochs of the final fine-tune over the training split (the CLI's default). */
const FINAL_EPOCHS = 1;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const hasWebGpu = () => typeof navigator !== 'undefined' && 'gpu' in navigator && !!navigator.gpu;

/** The config an adaptation starts from: the kept run's network at the page's quantization (as the kernel run takes it). */
export function adaptBase(): Config | null {
  const { result, config, modelKept } = useStore.getState();
  if (!modelKept || !result || result.status !== 'done') return null;
  return { ...result.config, ...quantOfConfig(config) };
}

/** Why latency cannot be chosen now, or null. */
export function latencyUnavailable(): string | null {
  const config = adaptBase() ?? useStore.getState().config;
  return latencyRefusal(config, hasWebGpu());
}

function cachedTables() {
  try {
    return parseCachedTables(localStorage.getItem(CACHE_KEY));
  } catch {
    return [];
  }
}

function cacheTable(deviceKey: string, table: Extract<NetAdaptEvent, { type: 'latency-table' }>['table']) {
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify(rememberTable(cachedTables(), deviceKey, table)));
  } catch {
    // A full or refused localStorage only costs a re-measurement next time.
  }
}

function onEvent(event: NetAdaptEvent, deviceKey: string) {
  const state = useAdapt.getState();
  if (!isAdapting(state.status)) return;
  switch (event.type) {
    case 'step':
      // The answer repeats every step: an event arriving after it (another message port) is dropped.
      if (state.steps.some((s) => s.iteration === event.step.iteration)) return;
      useAdapt.setState({ steps: [...state.steps, event.step], phaseStartedAt: performance.now() });
      return;
    case 'phase':
      useAdapt.setState({ phase: event.phase, phaseFraction: event.fraction ?? null, ...(event.phase !== state.phase ? { phaseStartedAt: performance.now() } : {}) });
      return;
    case 'latency-table':
      cacheTable(deviceKey, event.table);
      return;
  }
}

/** Adapts the kept model with the current settings; the adapted network becomes the page's model. */
export async function startAdapt(): Promise<void> {
  if (isAdapting(useAdapt.getState().status)) return;
  const base = adaptBase();
  if (!base) {
    useAdapt.setState({ status: 'error', error: 'Train a model first: NetAdapt shrinks the trained network.' });
    return;
  }
  const { settings } = useAdapt.getState();
  if (settings.resource === 'latency') {
    const why = latencyRefusal(base, hasWebGpu());
    if (why) {
      useAdapt.setState({ status: 'error', error: `latency off: ${why}` });
      return;
    }
  }
  const before = useStore.getState().result!;
  if (!controller.beginAdaptation()) {
    useAdapt.setState({ status: 'error', error: 'Wait for the run or the sweep under way to finish.' });
    return;
  }
  const batchesPerEpoch = Math.ceil(base.trainSize / Math.max(1, base.batch));
  useAdapt.setState({
    status: 'running',
    error: null,
    note: null,
    phase: null,
    phaseFraction: null,
    phaseStartedAt: performance.now(),
    steps: [],
    base,
    resourceName: settings.resource,
    unit: null,
    finalBatches: FINAL_EPOCHS * batchesPerEpoch + (settings.uniform ? base.epochs * batchesPerEpoch : 0),
    summary: null,
  });
  let adapted: RunSummary | null = null;
  try {
    const api = await useStore.getState().worker();
    if (!api) throw new Error(useStore.getState().error ?? 'the worker did not start');
    const deviceKey = useStore.getState().backend?.deviceKey ?? 'unknown device';
    const request: NetAdaptRequest = {
      resource: settings.resource,
      budget: settings.budget,
      iterations: settings.iterations,
      finetuneBatches: settings.finetuneBatches,
      finalEpochs: FINAL_EPOCHS,
      uniformBaseline: settings.uniform,
      quant: quantOfConfig(base),
      latencyTables: settings.resource === 'latency' ? tablesFor(cachedTables(), deviceKey) : undefined,
    };
    const summary = await api.runNetAdapt(request, Comlink.proxy((event: NetAdaptEvent) => onEvent(event, deviceKey)));
    const status = summary.status === 'done' ? 'done' : summary.status === 'stuck' ? 'stuck' : 'cancelled';
    const note = summary.latencyDevice ? `Latency table ${summary.latencyTableCached ? 'from the cache' : 'timed'} on ${summary.latencyDevice}.` : null;
    useAdapt.setState({ status, summary, steps: summary.steps, unit: summary.unit, phase: null, note });
    if (summary.status !== 'cancelled' && summary.testAccuracy !== null) {
      adapted = {
        ...before,
        config: summary.config,
        status: 'done',
        testAccuracy: summary.floatTestAccuracy ?? summary.testAccuracy,
        quantizedAccuracy: summary.testAccuracy,
        tensorsAfter: summary.tensorsAfter,
      };
      recordAdaptation(summary.config, summary.testAccuracy, summary.steps[summary.steps.length - 1].widths, settings.resource, settings.budget);
      if (summary.uniform?.testAccuracy != null) {
        const u = summary.uniform;
        useRecords.getState().add([makeRecord({ config: u.config, label: `${describeQuant(u.config)} · uniform widths ${widthsText(u.widths)}`, accuracy: u.testAccuracy!, source: 'train' })]);
      }
    }
  } catch (error) {
    useAdapt.setState({ status: 'error', error: message(error), phase: null });
  } finally {
    controller.endAdaptation(adapted);
  }
  // The knobs and the link follow the kept network: its accuracy shows, and a link rebuilds it.
  if (adapted) keepAdapted();
}

function recordAdaptation(config: Config, accuracy: number, widths: number[], resource: string, budget: number) {
  useRecords.getState().add([
    makeRecord({ config, label: `${describeQuant(config)} · NetAdapt ${resource} ${Math.round(budget * 100)}% → ${widthsText(widths)}`, accuracy, source: 'train' }),
  ]);
}

/** Stops the adaptation at its next batch: the steps so far stay, the kept model stays the trained one. */
export function cancelAdapt() {
  if (!isAdapting(useAdapt.getState().status)) return;
  if (useAdapt.getState().status === 'training') {
    controller.stop();
    return;
  }
  void useStore
    .getState()
    .worker()
    .then((api) => api?.cancelNetAdapt());
}

/**
 * The adapted widths into the knobs and the URL (the worker already keeps the adapted network):
 * done at the end of an adaptation, and again on demand after the knobs moved to another network.
 */
export function keepAdapted() {
  const summary = useAdapt.getState().summary;
  if (!summary || summary.status === 'cancelled') return;
  useStore.getState().setKnobs(architectureKeys(summary.config));
}

/**
 * Seed 002 in one click: its formats in the knobs (through the store, so the URL has them), trained
 * through the quantizers, then NetAdapt on latency (energy where latency cannot be measured).
 */
export async function runSeed002(): Promise<void> {
  if (isAdapting(useAdapt.getState().status)) return;
  const store = useStore.getState();
  store.setKnobs({ ...SEED002_PRESET.config });
  if (useStore.getState().knobError) return;
  const config = useStore.getState().config;
  const latencyWhy = latencyRefusal(config, hasWebGpu());
  const resource = latencyWhy ? SEED002_PRESET.fallbackResource : SEED002_PRESET.resource;
  setAdaptSettings({ resource, budget: SEED002_PRESET.budget });
  useAdapt.setState({ status: 'training', error: null, steps: [], summary: null, note: latencyWhy ? `Seed 002 on ${resource}: latency is off, as ${latencyWhy}` : null });
  const run = await store.trainConfig(config);
  if (useAdapt.getState().status !== 'training') return;
  if (!run || run.status !== 'done') {
    useAdapt.setState({ status: 'idle', note: 'Seed 002: the training did not finish; press Train, then Adapt.' });
    return;
  }
  useAdapt.setState({ status: 'idle' });
  await startAdapt();
}

/** Proposals per iteration of the model that would be adapted now. */
export const layersOf = (config: Config) => prunableCount(config);
