/**
 * The kernel benchmark's cases, shared by kernels.html?suite=bench (TF.js's WebGPU device, float
 * on the webgpu backend) and scripts/bench-kernels.ts (Dawn in Node, float on wasm). No DOM.
 *
 * Per layer shape, batch and weight format: a seeded random layer (8-bit unsigned inputs, or sign
 * bits for BinaryNet; raw i32 outputs), its first launch checked against the CPU reference, then
 * many launches recorded into one command buffer and one onSubmittedWorkDone. The float side runs
 * many TF.js ops and reads the last one back once (`await data()`). Each side: warm-up, one launch
 * to size the run, then 3 runs of about targetMs / 3, the fastest per launch kept (the machine may
 * be shared). A launch slower than targetMs is timed once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dReference, convOutputShape, randomConvLayer, randomNetInput, type QuantConv2dLayer } from '../core/kernels/conv';
import { randomDenseLayer, randomLayerInput } from '../core/kernels/random';
import { denseReference, formatName, type WeightFormat } from '../core/kernels/reference';
import { architecture, type Conv2dLayer } from '../core/models';
import { deriveSeed, mulberry32 } from '../core/rng';
import { readBuffer, uploadWords } from '../gpu/buffers';
import { flushTfWebGpu } from '../gpu/device';
import { createConvKernel, createDenseKernel, type BatchKernel } from '../gpu/kernels';
import { timeLaunches } from '../gpu/timer';

/** One printed line of the benchmark. */
export interface BenchCase {
  case: string;
  scheme: string;
  batch: number;
  /** Quantized kernel, wall ms per launch (many launches, one onSubmittedWorkDone). */
  ms: number;
  /** The float32 TF.js op (tf.matMul / tf.conv2d), ms per launch (many launches, one `await data()`). */
  floatMs: number;
  /** The TF.js backend of the float side. */
  floatBackend: string;
  speedup: number;
  bitExact: boolean;
  /** Rows (images) compared with the CPU reference (all unless the layer is huge). */
  checkedRows: number;
  weightBytes: number;
  /** Packed weight bytes / ms: each weight counted once per launch. */
  weightGBps: number;
  /** float32 weight bytes / floatMs, for comparison. */
  floatWeightGBps: number;
  /** GPU timestamps around the kernel launches, ms per launch (null without timestamp-query). */
  gpuMs: number | null;
  launches: number;
  floatLaunches: number;
  adapter: string;
  /** Conv cases: tf.matMul float32 of the same MACs, [pixels, K*K*C] x [K*K*C, filters], im2col not counted. */
  floatMatMulMs?: number;
  /** floatMatMulMs / ms. */
  speedupVsMatMul?: number;
  /** weightGBps / the device's measured read bandwidth (measureReadBandwidth), when measured. */
  weightBandwidthShare?: number;
}

/** The weight formats of the bench and of the exactness suite, by id. */
export const FORMATS: Record<string, WeightFormat> = {
  'lightnn-1': { kind: 'lightnn', k: 1 },
  'lightnn-2': { kind: 'lightnn', k: 2 },
  'lightnn-3': { kind: 'lightnn', k: 3 },
  'fixed-2': { kind: 'fixed', bits: 2 },
  'fixed-4': { kind: 'fixed', bits: 4 },
  'fixed-8': { kind: 'fixed', bits: 8 },
  binaryconnect: { kind: 'binaryconnect' },
  binarynet: { kind: 'binarynet' },
};

/** The non-empty items of a comma list, trimmed: "a, b,,c" -> ["a", "b", "c"]. */
function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseFormats(text: string | null, fallback: string[]): string[] {
  const ids = text ? commaList(text) : fallback;
  const unknown = ids.filter((id) => !(id in FORMATS));
  if (unknown.length) throw new Error(`unknown formats ${unknown.join(', ')} (known: ${Object.keys(FORMATS).join(', ')})`);
  return ids;
}

