/**
 * A trained network run on the hand-written integer WGSL kernels (src/core/kernels), in the
 * browser worker, the kernels page or Node tests, on the same GPUDevice TF.js's WebGPU backend
 * uses (or any other GPUDevice):
 *
 *   readWeights -> activationClips (evaluatePtq's calibration) -> toIntegerModel (MLP or lenet)
 *   -> integerInputs -> createNetworkRunner over the whole test subset in chunks ->
 *   predictedClasses -> accuracy,
 *
 * beside the TF.js fake-quantized model with the same clips (its per-image predictions, for the
 * agreement rate, and evaluatePtq's accuracy, which must be the same number), the packed weight
 * bytes each layer puts on the GPU against the storage model (bitsPerWeight x weights / 8), and
 * each layer's kernel timed alone.
 *
 * GPU hygiene: TF.js batches its own commands in a command encoder it submits lazily, so its
 * queue is flushed (and waited for) before our first submit; every buffer, query set and kernel
 * made here is destroyed; no TF.js tensor is left behind (tensorsBefore / tensorsAfter in the
 * report). Kernel creation and the runs here are checked in error scopes before any number is
 * reported.
 *
 * Never calls dataSync(): on headless SwiftShader it destroys the device.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../core/data';
import { calibrationPixels, CALIBRATION_SIZE, evaluatePtq } from '../tf/experiment';
import { fieldBits, formatName, packedWeightWords, weightsPerWord, type QuantDenseLayer } from '../core/kernels/reference';
import {
  integerInputs,
  predictedClasses,
  toIntegerLenet,
  toIntegerMlp,
  type IntegerLenet,
  type IntegerMlp,
  type IntegerMlpOptions,
} from '../core/kernels/fromNetwork';
import { denseNetLayer, type QuantNetLayer } from '../core/kernels/conv';
import { INPUT_SIZE, NUM_CLASSES } from '../core/models';
import { forward, readWeights, type LayerWeights, type Network } from '../tf/network';
import { calibrateActivationClips, calibrateWeightClips, quantizedForward, schemeForLayer, type QuantConfig } from '../tf/quantizedNetwork';
import { quantOf } from '../core/quant/quantConfig';
import { bitsPerWeight, describeScheme } from '../core/quant/schemes';
import { batchInputs } from '../tf/train';
import { destroyAll, uploadWords } from './buffers';
import { flushTfWebGpu, tfWebGpuDevice } from './device';
import { withErrorScopes } from './errors';
import type { BatchKernel, DenseKernelOptions } from './kernels';
import { createNetworkRunner, type NetworkRunner } from './network';
import { timeLaunches } from './timer';

// ---------------------------------------------------------------------------------------------
// Types

export interface KernelRunOptions {
  /** Test images per createNetworkRunner run call (the runner splits further if a binding needs it). Default 1000. */
  chunkSize?: number;
  /** Rows per timed launch of each layer (capped by the test subset). Default 256. */
  timingBatch?: number;
  /** Also time each layer at batch 1 (latency). Default true. */
  timeBatchOne?: boolean;
  /** Timed wall-clock budget per layer and batch, ms (after warm-up). Default 300. */
  timingTargetMs?: number;
  /** Cap on launches per timed repeat. Default 200. */
  maxLaunches?: number;
  /** false skips the per-layer timing (accuracy and storage only). Default true. */
  timing?: boolean;
  /** Passed to createDenseKernel (outputs per thread, workgroup size). */
  kernelOptions?: DenseKernelOptions;
  /** Progress for a UI: phase names in the order they happen. */
  onProgress?: (phase: KernelRunPhase, fraction: number) => void;
}

export type KernelRunPhase = 'weights' | 'calibration' | 'convert' | 'tfjs' | 'kernels' | 'timing';

export interface LayerTiming {
  /** Rows per launch. */
  batch: number;
  /** Launches timed in the kept repeat. */
  launches: number;
  /** Wall clock from submit to onSubmittedWorkDone, per launch, best of the repeats. */
  msPerLaunch: number;
  /** msPerLaunch / batch. */
  msPerImage: number;
  /** GPU timestamps (timestamp-query) around the launches, per launch; null where unavailable. */
  gpuMsPerLaunch: number | null;
  /** Packed weight bytes / msPerLaunch (each weight counted once per launch), GB/s. */
  weightGBps: number;
}

