/**
 * Calibrated fixed-point weight clips (scale=percentile|mse) are computed with `await data()`
 * before the forward pass and handed in (quantizedForward's weightClips): the quantizers never
 * call dataSync, which destroyed the device on WebGPU in headless Chromium. Guard: a QAT run, a PTQ
 * evaluation and a PTQ grid with dataSync forbidden on every tensor, on the wasm backend and on the
 * cpu backend's 'ops' path (the tensor ops every GPU backend runs), give exactly what the former
 * quantizer gave: the pure quantizer on the weights' current values (the clips read back at each
 * forward pass), with the gradient cancelled where |w| > clip.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetwork,
  defaultConfig,
  disposeNetwork,
  evaluate,
  evaluatePtq,
  quantizedForward,
  readWeights,
  runConfig,
  selectTestSubset,
  selectTrainingSubset,
  train,
  type Config,
  type ForwardOptions,
  type Network,
} from '../../src/tf';
import { fixedClips, quantizeWeights, type FixedScheme } from '../../src/core/quant/schemes';
import { quantOf } from '../../src/core/quant/quantConfig';
import { setCpuQuantizerPath } from '../../src/tf/ste';
import { useNodeBackend } from '../../src/tf/tfNode';
import { evaluatePtqGrid } from '../../src/worker/ptqGrid';
import { loadMnistFromPackage } from '../helpers/mnist';

const SCHEMES: FixedScheme[] = [
  { kind: 'fixed', bits: 3, scale: 'mse' },
  { kind: 'fixed', bits: 2, scale: 'percentile', percentile: 95 },
  { kind: 'fixed', bits: 4, scale: 'mse', granularity: 'channel' },
];

function baseConfig(weights: FixedScheme): Config {
  return { ...defaultConfig(), model: 'mlp1', trainSize: 192, testSize: 300, epochs: 1, batch: 64, weights, dataSeed: 3, initSeed: 5 };
}

/** Runs `body` with Tensor.dataSync (and so arraySync, bufferSync) throwing; counts the attempts. */
async function withoutDataSync<T>(body: () => Promise<T>): Promise<{ value: T; attempts: number }> {
  const proto = tf.Tensor.prototype as unknown as { dataSync: () => unknown };
  const original = proto.dataSync;
  let attempts = 0;
  proto.dataSync = function () {
    attempts++;
    throw new Error('dataSync called on a tensor in the quantized path');
  };
  try {
    return { value: await body(), attempts };
  } finally {
    proto.dataSync = original;
  }
}

/**
 * The former quantizer, for reference: clips and values from the weights read at each forward
 * pass (here on the cpu's JS memory, outside the guarded runs), the gradient cancelled where
 * |w| > clip of its channel.
 */
function formerForward(scheme: FixedScheme, training: boolean): ForwardOptions {
  return {
    transformKernel: (kernel) => {
      const op = tf.customGrad((x, save) => {
        const w = x as tf.Tensor;
        (save as tf.GradSaveFunc)([w]);
        const values = w.dataSync() as Float32Array;
        return {
          value: tf.tensor(quantizeWeights(values, scheme, undefined, w.shape), w.shape),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const v = saved[0].dataSync() as Float32Array;
            const clips = fixedClips(v, scheme, saved[0].shape);
            const mask = Float32Array.from(v, (x, i) => (Math.abs(x) <= clips[i % clips.length] ? 1 : 0));
            return tf.mul(dy, tf.tensor(mask, saved[0].shape));
          },
        };
      });
      return training ? op(kernel) : tf.tensor(quantizeWeights(kernel.dataSync() as Float32Array, scheme, undefined, kernel.shape), kernel.shape);
    },
  };
}

