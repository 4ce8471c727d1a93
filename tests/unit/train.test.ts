import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createNetwork,
  disposeNetwork,
  readWeights,
  selectTestSubset,
  selectTrainingSubset,
  train,
  type TrainOptions,
} from '../../src/core';
import { useNodeBackend } from '../../src/core/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';

const options: TrainOptions = { epochs: 1, batch: 32, lr: 0.002, optimizer: 'adam', momentum: 0.9, dataSeed: 7 };

async function run(initSeed: number, dataSeed = options.dataSeed, overrides: Partial<TrainOptions> = {}) {
  const { train: all, test } = loadMnistFromPackage();
  const net = createNetwork({ model: 'mlp1' }, initSeed);
  const losses: number[] = [];
  const result = await train(
    net,
    { train: selectTrainingSubset(all, 600, dataSeed), test: selectTestSubset(test, 300) },
    { ...options, dataSeed, ...overrides },
    { onBatch: (m) => losses.push(m.loss) },
  );
  const weights = await readWeights(net);
  disposeNetwork(net);
  return { result, losses, firstKernel: weights[0].kernel };
}

describe('training in Node (cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('gives identical losses, weights and accuracy for the same seeds', async () => {
    const a = await run(3);
    const b = await run(3);
    expect(a.losses).toHaveLength(Math.ceil(600 / 32));
    expect(b.losses).toEqual(a.losses);
    expect(b.firstKernel).toEqual(a.firstKernel);
    expect(b.result.testAccuracy).toBe(a.result.testAccuracy);
  });

  it('changes with the init seed and with the data seed, separately', async () => {
    const base = await run(3);
    const otherInit = await run(4);
    const otherData = await run(3, 8);
    expect(otherInit.losses[0]).not.toBe(base.losses[0]);
    // Same init, different first batch: the first loss differs too, but the init weights were equal.
    expect(otherData.losses).not.toEqual(base.losses);
    const initA = createNetwork({ model: 'mlp1' }, 3);
    const initB = createNetwork({ model: 'mlp1' }, 3);
    expect(await initA.params[0].kernel.data()).toEqual(await initB.params[0].kernel.data());
    disposeNetwork(initA);
    disposeNetwork(initB);
  });

  it('learns: 600 images, one epoch of SGD+momentum beats chance by far', async () => {
    const { result } = await run(1, 1, { optimizer: 'sgd', lr: 0.05 });
    expect(result.status).toBe('done');
    expect(result.testAccuracy).toBeGreaterThan(0.6);
  });

  it('picks the training subset by data seed, deterministically', () => {
    const { train: all } = loadMnistFromPackage();
    const a = selectTrainingSubset(all, 100, 5);
    const b = selectTrainingSubset(all, 100, 5);
    const c = selectTrainingSubset(all, 100, 6);
    expect(a.labels).toEqual(b.labels);
    expect(a.images).toEqual(b.images);
    expect(a.images).not.toEqual(c.images);
    expect(selectTrainingSubset(all, 60_000, 5)).toBe(all);
  });

  it('leaves no tensors behind after a run, after a stop, and after a second run (mlp1 and lenet)', async () => {
    const { train: all, test } = loadMnistFromPackage();
    const baseline = tf.memory().numTensors;
    for (const model of ['mlp1', 'lenet'] as const) {
      const net = createNetwork({ model }, 1);
      await train(net, { train: selectTrainingSubset(all, 64, 1), test: selectTestSubset(test, 32) }, { ...options, batch: 32 });
      disposeNetwork(net);
      expect(tf.memory().numTensors).toBe(baseline);
    }
    // Stop after three batches.
    const net = createNetwork({ model: 'mlp1' }, 1);
    let batches = 0;
    const result = await train(
      net,
      { train: selectTrainingSubset(all, 320, 1), test: selectTestSubset(test, 32) },
      { ...options, epochs: 2 },
      { onBatch: () => batches++, control: { shouldStop: () => batches >= 3, waitWhilePaused: async () => {} } },
    );
    expect(result.status).toBe('stopped');
    expect(result.steps).toBe(3);
    expect(result.testAccuracy).toBeNull();
    disposeNetwork(net);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('pauses between batches until resumed', async () => {
    const { train: all, test } = loadMnistFromPackage();
    const net = createNetwork({ model: 'mlp1' }, 1);
    let resume: () => void = () => {};
    let paused = false;
    let stepsWhenPaused = -1;
    let steps = 0;
    const done = train(
      net,
      { train: selectTrainingSubset(all, 160, 1), test: selectTestSubset(test, 32) },
      { ...options },
      {
        onBatch: () => {
          steps++;
          if (steps === 2) paused = true;
        },
        control: {
          shouldStop: () => false,
          waitWhilePaused: () =>
            paused
              ? new Promise<void>((r) => {
                  stepsWhenPaused = steps;
                  resume = () => {
                    paused = false;
                    r();
                  };
                })
              : Promise.resolve(),
        },
      },
    );
    // Wait for the pause itself (a loaded machine can take longer than any fixed sleep)...
    await vi.waitFor(() => expect(stepsWhenPaused).toBe(2), { timeout: 30_000, interval: 20 });
    // ...then check that no batch runs while paused.
    await new Promise((r) => setTimeout(r, 100));
    expect(steps).toBe(2);
    resume();
    const result = await done;
    expect(result.steps).toBe(5);
    disposeNetwork(net);
  });
});
