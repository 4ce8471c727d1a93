/**
 * One run of a config, end to end: subset selection, network, float or quantization-aware
 * training, and the post-training-quantized (PTQ) evaluation. The worker, the CLI and the tests
 * all go through here, so a config means the same thing everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { maxOf, pushAll } from '../core/arrays';
import type { Config } from '../core/config';
import { confusionMatrix, findFlips, matrixAccuracy, type Flip } from '../core/confusion';
import { imageBytes, imageShapeOf, type ImageSet, type MnistData } from '../core/data';
import type { ImageShape } from '../core/datasets/kinds';
import { INPUT_SIZE, inputShapeOf, NUM_CLASSES } from '../core/models';
import { createNetwork, disposeNetwork, forward, type ForwardOptions, type Network } from './network';
import { quantOf } from '../core/quant/quantConfig';
import {
  calibrateActivationClips,
  calibrateWeightClips,
  clipLatentWeights,
  createHysteresisState,
  type HysteresisState,
  isFloatConfig,
  needsWeightClips,
  quantizedForward,
  type QuantConfig,
} from './quantizedNetwork';
import { deriveSeed, mulberry32 } from '../core/rng';
import {
  batchInputs,
  evaluate,
  predictClasses,
  selectTestSubset,
  selectTrainingSubset,
  train,
  type TrainHooks,
  type TrainResult,
} from './train';

/** Training images used to calibrate activation clips. */
export const CALIBRATION_SIZE = 512;


export function calibrationPixels(trainSet: ImageSet): Float32Array {
  return batchInputs(trainSet, null, 0, Math.min(CALIBRATION_SIZE, trainSet.count)).pixels;
}

export interface RunOutcome {
  result: TrainResult;
  network: Network;
  trainSet: ImageSet;
  testSet: ImageSet;
  /**
   * Accuracy of the config's quantized model on the test subset (equals result.testAccuracy for
   * QAT); null unless the run is 'done' (a stopped or diverged network is not worth quantizing).
   */
  quantizedAccuracy: number | null;
  /** With binary hysteresis and QAT: the signs the model used at the end (NetAdapt carries them on). */
  hysteresisSigns?: (Float32Array | null)[];
}

/**
 * The training hooks of a config on a network: with training=qat and a quantized config, the
 * forward passes through the quantizers, weight clips, latent-weight clipping, hysteresis and
 * activation calibration; otherwise `hooks` as given. runConfig and NetAdapt's fine-tunes share it.
 * dispose() frees the hysteresis state (call it after training).
 */
export function trainingHooks(
  network: Network,
  config: Config,
  trainSet: ImageSet,
  hooks: Omit<TrainHooks, 'forwardOptions' | 'evalForwardOptions'> = {},
): { hooks: TrainHooks; hysteresis: HysteresisState | null; dispose(): void } {
  const q = quantOf(config);
  const quantized = !isFloatConfig(q);
  let fullHooks: TrainHooks = hooks;
  let hysteresis: HysteresisState | null = null;
  if (config.training === 'qat' && quantized) {
    hysteresis = createHysteresisState(network, q);
    const clips: number[] = [];
    // Calibrated weight clips (fixed point, scale percentile or MSE), from the current weights
    // before every step and evaluation (read with await data(): the forward pass never reads back).
    const weightClips: (Float32Array | null)[] = [];
    const calibration = calibrationPixels(trainSet);
    const rng = mulberry32(deriveSeed(config.initSeed, 0x57e));
    fullHooks = {
      ...hooks,
      forwardOptions: quantizedForward(network, q, { mode: 'train', rng, activationClips: clips, weightClips, hysteresis }),
      evalForwardOptions: quantizedForward(network, q, { mode: 'eval', activationClips: clips, weightClips, hysteresis }),
      ...(needsWeightClips(network, q)
        ? {
            beforeForward: async (phase: 'train' | 'test') => {
              const calibrated = (await calibrateWeightClips(network, q)) ?? [];
              // In place: the forward options hold this array.
              weightClips.length = 0;
              pushAll(weightClips, calibrated);
              await hooks.beforeForward?.(phase);
            },
          }
        : {}),
      afterStep: () => {
        clipLatentWeights(network, q);
        hysteresis?.update();
        hooks.afterStep?.();
      },
      beforeEpoch: async (epoch) => {
        if (q.activations.kind === 'relu' && q.activations.bits !== undefined && q.activations.clip === undefined) {
          const calibrated = await calibrateActivationClips(network, calibration, q);
          // In place: the forward options hold this array.
          clips.length = 0;
          pushAll(clips, calibrated);
        }
        await hooks.beforeEpoch?.(epoch);
      },
    };
  }
  return { hooks: fullHooks, hysteresis, dispose: () => hysteresis?.dispose() };
}

