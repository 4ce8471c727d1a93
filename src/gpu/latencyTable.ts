/**
 * NetAdapt's latency lookup table, measured: every weight layer of a config (with the max-pool
 * after a conv) built as a WGSL kernel with random weights in the config's format, at each
 * (input width, output width) of the grid (src/core/netadapt/latency.ts), and timed with
 * timeLaunches. Weight values do not change a kernel's time; only the shapes and formats do.
 */
import { minOf, pushAll } from '../core/arrays';
import type { Config } from '../core/config';
import { FLOAT_RELU_ACTIVATION_BITS } from '../core/kernels/fromNetwork';
import { denseNetLayer, randomConvLayer, type ActivationEncoding, type QuantMaxPoolLayer, type QuantNetLayer } from '../core/kernels/conv';
import { randomDenseLayer, type RandomLayerSpec } from '../core/kernels/random';
import type { WeightFormat } from '../core/kernels/reference';
import { architecture, isWeightLayer } from '../core/models';
import { latencyGrid, prunableWidths, withWidths, type LatencyLayerTable, type LatencyTable } from '../core/netadapt';
import { quantOf, schemeForLayer } from '../core/quant/quantConfig';
import { describeScheme } from '../core/quant/schemes';
import { mulberry32 } from '../core/rng';
import { createStorageBuffer } from './buffers';
import { createNetworkRunner } from './network';
import { createConvKernel, createDenseKernel, createMaxPoolKernel, type BatchKernel } from './kernels';
import { timeLaunches } from './timer';

export interface LatencyTableOptions {
  /** Widths measured per prunable layer (evenly spaced from 1 to its width). Default 5. */
  points?: number;
  /** Images per launch. Default 1: one inference, as a phone runs it. */
  batch?: number;
  /** Timed budget per kernel, ms. Default 40. */
  targetMs?: number;
  /** Passes over the whole grid; each cell keeps its fastest. Default 2. */
  passes?: number;
  device?: string;
  onProgress?(done: number, total: number): void;
}

/** The kernels' weight format of a weight scheme (as toIntegerMlp converts it); throws for formats they lack. */
function kernelFormat(config: Config, index: number, count: number, signInputs: boolean): WeightFormat {
  const scheme = schemeForLayer(quantOf(config), index, count);
  switch (scheme.kind) {
    case 'fixed':
      if (scheme.bits <= 8) return { kind: 'fixed', bits: scheme.bits };
      break;
    case 'lightnn':
      return { kind: 'lightnn', k: scheme.k as 1 | 2 | 3 | 4 };
    case 'binary':
      return signInputs ? { kind: 'binarynet' } : { kind: 'binaryconnect' };
    default:
      break;
  }
  throw new Error(`latency: ${describeScheme(scheme)} weights do not run on the integer kernels, so they have no kernel latency; use energy, storage, macs or params.`);
}

/** The table key: what the times depend on besides the widths. */
export function latencyTableKey(config: Config, batch: number): string {
  return JSON.stringify([config.model, prunableWidths(config), quantOf(config), batch]);
}

/** Times one kernel at `batch` (ms per launch), freeing its buffers. */
async function timeKernel(device: GPUDevice, kernel: BatchKernel, batch: number, targetMs: number): Promise<number> {
  const input = createStorageBuffer(device, kernel.inputWordsPerRow * batch * 4, 'latency input');
  const output = kernel.createOutputBuffer(batch);
  try {
    const t = await timeLaunches(device, (encoder) => kernel.encode(encoder, input, batch, output), { targetMs, maxLaunches: 200 });
    return t.gpuMsPerLaunch ?? t.msPerLaunch;
  } finally {
    input.destroy();
    output.destroy();
    kernel.destroy();
  }
}

/** What every layer of a config's kernel network shares: hidden activation encoding and bits. */
function kernelActivations(config: Config) {
  const q = quantOf(config);
  const sign = q.activations.kind === 'sign';
  const hiddenBits = q.activations.kind === 'relu' ? (q.activations.bits ?? FLOAT_RELU_ACTIVATION_BITS) : 1;
  const hiddenOutput: RandomLayerSpec['output'] = sign ? 'sign' : { kind: 'requant', bits: hiddenBits };
  const encoding: ActivationEncoding = sign ? { kind: 'sign' } : { kind: 'unsigned', bits: hiddenBits };
  return { sign, hiddenBits, hiddenOutput, encoding };
}

/**
 * The integer network of `config` (its widths and weight formats) with random weights: what the
 * kernels would run for it. Latency depends on shapes and formats only, not on the values.
 */
export function randomKernelNetwork(rng: () => number, config: Config): QuantNetLayer[] {
  const { sign, hiddenBits, hiddenOutput, encoding } = kernelActivations(config);
  const spec = architecture(config);
  const count = spec.filter(isWeightLayer).length;
  const layers: QuantNetLayer[] = [];
  let weightIndex = 0;
  for (const layer of spec) {
    if (layer.kind === 'maxpool') {
      layers.push({ kind: 'maxpool', name: layer.name, inHeight: layer.inHeight, inWidth: layer.inWidth, channels: layer.channels, size: layer.size, input: encoding });
      continue;
    }
    if (layer.kind === 'flatten') {
      layers.push({ kind: 'flatten', name: layer.name, size: layer.size });
      continue;
    }
    const i = weightIndex++;
    const first = i === 0;
    const format = kernelFormat(config, i, count, !first && sign);
    const inputBits = first ? config.inputBits : hiddenBits;
    const output = i === count - 1 ? 'logits' : hiddenOutput;
    if (layer.kind === 'dense') layers.push(denseNetLayer(randomDenseLayer(rng, { name: layer.name, inputs: layer.inputs, units: layer.units, format, inputBits, output })));
    else layers.push(randomConvLayer(rng, { ...layer, format, inputBits, output }));
  }
  return layers;
}

