/**
 * The training loop: seeded subset and shuffling, a custom step (so the forward pass can be
 * quantized later), metrics read back with one await per batch, pause/stop between batches.
 * tfjs-core has no gradients of its own: the environment registers them (src/core/tfNode.ts in
 * Node, src/worker/backends.ts in the browser).
 */
import * as tf from '@tensorflow/tfjs-core';
import { head, imageBytes, subset, type ImageSet } from '../core/data';
import { NUM_CLASSES } from '../core/models';
import { forward, trainableVariables, updateMovingStatistics, type BatchMoments, type ForwardOptions, type Network } from './network';
import { deriveSeed, mulberry32, permutation } from '../core/rng';
import type { Divergence } from '../core/divergence';
import { learningRateAt, type LrSchedule } from '../core/lrSchedule';
import { trainingOrder } from '../core/netadapt/split';

export { divergenceMessage, type Divergence } from '../core/divergence';

export interface TrainOptions {
  epochs: number;
  batch: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  /** Per-epoch learning rate (src/core/lrSchedule.ts); constant when absent. */
  lrSchedule?: LrSchedule;
  dataSeed: number;
}

export interface BatchMetrics {
  epoch: number;
  /** 1-based global step. */
  step: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  loss: number;
  accuracy: number;
  samplesDone: number;
  samplesTotal: number;
  elapsedMs: number;
  samplesPerSec: number;
  etaMs: number;
}

export interface EpochMetrics {
  epoch: number;
  /** The learning rate this epoch trained with. */
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  elapsedMs: number;
}

export interface TrainControl {
  shouldStop(): boolean;
  /** Resolves at once when not paused. */
  waitWhilePaused(): Promise<void>;
}

export interface TrainHooks {
  /** Not called for a batch whose loss is not finite: the run ends there (TrainResult.divergedAt). */
  onBatch?(m: BatchMetrics): void;
  onEpoch?(m: EpochMetrics): void;
  control?: TrainControl;
  /** Lets queued messages (pause, stop) in between batches; defaults to a zero timeout. */
  yieldToEvents?(): Promise<void>;
  /** Forward pass used for the training steps (e.g. quantized with straight-through gradients). */
  forwardOptions?: ForwardOptions;
  /** Forward pass used to evaluate the test set after each epoch; defaults to forwardOptions. */
  evalForwardOptions?: ForwardOptions;
  /** Runs after every optimizer step (e.g. clipping latent weights). */
  afterStep?(): void;
  /** Runs before each epoch (e.g. recalibrating activation clips). */
  beforeEpoch?(epoch: number): Promise<void>;
  /**
   * Runs before each training step's forward pass ('train', outside the gradient tape) and before
   * each test evaluation ('test'): e.g. computing calibrated weight clips from the current weights
   * with `await data()`, which the forward pass itself must not read back.
   */
  beforeForward?(phase: 'train' | 'test'): Promise<void>;
}

/** Where a run's loss stopped being a finite number. */
export interface TrainResult {
  /** 'diverged': the run ended at the first batch whose loss was not finite (see divergedAt). */
  status: 'done' | 'stopped' | 'diverged';
  epochsCompleted: number;
  /** Optimizer steps taken, the diverged one included. */
  steps: number;
  divergedAt: Divergence | null;
  /** Accuracy in [0, 1] on the test subset after the last epoch; null when stopped before one or diverged. */
  testAccuracy: number | null;
  testLoss: number | null;
  epochs: EpochMetrics[];
  elapsedMs: number;
  /** Training samples per second, excluding evaluation. */
  samplesPerSec: number;
}

/** The training subset a config trains on: trainSize images in an order fixed by dataSeed. */
export function selectTrainingSubset(train: ImageSet, trainSize: number, dataSeed: number): ImageSet {
  if (trainSize >= train.count) return train;
  const order = trainingOrder(train.count, dataSeed);
  return subset(train, order.subarray(0, trainSize));
}

export function selectTestSubset(test: ImageSet, testSize: number): ImageSet {
  return head(test, testSize);
}

