/**
 * A trained dense network run on the hand-written integer WGSL kernels (src/core/kernels), in
 * the browser, on the same GPUDevice TF.js's WebGPU backend uses (or any other GPUDevice).
 *
 *   readWeights -> calibrateActivationClips (up to CALIBRATION_SIZE training images) ->
 *   toIntegerMlp -> integerInputs -> createMlpRunner over the whole test subset in chunks ->
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
 * report). WebGPU errors do not throw: kernel creation runs inside error scopes (runner.ts), and
 * the runs here inside one more, which is checked before any number is reported.
 *
 * Never calls dataSync(): on headless SwiftShader it destroys the device.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../core/data';
import { calibrationPixels, CALIBRATION_SIZE, evaluatePtq } from '../core/experiment';
import { createMlpRunner, uploadWords, type DenseKernelOptions } from '../core/kernels/runner';
import { fieldBits, formatName, packedWeightWords, weightsPerWord, type QuantDenseLayer } from '../core/kernels/reference';
import { integerInputs, predictedClasses, toIntegerLenet, toIntegerMlp } from '../core/kernels/fromNetwork';
import { createLenetRunner, type BatchKernel } from '../core/kernels/convRunner';
import { denseNetLayer, type QuantNetLayer } from '../core/kernels/conv';
import { INPUT_SIZE, NUM_CLASSES } from '../core/models';
import { forward, readWeights, type Network } from '../core/network';
import { calibrateActivationClips, quantizedForward, schemeForLayer, type QuantConfig } from '../core/quant/quantizedNetwork';
import { quantOf } from '../core/quant/quantConfig';
import { bitsPerWeight, describeScheme } from '../core/quant/schemes';
import { batchInputs } from '../core/train';

/** WebGPU enum values (the globals GPUBufferUsage/GPUMapMode are not needed then). */
const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, QUERY_RESOLVE: 0x200 } as const;
const MAP_MODE_READ = 0x1;

// ---------------------------------------------------------------------------------------------
// Types

export interface KernelRunOptions {
  /** Test images per createMlpRunner call (the runner splits further if a binding needs it). Default 1000. */
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
  /** i32 biases on the GPU (not in the storage model above). */
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
  /** Activation clips handed to toIntegerMlp (undefined where the config needs none). */
  clips: number[] | undefined;
  calibrationImages: number;
  layers: KernelLayerReport[];
  totalPackedBytes: number;
  totalStorageModelBytes: number;
  /** Whole test subset through createMlpRunner (upload, all layers, logits read back), ms. */
  fullPassMs: number;
  fullPassMsPerImage: number;
  /** 'timestamp-query' when GPU timestamps were taken, else 'wall clock'. */
  timingMethod: string;
  /** What toIntegerMlp approximated, then notes from this run. */
  notes: string[];
  tensorsBefore: number;
  tensorsAfter: number;
  ms: number;
}

// ---------------------------------------------------------------------------------------------
// Sharing the device with TF.js

interface TfWebGpuBackendLike {
  device?: GPUDevice;
  ensureCommandEncoderReady?(): void;
  endComputePassEncoder?(): void;
  submitQueue?(): void;
}

/** TF.js's WebGPU device when the webgpu backend is active, else null. */
export function tfWebGpuDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as TfWebGpuBackendLike).device ?? null;
}

/**
 * Submits whatever TF.js's WebGPU backend has recorded but not yet submitted, and, given the
 * device, waits until the queue is idle (so our timings do not include TF.js work).
 */
export async function flushTfWebGpu(device?: GPUDevice): Promise<void> {
  if (tf.getBackend() === 'webgpu') {
    const backend = tf.backend() as unknown as TfWebGpuBackendLike;
    if (backend.ensureCommandEncoderReady && backend.endComputePassEncoder && backend.submitQueue) {
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
    } else {
      // Another tfjs version: reading a tensor flushes the queue too.
      const t = tf.scalar(0);
      await t.data();
      t.dispose();
    }
  }
  if (device) await device.queue.onSubmittedWorkDone();
}

export interface KernelDevice {
  device: GPUDevice;
  /** True when it is TF.js's own device (then release() leaves it alone). */
  sharedWithTfjs: boolean;
  description: string;
  /** Destroys the device if it was created here. */
  release(): void;
}

/**
 * The device to run the kernels on: TF.js's when its webgpu backend is active, else a new one
 * from navigator.gpu (with the adapter's binding limits). Throws, saying why, without WebGPU.
 */
