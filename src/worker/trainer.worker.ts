/**
 * The training worker owns the data and every tensor, so the page never blocks on TF.js.
 * The page talks to it through comlink (see protocol.ts).
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { fetchMnist, imageBytes, imageShapeOf, type MnistData } from '../core/data';
import { disposeNetwork } from '../tf/network';
import type { BatchMetrics } from '../tf/train';
import type { Config } from '../core/config';
import { evaluatePtq, ModelInspector, runConfig } from '../tf/experiment';
import { autoBias, minExponentBits } from '../core/quant/schemes';
import { acquireKernelDevice, tfWebGpuDevice } from '../gpu/device';
import { runOnKernels } from '../gpu/pipeline';
import { KernelLogitsSession, unsupportedLogits } from './kernelLogits';
import { activate, selectBackend, type BackendName } from './backends';
import { probeBackends } from './backendProbe';
import type { DataInfo, InjectedFault, LayerSummary, RunSummary, TrainerApi, TrainEvent } from './protocol';
import { maxAbsOf, weightStats as computeWeightStats } from './weightStats';
import { runSweepCells } from './sweepRunner';
import { dataFor, forgetDataset, loadFromFiles, restoreDataset } from './datasetHost';
import { runNetAdapt, type KeptModel } from './netadaptRunner';

let data: MnistData | null = null;
/** The last run's network and subsets, kept for PTQ and the weight charts until the next run. */
let kept: KeptModel | null = null;
/** Float copies of the kept kernels, read once with `await data()` (never dataSync). */
let kernelCache = new Map<number, Float32Array>();
/** The teaching views' caches for the kept network (float test predictions, last quantized pass). */
let inspector: ModelInspector | null = null;
/** Bumped whenever `kept` changes: part of the kernel-logits cache key. */
let keptVersion = 0;
/** The draw view's integer model (and its kernels) for one quantization setting of the kept network. */
let logitsSession: { key: string; session: KernelLogitsSession } | null = null;
let paused = false;
let stopRequested = false;
let resumeWaiters: (() => void)[] = [];
let backendName = 'none';
/** Set by cancelSweep, cleared when the next sweep is asked for. */
let sweepCancelled = false;
/** The adaptation asked for last; cancelNetAdapt aborts it. */
let netAdaptAbort: AbortController | null = null;

// A message-channel round trip lets queued comlink calls (pause, stop) run between batches
// without setTimeout's 4 ms clamping.
const channel = new MessageChannel();
const pendingYields: (() => void)[] = [];
channel.port1.onmessage = () => pendingYields.shift()?.();
const yieldToEvents = () =>
  new Promise<void>((resolve) => {
    pendingYields.push(resolve);
    channel.port2.postMessage(null);
  });

const FLUSH_MS = 150;

// Runs, evaluations and resets take turns: an evaluation awaits between batches, and a new run
// must not dispose the network under it.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Settles when the backend chosen by init has started (or failed). tf.memory() before that throws
 * "Backend 'wasm' has not yet been initialized": a tensor count asked for right after a reload waits.
 */
let backendStarted: Promise<unknown> = Promise.resolve();

function dropKept() {
  if (kept) disposeNetwork(kept.network);
  kept = null;
  kernelCache = new Map();
  // Its quantized kernels are tensors of their own: free them with the network they came from.
  inspector?.dispose();
  inspector = null;
  // Its GPU buffers (and a device made for them) belong to the dropped network too.
  logitsSession?.session.dispose();
  logitsSession = null;
  keptVersion++;
}

function requireKept() {
  if (!kept) throw new Error('No trained model: train one first.');
  return kept;
}

function requireInspector(): ModelInspector {
  const model = requireKept();
  inspector ??= new ModelInspector(model);
  return inspector;
}

async function kernelValues(index: number): Promise<Float32Array> {
  const { network } = requireKept();
  const params = network.params[index];
  if (!params) throw new Error(`No weight layer ${index}: the model has ${network.params.length}.`);
  let values = kernelCache.get(index);
  if (!values) {
    values = (await params.kernel.data()) as Float32Array;
    kernelCache.set(index, values);
  }
  return values;
}

/** Makes the next call of one of the backend's matrix-multiply kernels throw once (fault injection). */
function breakMatMulOnce(): string {
  const backend = tf.getBackend();
  const names = ['_FusedMatMul', 'BatchMatMul'].filter((name) => tf.getKernel(name, backend));
  if (names.length === 0) throw new Error(`no matrix-multiply kernel is registered for ${backend}`);
  const originals = names.map((name) => tf.getKernel(name, backend)!);
  const restore = () => {
    for (const original of originals) {
      tf.unregisterKernel(original.kernelName, backend);
      tf.registerKernel(original);
    }
  };
  for (const original of originals) {
    tf.unregisterKernel(original.kernelName, backend);
    tf.registerKernel({
      ...original,
      kernelFunc: () => {
        restore();
        throw new Error(`injected fault in the ${original.kernelName} kernel (${backend})`);
      },
    });
  }
  return names.join(', ');
}

