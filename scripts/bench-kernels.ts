/**
 * The quantized dense kernels (WGSL, run by Dawn through the npm `webgpu` package) against
 * TF.js float32 tf.matMul on the wasm backend, in the same process. For each dense shape, batch
 * and weight format: a seeded random layer (random.ts, raw i32 logits out, 8-bit unsigned inputs
 * or sign bits for BinaryNet), one checked run against the CPU reference, then many launches
 * recorded into one command buffer and a single wait (onSubmittedWorkDone); the float side runs
 * many matMuls and reads the last one back. Each side: a warm-up launch, then up to 3 timed runs
 * of about target-ms / 3 each, the fastest per-launch time kept (the machine may be shared).
 *
 * Prints one JSON line per case:
 *   {"case","scheme","batch","ms","floatMs","floatBackend","speedup","bitExact",
 *    "checkedRows","weightBytes","weightGBps","launches","floatLaunches","adapter"}
 * ms / floatMs: per launch; launches / floatLaunches: how many were timed in all. speedup = floatMs / ms. bitExact: the kernel's output equals
 * denseReference on the first checkedRows rows (all rows unless batch x inputs x units is over
 * 2^28, where the JS reference would take minutes). weightBytes: packed weights of the layer;
 * weightGBps = weightBytes / ms, i.e. each weight counted once per launch (what a kernel must at
 * least read; with batch > 1 the shader reads weights once per row group, so the traffic the
 * hardware sees is higher).
 *
 * In Node the adapter is whatever Dawn finds: on a machine without a GPU, SwiftShader (a CPU
 * Vulkan), so these numbers compare a CPU emulation of the GPU path against wasm, not a GPU.
 * The browser comparison (TF.js WebGPU backend on the same device) is a separate step.
 *
 * Run: npx tsx scripts/bench-kernels.ts   Options (all optional):
 *   --shapes=784x100,100x10,4096x4096   --batches=1,256
 *   --schemes=lightnn-1,lightnn-2,fixed-4,fixed-8,binaryconnect,binarynet
 *   --target-ms=1500 (timed work per side and case)   --max-launches=500
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomDenseLayer, randomLayerInput } from '../src/core/kernels/random';
import { denseReference, formatName, type QuantDenseLayer, type WeightFormat } from '../src/core/kernels/reference';
import { createDenseKernel, readBuffer, uploadWords } from '../src/core/kernels/runner';
import { deriveSeed, mulberry32 } from '../src/core/rng';
import { useNodeBackend } from '../src/core/tfNode';
import { acquireDevice } from '../tests/helpers/webgpuNode';

// ---------------------------------------------------------------------------------------------
// Options

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : fallback;
}
const list = (name: string, fallback: string) =>
  option(name, fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const SCHEMES: Record<string, WeightFormat> = {
  'lightnn-1': { kind: 'lightnn', k: 1 },
  'lightnn-2': { kind: 'lightnn', k: 2 },
  'fixed-4': { kind: 'fixed', bits: 4 },
  'fixed-8': { kind: 'fixed', bits: 8 },
  binaryconnect: { kind: 'binaryconnect' },
  binarynet: { kind: 'binarynet' },
};

const shapes = list('shapes', '784x100,100x10,4096x4096').map((s) => {
  const [inputs, units] = s.split('x').map(Number);
  if (!(inputs > 0 && units > 0)) throw new Error(`bad shape ${s}: expected INPUTSxUNITS`);
  return { name: s, inputs, units };
});
const batches = list('batches', '1,256').map(Number);
const schemeIds = list('schemes', Object.keys(SCHEMES).join(','));
const unknown = schemeIds.filter((id) => !(id in SCHEMES));
if (unknown.length) throw new Error(`unknown schemes: ${unknown.join(', ')} (known: ${Object.keys(SCHEMES).join(', ')})`);
const targetMs = Number(option('target-ms', '1500'));
const maxLaunches = Number(option('max-launches', '500'));
/** Largest batch x inputs x units the JS reference checks in full. */
const MAX_CHECK_WORK = 2 ** 28;

// ---------------------------------------------------------------------------------------------
// WebGPU in Node. Same steps as tests/unit/kernels.gpu.test.ts (which explains them); a shared
// helper would remove this copy.


// ---------------------------------------------------------------------------------------------
// Timing

