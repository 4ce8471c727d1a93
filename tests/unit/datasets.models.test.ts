import { beforeAll, describe, expect, it } from 'vitest';
import {
  architecture,
  decodeConfig,
  defaultConfig,
  encodeConfig,
  estimateCost,
  inputShapeOf,
  isWeightLayer,
  loadCifar10,
  macCount,
  parameterCount,
  planTraining,
  trainingWarning,
  type Config,
} from '../../src/core';
import { disposeNetwork, runConfig } from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { cifarArchive } from '../helpers/datasets';

describe('the CIFAR-10 models', () => {
  it('have exactly seed 003\'s parameter counts', () => {
    expect(parameterCount({ model: 'cifar3conv' })).toBe(82_208);
    expect(parameterCount({ model: 'cifar6conv' })).toBe(39_191_690);
    expect(parameterCount({ model: 'cifar3conv', data: 'cifar10' })).toBe(82_208);
  });

  it('are the derived architectures (docs/datasets.md)', () => {
    const shapes = (model: 'cifar3conv' | 'cifar6conv') =>
      architecture({ model }).map((l) => (l.kind === 'conv2d' ? `${l.name} ${l.kernel}x${l.kernel}x${l.inChannels}->${l.filters} ${l.outHeight}x${l.outWidth} ${l.padding}` : l.kind === 'dense' ? `${l.name} ${l.inputs}->${l.units}` : l.kind === 'maxpool' ? `${l.name} ${l.outHeight}x${l.outWidth}` : `flatten ${l.size}`));
    expect(shapes('cifar3conv')).toEqual([
      'conv1 3x3x3->21 32x32 same',
      'pool1 16x16',
      'conv2 3x3x21->51 16x16 same',
      'pool2 8x8',
      'conv3 3x3x51->116 8x8 same',
      'pool3 4x4',
      'flatten 1856',
      'output 1856->10',
    ]);
    expect(shapes('cifar6conv')).toEqual([
      'conv1 3x3x3->128 32x32 same',
      'conv2 3x3x128->128 32x32 same',
      'pool1 16x16',
      'conv3 3x3x128->256 16x16 same',
      'conv4 3x3x256->256 16x16 same',
      'pool2 8x8',
      'conv5 3x3x256->512 8x8 same',
      'conv6 3x3x512->512 8x8 same',
      'flatten 32768',
      'fc1 32768->1024',
      'fc2 1024->1024',
      'output 1024->10',
    ]);
  });

  it('take the input shape from the data set', () => {
    expect(inputShapeOf({ model: 'mlp1' })).toEqual({ height: 28, width: 28, channels: 1 });
    expect(inputShapeOf({ model: 'cifar6conv' })).toEqual({ height: 32, width: 32, channels: 3 });
    expect(inputShapeOf({ model: 'lenet', data: 'cifar10' })).toEqual({ height: 32, width: 32, channels: 3 });
    // 3,072 inputs: 3072 x 100 + 100 + 100 x 10 + 10.
    expect(parameterCount({ model: 'mlp1', data: 'cifar10' })).toBe(308_310);
    expect(parameterCount({ model: 'mlp1', data: 'fashion' })).toBe(79_510);
    // lenet on 32x32x3: conv1 5x5x3x20 -> 28x28, pool 14, conv2 -> 10x10, pool 5: 5x5x50 = 1,250 into fc1.
    expect(parameterCount({ model: 'lenet', data: 'cifar10' })).toBe(5 * 5 * 3 * 20 + 20 + 5 * 5 * 20 * 50 + 50 + 1250 * 500 + 500 + 5010);
  });

  it('count MACs with zero padding (the output is as large as the input)', () => {
    const macs = architecture({ model: 'cifar3conv' }).filter(isWeightLayer).map(macCount);
    expect(macs).toEqual([27 * 21 * 1024, 9 * 21 * 51 * 256, 9 * 51 * 116 * 64, 1856 * 10]);
  });

  it('gives the 6-conv model the big-model warning and not the 3-conv one', () => {
    const plan = (model: 'cifar3conv' | 'cifar6conv') => planTraining({ model, data: 'cifar10', trainSize: 50_000, epochs: 3, batch: 32, optimizer: 'adam' });
    const backend = { name: 'WebGPU', gflops: 100, maxBufferBytes: Infinity };
    expect(trainingWarning(plan('cifar3conv'), backend)).toBeNull();
    const warning = trainingWarning(plan('cifar6conv'), backend);
    expect(warning?.blocking).toBe(false);
    expect(warning?.message).toMatch(/^This model has 39,191,690 parameters: expect about \d+\.\d h of training/);
  });

  it('are costed by the energy model, colour input included', () => {
    const config: Config = { ...defaultConfig(), data: 'cifar10', model: 'cifar3conv', weights: { kind: 'fixed', bits: 8 } };
    const cost = estimateCost(config);
    expect(cost.layers).toHaveLength(4);
    expect(cost.energyPJ).toBeGreaterThan(estimateCost({ ...config, model: 'mlp1', data: 'mnist' }).energyPJ);
  });
});

