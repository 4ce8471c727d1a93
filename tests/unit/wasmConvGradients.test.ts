/**
 * The WASM backend's conv gradients (src/tf/wasmConvGradients.ts) against the cpu backend's
 * reference kernels: conv2d filter and input gradients, max-pool gradients and transposed matrix
 * products, on odd shapes, strides 1 and 2, 'valid', 'same' and explicit padding; no tensor or
 * WASM buffer left behind; and LeNet training on WASM in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import { createNetwork, disposeNetwork, forward, trainableVariables } from '../../src/tf/network';
import { evaluate, selectTrainingSubset, train } from '../../src/tf/train';
import { useNodeBackend } from '../../src/tf/tfNode';
import {
  batchMatMulWasm,
  conv2DBackpropFilterWasm,
  conv2DBackpropInputWasm,
  maxPoolGradWasm,
  registerWasmConvGradients,
} from '../../src/tf/wasmConvGradients';
import { loadMnistFromPackage } from '../helpers/mnist';

type Backend = 'cpu' | 'wasm';
type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];

function randoms(n: number, seed: number, integers = false): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (integers ? Math.floor(rng() * 3) : 2 * rng() - 1));
}

/** max|a-b| / max(1e-6, max|b|) */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(1e-6, scale);
}

/** Buffers the WASM backend holds (the engine's tensor count does not see kernel intermediates). */
function wasmBuffers(): number {
  return tf.engine().findBackend('wasm')!.numDataIds();
}

/**
 * Runs `f` on one backend from plain arrays and returns its outputs' values; on WASM also checks
 * that neither engine tensors nor backend buffers were left behind.
 */
async function onBackend(backend: Backend, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const buffers = backend === 'wasm' ? wasmBuffers() : 0;
  const values = tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  expect(tf.memory().numTensors).toBe(tensors);
  if (backend === 'wasm') expect(wasmBuffers()).toBe(buffers);
  return values;
}

interface ConvCase {
  x: [number, number, number, number];
  kernel: number;
  outChannels: number;
  stride: 1 | 2;
  pad: Pad;
}

function convGradients(backend: Backend, c: ConvCase, seed: number): Promise<Float32Array[]> {
  const [, , , inChannels] = c.x;
  const wShape: [number, number, number, number] = [c.kernel, c.kernel, inChannels, c.outChannels];
  const xData = randoms(c.x.reduce((a, b) => a * b, 1), seed);
  const wData = randoms(wShape.reduce((a, b) => a * b, 1), seed + 1);
  return onBackend(backend, () => {
    const x = tf.tensor4d(xData, c.x);
    const w = tf.tensor4d(wData, wShape);
    const outShape = tf.conv2d(x, w, c.stride, c.pad).shape;
    // A random upstream gradient dy, so every output position weighs differently.
    const r = tf.tensor(randoms(outShape.reduce((a, b) => a * b, 1), seed + 2), outShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)))([x, w]);
    return [dx, dw];
  });
}

async function expectConvMatch(c: ConvCase, seed: number): Promise<void> {
  const [dxCpu, dwCpu] = await convGradients('cpu', c, seed);
  const [dxWasm, dwWasm] = await convGradients('wasm', c, seed);
  expect(relativeError(dwWasm, dwCpu), `filter gradient ${JSON.stringify(c)}`).toBeLessThanOrEqual(1e-5);
  expect(relativeError(dxWasm, dxCpu), `input gradient ${JSON.stringify(c)}`).toBeLessThanOrEqual(1e-5);
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 5, 5, 1], kernel: 1, outChannels: 1, stride: 1, pad: 'valid' },
  { x: [1, 8, 7, 2], kernel: 1, outChannels: 3, stride: 2, pad: 'valid' },
  { x: [2, 7, 7, 3], kernel: 3, outChannels: 4, stride: 1, pad: 'same' },
  { x: [3, 9, 8, 2], kernel: 3, outChannels: 5, stride: 2, pad: 'valid' },
  { x: [2, 11, 9, 3], kernel: 5, outChannels: 2, stride: 2, pad: 'same' },
  { x: [4, 10, 10, 1], kernel: 3, outChannels: 6, stride: 2, pad: 'same' },
  { x: [1, 6, 6, 4], kernel: 5, outChannels: 3, stride: 1, pad: 'valid' },
  { x: [2, 13, 13, 5], kernel: 5, outChannels: 1, stride: 1, pad: 'same' },
  { x: [2, 9, 10, 2], kernel: 3, outChannels: 3, stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 9, 10, 2], kernel: 3, outChannels: 3, stride: 2, pad: [[0, 0], [0, 1], [1, 1], [0, 0]] },
  { x: [2, 8, 9, 3], kernel: 3, outChannels: 2, stride: 2, pad: 1 },
  // Padding wider than the kernel: the input gradient falls back to WASM's own kernel.
  { x: [1, 5, 5, 2], kernel: 3, outChannels: 2, stride: 1, pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
  // LeNet's two convolutions (batch 2).
  { x: [2, 28, 28, 1], kernel: 5, outChannels: 20, stride: 1, pad: 'valid' },
  { x: [2, 12, 12, 20], kernel: 5, outChannels: 50, stride: 1, pad: 'valid' },
];

