/**
 * NetAdapt in the worker: adapts the kept trained network (src/tf/netadapt.ts) to a budget, one
 * event per iteration, and makes the adapted network the kept one, so the page's PTQ, weight
 * views and kernel run act on it. Latency is a lookup table timed on the WGSL kernels of this
 * device (src/gpu/latencyTable.ts); the page caches tables and hands back the ones it has.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Config } from '../core/config';
import type { ImageSet, MnistData } from '../core/data';
import { holdoutSeenCount, latencyResource, modelResource, type LatencyTable, type Resource } from '../core/netadapt';
import { acquireKernelDevice } from '../gpu/device';
import { buildLatencyTable, latencyTableKey } from '../gpu/latencyTable';
import { adaptNetwork, networkFromWeights } from '../tf/netadapt';
import type { Network } from '../tf/network';
import { evaluate } from '../tf/train';
import type { NetAdaptEvent, NetAdaptRequest, NetAdaptSummary } from './protocol';

/** The worker's kept model, with what NetAdapt needs to carry on from it. */
export interface KeptModel {
  network: Network;
  trainSet: ImageSet;
  testSet: ImageSet;
  /** The config it was trained as (its architecture and training keys). */
  config: Config;
  /** With binary hysteresis: the signs in use at the end of its training (or adaptation). */
  hysteresisSigns?: (Float32Array | null)[];
}

export interface NetAdaptContext {
  /** The data set a config trains on (throws, saying why, when it is not loaded). */
  dataOf(config: Config): MnistData;
  /** Read when the job starts (it waits its turn behind other worker jobs). */
  kept(): KeptModel | null;
  /** Frees the old kept model and keeps `next`. */
  replaceKept(next: KeptModel): void;
  signal: AbortSignal;
  onEvent(event: NetAdaptEvent): void;
}

/** Latency tables are timed one image per launch, as a phone runs one inference. */
const LATENCY_BATCH = 1;
/** Widths timed per layer: few, so that building the table takes seconds, not minutes. */
const LATENCY_POINTS = 4;
/** Timed budget per kernel, ms. */
const LATENCY_TARGET_MS = 15;

/** The default holdout: a tenth of the training subset, at most 1,000 images (as the CLI). */
export function defaultHoldout(trainSize: number): number {
  return Math.max(1, Math.min(1000, Math.floor(trainSize / 10)));
}

async function latencyFor(config: Config, request: NetAdaptRequest, onEvent: NetAdaptContext['onEvent']): Promise<{ resource: Resource; device: string; cached: boolean }> {
  const key = latencyTableKey(config, LATENCY_BATCH);
  const cached = request.latencyTables?.find((t) => t.key === key);
  if (cached) return { resource: latencyResource(cached), device: cached.device, cached: true };
  const gpu = await acquireKernelDevice();
  try {
    onEvent({ type: 'phase', phase: 'latency-table', fraction: 0 });
    const table: LatencyTable = await buildLatencyTable(gpu.device, config, {
      points: LATENCY_POINTS,
      batch: LATENCY_BATCH,
      targetMs: LATENCY_TARGET_MS,
      device: gpu.description,
      onProgress: (done, total) => onEvent({ type: 'phase', phase: 'latency-table', fraction: done / total }),
    });
    onEvent({ type: 'latency-table', table });
    return { resource: latencyResource(table), device: gpu.description, cached: false };
  } finally {
    gpu.release();
  }
}

export async function runNetAdapt(request: NetAdaptRequest, ctx: NetAdaptContext): Promise<NetAdaptSummary> {
  const { signal, onEvent } = ctx;
  const kept = ctx.kept();
  if (!kept) throw new Error('No trained model to adapt: train one first.');
  // The set the kept network trained on: its training subset and the holdout come from it.
  const data = ctx.dataOf(kept.config);
  // The page's quantization knobs, as the kernel run takes them: the kept network at this setting.
  const config: Config = { ...kept.config, ...request.quant };
  const latency = request.resource === 'latency' ? await latencyFor(config, request, onEvent) : null;
  const resource = latency?.resource ?? modelResource(request.resource as Exclude<NetAdaptRequest['resource'], 'latency'>);
  const holdout = request.holdout ?? defaultHoldout(config.trainSize);
  const holdoutSeen = holdoutSeenCount(data.train.count, config.trainSize, holdout);
  const tensorsBefore = tf.memory().numTensors;
  const started = performance.now();
  onEvent({ type: 'phase', phase: 'iterations' });
  let initialResource = NaN;
  const outcome = await adaptNetwork(kept.network, config, data, resource, {
    budget: request.budget,
    iterations: request.iterations,
    finetuneBatches: request.finetuneBatches,
    holdout,
    finalEpochs: request.finalEpochs,
    uniformBaseline: request.uniformBaseline,
    hysteresisSigns: kept.hysteresisSigns,
    signal,
    onIteration: (step) => {
      if (step.iteration === 0) initialResource = step.resource;
      onEvent({ type: 'step', step });
      // The budget is met: the final fine-tune, the test evaluation (and the baseline) follow.
      if (step.iteration > 0 && step.resource <= initialResource * request.budget * (1 + 1e-12)) onEvent({ type: 'phase', phase: 'final' });
    },
  });
  let floatTestAccuracy: number | null = null;
  if (outcome.status !== 'cancelled') {
    const network = networkFromWeights(outcome.config, outcome.weights);
    ctx.replaceKept({
      network,
      trainSet: kept.trainSet,
      testSet: kept.testSet,
      config: outcome.config,
      hysteresisSigns: outcome.weights.some((w) => w.signs) ? outcome.weights.map((w) => w.signs ?? null) : undefined,
    });
    // The page shows a float-trained model's float accuracy beside the quantized one; a QAT model has none of its own.
    floatTestAccuracy = config.training === 'qat' ? outcome.testAccuracy : (await evaluate(network, kept.testSet)).accuracy;
  }
  return {
    status: outcome.status,
    resourceName: resource.name,
    unit: resource.unit,
    config: outcome.config,
    steps: outcome.steps,
    initialResource: outcome.initialResource,
    resource: outcome.resource,
    testAccuracy: outcome.testAccuracy,
    floatTestAccuracy,
    finalHoldoutAccuracy: outcome.finalHoldoutAccuracy,
    uniform: outcome.uniform && {
      multiplier: outcome.uniform.multiplier,
      widths: outcome.uniform.widths,
      resource: outcome.uniform.resource,
      resourceRatio: outcome.uniform.resourceRatio,
      config: outcome.uniform.config,
      testAccuracy: outcome.uniform.testAccuracy,
    },
    latencyDevice: latency?.device ?? null,
    latencyTableCached: latency?.cached ?? null,
    ms: performance.now() - started,
    // The old kept network was freed and the adapted one made: the count is the baseline plus that one.
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    holdoutSeen,
  };
}