async function weightsOf(net: Network): Promise<Float32Array[]> {
  return (await readWeights(net)).map((l) => l.kernel);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`calibrated weight clips without dataSync (${backend}${backend === 'cpu' ? ", 'ops' path" : ''})`, () => {
    let previousPath: 'ops' | 'values';
    beforeAll(async () => {
      await useNodeBackend(backend);
      previousPath = setCpuQuantizerPath('ops');
    });
    afterAll(() => {
      setCpuQuantizerPath(previousPath);
    });

    it('QAT: a run with dataSync forbidden equals the former quantizer, step for step', async () => {
      const data = loadMnistFromPackage();
      for (const weights of SCHEMES) {
        const config: Config = { ...baseConfig(weights), training: 'qat' };
        const before = tf.memory().numTensors;
        const { value: outcome, attempts } = await withoutDataSync(() => runConfig(config, data));
        expect(attempts, JSON.stringify(weights)).toBe(0);
        const got = await weightsOf(outcome.network);
        disposeNetwork(outcome.network);
        expect(tf.memory().numTensors - before).toBe(0);

        // The reference: the same subsets, network and loop with the former quantizer.
        const trainSet = selectTrainingSubset(data.train, config.trainSize, config.dataSeed);
        const testSet = selectTestSubset(data.test, config.testSize);
        const net = createNetwork(config, config.initSeed);
        // On wasm the reference reads back through dataSync as the former code did (allowed here).
        const result = await train(net, { train: trainSet, test: testSet }, config, {
          forwardOptions: formerForward(weights, true),
          evalForwardOptions: formerForward(weights, false),
        });
        const want = await weightsOf(net);
        disposeNetwork(net);
        expect(outcome.result.status).toBe('done');
        expect(outcome.result.steps).toBe(3);
        expect(outcome.result.testLoss, JSON.stringify(weights)).toBe(result.testLoss);
        expect(outcome.result.testAccuracy).toBe(result.testAccuracy);
        got.forEach((layer, i) => expect(layer, `${JSON.stringify(weights)} layer ${i}`).toEqual(want[i]));
      }
    });

    it('PTQ (evaluatePtq and the PTQ grid) with dataSync forbidden equals the former quantizer', async () => {
      const data = loadMnistFromPackage();
      const config = baseConfig(SCHEMES[0]);
      const trainSet = selectTrainingSubset(data.train, config.trainSize, config.dataSeed);
      const testSet = selectTestSubset(data.test, config.testSize);
      const net = createNetwork(config, config.initSeed);
      await train(net, { train: trainSet, test: testSet }, config);
      const before = tf.memory().numTensors;
      for (const weights of SCHEMES) {
        const q = quantOf({ ...config, weights });
        const { value: ptq, attempts } = await withoutDataSync(() => evaluatePtq(net, q, testSet, trainSet));
        expect(attempts).toBe(0);
        expect(ptq, JSON.stringify(weights)).toEqual(await evaluate(net, testSet, 500, formerForward(weights, false)));
        // With 4-bit ReLU activations too (their calibration runs the quantized weights).
        const q4 = { ...q, activations: { kind: 'relu' as const, bits: 4 } };
        const { value: ptq4, attempts: attempts4 } = await withoutDataSync(() => evaluatePtq(net, q4, testSet, trainSet));
        expect(attempts4).toBe(0);
        expect(ptq4.accuracy).toBeGreaterThan(0.2);
        // The PTQ grid gives the same numbers.
        const cells = [q, q4].map((quant, index) => ({ index, quant }));
        const grid: { accuracy: number; loss: number }[] = [];
        const { attempts: gridAttempts } = await withoutDataSync(() =>
          evaluatePtqGrid(net, cells, testSet, trainSet, {
            cancelled: () => false,
            yieldToEvents: async () => undefined,
            onCell: (index, accuracy, loss) => (grid[index] = { accuracy, loss }),
          }),
        );
        expect(gridAttempts).toBe(0);
        expect(grid).toEqual([ptq, ptq4]);
      }
      expect(tf.memory().numTensors - before).toBe(0);
      disposeNetwork(net);
    });

    it('a calibrated layer without its clips throws a clear error instead of reading back', () => {
      const net = createNetwork({ model: 'mlp1' }, 1);
      const q = quantOf(baseConfig(SCHEMES[0]));
      for (const mode of ['train', 'eval'] as const) {
        const options = quantizedForward(net, q, { mode });
        expect(() => tf.tidy(() => options.transformKernel!(net.params[0].kernel, 0, net.params[0].layer))).toThrow(
          /scale=mse needs the layer's calibrated clips.*weightClipsOf/,
        );
      }
      disposeNetwork(net);
    });
  });
}