export interface KernelLayerReport {
  name: string;
  inputs: number;
  units: number;
  /** e.g. "LightNN-1", "fixed-4", "BinaryConnect", "BinaryNet". */
  format: string;
  /** The config's scheme for this layer, e.g. "LightNN-1 (nearest)". */
  scheme: string;
  /** "requant >> 9 to 8 bits", "sign bits", "i32 logits". */
  output: string;
  weightCount: number;
  /** Storage model bits per weight (bitsPerWeight of the scheme). */
  bitsPerWeight: number;
  /** Bits a weight takes in a packed u32 (4/8/16 for LightNN, 4/8 fixed, 1 binary). */
  fieldBits: number;
  packedWords: number;
  /** Size of the packed weight buffer uploaded to the GPU: packedWords x 4. */
  packedBytes: number;
  /** bitsPerWeight x weightCount / 8. */
  storageModelBytes: number;
  /** (fieldBits - bitsPerWeight) x weightCount / 8: fields wider than the storage model (LightNN-3, fixed-3/5/6/7). */
  fieldPaddingBytes: number;
  /** Unused fields in the last word row when inputs is not a multiple of the fields per word. */
  tailPaddingBytes: number;
  /** packedBytes === storageModelBytes (no padding of either kind). */
  matchesStorageModel: boolean;
  /** i32 biases (and thresholds) on the GPU (not in the storage model above). */
  biasBytes: number;
  /** Per-layer timings: [timingBatch] and [1] when timeBatchOne; empty when timing is off. */
  timings: LayerTiming[];
}

export interface KernelRunReport {
  testCount: number;
  /** Accuracy of the integer kernels' predictions on the test subset. */
  intAccuracy: number;
  /** Accuracy of the TF.js fake-quantized model (quantizedForward, eval, same clips) computed here. */
  tfAccuracy: number;
  /** evaluatePtq's accuracy of the same model (should equal tfAccuracy). */
  ptqAccuracy: number;
  /** intAccuracy - tfAccuracy in percentage points. */
  deltaPp: number;
  /** Fraction of test images where the integer and TF.js predictions agree. */
  agreement: number;
  disagreements: number;
  /** Activation clips handed to toIntegerModel (undefined where the config needs none). */
  clips: number[] | undefined;
  calibrationImages: number;
  layers: KernelLayerReport[];
  totalPackedBytes: number;
  totalStorageModelBytes: number;
  /** Whole test subset through createNetworkRunner (upload, all layers, logits read back), ms. */
  fullPassMs: number;
  fullPassMsPerImage: number;
  /** 'timestamp-query' when GPU timestamps were taken, else 'wall clock'. */
  timingMethod: string;
  /** What toIntegerModel approximated, then notes from this run. */
  notes: string[];
  tensorsBefore: number;
  tensorsAfter: number;
  ms: number;
}

// ---------------------------------------------------------------------------------------------
// The integer model: the one clip rule and conversion every caller uses

/**
 * Activation clips for the integer model: the ones evaluatePtq calibrates (same network, same
 * calibration images), needed by fixed-point ReLU without a fixed clip and by float ReLU; none
 * for a single-layer network (no hidden activation).
 */
export async function activationClips(network: Network, quant: QuantConfig, trainSet: ImageSet): Promise<number[] | undefined> {
  const q = quantOf(quant);
  const needsClips = q.activations.kind === 'relu' && q.activations.clip === undefined && network.params.length > 1;
  return needsClips ? calibrateActivationClips(network, calibrationPixels(trainSet), q) : undefined;
}

export type IntegerModel = ({ kind: 'mlp' } & IntegerMlp) | ({ kind: 'lenet' } & IntegerLenet);

/** A configuration the kernels cannot run (float32/minifloat weights, LightNN with zero, > 8 bits, overflow). */
export class NotOnKernelsError extends Error {
  constructor(readonly reason: string) {
    super(`This model cannot run on the integer kernels: ${reason}`);
  }
}

