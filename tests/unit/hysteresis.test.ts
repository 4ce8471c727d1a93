import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  binaryLayerGain,
  binaryWithHysteresis,
  createHysteresisState,
  createNetwork,
  defaultConfig,
  disposeNetwork,
  quantizedForward,
  quantOf,
  runConfig,
  type Config,
} from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';

const config: Config = { ...defaultConfig(), weights: { kind: 'binary', scale: 'none', hysteresis: 0.1 }, training: 'qat' };

describe('binary weights with hysteresis (seed 002) during QAT', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('flips a sign only past the opposite threshold, exactly as the pure rule', async () => {
    const baseline = tf.memory().numTensors;
    const net = createNetwork({ model: 'mlp1' }, 1);
    const state = createHysteresisState(net, quantOf(config))!;
    const kernel = net.params[0].kernel;
    const initial = (await kernel.data()) as Float32Array;
    // Start: the signs of the initial weights, sign(0) = +1.
    expect(Array.from((await state.signs[0]!.data()) as Float32Array)).toEqual(Array.from(initial, (w) => (w >= 0 ? 1 : -1)));

    // Walk weight 0 through -0.05 (stays +1), -0.2 (flips), 0.05 (stays -1), 0.15 (flips back).
    const trail: number[] = [];
    for (const w of [-0.05, -0.2, 0.05, 0.15]) {
      const values = Float32Array.from(initial);
      values[0] = w;
      values[1] = -w;
      const before = Int8Array.from((await state.signs[0]!.data()) as Float32Array);
      tf.tidy(() => kernel.assign(tf.tensor(values, kernel.shape)));
      state.update();
      const after = Int8Array.from((await state.signs[0]!.data()) as Float32Array);
      expect(after).toEqual(binaryWithHysteresis(values, before, 0.1));
      trail.push(after[0]);
    }
    expect(trail).toEqual([1, -1, -1, 1]);

    // The training forward pass uses the kept signs times the layer's power-of-two gain.
    const forward = quantizedForward(net, quantOf(config), { mode: 'train', hysteresis: state });
    const used = tf.tidy(() => forward.transformKernel!(kernel, 0, net.params[0].layer));
    const expected = tf.tidy(() => tf.mul(state.signs[0]!, binaryLayerGain(784)));
    expect(await used.data()).toEqual(await expected.data());
    used.dispose();
    expected.dispose();
    // The output layer has hysteresis too (same scheme everywhere).
    expect(state.signs[1]).not.toBeNull();
    state.dispose();
    disposeNetwork(net);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  // Glorot init puts every mlp1 weight inside ±0.08, so with seed 002's h = 0.1 no sign can flip
  // before the latent weights have grown past it: a short run needs a smaller threshold to learn.
  it('trains BinaryConnect with hysteresis 0.01 and leaves no tensors; with 0.1 a short run cannot flip signs', async () => {
    const baseline = tf.memory().numTensors;
    const data = loadMnistFromPackage();
    const outcome = await runConfig(
      { ...config, weights: { kind: 'binary', scale: 'none', hysteresis: 0.01 }, trainSize: 2000, testSize: 300, epochs: 1 },
      data,
    );
    expect(outcome.result.status).toBe('done');
    expect(outcome.quantizedAccuracy).toBeGreaterThan(0.5);
    disposeNetwork(outcome.network);
    const stuck = await runConfig({ ...config, trainSize: 320, testSize: 300, epochs: 1 }, data);
    expect(stuck.quantizedAccuracy).toBeLessThan(outcome.quantizedAccuracy! - 0.2);
    disposeNetwork(stuck.network);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
