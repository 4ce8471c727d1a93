import { describe, expect, it } from 'vitest';
import { architecture, macCount, parameterCount, isWeightLayer, planTraining, trainingWarning } from '../../src/tf';

describe('parameterCount', () => {
  it('matches seed 003 exactly for its three MNIST configurations', () => {
    expect(parameterCount({ model: 'mlp1' })).toBe(79_510);
    expect(parameterCount({ model: 'lenet' })).toBe(431_080);
    expect(parameterCount({ model: 'mlp', hidden: [4096, 4096, 4096] })).toBe(36_818_954);
  });

  it('counts a custom MLP by hand: 784*10+10 + 10*10+10', () => {
    expect(parameterCount({ model: 'mlp', hidden: [10] })).toBe(784 * 10 + 10 + 10 * 10 + 10);
  });

  it('ignores hidden for the fixed models', () => {
    expect(parameterCount({ model: 'mlp1', hidden: [4096] })).toBe(79_510);
  });

  it('gives lenet the shapes of seed 003 (valid convs, pool 2)', () => {
    const layers = architecture({ model: 'lenet' });
    expect(layers.map((l) => l.kind)).toEqual(['conv2d', 'maxpool', 'conv2d', 'maxpool', 'flatten', 'dense', 'dense']);
    const conv2 = layers[2];
    expect(conv2.kind === 'conv2d' && [conv2.outHeight, conv2.outWidth, conv2.filters]).toEqual([8, 8, 50]);
    expect(layers[4]).toMatchObject({ size: 800 });
    const macs = layers.filter(isWeightLayer).map(macCount);
    expect(macs).toEqual([25 * 20 * 576, 25 * 20 * 50 * 64, 800 * 500, 500 * 10]);
  });
});

describe('training warnings', () => {
  const big = { model: 'mlp' as const, hidden: [4096, 4096, 4096], trainSize: 10_000, epochs: 3, batch: 64, optimizer: 'adam' as const };
  it('warns for 3x4096 on a slow backend and names time and memory', () => {
    const w = trainingWarning(planTraining(big), { name: 'WebGPU (SwiftShader)', gflops: 2, maxBufferBytes: 1024 ** 3 });
    expect(w).not.toBeNull();
    expect(w!.message).toMatch(/36,818,954 parameters/);
    expect(w!.message).toMatch(/GFLOP\/s measured on WebGPU/);
    expect(w!.estimatedSeconds).toBeGreaterThan(3600);
  });
  it('stays quiet for mlp1 on the same backend', () => {
    const small = { ...big, model: 'mlp1' as const };
    expect(trainingWarning(planTraining(small), { name: 'cpu', gflops: 2, maxBufferBytes: Infinity })).toBeNull();
  });
  it('blocks lenet on a backend without convolution gradients, but not mlp1', () => {
    const lenet = { ...big, model: 'lenet' as const };
    const wasm = { name: 'Some backend', gflops: 50, maxBufferBytes: Infinity, convGradients: false };
    const w = trainingWarning(planTraining(lenet), wasm);
    expect(w?.blocking).toBe(true);
    expect(w?.message).toMatch(/^Some backend cannot train convolutions/);
    expect(trainingWarning(planTraining({ ...big, model: 'mlp1' }), wasm)).toBeNull();
  });

  it('names a weight matrix above the buffer limit', () => {
    const w = trainingWarning(planTraining({ ...big, trainSize: 10, epochs: 1 }), { name: 'webgl', gflops: 1e6, maxBufferBytes: 16 * 1024 ** 2 });
    expect(w!.message).toMatch(/64 MB weight matrix, above webgl's 16 MB buffer limit/);
  });
});