/** lenet (it has conv layers) through toIntegerLenet, any other network through toIntegerMlp. */
export function toIntegerModel(
  weights: readonly LayerWeights[],
  quant: QuantConfig,
  clips: readonly number[] | undefined,
  options?: IntegerMlpOptions,
): IntegerModel {
  const q = quantOf(quant);
  try {
    return weights.some((w) => w.shape.length === 4)
      ? { kind: 'lenet', ...toIntegerLenet(weights, q, clips, options) }
      : { kind: 'mlp', ...toIntegerMlp(weights, q, clips, options) };
  } catch (error) {
    throw new NotOnKernelsError(message(error).replace(/^toInteger(Mlp|Lenet): /, ''));
  }
}

/** The integer model of `network` under `quant`, with the clips it was converted with. */
export async function integerModel(
  network: Network,
  quant: QuantConfig,
  trainSet: ImageSet,
  options?: IntegerMlpOptions,
): Promise<{ model: IntegerModel; clips: number[] | undefined }> {
  const weights = await readWeights(network);
  const clips = await activationClips(network, quant, trainSet);
  return { model: toIntegerModel(weights, quant, clips, options), clips };
}

// ---------------------------------------------------------------------------------------------
// Storage

function outputLabel(layer: QuantDenseLayer): string {
  const out = layer.output;
  if (out.kind === 'requant') return `ReLU, >> ${out.rshift} to ${out.bits} bits`;
  if (out.kind === 'threshold') return `batch norm + ReLU folded into ${2 ** out.bits - 1} thresholds per unit, ${out.bits} bits`;
  if (out.kind === 'sign') return 'sign bits';
  return 'i32 logits';
}

export function layerStorage(layer: QuantDenseLayer, storageBitsPerWeight: number) {
  const weightCount = layer.inputs * layer.units;
  const bits = fieldBits(layer.format);
  const perWord = weightsPerWord(layer.format);
  const packedWords = packedWeightWords(layer.format, layer.inputs, layer.units);
  const packedBytes = layer.weights.byteLength;
  if (packedBytes !== packedWords * 4) {
    throw new Error(`layer "${layer.name}": ${packedBytes} packed bytes, expected ${packedWords} words`);
  }
  const storageModelBytes = (storageBitsPerWeight * weightCount) / 8;
  const fieldPaddingBytes = ((bits - storageBitsPerWeight) * weightCount) / 8;
  const tailPaddingBytes = ((Math.ceil(layer.inputs / perWord) * perWord - layer.inputs) * layer.units * bits) / 8;
  return {
    weightCount,
    fieldBits: bits,
    packedWords,
    packedBytes,
    storageModelBytes,
    fieldPaddingBytes,
    tailPaddingBytes,
    matchesStorageModel: packedBytes === storageModelBytes,
    biasBytes: layer.bias.byteLength + (layer.output.kind === 'threshold' ? layer.output.thresholds.byteLength : 0),
  };
}

// ---------------------------------------------------------------------------------------------

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** TF.js fake-quantized predictions (the forward pass evaluatePtq measures), in batches. */
async function tfPredictions(network: Network, q: QuantConfig, clips: number[] | undefined, set: ImageSet, batch = 500): Promise<Int32Array> {
  // Calibrated weight clips are read here, once (the forward pass must not read weights back).
  const options = quantizedForward(network, q, { mode: 'eval', activationClips: clips, weightClips: await calibrateWeightClips(network, q) });
  const out = new Int32Array(set.count);
  for (let start = 0; start < set.count; start += batch) {
    const end = Math.min(set.count, start + batch);
    const { pixels, n } = batchInputs(set, null, start, end);
    const t = tf.tidy(() => tf.argMax(forward(network, tf.tensor2d(pixels, [n, INPUT_SIZE]), options), 1));
    try {
      out.set(await t.data(), start);
    } finally {
      t.dispose();
    }
  }
  return out;
}

async function timeLayer(
  device: GPUDevice,
  kernel: BatchKernel,
  input: GPUBuffer,
  batch: number,
  options: KernelRunOptions,
  weightBytes: number,
): Promise<LayerTiming> {
  const output = kernel.createOutputBuffer(batch);
  try {
    const t = await timeLaunches(device, (encoder) => kernel.encode(encoder, input, batch, output), {
      targetMs: options.timingTargetMs ?? 300,
      maxLaunches: options.maxLaunches ?? 200,
    });
    return {
      batch,
      launches: t.launches,
      msPerLaunch: t.msPerLaunch,
      msPerImage: t.msPerLaunch / batch,
      gpuMsPerLaunch: t.gpuMsPerLaunch,
      weightGBps: weightBytes / (t.msPerLaunch / 1000) / 1e9,
    };
  } finally {
    output.destroy();
  }
}