/** Pixels 0..255 -> floats in [0, 1] for rows `indices[start..end)` (through `table` when given, see ForwardOptions.pixelTable). */
export function batchInputs(set: ImageSet, indices: ArrayLike<number> | null, start: number, end: number, table?: Float32Array) {
  const n = end - start;
  // Bytes per image: 784 for MNIST, 3,072 for CIFAR-10 (HWC); the input quantizer is per value, so colour needs nothing more.
  const size = imageBytes(set);
  const pixels = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = indices ? indices[start + i] : start + i;
    const src = set.images.subarray(row * size, (row + 1) * size);
    const dst = i * size;
    if (table) for (let j = 0; j < size; j++) pixels[dst + j] = table[src[j]];
    else for (let j = 0; j < size; j++) pixels[dst + j] = src[j] / 255;
    labels[i] = set.labels[row];
  }
  return { pixels, labels, n, size };
}


/**
 * tfjs-core 4.22's MomentumOptimizer.dispose() frees its momentum scalar and accumulators but does
 * not call super.dispose(), so the learning-rate scalar `c` that SGDOptimizer's constructor keeps
 * (setLearningRate: keep(scalar(-lr))) outlives it: one tensor per run. `c` is protected, meant for
 * subclasses; Tensor.dispose() is idempotent, so this stays right once the library frees it too.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }
}

function makeOptimizer(options: TrainOptions): tf.Optimizer {
  return options.optimizer === 'adam' ? tf.train.adam(options.lr) : new MomentumOptimizer(options.lr, options.momentum);
}

/**
 * Changes the learning rate between steps. SGD and momentum have setLearningRate (it replaces its
 * kept scalar); Adam reads its `learningRate` field at every step and has no setter.
 */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // By method, not instanceof: Optimizer's Symbol.hasInstance makes every optimizer an instance of each.
  const sgd = optimizer as Partial<Pick<tf.SGDOptimizer, 'setLearningRate'>>;
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

const defaultYield = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Loss and accuracy on a set, in batches; reads back once per batch. */
export async function evaluate(
  net: Network,
  set: ImageSet,
  batchSize = 500,
  forwardOptions?: ForwardOptions,
): Promise<{ accuracy: number; loss: number }> {
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const { pixels, labels, n, size } = batchInputs(set, null, start, end, forwardOptions?.pixelTable);
    const x = tf.tensor2d(pixels, [n, size]);
    const y = tf.tensor1d(labels, 'int32');
    try {
      const { hits, loss } = await batchHitsAndLoss(net, x, y, forwardOptions);
      correct += hits;
      lossSum += loss;
    } finally {
      x.dispose();
      y.dispose();
    }
  }
  return { accuracy: set.count === 0 ? 0 : correct / set.count, loss: set.count === 0 ? 0 : lossSum / set.count };
}

/** Correct predictions and the summed cross-entropy of one batch (one read-back). */
export async function batchHitsAndLoss(net: Network, x: tf.Tensor2D, y: tf.Tensor1D, forwardOptions?: ForwardOptions): Promise<{ hits: number; loss: number }> {
  const n = x.shape[0];
  const stats = tf.tidy(() => {
    const logits = forward(net, x, forwardOptions);
    const lossTotal = tf.mul(tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_CLASSES), logits), n);
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
    return tf.stack([hits, lossTotal]);
  });
  const [hits, loss] = await stats.data();
  stats.dispose();
  return { hits, loss };
}

/**
 * The predicted class (argmax of the logits) of every image in a set, in the same batches as
 * evaluate, so that counting hits over them gives evaluate's accuracy exactly.
 */
export async function predictClasses(net: Network, set: ImageSet, batchSize = 500, forwardOptions?: ForwardOptions): Promise<Uint8Array> {
  const out = new Uint8Array(set.count);
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const { pixels, n, size } = batchInputs(set, null, start, end, forwardOptions?.pixelTable);
    const classes = tf.tidy(() => tf.argMax(forward(net, tf.tensor2d(pixels, [n, size]), forwardOptions), 1));
    out.set(await classes.data(), start);
    classes.dispose();
  }
  return out;
}