let initialBackend = 'cpu';

beforeAll(async () => {
  initialBackend = tf.getBackend() ?? 'cpu';
  await useNodeBackend('cpu');
  await useNodeBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend(initialBackend);
});

describe('conv2d gradients on WASM match the cpu backend', () => {
  it('registers the kernels LeNet training needs on WASM', () => {
    for (const name of ['Conv2D', 'MaxPool', 'Reverse', 'Slice', 'Transpose']) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterWasm);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputWasm);
    expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc).toBe(maxPoolGradWasm);
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).toBe(batchMatMulWasm);
  });

  it.each(CONV_CASES.map((c, i) => [i, c] as const))('case %i: %j', async (i, c) => {
    await expectConvMatch(c, 100 + i);
  });

  it('on random shapes (property)', async () => {
    const shape = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      kernel: fc.constantFrom(1, 3, 5),
      extraH: fc.integer({ min: 0, max: 7 }),
      extraW: fc.integer({ min: 0, max: 7 }),
      inChannels: fc.integer({ min: 1, max: 4 }),
      outChannels: fc.integer({ min: 1, max: 4 }),
      stride: fc.constantFrom(1 as const, 2 as const),
      pad: fc.constantFrom('valid' as const, 'same' as const),
      seed: fc.integer({ min: 0, max: 1e6 }),
    });
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const c: ConvCase = {
          x: [s.batch, s.kernel + s.extraH, s.kernel + s.extraW, s.inChannels],
          kernel: s.kernel,
          outChannels: s.outChannels,
          stride: s.stride,
          pad: s.pad,
        };
        await expectConvMatch(c, s.seed);
      }),
      { numRuns: 25, seed: 14 },
    );
  });

  it('refuses NCHW with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 3, 3]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
    ).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });

  it('registers idempotently, without warnings', () => {
    const warn = vi.spyOn(console, 'warn');
    const before = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul'].map((k) => tf.getKernel(k, 'wasm')!.kernelFunc);
    registerWasmConvGradients();
    registerWasmConvGradients();
    const after = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul'].map((k) => tf.getKernel(k, 'wasm')!.kernelFunc);
    expect(after).toEqual(before);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe('max-pool gradient on WASM matches the cpu backend', () => {
  // WASM's own MaxPoolGrad gives windows whose maximum is <= 0 no gradient: values in [-1, 1) catch that.
  const cases: { x: [number, number, number, number]; size: number; stride: number; pad: 'valid' | 'same'; ties?: boolean }[] = [
    { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' },
    { x: [3, 9, 7, 2], size: 2, stride: 2, pad: 'valid' },
    { x: [2, 9, 9, 4], size: 3, stride: 2, pad: 'same' },
    { x: [1, 10, 7, 1], size: 3, stride: 2, pad: 'same' },
    { x: [2, 24, 24, 20], size: 2, stride: 2, pad: 'valid' },
    // Values in {0, 1, 2}: many equal maxima (and all-zero windows); the first maximum takes dy.
    { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid', ties: true },
    { x: [2, 9, 9, 2], size: 3, stride: 2, pad: 'same', ties: true },
  ];
  it.each(cases.map((c, i) => [i, c] as const))('case %i: %j', async (i, c) => {
    const xData = randoms(c.x.reduce((a, b) => a * b, 1), 200 + i, c.ties);
    const run = async (backend: Backend) =>
      (await onBackend(backend, () => {
        const x = tf.tensor4d(xData, c.x);
        const outShape = tf.maxPool(x, c.size, c.stride, c.pad).shape;
        const r = tf.tensor(randoms(outShape.reduce((a, b) => a * b, 1), 300 + i), outShape);
        return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad), r)))(x)];
      }))[0];
    expect(relativeError(await run('wasm'), await run('cpu'))).toBeLessThanOrEqual(1e-5);
  });
});

