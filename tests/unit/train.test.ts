import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createNetwork,
  defaultConfig,
  disposeNetwork,
  divergenceMessage,
  readWeights,
  runConfig,
  selectTestSubset,
  selectTrainingSubset,
  train,
  type Config,
  type ForwardOptions,
  type TrainHooks,
  type TrainOptions,
} from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
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

  it('leaves no tensors behind after a run, after a stop, and after a second run (mlp1 on cpu, lenet on wasm)', async () => {
    const { train: all, test } = loadMnistFromPackage();
    const baseline = tf.memory().numTensors;
    // lenet on wasm: our conv gradients (src/tf/wasmConvGradients.ts) are in its backward pass, and
    // the cpu backend trains it at about 1 image/s.
    for (const [model, backend] of [['mlp1', 'cpu'], ['lenet', 'wasm']] as const) {
      await useNodeBackend(backend);
      const net = createNetwork({ model }, 1);
      await train(net, { train: selectTrainingSubset(all, 64, 1), test: selectTestSubset(test, 32) }, { ...options, batch: 32 });
      disposeNetwork(net);
      expect(tf.memory().numTensors).toBe(baseline);
    }
    await useNodeBackend('cpu');
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

/** A forward pass whose input turns to NaN on its `n`-th call: the loss of training batch n is NaN. */
function nanOnCall(n: number): ForwardOptions {
  let calls = 0;
  return { transformInput: (x) => (++calls === n ? tf.mul(x, NaN) : x) };
}

describe('divergence and tensor accounting (cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  for (const optimizer of ['adam', 'sgd'] as const) {
    it(`${optimizer}: stops at the first non-finite batch loss, with no batch after it`, async () => {
      const { train: all, test } = loadMnistFromPackage();
      const net = createNetwork({ model: 'mlp1' }, 1);
      const batches: Array<[number, number]> = [];
      let epochsSeen = 0;
      const result = await train(
        net,
        { train: selectTrainingSubset(all, 320, 1), test: selectTestSubset(test, 32) },
        { ...options, optimizer, epochs: 2 },
        {
          forwardOptions: nanOnCall(3),
          onBatch: (m) => batches.push([m.epoch, m.batchInEpoch]),
          onEpoch: () => epochsSeen++,
        },
      );
      disposeNetwork(net);
      expect(result.status).toBe('diverged');
      expect(result.divergedAt).toEqual({ epoch: 1, batch: 3, loss: NaN });
      // Batches 1 and 2 reported, the diverged one and everything after it not.
      expect(batches).toEqual([
        [1, 1],
        [1, 2],
      ]);
      expect(result.steps).toBe(3);
      expect(epochsSeen).toBe(0);
      expect(result.epochsCompleted).toBe(0);
      expect(result.testAccuracy).toBeNull();
      expect(result.testLoss).toBeNull();
      expect(divergenceMessage(result.divergedAt!)).toBe('The loss diverged at epoch 1, batch 3: try a smaller learning rate.');
    });
  }

  it('reports where in a later epoch it diverged', async () => {
    const { train: all, test } = loadMnistFromPackage();
    const net = createNetwork({ model: 'mlp1' }, 1);
    // 64 images in batches of 32: two batches an epoch, so call 4 is epoch 2, batch 2 (evaluation has its own pass).
    const result = await train(
      net,
      { train: selectTrainingSubset(all, 64, 1), test: selectTestSubset(test, 32) },
      { ...options, epochs: 3 },
      { forwardOptions: nanOnCall(4), evalForwardOptions: {} },
    );
    disposeNetwork(net);
    expect(result.divergedAt).toEqual({ epoch: 2, batch: 2, loss: NaN });
    expect(result.epochsCompleted).toBe(1);
    expect(result.testAccuracy).toBeNull();
    expect(divergenceMessage(result.divergedAt!)).toBe('The loss diverged at epoch 2, batch 2: try a smaller learning rate.');
  });

  // Every path out of train() leaves exactly the network's tensors: done, stopped, diverged, thrown.
  const paths: Record<string, () => { hooks: TrainHooks; throws?: RegExp }> = {
    done: () => ({ hooks: {} }),
    stopped: () => {
      let batches = 0;
      return { hooks: { onBatch: () => batches++, control: { shouldStop: () => batches >= 2, waitWhilePaused: async () => {} } } };
    },
    diverged: () => ({ hooks: { forwardOptions: nanOnCall(3) } }),
    'error in afterStep': () => {
      let steps = 0;
      return {
        hooks: {
          afterStep: () => {
            if (++steps === 2) throw new Error('afterStep failed');
          },
        },
        throws: /afterStep failed/,
      };
    },
    'error in the forward pass': () => {
      let calls = 0;
      return {
        hooks: {
          forwardOptions: {
            transformInput: (x) => {
              if (++calls === 2) throw new Error('forward failed');
              return x;
            },
          },
        },
        throws: /forward failed/,
      };
    },
  };
  for (const optimizer of ['adam', 'sgd'] as const) {
    for (const [path, setup] of Object.entries(paths)) {
      it(`${optimizer}, ${path}: the tensor count returns to its baseline`, async () => {
        const { train: all, test } = loadMnistFromPackage();
        const baseline = tf.memory().numTensors;
        const net = createNetwork({ model: 'mlp1' }, 1);
        const { hooks, throws } = setup();
        const run = train(net, { train: selectTrainingSubset(all, 128, 1), test: selectTestSubset(test, 32) }, { ...options, optimizer }, hooks);
        if (throws) await expect(run).rejects.toThrow(throws);
        else expect((await run).status).toBe(path);
        disposeNetwork(net);
        expect(tf.memory().numTensors).toBe(baseline);
      });
    }
  }

  it('runConfig: a diverged run is not quantized, and frees everything', async () => {
    const data = loadMnistFromPackage();
    // The measured case of issue 11: eight layers of 64, SGD at lr 10 with momentum 0.999.
    const config: Config = {
      ...defaultConfig(),
      model: 'mlp',
      hidden: [64, 64, 64, 64, 64, 64, 64, 64],
      lr: 10,
      optimizer: 'sgd',
      momentum: 0.999,
      batch: 32,
      trainSize: 2000,
      testSize: 500,
      epochs: 1,
      // Float training of a quantized config: a finished run would be evaluated with PTQ.
      weights: { kind: 'fixed', bits: 4 },
      training: 'float',
      dataSeed: 1,
      initSeed: 1,
    };
    const baseline = tf.memory().numTensors;
    const losses: number[] = [];
    const outcome = await runConfig(config, data, { onBatch: (m) => losses.push(m.loss) });
    disposeNetwork(outcome.network);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(outcome.result.status).toBe('diverged');
    expect(outcome.result.divergedAt!.epoch).toBe(1);
    expect(Number.isFinite(outcome.result.divergedAt!.loss)).toBe(false);
    // Every reported loss is a number, and the run ended at the first one that was not.
    expect(losses).toHaveLength(outcome.result.divergedAt!.batch - 1);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(outcome.quantizedAccuracy).toBeNull();
    expect(outcome.result.testAccuracy).toBeNull();
  });
});