const api: TrainerApi = {
  async init(choice, avoid, onEvent, options = {}) {
    const selection = selectBackend(choice, avoid, options);
    backendStarted = selection.catch(() => undefined);
    const info = await selection;
    backendName = info.name;
    // A lost GPU device (driver reset, another tab's crash, device.destroy()) cannot be recovered
    // inside this worker: TF.js keeps the dead device. Tell the page, which starts a fresh worker.
    const device = tfWebGpuDevice();
    if (device) {
      void device.lost.then((lost) => onEvent({ type: 'device-lost', backend: info.name, reason: lost.reason ?? 'unknown', message: lost.message }));
    }
    return info;
  },

  probeBackends(request) {
    return exclusive(async () => {
      // The page measures in a worker of its own (it ends it to cancel), where no backend is active
      // yet; in a worker that trains, its backend is made active again afterwards.
      const before = tf.engine().backendName as BackendName | null;
      const tensorsBefore = tf.memory().numTensors;
      try {
        const report = await probeBackends({
          active: before ?? request.candidates[0],
          candidates: request.candidates,
          baseline: request.baseline,
          model: request.model,
          training: request.training,
          activate: (name) => activate(name, request.options),
          yieldToEvents,
        });
        return { ...report, tensorsBefore, tensorsAfter: tf.memory().numTensors };
      } finally {
        if (before) await tf.setBackend(before);
      }
    });
  },

  holdLock(name) {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return Promise.reject(new Error('Web Locks are not available'));
    // Held until this worker ends, however it ends: the page waits on the same lock to notice.
    return new Promise<void>((held) => {
      void locks.request(name, () => {
        held();
        return new Promise<never>(() => {});
      });
    });
  },

  ping() {
    return true;
  },

  injectFault(fault: InjectedFault) {
    if (fault === 'kernel') return `the next ${breakMatMulOnce()} call fails`;
    const device = tfWebGpuDevice();
    if (!device) throw new Error(`no WebGPU device to lose: the backend is ${backendName}`);
    device.destroy();
    return 'the WebGPU device was destroyed';
  },

  async loadData(baseUrl, onProgress): Promise<DataInfo> {
    const start = performance.now();
    let compressedBytes = 0;
    data = await fetchMnist(baseUrl, (p) => {
      compressedBytes = p.totalBytes;
      onProgress(p.loadedBytes, p.totalBytes);
    });
    return { trainCount: data.train.count, testCount: data.test.count, loadMs: performance.now() - start, compressedBytes };
  },

  train(config: Config, onEvent: (event: TrainEvent) => void): Promise<RunSummary> {
    return exclusive(async () => {
      // The config's own set (MNIST or the user's); checked before the kept model is dropped.
      const runData = dataFor(config.data, data);
      dropKept();
      const tensorsBefore = tf.memory().numTensors;
      paused = false;
      stopRequested = false;

      let pending: BatchMetrics[] = [];
      let lastFlush = 0;
      const flush = () => {
        if (pending.length > 0) onEvent({ type: 'batches', points: pending });
        pending = [];
        lastFlush = performance.now();
      };
      // runConfig picks float training or QAT from the config, and evaluates the quantized model.
      const outcome = await runConfig(config, runData, {
        onBatch: (m) => {
          pending.push(m);
          if (performance.now() - lastFlush > FLUSH_MS) flush();
        },
        onEpoch: (metrics) => {
          flush();
          onEvent({ type: 'epoch', metrics });
        },
        control: {
          shouldStop: () => stopRequested,
          waitWhilePaused: () => {
            if (!paused) return Promise.resolve();
            flush();
            onEvent({ type: 'paused' });
            return new Promise<void>((resolve) => resumeWaiters.push(resolve));
          },
        },
        yieldToEvents,
      });
      kept = { network: outcome.network, trainSet: outcome.trainSet, testSet: outcome.testSet, config, hysteresisSigns: outcome.hysteresisSigns };
      flush();
      return {
        ...outcome.result,
        quantizedAccuracy: outcome.quantizedAccuracy,
        config,
        backend: backendName,
        tensorsBefore,
        tensorsAfter: tf.memory().numTensors,
      };
    });
  },

  pause() {
    paused = true;
  },
  resume() {
    if (!paused) return;
    paused = false;
    const waiters = resumeWaiters;
    resumeWaiters = [];
    waiters.forEach((w) => w());
  },
  stop() {
    stopRequested = true;
    // The run bar's Stop also ends an adaptation (the page shows it as training).
    netAdaptAbort?.abort();
    api.resume();
  },
  async memory() {
    await backendStarted;
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
  reset() {
    return exclusive(async () => {
      await backendStarted;
      dropKept();
      return { numTensors: tf.memory().numTensors };
    });
  },

  runOnKernels(quant, onProgress) {
    // Exclusive: it shares TF.js's device and error scopes.
    return exclusive(async () => {
      const { network, trainSet, testSet } = requireKept();
      const gpu = await acquireKernelDevice();
      try {
        return await runOnKernels(network, quant, trainSet, testSet, gpu.device, { onProgress });
      } finally {
        gpu.release();
      }
    });
  },

  evaluatePtq(quant) {
    return exclusive(async () => {
      const { network, trainSet, testSet } = requireKept();
      const start = performance.now();
      const { accuracy, loss } = await evaluatePtq(network, quant, testSet, trainSet);
      return { accuracy, loss, ms: performance.now() - start };
    });
  },

  layerSummaries(exponentBits) {
    return exclusive(async () => {
      const { network } = requireKept();
      const summaries: LayerSummary[] = [];
      for (let index = 0; index < network.params.length; index++) {
        const values = await kernelValues(index);
        const exponent = minExponentBits(values);
        summaries.push({
          index,
          name: network.params[index].layer.name,
          shape: network.params[index].kernel.shape,
          weightCount: values.length,
          maxAbs: maxAbsOf(values),
          exponent,
          autoBias: exponentBits === null ? exponent.autoBias : autoBias(values, exponentBits),
        });
      }
      return summaries;
    });
  },

  weightStats(layerIndex, scheme) {
    return exclusive(async () => {
      const values = await kernelValues(layerIndex);
      return computeWeightStats(layerIndex, requireKept().network.params[layerIndex].layer.name, values, scheme);
    });
  },

  runSweep(request, onEvent) {
    sweepCancelled = false;
    return exclusive(() =>
      // Every cell shares the page's data knob: the first one says which set.
      runSweepCells(request, { data: request.cells.length > 0 ? dataFor(request.cells[0].config.data, data) : data, kept, cancelled: () => sweepCancelled, yieldToEvents, onEvent }),
    );
  },

  cancelSweep() {
    sweepCancelled = true;
  },

  runNetAdapt(request, onEvent) {
    const abort = new AbortController();
    netAdaptAbort = abort;
    return exclusive(() =>
      runNetAdapt(request, {
        dataOf: (config) => dataFor(config.data, data),
        kept: () => kept,
        replaceKept: (next) => {
          dropKept();
          kept = next;
        },
        signal: abort.signal,
        onEvent,
      }),
    ).finally(() => {
      if (netAdaptAbort === abort) netAdaptAbort = null;
    });
  },

  cancelNetAdapt() {
    netAdaptAbort?.abort();
  },

  predictDigit(pixels, quant) {
    return exclusive(() => requireInspector().predictDigit(pixels, quant));
  },

  kernelLogits(pixels, quant) {
    // Exclusive: it may share TF.js's device and error scopes, like runOnKernels.
    return exclusive(async () => {
      const started = performance.now();
      const { network, trainSet } = requireKept();
      const key = `${keptVersion}:${JSON.stringify(quant)}`;
      if (logitsSession?.key !== key) {
        logitsSession?.session.dispose();
        logitsSession = null;
        try {
          logitsSession = { key, session: await KernelLogitsSession.create(network, quant, trainSet, acquireKernelDevice) };
        } catch (error) {
          // e.g. calibration failing: say so on the page rather than reject every stroke.
          return unsupportedLogits(error instanceof Error ? error.message : String(error), performance.now() - started);
        }
      }
      return logitsSession.session.logits(pixels, started);
    });
  },

  analyzeQuantized(quant) {
    return exclusive(() => requireInspector().analyze(quant));
  },

  // Not exclusive: it reads bytes only (no tensors), so the test images can show while a run trains.
  async testDigits(count, kind = 'mnist') {
    const test = dataFor(kind, data).test;
    const shape = imageShapeOf(test);
    const size = imageBytes(test);
    const n = Math.max(0, Math.min(Math.floor(count), test.count));
    // Copies: a view would structured-clone the whole test set's buffer to the page.
    return { pixels: test.images.slice(0, n * size), labels: test.labels.slice(0, n), shape };
  },

  // Not exclusive: parsing reads files, not tensors; the set in use is replaced only once all of it is valid.
  loadDataset(kind, files) {
    return loadFromFiles(kind, files);
  },
  restoreDataset(kind) {
    return restoreDataset(kind);
  },
  forgetDataset(kind) {
    return forgetDataset(kind);
  },
};

Comlink.expose(api);
