/**
 * The training worker owns the data and every tensor, so the page never blocks on TF.js.
 * The page talks to it through comlink (see protocol.ts).
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { fetchMnist, type MnistData } from '../core/data';
import { createNetwork, disposeNetwork, type Network } from '../core/network';
import { selectTestSubset, selectTrainingSubset, train, type BatchMetrics } from '../core/train';
import type { Config } from '../core/config';
import { selectBackend } from './backends';
import type { DataInfo, RunSummary, TrainerApi, TrainEvent } from './protocol';

let data: MnistData | null = null;
let network: Network | null = null;
let paused = false;
let stopRequested = false;
let resumeWaiters: (() => void)[] = [];
let backendName = 'none';

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

const api: TrainerApi = {
  async init(choice) {
    const info = await selectBackend(choice);
    backendName = info.name;
    return info;
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

  async train(config: Config, onEvent: (event: TrainEvent) => void): Promise<RunSummary> {
    if (!data) throw new Error('MNIST is not loaded yet.');
    if (network) {
      disposeNetwork(network);
      network = null;
    }
    const tensorsBefore = tf.memory().numTensors;
    paused = false;
    stopRequested = false;
    const trainSet = selectTrainingSubset(data.train, config.trainSize, config.dataSeed);
    const testSet = selectTestSubset(data.test, config.testSize);
    network = createNetwork(config, config.initSeed);

    let pending: BatchMetrics[] = [];
    let lastFlush = 0;
    const flush = () => {
      if (pending.length > 0) onEvent({ type: 'batches', points: pending });
      pending = [];
      lastFlush = performance.now();
    };
    const result = await train(
      network,
      { train: trainSet, test: testSet },
      config,
      {
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
      },
    );
    flush();
    return { ...result, config, backend: backendName, tensorsBefore, tensorsAfter: tf.memory().numTensors };
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
    api.resume();
  },
  memory() {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
  reset() {
    if (network) disposeNetwork(network);
    network = null;
    return { numTensors: tf.memory().numTensors };
  },
};

Comlink.expose(api);