export interface NetworkLatency {
  /** ms per image: the fastest of `rounds` timings (shared machines only ever add time). */
  msPerImage: number;
  /** Every round's ms per image, for the spread. */
  rounds: number[];
}

/** Times the whole kernel network of `config` (random weights, one command buffer per launch) at `batch` images. */
export async function timeKernelNetwork(device: GPUDevice, config: Config, options: { batch?: number; targetMs?: number; rounds?: number } = {}): Promise<NetworkLatency> {
  const batch = options.batch ?? 1;
  const runner = await createNetworkRunner(device, randomKernelNetwork(mulberry32(1), config));
  const input = createStorageBuffer(device, runner.inputWordsPerImage * batch * 4, 'latency input');
  const rounds: number[] = [];
  const pending: GPUBuffer[] = [];
  try {
    for (let r = 0; r < (options.rounds ?? 3); r++) {
      const t = await timeLaunches(
        device,
        (encoder) => {
          // Each launch makes its own activation buffers, as a real inference does; freed after the round.
          const { logits, scratch } = runner.encode(encoder, input, batch);
          pending.push(logits);
          pushAll(pending, scratch);
        },
        { targetMs: options.targetMs ?? 200, maxLaunches: 100 },
      );
      rounds.push((t.gpuMsPerLaunch ?? t.msPerLaunch) / batch);
      for (const buffer of pending.splice(0)) buffer.destroy();
    }
  } finally {
    for (const buffer of pending.splice(0)) buffer.destroy();
    input.destroy();
    runner.destroy();
  }
  return { msPerImage: minOf(rounds), rounds };
}

export async function buildLatencyTable(device: GPUDevice, config: Config, options: LatencyTableOptions = {}): Promise<LatencyTable> {
  const batch = options.batch ?? 1;
  const targetMs = options.targetMs ?? 40;
  const passes = options.passes ?? 2;
  const grid = latencyGrid(config, options.points ?? 5);
  const { sign, hiddenBits, hiddenOutput, encoding } = kernelActivations(config);
  const base = prunableWidths(config);
  const total = passes * grid.reduce((n, g) => n + g.inputs.length * g.outputs.length, 0);
  const rng = mulberry32(1);
  let done = 0;

  /** Layer i's kernel (and the pool after a conv) at one (input width, output width), ms per image. */
  const timeCell = async (i: number, inW: number, outW: number): Promise<number> => {
    const widths = base.map((w, k) => (k === i - 1 ? inW : k === i ? outW : w));
    const spec = architecture(withWidths(config, widths));
    const weightLayers = spec.filter(isWeightLayer);
    const layer = weightLayers[i];
    const first = i === 0;
    const format = kernelFormat(config, i, weightLayers.length, !first && sign);
    const inputBits = first ? config.inputBits : hiddenBits;
    const output = i === weightLayers.length - 1 ? 'logits' : hiddenOutput;
    let time: number;
    if (layer.kind === 'dense') {
      const dense = randomDenseLayer(rng, { name: grid[i].name, inputs: layer.inputs, units: layer.units, format, inputBits, output });
      time = await timeKernel(device, await createDenseKernel(device, dense), batch, targetMs);
    } else {
      const conv = randomConvLayer(rng, { ...layer, format, inputBits, output });
      time = await timeKernel(device, await createConvKernel(device, conv), batch, targetMs);
      // The pool after a conv belongs to its entry: its time scales with the filters.
      const pool = spec[spec.indexOf(layer) + 1];
      if (pool?.kind === 'maxpool') {
        const quantPool: QuantMaxPoolLayer = { kind: 'maxpool', name: pool.name, inHeight: pool.inHeight, inWidth: pool.inWidth, channels: pool.channels, size: pool.size, input: encoding };
        time += await timeKernel(device, await createMaxPoolKernel(device, quantPool), batch, targetMs);
      }
    }
    return time / batch;
  };

  // Whole passes over the grid, the fastest per cell: a busy moment of a shared machine (a CPU
  // emulation competing with training ran single cells 2-40x slow) then spoils one sample, not
  // the table, and the running max of monotoneTable does not spread it to every wider cell.
  const ms = grid.map((g) => g.inputs.map(() => g.outputs.map(() => Infinity)));
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < grid.length; i++) {
      for (let a = 0; a < grid[i].inputs.length; a++) {
        for (let b = 0; b < grid[i].outputs.length; b++) {
          ms[i][a][b] = Math.min(ms[i][a][b], await timeCell(i, grid[i].inputs[a], grid[i].outputs[b]));
          options.onProgress?.(++done, total);
        }
      }
    }
  }
  const layers: LatencyLayerTable[] = grid.map(({ name, inputs, outputs }, i) => ({ name, inputs, outputs, ms: ms[i] }));
  return { device: options.device ?? 'WebGPU', key: latencyTableKey(config, batch), batch, layers };
}
