/**
 * PTQ of many settings of one trained network, with the work cells share done once: the test
 * batches are built (and input-quantized) once per input resolution, and the weights are quantized
 * once per weight setting rather than once per batch of every cell. The numbers are those of evaluatePtq (core/experiment):
 * the same quantizedForward, the same batches of 500, the same loss and hit counts; only the order
 * of the cells changes (grouped by input resolution).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../core/data';
import { calibrationPixels } from '../tf/experiment';
import type { ForwardOptions, Network } from '../tf/network';
import { calibrateActivationClips, calibrateWeightClips, quantizedForward, schemeForLayer, type QuantConfig } from '../tf/quantizedNetwork';
import { batchHitsAndLoss, batchInputs } from '../tf/train';

/** The batch size of core's evaluate (and so of evaluatePtq). */
const BATCH = 500;
/** Longest stretch of cells without letting messages in, ms. */
const YIELD_MS = 25;

export interface PtqCell {
  index: number;
  quant: QuantConfig;
}

export interface PtqGridHooks {
  /** Checked before each cell; true stops the grid there. */
  cancelled(): boolean;
  /** Lets queued messages (cancel) in between cells. */
  yieldToEvents(): Promise<void>;
  onCell(index: number, accuracy: number, loss: number, ms: number): void;
  /** Runs before each group of cells (one input resolution), e.g. to time a float evaluation under the same load. */
  beforeGroup?(): Promise<void>;
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor1D;
  n: number;
}

/** The test subset's batches with the inputs at `inputBits` (the transform quantizedForward applies). */
function inputBatches(network: Network, testSet: ImageSet, quant: QuantConfig): Batch[] {
  const { transformInput } = quantizedForward(network, { ...quant, weights: { kind: 'float32' }, layers: [] }, { mode: 'eval' });
  const batches: Batch[] = [];
  for (let start = 0; start < testSet.count; start += BATCH) {
    const end = Math.min(testSet.count, start + BATCH);
    const { pixels, labels, n, size } = batchInputs(testSet, null, start, end);
    const [x, y] = tf.tidy(() => {
      const raw = tf.tensor2d(pixels, [n, size]);
      return [transformInput ? transformInput(raw) : raw, tf.tensor1d(labels, 'int32')];
    });
    batches.push({ x: x as tf.Tensor2D, y: y as tf.Tensor1D, n });
  }
  return batches;
}

/**
 * Quantized kernels by the weight schemes of the layers: cells that differ only in their inputs or
 * activations (seed 000's 8 input resolutions per weight width) share them. Evaluation-mode
 * quantization depends on nothing else (no rounding noise, no hysteresis).
 */
class KernelCache {
  private readonly entries = new Map<string, tf.Tensor[]>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  get(network: Network, quant: QuantConfig, options: ForwardOptions): { kernels: tf.Tensor[]; owned: boolean } | null {
    const transform = options.transformKernel;
    if (!transform) return null;
    const count = network.params.length;
    const key = JSON.stringify(network.params.map((_, i) => schemeForLayer(quant, i, count)));
    const hit = this.entries.get(key);
    if (hit) return { kernels: hit, owned: false };
    const kernels = network.params.map((p, i) => tf.tidy(() => transform(p.kernel, i, p.layer)));
    const size = kernels.reduce((sum, k) => sum + k.size * 4, 0);
    if (this.bytes + size > this.maxBytes) return { kernels, owned: true };
    this.entries.set(key, kernels);
    this.bytes += size;
    return { kernels, owned: false };
  }

  dispose() {
    for (const kernels of this.entries.values()) kernels.forEach((k) => k.dispose());
    this.entries.clear();
    this.bytes = 0;
  }
}

/** Memory the shared quantized kernels may take (float32): 64 MiB. */
const KERNEL_CACHE_BYTES = 64 * 1024 * 1024;

async function evaluateCell(
  network: Network,
  batches: Batch[],
  quant: QuantConfig,
  calibration: Float32Array,
  cache: KernelCache,
  weightClipMemo: Map<string, Float32Array | null>,
): Promise<{ accuracy: number; loss: number }> {
  const needsClips = quant.activations.kind === 'relu' && quant.activations.bits !== undefined && quant.activations.clip === undefined;
  // Calibrated weight clips (fixed point, percentile or MSE), read with await data() once per layer and scheme for the grid.
  const weightClips = await calibrateWeightClips(network, quant, weightClipMemo);
  const clips = needsClips ? await calibrateActivationClips(network, calibration, quant, undefined, weightClips) : undefined;
  const options = quantizedForward(network, quant, { mode: 'eval', activationClips: clips, weightClips });
  // Each layer's quantized kernel, once for all batches (and for all cells with the same weights).
  const cached = cache.get(network, quant, options);
  const kernels = cached?.kernels ?? null;
  const cellOptions: ForwardOptions = {
    activation: options.activation,
    transformKernel: kernels ? (_kernel, i) => kernels[i] : undefined,
  };
  let correct = 0;
  let lossSum = 0;
  let count = 0;
  try {
    for (const { x, y, n } of batches) {
      const { hits, loss } = await batchHitsAndLoss(network, x, y, cellOptions);
      correct += hits;
      lossSum += loss;
      count += n;
    }
  } finally {
    if (cached?.owned) cached.kernels.forEach((k) => k.dispose());
  }
  return { accuracy: count === 0 ? 0 : correct / count, loss: count === 0 ? 0 : lossSum / count };
}

/**
 * Evaluates the cells (grouped by input resolution); returns how many were done before a cancel.
 * Every tensor it makes is freed, also when a cell throws.
 */
export async function evaluatePtqGrid(network: Network, cells: PtqCell[], testSet: ImageSet, calibrationSet: ImageSet, hooks: PtqGridHooks): Promise<number> {
  const calibration = calibrationPixels(calibrationSet);
  const cache = new KernelCache(KERNEL_CACHE_BYTES);
  try {
    return await evaluateGroups(network, cells, testSet, calibration, cache, hooks);
  } finally {
    cache.dispose();
  }
}

async function evaluateGroups(network: Network, cells: PtqCell[], testSet: ImageSet, calibration: Float32Array, cache: KernelCache, hooks: PtqGridHooks): Promise<number> {
  const groups = new Map<number, PtqCell[]>();
  for (const cell of cells) groups.set(cell.quant.inputBits, [...(groups.get(cell.quant.inputBits) ?? []), cell]);
  let done = 0;
  const weightClipMemo = new Map<string, Float32Array | null>();
  // Queued messages (cancel) get in every YIELD_MS at least; a round trip per cell would cost more
  // than a small cell itself.
  let lastYield = -Infinity;
  const maybeYield = async () => {
    if (performance.now() - lastYield < YIELD_MS) return;
    await hooks.yieldToEvents();
    lastYield = performance.now();
  };
  for (const group of groups.values()) {
    await maybeYield();
    if (hooks.cancelled()) return done;
    await hooks.beforeGroup?.();
    const batches = inputBatches(network, testSet, group[0].quant);
    try {
      for (const cell of group) {
        await maybeYield();
        if (hooks.cancelled()) return done;
        const start = performance.now();
        const { accuracy, loss } = await evaluateCell(network, batches, cell.quant, calibration, cache, weightClipMemo);
        done++;
        hooks.onCell(cell.index, accuracy, loss, performance.now() - start);
      }
    } finally {
      batches.forEach((b) => {
        b.x.dispose();
        b.y.dispose();
      });
    }
  }
  return done;
}