export interface DenseShape {
  name: string;
  inputs: number;
  units: number;
}

export function parseDenseShapes(text: string): DenseShape[] {
  return commaList(text).map((s) => {
    const [inputs, units] = s.split('x').map(Number);
    if (!(Number.isInteger(inputs) && inputs > 0 && Number.isInteger(units) && units > 0)) throw new Error(`bad shape "${s}": expected INPUTSxUNITS`);
    return { name: s, inputs, units };
  });
}

export function parseConvs(text: string): ConvShape[] {
  return commaList(text).map((id) => {
    if (!(id in LENET_CONVS)) throw new Error(`unknown conv "${id}" (known: ${Object.keys(LENET_CONVS).join(', ')})`);
    return LENET_CONVS[id];
  });
}

export function parseBatches(text: string): number[] {
  const batches = text.split(',').map((s) => Number(s.trim()));
  if (!batches.every((b) => Number.isInteger(b) && b > 0)) throw new Error(`bad batches "${text}": expected positive integers`);
  return batches;
}

/** Largest batch x inputs x units the JS reference checks in full (else the first rows). */
export const MAX_CHECK_WORK = 2 ** 27;
export const REPEATS = 3;

function equalPrefix(got: Int32Array, want: Int32Array): boolean {
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return false;
  return true;
}

/**
 * A float32 TF.js op on random inputs: many launches, one read-back. `makeInputs` builds the
 * operands (disposed after), `op` is what is timed.
 */
export async function timeFloat(
  device: GPUDevice,
  makeInputs: () => tf.Tensor[],
  op: (inputs: tf.Tensor[]) => tf.Tensor,
  targetMs: number,
  maxLaunches: number,
) {
  const inputs = makeInputs();
  const launch = async (count: number): Promise<number> => {
    await flushTfWebGpu(device);
    const started = performance.now();
    let last: tf.Tensor | null = null;
    for (let i = 0; i < count; i++) {
      last?.dispose();
      last = op(inputs);
    }
    await last!.data();
    last!.dispose();
    return performance.now() - started;
  };
  try {
    await launch(1); // warm-up (shader compile, buffers)
    const one = await launch(1);
    if (one >= targetMs) return { ms: one, launches: 1 };
    const n = Math.max(1, Math.min(maxLaunches, Math.round(targetMs / REPEATS / Math.max(one, 1e-3))));
    let best = Infinity;
    for (let r = 0; r < REPEATS; r++) best = Math.min(best, (await launch(n)) / n);
    return { ms: best, launches: n };
  } finally {
    for (const t of inputs) t.dispose();
  }
}

/** tf.matMul float32 [batch, inputs] x [inputs, units]. */
export function timeFloatMatMul(device: GPUDevice, inputs: number, units: number, batch: number, seed: number, targetMs: number, maxLaunches: number) {
  return timeFloat(
    device,
    () => [tf.randomUniform([batch, inputs], 0, 1, 'float32', seed), tf.randomUniform([inputs, units], -1, 1, 'float32', seed + 1)],
    ([x, w]) => tf.matMul(x, w),
    targetMs,
    maxLaunches,
  );
}

/** tf.conv2d float32 NHWC [batch, H, W, C] * [K, K, C, filters], stride 1, 'valid'. */
export function timeFloatConv(device: GPUDevice, conv: ConvShape, batch: number, seed: number, targetMs: number, maxLaunches: number) {
  return timeFloat(
    device,
    () => [
      tf.randomUniform([batch, conv.inHeight, conv.inWidth, conv.inChannels], 0, 1, 'float32', seed),
      tf.randomUniform([conv.kernel, conv.kernel, conv.inChannels, conv.filters], -1, 1, 'float32', seed + 1),
    ],
    ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
    targetMs,
    maxLaunches,
  );
}

