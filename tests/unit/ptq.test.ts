import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createNetwork,
  defaultConfig,
  disposeNetwork,
  evaluate,
  evaluatePtq,
  quantizedForward,
  selectTestSubset,
  selectTrainingSubset,
  type QuantConfig,
} from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';

describe('evaluatePtq', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('equals the per-batch quantized evaluation, keeps float32 layers, and frees its kernels', async () => {
    const data = loadMnistFromPackage();
    const testSet = selectTestSubset(data.test, 700);
    const calibration = selectTrainingSubset(data.train, 600, 1);
    const net = createNetwork({ model: 'mlp1' }, 1);
    const baseline = tf.memory().numTensors;
    const q: QuantConfig = {
      ...defaultConfig(),
      weights: { kind: 'binary', scale: 'none' },
      activations: { kind: 'relu' },
      inputBits: 4,
      layers: [{ layer: -1, scheme: { kind: 'float32' } }],
    };
    const fast = await evaluatePtq(net, q, testSet, calibration);
    const slow = await evaluate(net, testSet, 500, quantizedForward(net, q, { mode: 'eval' }));
    expect(fast).toEqual(slow);
    expect(tf.memory().numTensors).toBe(baseline);
    // The float32 output layer's variable survived.
    expect((await net.params[1].kernel.data()).length).toBe(1000);
    disposeNetwork(net);
  });
});