export async function acquireKernelDevice(): Promise<KernelDevice> {
  const shared = tfWebGpuDevice();
  if (shared) {
    return { device: shared, sharedWithTfjs: true, description: 'TF.js WebGPU backend device', release() {} };
  }
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new Error('The integer kernels need WebGPU: navigator.gpu is missing (browser without WebGPU, or not a secure context).');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('The integer kernels need WebGPU: no WebGPU adapter was found.');
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string } }).info;
  return {
    device,
    sharedWithTfjs: false,
    description: `own WebGPU device (${[info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'adapter'})`,
    release: () => device.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------
// Timing many launches with one sync

export interface LaunchTimerOptions {
  /** Timed budget (after warm-up), ms, split over `repeats`. */
  targetMs?: number;
  maxLaunches?: number;
  repeats?: number;
  /** Take GPU timestamps when the device has timestamp-query. Default true. */
  timestamps?: boolean;
  /** Run one untimed launch first. Default true; false when the caller has just run one. */
  warmup?: boolean;
}

export interface LaunchTimes {
  msPerLaunch: number;
  gpuMsPerLaunch: number | null;
  launches: number;
  /** Wall ms of the warm-up launch (null when skipped). */
  warmupMs: number | null;
}

/**
 * Times `encodeOne` (records one launch into an encoder): a warm-up launch, one launch to
 * estimate the cost, then `repeats` submits of N launches in one command buffer, each waited
 * for with onSubmittedWorkDone; the fastest per-launch time is kept (shared machines). With
 * timestamp-query, empty passes before and after the N launches carry the GPU timestamps.
 */
export async function timeLaunches(
  device: GPUDevice,
  encodeOne: (encoder: GPUCommandEncoder) => void,
  options: LaunchTimerOptions = {},
): Promise<LaunchTimes> {
  const targetMs = options.targetMs ?? 300;
  const maxLaunches = options.maxLaunches ?? 200;
  const repeats = options.repeats ?? 3;
  let querySet: GPUQuerySet | null = null;
  let resolveBuffer: GPUBuffer | null = null;
  let readBack: GPUBuffer | null = null;
  if ((options.timestamps ?? true) && device.features.has('timestamp-query')) {
    device.pushErrorScope('validation');
    querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
    resolveBuffer = device.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    readBack = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    if (await device.popErrorScope()) {
      querySet?.destroy();
      resolveBuffer?.destroy();
      readBack?.destroy();
      querySet = resolveBuffer = readBack = null;
    }
  }

  const launch = async (count: number): Promise<{ wall: number; gpu: number | null }> => {
    const encoder = device.createCommandEncoder({ label: 'timed launches' });
    if (querySet) encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();
    for (let i = 0; i < count; i++) encodeOne(encoder);
    if (querySet && resolveBuffer && readBack) {
      encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
      encoder.resolveQuerySet(querySet, 0, 2, resolveBuffer, 0);
      encoder.copyBufferToBuffer(resolveBuffer, 0, readBack, 0, 16);
    }
    const commands = encoder.finish();
    const started = performance.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    const wall = performance.now() - started;
    let gpu: number | null = null;
    if (readBack) {
      await readBack.mapAsync(MAP_MODE_READ);
      const [begin, end] = new BigUint64Array(readBack.getMappedRange().slice(0));
      readBack.unmap();
      gpu = end > begin ? Number(end - begin) / 1e6 : null;
    }
    return { wall, gpu };
  };

  try {
    const warmupMs = (options.warmup ?? true) ? (await launch(1)).wall : null;
    const one = await launch(1);
    if (one.wall >= targetMs) {
      return { msPerLaunch: one.wall, gpuMsPerLaunch: one.gpu, launches: 1, warmupMs };
    }
    const n = Math.max(1, Math.min(maxLaunches, Math.round(targetMs / repeats / Math.max(one.wall, 1e-3))));
    let best = Infinity;
    let bestGpu: number | null = null;
    for (let r = 0; r < repeats; r++) {
      const t = await launch(n);
      best = Math.min(best, t.wall / n);
      if (t.gpu !== null) bestGpu = Math.min(bestGpu ?? Infinity, t.gpu / n);
    }
    return { msPerLaunch: best, gpuMsPerLaunch: bestGpu, launches: n, warmupMs };
  } finally {
    querySet?.destroy();
    resolveBuffer?.destroy();
    readBack?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Storage

function outputLabel(layer: QuantDenseLayer): string {
  const out = layer.output;
  if (out.kind === 'requant') return `ReLU, >> ${out.rshift} to ${out.bits} bits`;
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
    biasBytes: layer.bias.byteLength,
  };
}

// ---------------------------------------------------------------------------------------------

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** TF.js fake-quantized predictions (the forward pass evaluatePtq measures), in batches. */
async function tfPredictions(network: Network, q: QuantConfig, clips: number[] | undefined, set: ImageSet, batch = 500): Promise<Int32Array> {
  const options = quantizedForward(network, q, { mode: 'eval', activationClips: clips });
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

function destroyAll(buffers: GPUBuffer[]): void {
  for (const b of buffers) b.destroy();
  buffers.length = 0;
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
  const notConvertible = (why: string): Error => new Error(`This model cannot run on the integer kernels: ${why}`);

  // lenet runs as conv, pool, conv, pool, dense, dense; MLPs as a chain of dense layers.
  const isLenet = network.params.some((p) => p.layer.kind === 'conv2d');
  if (testSet.count === 0) throw new Error('runOnKernels: the test subset is empty.');

  progress('weights', 0);
  const weights = await readWeights(network);

  // The clips evaluatePtq calibrates (same network, same images), also needed for float ReLU.
  progress('calibration', 0);
  const needsClips = q.activations.kind === 'relu' && q.activations.clip === undefined && count > 1;
  const calibrationImages = Math.min(CALIBRATION_SIZE, trainSet.count);
  const clips = needsClips ? await calibrateActivationClips(network, calibrationPixels(trainSet), q) : undefined;

  progress('convert', 0);
  let model: { layers: QuantNetLayer[]; notes: string[] };
  try {
    if (isLenet) {
      model = toIntegerLenet(weights, q, clips);
    } else {
      const mlp = toIntegerMlp(weights, q, clips);
      model = { notes: mlp.notes, layers: mlp.layers.map(denseNetLayer) };
    }
  } catch (error) {
    throw notConvertible(message(error).replace(/^toInteger(Mlp|Lenet): /, ''));
  }
  // The layers that run a kernel (flatten is a no-op in NHWC), and those with weights.
  const kernelLayers = model.layers.filter((l) => l.kind !== 'flatten');

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
  let runner: { kernels: readonly BatchKernel[]; run(input: Uint32Array, batch: number): Promise<Int32Array>; destroy(): void } | null = null;
  const buffers: GPUBuffer[] = [];
  const intPred = new Int32Array(testSet.count);
  let fullPassMs = 0;
  let timingMethod = 'wall clock (submit to onSubmittedWorkDone)';
  try {
    runner = isLenet
      ? await createLenetRunner(device, model.layers, options.kernelOptions)
      : await createMlpRunner(device, model.layers as QuantDenseLayer[], options.kernelOptions);
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    let scopeErrors: (GPUError | null)[] = [];
    try {
      const chunk = Math.max(1, options.chunkSize ?? 1000);
      for (let start = 0; start < testSet.count; start += chunk) {
        const end = Math.min(testSet.count, start + chunk);
        const input = integerInputs(batchInputs(testSet, null, start, end).pixels, q.inputBits);
        const t0 = performance.now();
        const logits = await runner.run(input, end - start);
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
        for (const kernel of runner.kernels.slice(0, -1)) {
          const out = kernel.run(inputs[inputs.length - 1], batch);
          buffers.push(out);
          inputs.push(out);
        }
        const timingBatches = (options.timeBatchOne ?? true) && batch > 1 ? [batch, 1] : [batch];
        let timestamps = false;
        for (let i = 0; i < runner.kernels.length; i++) {
          for (const b of timingBatches) {
            const timing = await timeLayer(device, runner.kernels[i], inputs[i], b, options, layers[i].packedBytes);
            if (timing.gpuMsPerLaunch !== null) timestamps = true;
            layers[i].timings.push(timing);
          }
          progress('timing', (i + 1) / runner.kernels.length);
        }
        if (timestamps) timingMethod = 'wall clock (submit to onSubmittedWorkDone) and GPU timestamps (timestamp-query)';
      }
    } finally {
      scopeErrors = [await device.popErrorScope(), await device.popErrorScope()];
    }
    const scopeError = scopeErrors.find((e) => e !== null);
    if (scopeError) throw new Error(`WebGPU rejected a kernel run: ${scopeError.message}`);
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