export type ConvShape = Pick<Conv2dLayer, 'name' | 'inHeight' | 'inWidth' | 'inChannels' | 'kernel' | 'filters'>;

/** Seed 003's 2-conv lenet, as models.ts builds it: conv1 on the 28x28 image, conv2 after the first 2x2 pool. */
export const LENET_CONVS: Record<string, ConvShape> = Object.fromEntries(
  architecture({ model: 'lenet' })
    .filter((layer): layer is Conv2dLayer => layer.kind === 'conv2d')
    .map((c) => [c.name, { ...c, name: `${c.name} ${c.inHeight}x${c.inWidth}x${c.inChannels} ${c.kernel}x${c.kernel}x${c.filters}` }]),
);

/** One quantized layer of a bench case: its kernel, a random input, and the reference of a prefix of rows. */
export interface QuantCase {
  kernel: BatchKernel;
  input: Uint32Array;
  weightBytes: number;
  /** Multiply-accumulates per image (the work of one row). */
  macsPerRow: number;
  /** The reference output of the first `rows` images. */
  reference(input: Uint32Array, rows: number): Int32Array;
}

/** Checks the first launch against the reference, then times many launches. */
export async function timeQuantized(device: GPUDevice, q: QuantCase, batch: number, targetMs: number, maxLaunches: number) {
  const { kernel } = q;
  const inputBuffer = uploadWords(device, q.input, 'bench input');
  const outputBuffer = kernel.createOutputBuffer(batch);
  try {
    const encoder = device.createCommandEncoder();
    kernel.encode(encoder, inputBuffer, batch, outputBuffer);
    device.queue.submit([encoder.finish()]);
    const got = new Int32Array(await readBuffer(device, outputBuffer, kernel.outputBytes(batch)));
    const checkedRows = Math.min(batch, Math.max(1, Math.floor(MAX_CHECK_WORK / q.macsPerRow)));
    const want = q.reference(q.input.subarray(0, checkedRows * kernel.inputWordsPerRow), checkedRows);
    const bitExact = equalPrefix(got, want);
    const timing = await timeLaunches(device, (e) => kernel.encode(e, inputBuffer, batch, outputBuffer), {
      targetMs,
      maxLaunches,
      repeats: REPEATS,
      warmup: false, // the checked launch above was the warm-up
    });
    return { bitExact, checkedRows, timing };
  } finally {
    inputBuffer.destroy();
    outputBuffer.destroy();
    kernel.destroy();
  }
}

export async function denseCase(device: GPUDevice, shape: DenseShape, format: WeightFormat, batch: number, seed: number): Promise<QuantCase> {
  const rng = mulberry32(seed);
  const layer = randomDenseLayer(rng, { name: `${shape.name} ${formatName(format)}`, inputs: shape.inputs, units: shape.units, format, inputBits: 8, output: 'logits' });
  const input = randomLayerInput(rng, layer, batch);
  await flushTfWebGpu(device);
  return {
    kernel: await createDenseKernel(device, layer),
    input,
    weightBytes: layer.weights.byteLength,
    macsPerRow: layer.inputs * layer.units,
    reference: (rows) => denseReference(layer, rows) as Int32Array,
  };
}

export async function convCase(device: GPUDevice, shape: ConvShape, format: WeightFormat, batch: number, seed: number): Promise<QuantCase> {
  const rng = mulberry32(seed);
  const layer: QuantConv2dLayer = randomConvLayer(rng, { ...shape, name: `${shape.name} ${formatName(format)}`, format, inputBits: 8, output: 'logits' });
  const input = randomNetInput(rng, layer, batch);
  const out = convOutputShape(layer);
  await flushTfWebGpu(device);
  return {
    kernel: await createConvKernel(device, layer),
    input,
    weightBytes: layer.weights.byteLength,
    macsPerRow: out.height * out.width * shape.filters * shape.kernel * shape.kernel * shape.inChannels,
    reference: (rows, n) => conv2dReference(layer, rows, n) as Int32Array,
  };
}