function equalArrays(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Timed repetitions; the fastest counts (the machine may be shared). Fewer when one launch is slow. */
const REPEATS = 3;

/**
 * Per-launch time: `launch(n)` runs n launches and returns the elapsed ms. The first call
 * (warm-up: pipelines, first allocation) is `warmMs`; then one launch estimates the cost, and up
 * to REPEATS runs of enough launches to fill targetMs / REPEATS each give the fastest per-launch
 * time. A launch slower than targetMs is timed once.
 */
async function timeLaunches(launch: (count: number) => Promise<number>): Promise<{ ms: number; launches: number }> {
  const oneMs = await launch(1);
  if (oneMs >= targetMs) return { ms: oneMs, launches: 1 };
  const perRun = Math.max(1, Math.min(maxLaunches, Math.round(targetMs / REPEATS / Math.max(oneMs, 1e-3))));
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) best = Math.min(best, (await launch(perRun)) / perRun);
  return { ms: best, launches: perRun * REPEATS };
}

async function timeKernel(device: GPUDevice, layer: QuantDenseLayer, input: Uint32Array, batch: number) {
  const kernel = await createDenseKernel(device, layer);
  const inputBuffer = uploadWords(device, input, 'bench input');
  const output = kernel.createOutputBuffer(batch);
  const launch = async (count: number): Promise<number> => {
    const started = performance.now();
    const encoder = device.createCommandEncoder();
    for (let i = 0; i < count; i++) kernel.encode(encoder, inputBuffer, batch, output);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - started;
  };
  try {
    // First launch: warm-up and the correctness check.
    await launch(1);
    const got = new Int32Array(await readBuffer(device, output, kernel.outputBytes(batch)));
    const rowWork = layer.inputs * layer.units;
    const checkedRows = Math.min(batch, Math.max(1, Math.floor(MAX_CHECK_WORK / rowWork)));
    const want = denseReference(layer, input.subarray(0, checkedRows * kernel.inputWordsPerRow));
    const bitExact = equalArrays(got.subarray(0, checkedRows * kernel.outputWordsPerRow), want);
    const { ms, launches } = await timeLaunches(launch);
    return { ms, launches, bitExact, checkedRows };
  } finally {
    inputBuffer.destroy();
    output.destroy();
    kernel.destroy();
  }
}

async function timeFloat(inputs: number, units: number, batch: number, seed: number) {
  const x = tf.randomUniform([batch, inputs], 0, 1, 'float32', seed);
  const w = tf.randomUniform([inputs, units], -1, 1, 'float32', seed + 1);
  const launch = async (count: number): Promise<number> => {
    const started = performance.now();
    let last: tf.Tensor | null = null;
    for (let i = 0; i < count; i++) {
      last?.dispose();
      last = tf.matMul(x, w);
    }
    await last!.data();
    last!.dispose();
    return performance.now() - started;
  };
  try {
    await launch(1); // warm-up
    return await timeLaunches(launch);
  } finally {
    x.dispose();
    w.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

const floatBackend = await useNodeBackend('wasm');
const acquired = await acquireDevice('bench-kernels', true);
if (!acquired.device) throw new Error(acquired.description);
const { device, description } = { device: acquired.device, description: acquired.description };
console.error(`[bench-kernels] adapter: ${description}; float: tf.matMul float32 on ${floatBackend}`);

let failures = 0;
for (const shape of shapes) {
  for (const batch of batches) {
    const float = await timeFloat(shape.inputs, shape.units, batch, deriveSeed(3, shape.inputs, shape.units, batch));
    for (const id of schemeIds) {
      const format = SCHEMES[id];
      const rng = mulberry32(deriveSeed(1, shape.inputs, shape.units, batch, schemeIds.indexOf(id)));
      const layer = randomDenseLayer(rng, {
        name: `${shape.name} ${formatName(format)}`,
        inputs: shape.inputs,
        units: shape.units,
        format,
        inputBits: 8,
        output: 'logits',
      });
      const input = randomLayerInput(rng, layer, batch);
      const result = await timeKernel(device, layer, input, batch);
      if (!result.bitExact) failures++;
      const weightBytes = layer.weights.byteLength;
      console.log(
        JSON.stringify({
          case: shape.name,
          scheme: formatName(format),
          batch,
          ms: +result.ms.toPrecision(4),
          floatMs: +float.ms.toPrecision(4),
          floatBackend,
          speedup: +(float.ms / result.ms).toPrecision(3),
          bitExact: result.bitExact,
          checkedRows: result.checkedRows,
          weightBytes,
          weightGBps: +(weightBytes / (result.ms / 1000) / 1e9).toPrecision(3),
          launches: result.launches,
          floatLaunches: float.launches,
          adapter: description,
        }),
      );
    }
  }
}
device.destroy();
if (failures > 0) console.error(`[bench-kernels] ${failures} case(s) NOT bit-exact against the reference`);
// Dawn can keep the event loop alive after the device is gone; the references above are still held.
process.exit(failures > 0 ? 1 : 0);