/** The returned network is the caller's to dispose, whatever the status; on a throw it is already freed. */
export async function runConfig(config: Config, data: MnistData, hooks: Omit<TrainHooks, 'forwardOptions' | 'evalForwardOptions'> = {}): Promise<RunOutcome> {
  checkDataShape(config, data);
  const trainSet = selectTrainingSubset(data.train, config.trainSize, config.dataSeed);
  const testSet = selectTestSubset(data.test, config.testSize);
  const network = createNetwork(config, config.initSeed);
  const q = quantOf(config);
  const quantized = !isFloatConfig(q);
  const { hooks: fullHooks, hysteresis, dispose: disposeHooks } = trainingHooks(network, config, trainSet, hooks);
  let hysteresisSigns: (Float32Array | null)[] | undefined;
  let result: TrainResult;
  let quantizedAccuracy: number | null = null;
  try {
    result = await train(network, { train: trainSet, test: testSet }, config, fullHooks);
    if (result.status === 'done') {
      quantizedAccuracy = config.training === 'qat' || !quantized ? result.testAccuracy : (await evaluatePtq(network, q, testSet, trainSet)).accuracy;
    }
    if (hysteresis) hysteresisSigns = await readHysteresisSigns(hysteresis);
  } catch (error) {
    // A backend that lacks a kernel (lenet on wasm) throws mid-step: free the network before reporting.
    disposeNetwork(network);
    throw error;
  } finally {
    disposeHooks();
  }
  return { result, network, trainSet, testSet, quantizedAccuracy, hysteresisSigns };
}

/** The ±1 signs a hysteresis state holds, per weight layer (null where none): state the latent weights do not determine. */
export async function readHysteresisSigns(state: HysteresisState): Promise<(Float32Array | null)[]> {
  return Promise.all(state.signs.map(async (v) => (v ? ((await v.data()) as Float32Array) : null)));
}

/** The model's input (from `data`) must be the loaded images' shape: a clear error instead of a tensor shape one. */
export function checkDataShape(config: Pick<Config, 'model' | 'data'>, data: MnistData): void {
  const want = inputShapeOf(config);
  const have = imageShapeOf(data.train);
  if (want.height !== have.height || want.width !== have.width || want.channels !== have.channels) {
    const text = (s: ImageShape) => `${s.height}x${s.width}x${s.channels}`;
    throw new Error(`data=${config.data} takes ${text(want)} images but the loaded set has ${text(have)}: load the ${config.data} files first.`);
  }
}

/** A quantized forward pass ready to run; dispose() frees the kernels it quantized. */
export interface PreparedQuantizedForward {
  options: ForwardOptions;
  dispose(): void;
}

/**
 * Input quantization as a 256-entry table: the table is the input transform applied to the 256
 * possible pixels (byte/255, as batches hold them), so batches built through it hold exactly what
 * the transform would make, without four tensor ops over every batch (40 ms of a 10,000-image
 * evaluation on WASM).
 */
async function withPixelTable(options: ForwardOptions): Promise<ForwardOptions> {
  const { transformInput, ...rest } = options;
  const bytes = new Float32Array(256);
  for (let v = 0; v < 256; v++) bytes[v] = v / 255;
  const levels = tf.tidy(() => transformInput!(tf.tensor2d(bytes, [1, 256])));
  const pixelTable = (await levels.data()) as Float32Array;
  levels.dispose();
  return { ...rest, pixelTable };
}

/**
 * The quantized forward pass of PTQ, set up once: activation clips calibrated on the first
 * CALIBRATION_SIZE images of `calibrationSet` (unless the config fixes them), input quantization,
 * and every kernel quantized once. evaluatePtq and the teaching predictions share it, so a digit's
 * quantized answer is exactly the one counted in the PTQ accuracy.
 */
export async function prepareQuantizedForward(network: Network, q: QuantConfig, calibrationSet: ImageSet): Promise<PreparedQuantizedForward> {
  const needsClips = q.activations.kind === 'relu' && q.activations.bits !== undefined && q.activations.clip === undefined;
  const weightClips = await calibrateWeightClips(network, q);
  const clips = needsClips ? await calibrateActivationClips(network, calibrationPixels(calibrationSet), q, undefined, weightClips) : undefined;
  const plain = quantizedForward(network, q, { mode: 'eval', activationClips: clips, weightClips });
  const options = plain.transformInput ? await withPixelTable(plain) : plain;
  const quantize = options.transformKernel;
  if (!quantize) return { options, dispose: () => undefined };
  // The weights do not change while the pass is in use: quantize each kernel once, not once per batch.
  const kernels = network.params.map((p, i) => tf.tidy(() => quantize(p.kernel, i, p.layer)));
  let disposed = false;
  return {
    options: { ...options, transformKernel: (_kernel, i) => kernels[i] },
    dispose() {
      if (disposed) return;
      disposed = true;
      // A float32 layer's "quantized" kernel is the variable itself: keep it.
      kernels.forEach((k, i) => k !== network.params[i].kernel && k.dispose());
    },
  };
}

