import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaptNetwork,
  createNetwork,
  defaultConfig,
  disposeNetwork,
  forward,
  holdoutSplit,
  INPUT_SIZE,
  modelResource,
  networkFromWeights,
  parameterCount,
  pruneUnits,
  quantOf,
  readWeights,
  runConfig,
  SEED002_PRESET,
  selectTrainingSubset,
  subset,
  withWidths,
  type Config,
  type LayerWeights,
  type Network,
} from '../../src/tf';
import { toIntegerModel } from '../../src/gpu/pipeline';
import { useNodeBackend } from '../../src/tf/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';

async function logitsOf(net: Network, input: Float32Array, n: number): Promise<Float32Array> {
  const out = tf.tidy(() => forward(net, tf.tensor2d(input, [n, INPUT_SIZE])));
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

/** The same weights with the units outside `keep` of layer `index` silenced: zero incoming weights and bias (ReLU(0) = 0). */
function zeroUnits(weights: LayerWeights[], index: number, keep: number[]): LayerWeights[] {
  const w = weights[index];
  const units = w.shape[w.shape.length - 1];
  const kernel = w.kernel.map((v, i) => (keep.includes(i % units) ? v : 0));
  const bias = w.bias.map((v, i) => (keep.includes(i) ? v : 0));
  return weights.map((x, i) => (i === index ? { ...w, kernel, bias } : x));
}

const randomInput = (n: number) => Float32Array.from({ length: n * INPUT_SIZE }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1 + 0.5);

describe('NetAdapt on TF.js (cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('a pruned network has the formula parameter count and the outputs of the original with the removed units zeroed', async () => {
    const cases: { config: Config; keeps: number[][] }[] = [
      { config: { ...defaultConfig(), model: 'lenet', lenetWidths: [4, 6, 8] }, keeps: [[0, 2, 3], [1, 4], [0, 1, 5, 7]] },
      { config: { ...defaultConfig(), model: 'mlp', hidden: [16, 8] }, keeps: [[2, 3, 5, 15], [0, 7]] },
    ];
    const input = randomInput(3);
    for (const { config, keeps } of cases) {
      const original = createNetwork(config, 5);
      const weights = await readWeights(original);
      disposeNetwork(original);
      for (let k = 0; k < keeps.length; k++) {
        const widths = (config.model === 'lenet' ? config.lenetWidths : config.hidden).map((w, i) => (i === k ? keeps[k].length : w));
        const prunedConfig = withWidths(config, widths);
        const pruned = networkFromWeights(prunedConfig, pruneUnits(weights, k, keeps[k]));
        const zeroed = networkFromWeights(config, zeroUnits(weights, k, keeps[k]));
        const variables = pruned.params.reduce((sum, p) => sum + p.kernel.size + p.bias.size, 0);
        expect(variables).toBe(parameterCount(prunedConfig));
        const a = await logitsOf(pruned, input, 3);
        const b = await logitsOf(zeroed, input, 3);
        for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
        disposeNetwork(pruned);
        disposeNetwork(zeroed);
      }
    }
  });

  it('a pruned lenet converts to the integer kernels at its own widths', async () => {
    const config: Config = { ...defaultConfig(), model: 'lenet', weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'relu', bits: 8, clip: 4 } };
    const net = createNetwork(config, 3);
    const weights = pruneUnits(pruneUnits(await readWeights(net), 1, [0, 7, 20]), 2, [5, 100, 499]);
    disposeNetwork(net);
    const model = toIntegerModel(weights, quantOf(config), undefined);
    if (model.kind !== 'lenet') throw new Error('expected a lenet');
    const shapes = model.layers.map((l) => (l.kind === 'conv2d' ? ['conv', l.inChannels, l.filters] : l.kind === 'dense' ? ['dense', l.inputs, l.units] : [l.kind]));
    expect(shapes).toEqual([['conv', 1, 20], ['maxpool'], ['conv', 20, 3], ['maxpool'], ['flatten'], ['dense', 48, 3], ['dense', 3, 10]]);
  });

  it('takes the holdout from the training images after the training subset, never from the test set', () => {
    const data = loadMnistFromPackage();
    const split = holdoutSplit(data.train.count, 2000, 500, 3);
    // The fine-tunes train on exactly the subset the network trained on.
    expect(subset(data.train, split.train).images).toEqual(selectTrainingSubset(data.train, 2000, 3).images);
    const testImages = new Set<string>();
    for (let i = 0; i < data.test.count; i++) testImages.add(Buffer.from(data.test.images.subarray(i * INPUT_SIZE, (i + 1) * INPUT_SIZE)).toString('base64'));
    const holdout = subset(data.train, split.holdout);
    for (let i = 0; i < holdout.count; i++) {
      expect(testImages.has(Buffer.from(holdout.images.subarray(i * INPUT_SIZE, (i + 1) * INPUT_SIZE)).toString('base64'))).toBe(false);
    }
  });

  const small: Config = { ...defaultConfig(), model: 'mlp1', trainSize: 600, testSize: 200, epochs: 1, batch: 32, backend: 'cpu' };

  it('adapts mlp1 to half its energy: the kept resource falls every iteration, the budget is met, no tensor leaks', async () => {
    const data = loadMnistFromPackage();
    const run = await runConfig(small, data);
    const before = tf.memory().numTensors;
    const energy = modelResource('energy');
    const outcome = await adaptNetwork(run.network, small, data, energy, { budget: 0.5, iterations: 3, finetuneBatches: 4, holdout: 100, finalEpochs: 1 });
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(run.network);
    expect(outcome.status).toBe('done');
    const resources = outcome.steps.map((s) => s.resource);
    expect(resources[0]).toBe(energy.measure(small));
    for (let i = 1; i < resources.length; i++) expect(resources[i]).toBeLessThan(resources[i - 1]);
    expect(outcome.resource).toBeLessThanOrEqual(0.5 * resources[0]);
    expect(outcome.config.model).toBe('mlp');
    expect(outcome.weights[0].shape).toEqual([784, outcome.config.hidden[0]]);
    expect(outcome.testAccuracy).toBeGreaterThan(0.5);
    expect(outcome.steps.every((s) => s.holdoutAccuracy >= 0 && s.holdoutAccuracy <= 1)).toBe(true);
  });

  it('cancel, between iterations or inside a fine-tune, leaves the tensor count at its baseline', async () => {
    const data = loadMnistFromPackage();
    const run = await runConfig(small, data);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const first = await adaptNetwork(run.network, small, data, modelResource('params'), {
      budget: 0.3,
      iterations: 4,
      finetuneBatches: 3,
      holdout: 100,
      finalEpochs: 1,
      signal: controller.signal,
      onIteration: (step) => step.iteration === 1 && controller.abort(),
    });
    expect(first.status).toBe('cancelled');
    expect(first.steps.map((s) => s.iteration)).toEqual([0, 1]);
    expect(first.testAccuracy).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    // A signal that turns aborted while a fine-tune trains (its stop check reads it between batches).
    let reads = 0;
    const midway = { get aborted() { return ++reads > 4; } } as AbortSignal;
    const second = await adaptNetwork(run.network, small, data, modelResource('params'), { budget: 0.3, iterations: 4, finetuneBatches: 50, holdout: 100, finalEpochs: 1, signal: midway });
    expect(second.status).toBe('cancelled');
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(run.network);
  });

  it('runs the seed 002 preset (1-bit l1 weights, hysteresis, 8-bit activations, QAT) with its storage budget met', async () => {
    const data = loadMnistFromPackage();
    // lr 0.01: at 0.002 few latent weights pass ±0.1 in 19 steps, and the signs stay the initial ones.
    const config: Config = { ...small, ...SEED002_PRESET.config, lr: 0.01 };
    const run = await runConfig(config, data);
    expect(run.quantizedAccuracy).toBeGreaterThan(0.5);
    const before = tf.memory().numTensors;
    const outcome = await adaptNetwork(run.network, config, data, modelResource('storage'), {
      budget: 0.6,
      iterations: 2,
      finetuneBatches: 3,
      holdout: 100,
      finalEpochs: 1,
      hysteresisSigns: run.hysteresisSigns,
    });
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(run.network);
    expect(outcome.status).toBe('done');
    expect(outcome.resource).toBeLessThanOrEqual(0.6 * outcome.initialResource);
    expect(outcome.testAccuracy).toBeGreaterThan(0.3);
    // The kept signs travel with the pruned weights: kernel-shaped.
    expect(outcome.weights[0].signs?.length).toBe(outcome.weights[0].kernel.length);
  });

  it('carries the hysteresis signs: with nothing to cut, the test accuracy is the trained QAT model\'s exactly', async () => {
    const data = loadMnistFromPackage();
    // Float ReLU: no calibrated clips, so the evaluation pass is the same one runConfig used.
    const config: Config = { ...small, weights: { kind: 'binary', scale: 'l1', hysteresis: 0.1 }, training: 'qat' };
    const run = await runConfig(config, data);
    expect(run.hysteresisSigns?.[0]).toBeInstanceOf(Float32Array);
    const outcome = await adaptNetwork(run.network, config, data, modelResource('params'), {
      budget: 1,
      iterations: 1,
      finetuneBatches: 1,
      holdout: 100,
      finalEpochs: 0,
      hysteresisSigns: run.hysteresisSigns,
    });
    disposeNetwork(run.network);
    expect(outcome.steps).toHaveLength(1);
    expect(outcome.testAccuracy).toBe(run.quantizedAccuracy);
  });
});