export type FloatTiming = Promise<{ ms: number; launches: number }>;

/** One layer shape of the bench: its float baseline(s) and its quantized kernel per format. */
export interface BenchLayer {
  name: string;
  floatWeightBytes: number;
  float(batch: number, seed: number): FloatTiming;
  floatAsMatMul?(batch: number, seed: number): FloatTiming;
  quantized(format: WeightFormat, batch: number, seed: number): Promise<QuantCase>;
  seedKey: number[];
}

export interface BenchOptions {
  targetMs: number;
  maxLaunches: number;
  /** Label of the device/adapter, copied into every case. */
  adapter: string;
  /** The device's read bandwidth (measureReadBandwidth), GB/s: gives each case its weightBandwidthShare. */
  readGBps?: number;
  /** Called before each float baseline and kernel case (progress). */
  onProgress?(text: string, done: number, total: number): void | Promise<void>;
  /** Called with each case as it finishes. */
  onCase?(c: BenchCase): void;
}

/** Dense shapes against tf.matMul, lenet convs against tf.conv2d (and tf.matMul of the same MACs). */
export function benchLayers(device: GPUDevice, shapes: DenseShape[], convs: ConvShape[], { targetMs, maxLaunches }: Pick<BenchOptions, 'targetMs' | 'maxLaunches'>): BenchLayer[] {
  return [
    ...shapes.map((shape) => ({
      name: shape.name,
      floatWeightBytes: shape.inputs * shape.units * 4,
      float: (batch: number, seed: number) => timeFloatMatMul(device, shape.inputs, shape.units, batch, seed, targetMs, maxLaunches),
      quantized: (format: WeightFormat, batch: number, seed: number) => denseCase(device, shape, format, batch, seed),
      seedKey: [shape.inputs, shape.units],
    })),
    ...convs.map((conv) => ({
      name: conv.name,
      floatWeightBytes: conv.kernel * conv.kernel * conv.inChannels * conv.filters * 4,
      float: (batch: number, seed: number) => timeFloatConv(device, conv, batch, seed, targetMs, maxLaunches),
      quantized: (format: WeightFormat, batch: number, seed: number) => convCase(device, conv, format, batch, seed),
      seedKey: [conv.inHeight, conv.inChannels, conv.filters, 7],
      // The same MACs as one tf.matMul of the unrolled windows [batch * OH * OW, K*K*C] x [K*K*C, filters]
      // (im2col not counted): TF.js's conv2d may be far slower than its matMul, so both are reported.
      floatAsMatMul: (batch: number, seed: number) => {
        const out = convOutputShape(conv);
        return timeFloatMatMul(device, conv.kernel * conv.kernel * conv.inChannels, conv.filters, batch * out.height * out.width, seed, targetMs, maxLaunches);
      },
    })),
  ];
}

