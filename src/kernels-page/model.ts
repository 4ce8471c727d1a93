/**
 * suite=model: trains a small model in this page (runConfig on TF.js's WebGPU backend; default
 * LightNN-1 mlp1 with 8-bit ReLU, QAT, 1000 training and 500 test images, 1 epoch) and runs it
 * on the integer kernels with runOnKernels (src/gpu/pipeline.ts), the function the worker
 * uses, so it is exercised end to end without the main app.
 *
 * Any config key in the query overrides the defaults here, e.g.
 *   kernels.html?suite=model&weights=fixed:bits=4&trainSize=2000
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONFIG_KEYS, decodeConfig, defaultConfig, encodeConfig, type Config } from '../core/config';
import { fetchMnist } from '../core/data';
import { runConfig } from '../tf/experiment';
import { disposeNetwork } from '../tf/network';
import { runOnKernels, type KernelRunReport } from '../gpu/pipeline';
import { heading, nextFrame, paragraph, preformatted, setStatus, table, type ModelSummary, type PageDevice } from './shared';

export function modelConfig(params: URLSearchParams): Config {
  const base: Config = {
    ...defaultConfig(),
    model: 'mlp1',
    trainSize: 1000,
    testSize: 500,
    epochs: 1,
    training: 'qat',
    weights: { kind: 'lightnn', k: 1 },
    activations: { kind: 'relu', bits: 8 },
    backend: 'webgpu',
  };
  const { config: decoded, notices } = decodeConfig(params.toString());
  for (const n of notices) if (n.level === 'error') throw new Error(n.message);
  const overrides = Object.fromEntries(CONFIG_KEYS.filter((k) => params.has(k)).map((k) => [k, decoded[k]]));
  return { ...base, ...overrides };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function render(report: KernelRunReport): void {
  heading('Integer kernels vs TF.js fake quantization');
  const summary = table(['test images', 'integer accuracy', 'TF.js accuracy', 'evaluatePtq', 'delta (pp)', 'agreement', 'full pass ms/image'], 'model-summary');
  summary.add([report.testCount, pct(report.intAccuracy), pct(report.tfAccuracy), pct(report.ptqAccuracy), report.deltaPp, pct(report.agreement), report.fullPassMsPerImage]);

  heading('Weights on the GPU, per layer');
  const storage = table(
    ['layer', 'shape', 'format', 'output', 'bits/weight', 'field bits', 'packed bytes', 'storage model bytes', 'field padding', 'tail padding', 'equal', 'bias bytes'],
    'model-storage',
  );
  for (const l of report.layers) {
    storage.add([l.name, `${l.inputs}x${l.units}`, l.format, l.output, l.bitsPerWeight, l.fieldBits, l.packedBytes, l.storageModelBytes, l.fieldPaddingBytes, l.tailPaddingBytes, l.matchesStorageModel, l.biasBytes]);
  }
  storage.add(['total', '', '', '', null, null, report.totalPackedBytes, report.totalStorageModelBytes, null, null, report.totalPackedBytes === report.totalStorageModelBytes, null]);

  heading('Each layer alone');
  const timing = table(['layer', 'batch', 'launches', 'ms/launch', 'us/image', 'GPU ms/launch', 'weight GB/s'], 'model-timing');
  for (const l of report.layers) {
    for (const t of l.timings) timing.add([l.name, t.batch, t.launches, t.msPerLaunch, t.msPerImage * 1000, t.gpuMsPerLaunch, t.weightGBps]);
  }
  paragraph(`Timing: ${report.timingMethod}.`);
  heading('Notes');
  preformatted(report.notes.join('\n'));
}

export async function runModelSuite(page: PageDevice, params: URLSearchParams): Promise<ModelSummary> {
  const started = performance.now();
  const config = modelConfig(params);
  paragraph(`Config: ${encodeConfig(config)}`);
  setStatus('loading MNIST');
  await nextFrame();
  const data = await fetchMnist(`${location.origin}/data/mnist`);
  const tensorsAtStart = tf.memory().numTensors;
  setStatus(`training ${config.model} (${config.trainSize} images, ${config.epochs} epoch)`);
  await nextFrame();
  const trainStart = performance.now();
  const outcome = await runConfig(config, data);
  const trainMs = performance.now() - trainStart;
  let report: KernelRunReport;
  try {
    if (outcome.result.status !== 'done') throw new Error(`training ended with status ${outcome.result.status}`);
    report = await runOnKernels(outcome.network, config, outcome.trainSet, outcome.testSet, page.device, {
      onProgress: (phase, fraction) => setStatus(`runOnKernels: ${phase} ${Math.round(fraction * 100)}%`),
    });
  } finally {
    disposeNetwork(outcome.network);
  }
  render(report);
  return {
    suite: 'model',
    adapter: page.adapter,
    config: config as unknown as Record<string, unknown>,
    trainMs,
    qatAccuracy: outcome.quantizedAccuracy,
    report,
    tensorsAtStart,
    tensorsAtEnd: tf.memory().numTensors,
    uncapturedErrors: [...page.uncapturedErrors],
    ms: performance.now() - started,
  };
}