export async function train(
  net: Network,
  data: { train: ImageSet; test: ImageSet },
  options: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const { train: trainSet, test: testSet } = data;
  const batch = Math.max(1, Math.min(options.batch, trainSet.count));
  const batchesPerEpoch = Math.ceil(trainSet.count / batch);
  const samplesTotal = trainSet.count * options.epochs;
  const optimizer = makeOptimizer(options);
  const variables = trainableVariables(net);
  // Batch normalisation trains on each batch's statistics; the step hands them over for the moving averages.
  const moments: BatchMoments[] = [];
  const stepForward: ForwardOptions = { ...hooks.forwardOptions, batchStatistics: (m) => moments.push(m) };
  const yieldToEvents = hooks.yieldToEvents ?? defaultYield;
  const started = performance.now();
  let trainingMs = 0;
  let samplesDone = 0;
  let step = 0;
  const epochs: EpochMetrics[] = [];
  let stopped = false;
  let divergedAt: Divergence | null = null;

  try {
    for (let epoch = 1; epoch <= options.epochs && !stopped && !divergedAt; epoch++) {
      await hooks.beforeEpoch?.(epoch);
      const lr = learningRateAt(options.lrSchedule ?? { kind: 'constant' }, options.lr, epoch, options.epochs);
      setLearningRate(optimizer, lr);
      const order = permutation(trainSet.count, mulberry32(deriveSeed(options.dataSeed, epoch)));
      let epochLoss = 0;
      let epochCorrect = 0;
      let epochSeen = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        await hooks.control?.waitWhilePaused();
        if (hooks.control?.shouldStop()) {
          stopped = true;
          break;
        }
        const stepStart = performance.now();
        if (hooks.beforeForward) await hooks.beforeForward('train');
        const start = b * batch;
        const end = Math.min(trainSet.count, start + batch);
        const { pixels, labels, n, size } = batchInputs(trainSet, order, start, end);
        // The hit count leaves the gradient tape's tidy through keep: freed here even if the step throws.
        let hitsTensor: tf.Scalar | null = null;
        let stats: tf.Tensor;
        try {
          stats = tf.tidy(() => {
            const x = tf.tensor2d(pixels, [n, size]);
            const y = tf.tensor1d(labels, 'int32');
            const loss = optimizer.minimize(
              () => {
                const logits = forward(net, x, stepForward);
                hitsTensor = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')) as tf.Scalar);
                return tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_CLASSES), logits) as tf.Scalar;
              },
              true,
              variables,
            ) as tf.Scalar;
            return tf.stack([loss, hitsTensor!]);
          });
        } finally {
          (hitsTensor as tf.Scalar | null)?.dispose();
          updateMovingStatistics(net, moments.splice(0));
        }
        let loss: number;
        let hits: number;
        try {
          hooks.afterStep?.();
          [loss, hits] = await stats.data();
        } finally {
          stats.dispose();
        }
        step++;
        if (!Number.isFinite(loss)) {
          // The weights are NaN or infinite from here on: nothing later in the run would mean anything.
          divergedAt = { epoch, batch: b + 1, loss };
          break;
        }
        trainingMs += performance.now() - stepStart;
        samplesDone += n;
        epochLoss += loss * n;
        epochCorrect += hits;
        epochSeen += n;
        const samplesPerSec = samplesDone / (trainingMs / 1000);
        hooks.onBatch?.({
          epoch,
          step,
          batchInEpoch: b + 1,
          batchesPerEpoch,
          loss,
          accuracy: hits / n,
          samplesDone,
          samplesTotal,
          elapsedMs: performance.now() - started,
          samplesPerSec,
          etaMs: ((samplesTotal - samplesDone) / samplesPerSec) * 1000,
        });
        await yieldToEvents();
      }
      if (stopped || divergedAt) break;
      if (hooks.beforeForward) await hooks.beforeForward('test');
      const test = await evaluate(net, testSet, 500, hooks.evalForwardOptions ?? hooks.forwardOptions);
      const metrics: EpochMetrics = {
        lr,
        epoch,
        trainLoss: epochLoss / epochSeen,
        trainAccuracy: epochCorrect / epochSeen,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        elapsedMs: performance.now() - started,
      };
      epochs.push(metrics);
      hooks.onEpoch?.(metrics);
    }
  } finally {
    optimizer.dispose();
  }
  const status = divergedAt ? 'diverged' : stopped ? 'stopped' : 'done';
  const last = status === 'done' ? epochs[epochs.length - 1] : undefined;
  return {
    status,
    epochsCompleted: epochs.length,
    steps: step,
    divergedAt,
    testAccuracy: last ? last.testAccuracy : null,
    testLoss: last ? last.testLoss : null,
    epochs,
    elapsedMs: performance.now() - started,
    samplesPerSec: trainingMs > 0 ? samplesDone / (trainingMs / 1000) : 0,
  };
}