/**
 * Runs `network` (an MLP, or lenet) on the integer kernels and compares it with TF.js's fake
 * quantization of the same config. `config` is the quantization part of a Config (a full Config
 * works too). `device`: TF.js's own (tfWebGpuDevice()) or any GPUDevice (acquireKernelDevice()).
 * Throws an Error naming the reason when the model cannot run on the kernels (float32/minifloat weights, LightNN with zero, > 8-bit weights or activations, overflow).
 */
export async function runOnKernels(
  network: Network,
  config: QuantConfig,
  trainSet: ImageSet,
  testSet: ImageSet,
  device: GPUDevice,
  options: KernelRunOptions = {},
): Promise<KernelRunReport> {
  const started = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const progress = options.onProgress ?? (() => {});
  const q = quantOf(config);
  const count = network.params.length;
  if (testSet.count === 0) throw new Error('runOnKernels: the test subset is empty.');

  progress('weights', 0);
  const weights = await readWeights(network);

  progress('calibration', 0);
  const calibrationImages = Math.min(CALIBRATION_SIZE, trainSet.count);
  const clips = await activationClips(network, q, trainSet);

  progress('convert', 0);
  // lenet runs as conv, pool, conv, pool, dense, dense; MLPs as a chain of dense layers.
  const model = toIntegerModel(weights, q, clips);
  const netLayers: QuantNetLayer[] = model.kind === 'lenet' ? model.layers : model.layers.map(denseNetLayer);
  // The layers that run a kernel (flatten is a no-op in NHWC), and those with weights.
  const kernelLayers = netLayers.filter((l) => l.kind !== 'flatten');

  progress('tfjs', 0);
  const labels = testSet.labels;
  const tfPred = await tfPredictions(network, q, clips, testSet);
  const ptq = await evaluatePtq(network, q, testSet, trainSet);

  const notes = [...model.notes];
  let weightIndex = 0;
  const layers: KernelLayerReport[] = kernelLayers.map((layer) => {
    if (layer.kind === 'maxpool') {
      const side = (n: number) => Math.floor(n / layer.size);
      return {
        name: layer.name, inputs: layer.inHeight * layer.inWidth * layer.channels, units: side(layer.inHeight) * side(layer.inWidth) * layer.channels,
        format: 'max', scheme: `max-pool ${layer.size}x${layer.size}`, output: layer.input.kind === 'sign' ? 'sign bits' : 'unsigned',
        bitsPerWeight: 0, weightCount: 0, fieldBits: 0, packedWords: 0, packedBytes: 0, storageModelBytes: 0,
        fieldPaddingBytes: 0, tailPaddingBytes: 0, matchesStorageModel: true, biasBytes: 0, timings: [],
      };
    }
    const scheme = schemeForLayer(q, weightIndex++, count);
    // A conv layer is packed as the dense layer it is at one output pixel: fan-in x filters.
    const dense = layer.kind === 'conv2d'
      ? { name: layer.name, inputs: layer.kernel * layer.kernel * layer.inChannels, units: layer.filters, format: layer.format, inputBits: layer.inputBits, weights: layer.weights, bias: layer.bias, output: layer.output }
      : layer;
    return {
      name: layer.name,
      inputs: dense.inputs,
      units: dense.units,
      format: formatName(layer.format),
      scheme: describeScheme(scheme),
      output: outputLabel(dense as QuantDenseLayer),
      bitsPerWeight: bitsPerWeight(scheme),
      ...layerStorage(dense as QuantDenseLayer, bitsPerWeight(scheme)),
      timings: [],
    };
  });

  // --- the kernels ---------------------------------------------------------------------------
  progress('kernels', 0);
  await flushTfWebGpu(device);
  let runner: NetworkRunner | null = null;
  const buffers: GPUBuffer[] = [];
  const intPred = new Int32Array(testSet.count);
  let fullPassMs = 0;
  let timingMethod = 'wall clock (submit to onSubmittedWorkDone)';
  try {
    const net = await createNetworkRunner(device, netLayers, options.kernelOptions);
    runner = net;
    await withErrorScopes(device, 'a kernel run', async () => {
      const chunk = Math.max(1, options.chunkSize ?? 1000);
      for (let start = 0; start < testSet.count; start += chunk) {
        const end = Math.min(testSet.count, start + chunk);
        const input = integerInputs(batchInputs(testSet, null, start, end).pixels, q.inputBits);
        const t0 = performance.now();
        const logits = await net.run(input, end - start);
        fullPassMs += performance.now() - t0;
        intPred.set(predictedClasses(logits, NUM_CLASSES), start);
        progress('kernels', end / testSet.count);
      }

      if (options.timing ?? true) {
        progress('timing', 0);
        const batch = Math.max(1, Math.min(options.timingBatch ?? 256, testSet.count));
        const input = uploadWords(device, integerInputs(batchInputs(testSet, null, 0, batch).pixels, q.inputBits), 'timing input');
        buffers.push(input);
        // Each layer's input: the previous layer's real output on the same images.
        const inputs: GPUBuffer[] = [input];
        for (const kernel of net.kernels.slice(0, -1)) {
          const out = kernel.run(inputs[inputs.length - 1], batch);
          buffers.push(out);
          inputs.push(out);
        }
        const timingBatches = (options.timeBatchOne ?? true) && batch > 1 ? [batch, 1] : [batch];
        let timestamps = false;
        for (let i = 0; i < net.kernels.length; i++) {
          for (const b of timingBatches) {
            const timing = await timeLayer(device, net.kernels[i], inputs[i], b, options, layers[i].packedBytes);
            if (timing.gpuMsPerLaunch !== null) timestamps = true;
            layers[i].timings.push(timing);
          }
          progress('timing', (i + 1) / net.kernels.length);
        }
        if (timestamps) timingMethod = 'wall clock (submit to onSubmittedWorkDone) and GPU timestamps (timestamp-query)';
      }
    });
  } finally {
    destroyAll(buffers);
    runner?.destroy();
  }

  // --- comparison -----------------------------------------------------------------------------
  let intHits = 0;
  let tfHits = 0;
  let same = 0;
  for (let i = 0; i < testSet.count; i++) {
    if (intPred[i] === labels[i]) intHits++;
    if (tfPred[i] === labels[i]) tfHits++;
    if (intPred[i] === tfPred[i]) same++;
  }
  const n = testSet.count;
  const intAccuracy = intHits / n;
  const tfAccuracy = tfHits / n;
  const totalPackedBytes = layers.reduce((s, l) => s + l.packedBytes, 0);
  const totalStorageModelBytes = layers.reduce((s, l) => s + l.storageModelBytes, 0);

  if (Math.abs(tfAccuracy - ptq.accuracy) > 1e-12) {
    notes.push(`TF.js predictions here give ${(tfAccuracy * 100).toFixed(2)}% but evaluatePtq ${(ptq.accuracy * 100).toFixed(2)}%: they should be the same forward pass`);
  }
  for (const l of layers) {
    if (!l.matchesStorageModel) {
      const parts: string[] = [];
      if (l.fieldPaddingBytes) parts.push(`${l.fieldPaddingBytes} B of ${l.fieldBits}-bit fields for ${l.bitsPerWeight}-bit weights`);
      if (l.tailPaddingBytes) parts.push(`${l.tailPaddingBytes} B of unused fields in the last word row (${l.inputs} inputs, ${32 / l.fieldBits} per word)`);
      notes.push(`${l.name}: ${l.packedBytes} B packed on the GPU vs ${l.storageModelBytes} B in the storage model: ${parts.join('; ')}`);
    }
  }
  notes.push(
    `ran on ${tfWebGpuDevice() === device ? "TF.js's own WebGPU device" : 'a separate WebGPU device'}; ` +
      `timing: ${timingMethod}; clips calibrated on ${calibrationImages} training images` +
      (clips ? ` (${clips.map((c) => c.toPrecision(4)).join(', ')})` : ' (none needed)'),
  );

  return {
    testCount: n,
    intAccuracy,
    tfAccuracy,
    ptqAccuracy: ptq.accuracy,
    deltaPp: (intAccuracy - tfAccuracy) * 100,
    agreement: same / n,
    disagreements: n - same,
    clips,
    calibrationImages,
    layers,
    totalPackedBytes,
    totalStorageModelBytes,
    fullPassMs,
    fullPassMsPerImage: fullPassMs / n,
    timingMethod,
    notes,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    ms: performance.now() - started,
  };
}