describe('matrix products with transposed operands on WASM match the cpu backend', () => {
  const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
    { a: [64, 80], b: [64, 50], transposeA: true, transposeB: false },
    { a: [8, 80], b: [500, 80], transposeA: false, transposeB: true },
    { a: [80, 8], b: [50, 80], transposeA: true, transposeB: true },
    { a: [7, 3], b: [5, 3], transposeA: false, transposeB: true },
    { a: [3, 7], b: [3, 5], transposeA: true, transposeB: false },
    { a: [1, 5, 4], b: [1, 5, 6], transposeA: true, transposeB: false },
    { a: [3, 5, 4], b: [3, 6, 4], transposeA: false, transposeB: true },
    { a: [9, 4], b: [4, 6], transposeA: false, transposeB: false },
  ];
  it.each(cases.map((c, i) => [i, c] as const))('case %i: %j', async (i, c) => {
    const aData = randoms(c.a.reduce((x, y) => x * y, 1), 400 + i);
    const bData = randoms(c.b.reduce((x, y) => x * y, 1), 500 + i);
    const run = async (backend: Backend) =>
      (await onBackend(backend, () => [tf.matMul(tf.tensor(aData, c.a), tf.tensor(bData, c.b), c.transposeA, c.transposeB)]))[0];
    expect(relativeError(await run('wasm'), await run('cpu'))).toBeLessThanOrEqual(1e-5);
  });
});

describe('LeNet on WASM', () => {
  const data = loadMnistFromPackage();

  it('computes the same gradients as the cpu backend for a small batch', async () => {
    const set = selectTrainingSubset(data.train, 2, 5);
    const pixels = Float32Array.from(set.images, (v) => v / 255);
    const grads = async (backend: Backend) => {
      await tf.setBackend(backend);
      const net = createNetwork({ model: 'lenet' }, 3);
      const values = await onBackend(backend, () => {
        const x = tf.tensor2d(pixels, [2, 784]);
        const y = tf.oneHot(tf.tensor1d(Array.from(set.labels), 'int32'), 10);
        const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, forward(net, x)) as tf.Scalar, trainableVariables(net));
        return trainableVariables(net).map((v) => g[v.name]);
      });
      disposeNetwork(net);
      return values;
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    expect(wasm).toHaveLength(8);
    wasm.forEach((g, i) => expect(relativeError(g, cpu[i]), `variable ${i}`).toBeLessThanOrEqual(1e-5));
  });

  it('trains: 256 images, batch 64, one epoch; the loss falls and no tensor is left', async () => {
    await tf.setBackend('wasm');
    const tensors = tf.memory().numTensors;
    const set = selectTrainingSubset(data.train, 256, 1);
    const net = createNetwork({ model: 'lenet' }, 1);
    const before = await evaluate(net, set, 256);
    const losses: number[] = [];
    const result = await train(
      net,
      { train: set, test: set },
      { epochs: 1, batch: 64, lr: 0.002, optimizer: 'adam', momentum: 0.9, dataSeed: 1 },
      { onBatch: (m) => losses.push(m.loss) },
    );
    const after = await evaluate(net, set, 256);
    disposeNetwork(net);
    expect(result.status).toBe('done');
    expect(losses).toHaveLength(4);
    expect(losses[3]).toBeLessThan(losses[0]);
    expect(after.loss).toBeLessThan(before.loss);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