/** Quantizes a trained network's weights (and activations, input) and evaluates it: no retraining. */
export async function evaluatePtq(
  network: Network,
  q: QuantConfig,
  testSet: ImageSet,
  calibrationSet: ImageSet,
): Promise<{ accuracy: number; loss: number }> {
  const prepared = await prepareQuantizedForward(network, q, calibrationSet);
  try {
    return await evaluate(network, testSet, 500, prepared.options);
  } finally {
    prepared.dispose();
  }
}

function softmax(logits: ArrayLike<number>): number[] {
  const row = Array.from(logits);
  const max = maxOf(row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Float and quantized softmax probabilities for one image (the worker's Prediction). */
export interface DigitPrediction {
  float: number[];
  quantized: number[];
}

/** The worker's QuantAnalysis: confusion matrices (index true*10+pred) and flipped test images. */
export interface QuantizedAnalysis {
  testCount: number;
  floatAccuracy: number;
  quantizedAccuracy: number;
  float: number[];
  quantized: number[];
  flips: (Flip & { pixels: Uint8Array })[];
}

/** A trained network with the subsets of its run, as the worker keeps it. */
export interface KeptModel {
  network: Network;
  trainSet: ImageSet;
  testSet: ImageSet;
}

/**
 * What the teaching views ask of one trained network: a drawn digit's probabilities, and the
 * confusion matrices and flipped images of a quantized setting. Both use prepareQuantizedForward,
 * so the quantized answers are those evaluatePtq counts. It caches what repeats: the float
 * predictions on the test subset (they depend on the network only) and the quantized pass of the
 * last setting (clips and kernels), so a digit drawn stroke by stroke costs one small forward pass.
 * Call dispose() before the network goes.
 */
export class ModelInspector {
  private floatPredictions: Uint8Array | null = null;
  private pass: { key: string; prepared: PreparedQuantizedForward } | null = null;

  constructor(private readonly model: KeptModel) {}

  /** The quantized pass for `q`, reused while the setting stays the same. */
  private async quantizedOptions(q: QuantConfig): Promise<ForwardOptions> {
    const key = JSON.stringify(q);
    if (this.pass?.key !== key) {
      this.dropPass();
      this.pass = { key, prepared: await prepareQuantizedForward(this.model.network, q, this.model.trainSet) };
    }
    return this.pass.prepared.options;
  }

  private dropPass() {
    this.pass?.prepared.dispose();
    this.pass = null;
  }

  /** Probabilities for one 28x28 image of bytes 0..255, scaled as the training batches are. */
  async predictDigit(pixels: Uint8Array, q: QuantConfig): Promise<DigitPrediction> {
    if (pixels.length !== INPUT_SIZE) throw new RangeError(`A digit is ${INPUT_SIZE} bytes (28x28), not ${pixels.length}.`);
    const { network } = this.model;
    const options = await this.quantizedOptions(q);
    const digit = { images: pixels, labels: new Uint8Array(1), count: 1 };
    const { pixels: input } = batchInputs(digit, null, 0, 1);
    // The quantized pass reads its input through the pass's pixel table (the input resolution).
    const { pixels: quantizedInput } = batchInputs(digit, null, 0, 1, options.pixelTable);
    // Both passes in one read-back: on a GPU backend each read-back is a round trip.
    const logits = tf.tidy(() =>
      tf.concat([forward(network, tf.tensor2d(input, [1, INPUT_SIZE])), forward(network, tf.tensor2d(quantizedInput, [1, INPUT_SIZE]), options)], 0),
    );
    const values = await logits.data();
    logits.dispose();
    return { float: softmax(values.subarray(0, NUM_CLASSES)), quantized: softmax(values.subarray(NUM_CLASSES, 2 * NUM_CLASSES)) };
  }

  /** Confusion matrices of the float and the quantized model on the test subset, and the flips. */
  async analyze(q: QuantConfig, flipLimit = 16): Promise<QuantizedAnalysis> {
    const { network, testSet } = this.model;
    this.floatPredictions ??= await predictClasses(network, testSet);
    const floatPred = this.floatPredictions;
    // Same batches as evaluatePtq, so the hits (and the accuracy) are the same.
    const quantPred = await predictClasses(network, testSet, 500, await this.quantizedOptions(q));
    const float = confusionMatrix(testSet.labels, floatPred, NUM_CLASSES);
    const quantized = confusionMatrix(testSet.labels, quantPred, NUM_CLASSES);
    const flips = findFlips(testSet.labels, floatPred, quantPred, flipLimit).map((flip) => ({
      ...flip,
      // A copy: a view would carry (and structured-clone) the whole test set's buffer.
      pixels: testSet.images.slice(flip.index * imageBytes(testSet), (flip.index + 1) * imageBytes(testSet)),
    }));
    return {
      testCount: testSet.count,
      floatAccuracy: matrixAccuracy(float, NUM_CLASSES),
      quantizedAccuracy: matrixAccuracy(quantized, NUM_CLASSES),
      float,
      quantized,
      flips,
    };
  }

  /** Frees the cached quantized kernels (the network itself belongs to the caller). */
  dispose(): void {
    this.dropPass();
    this.floatPredictions = null;
  }
}