/** Every layer x batch x format; each case checked and timed. */
export async function runBenchCases(
  device: GPUDevice,
  layers: BenchLayer[],
  batches: number[],
  formats: WeightFormat[],
  options: BenchOptions,
): Promise<BenchCase[]> {
  const { targetMs, maxLaunches } = options;
  const cases: BenchCase[] = [];
  const total = layers.length * batches.length * formats.length;
  for (const layer of layers) {
    for (const batch of batches) {
      await options.onProgress?.(`float ${layer.name} batch ${batch}`, cases.length, total);
      const float = await layer.float(batch, deriveSeed(3, ...layer.seedKey, batch));
      const floatAsMatMul = layer.floatAsMatMul ? await layer.floatAsMatMul(batch, deriveSeed(5, ...layer.seedKey, batch)) : null;
      for (const [f, format] of formats.entries()) {
        await options.onProgress?.(`${formatName(format)} ${layer.name} batch ${batch}`, cases.length, total);
        const q = await layer.quantized(format, batch, deriveSeed(1, ...layer.seedKey, batch, f));
        const { bitExact, checkedRows, timing } = await timeQuantized(device, q, batch, targetMs, maxLaunches);
        const c: BenchCase = {
          case: layer.name,
          scheme: formatName(format),
          batch,
          ms: +timing.msPerLaunch.toPrecision(4),
          floatMs: +float.ms.toPrecision(4),
          floatBackend: tf.getBackend(),
          speedup: +(float.ms / timing.msPerLaunch).toPrecision(3),
          bitExact,
          checkedRows,
          weightBytes: q.weightBytes,
          weightGBps: +(q.weightBytes / (timing.msPerLaunch / 1000) / 1e9).toPrecision(3),
          floatWeightGBps: +(layer.floatWeightBytes / (float.ms / 1000) / 1e9).toPrecision(3),
          gpuMs: timing.gpuMsPerLaunch === null ? null : +timing.gpuMsPerLaunch.toPrecision(4),
          launches: timing.launches,
          floatLaunches: float.launches,
          adapter: options.adapter,
          ...(floatAsMatMul && {
            floatMatMulMs: +floatAsMatMul.ms.toPrecision(4),
            speedupVsMatMul: +(floatAsMatMul.ms / timing.msPerLaunch).toPrecision(3),
          }),
          ...(options.readGBps && { weightBandwidthShare: +(q.weightBytes / (timing.msPerLaunch / 1000) / 1e9 / options.readGBps).toPrecision(3) }),
        };
        cases.push(c);
        options.onCase?.(c);
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Memory bandwidth reference

const READ_BANDWIDTH_WGSL = `// Reads every vec4 of src once (grid-stride loop) and folds it into one word per thread, so that
// the reads cannot be optimised away: the device's achievable read bandwidth for a plain stream.
@group(0) @binding(0) var<storage, read> src : array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> sink : array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) groups : vec3<u32>) {
  let stride = groups.x * 64u;
  var acc = vec4<u32>(0u);
  for (var i = gid.x; i < arrayLength(&src); i += stride) {
    acc ^= src[i];
  }
  sink[gid.x] = acc.x ^ acc.y ^ acc.z ^ acc.w;
}`;

/**
 * The device's read bandwidth, GB/s: a kernel that streams `bytes` of storage buffer once per
 * launch and does almost nothing else (the limit a weight-streaming kernel can approach; a
 * batch-1 dense layer reads each packed weight exactly once).
 */
export async function measureReadBandwidth(device: GPUDevice, bytes = 64 * 2 ** 20, targetMs = 1500): Promise<{ GBps: number; bytes: number; ms: number }> {
  const size = Math.min(bytes, device.limits.maxStorageBufferBindingSize) & ~15;
  const groups = 1024;
  const src = device.createBuffer({ label: 'bandwidth source', size, usage: 0x80 | 0x8 }); // STORAGE | COPY_DST
  const sink = device.createBuffer({ label: 'bandwidth sink', size: groups * 64 * 4, usage: 0x80 });
  device.queue.writeBuffer(src, 0, new Uint32Array(size / 4).map((_, i) => Math.imul(i, 2654435761)));
  const module = device.createShaderModule({ label: 'read bandwidth', code: READ_BANDWIDTH_WGSL });
  const pipeline = await device.createComputePipelineAsync({ label: 'read bandwidth', layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: src } },
      { binding: 1, resource: { buffer: sink } },
    ],
  });
  try {
    const timing = await timeLaunches(
      device,
      (encoder) => {
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(groups);
        pass.end();
      },
      { targetMs, maxLaunches: 200, repeats: REPEATS },
    );
    return { GBps: +(size / (timing.msPerLaunch / 1000) / 1e9).toPrecision(3), bytes: size, ms: +timing.msPerLaunch.toPrecision(4) };
  } finally {
    src.destroy();
    sink.destroy();
  }
}