describe('the data knob in the URL', () => {
  it('is left out when MNIST and round-trips otherwise', () => {
    expect(encodeConfig(defaultConfig())).not.toContain('data=');
    const cifar: Config = { ...defaultConfig(), data: 'cifar10', model: 'cifar3conv' };
    expect(encodeConfig(cifar)).toMatch(/^v=1&data=cifar10&model=cifar3conv&/);
    expect(decodeConfig(encodeConfig(cifar)).config).toEqual(cifar);
    const bad = decodeConfig('data=svhn');
    expect(bad.config.data).toBe('mnist');
    expect(bad.notices.map((n) => n.message)).toEqual(['data="svhn" is not valid (must be one of mnist, fashion, cifar10, idx); using the default mnist.']);
  });
});

describe('training cifar3conv in Node (wasm backend: the cpu backend takes about 30 s a batch of its convolution gradients)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('refuses a model whose input is not the loaded images\' shape, saying what to load', async () => {
    const mnistLike = { images: new Uint8Array(20 * 784), labels: new Uint8Array(20), count: 20 };
    const config: Config = { ...defaultConfig(), data: 'cifar10', model: 'cifar3conv', trainSize: 10, testSize: 10, epochs: 1 };
    await expect(runConfig(config, { train: mnistLike, test: mnistLike })).rejects.toThrow('data=cifar10 takes 32x32x3 images but the loaded set has 28x28x1: load the cifar10 files first.');
  });

  it('trains a few batches of synthetic CIFAR-10 records with a finite loss, float and quantized (3-channel input quantizer)', async () => {
    const data = await loadCifar10([{ name: 'cifar-10-binary.tar.gz', source: await cifarArchive(8, 16) }]);
    for (const over of [{}, { trainSize: 24, training: 'qat', weights: { kind: 'fixed', bits: 4 }, inputBits: 3 }] as Partial<Config>[]) {
      const config: Config = { ...defaultConfig(), data: 'cifar10', model: 'cifar3conv', trainSize: 40, testSize: 16, epochs: 1, batch: 8, backend: 'wasm', ...over };
      const losses: number[] = [];
      const outcome = await runConfig(config, data, { onBatch: (m) => losses.push(m.loss) });
      expect(outcome.result.status).toBe('done');
      // 40 records: all of them in 5 batches; 24: a seeded subset (which keeps the 32x32x3 shape) in 3.
      expect(losses).toHaveLength(Math.ceil(config.trainSize / 8));
      for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
      // Ten classes from Glorot-initialised weights: about ln 10 = 2.30 at the start.
      expect(Math.abs(losses[0] - Math.log(10))).toBeLessThan(0.3);
      expect(outcome.result.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(outcome.quantizedAccuracy).not.toBeNull();
      expect(outcome.network.params[0].kernel.shape).toEqual([3, 3, 3, 21]);
      disposeNetwork(outcome.network);
    }
  });
});
