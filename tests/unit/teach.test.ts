/**
 * The worker's teaching calls (predictDigit, analyzeQuantized) go through ModelInspector: these
 * tests check that its quantized answers are evaluatePtq's, and that its caches do not leak.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetwork,
  defaultConfig,
  disposeNetwork,
  evaluate,
  evaluatePtq,
  head,
  ModelInspector,
  predictClasses,
  prepareQuantizedForward,
  quantOf,
  selectTestSubset,
  selectTrainingSubset,
  train,
  type ImageSet,
  type Network,
  type QuantConfig,
} from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';
import { maxOf } from '../../src/core/arrays';

const argmax = (v: number[]) => v.indexOf(maxOf(v));

/** Quantized settings that exercise every part of the pass: calibrated clips, input bits, float32 layers, sign. */
const settings: Record<string, QuantConfig> = {
  'fixed4, relu4 (calibrated clips), 4-bit input': quantOf({
    ...defaultConfig(),
    weights: { kind: 'fixed', bits: 4 },
    activations: { kind: 'relu', bits: 4 },
    inputBits: 4,
  }),
  'binary with a float32 output layer': quantOf({
    ...defaultConfig(),
    weights: { kind: 'binary', scale: 'none' },
    layers: [{ layer: -1, scheme: { kind: 'float32' } }],
  }),
  'minifloat e3m2, sign activations': quantOf({
    ...defaultConfig(),
    weights: { kind: 'minifloat', exponentBits: 3, mantissaBits: 2 },
    activations: { kind: 'sign' },
  }),
  float: quantOf(defaultConfig()),
};

describe('ModelInspector (predictDigit, analyzeQuantized)', () => {
  let network: Network;
  let trainSet: ImageSet;
  let testSet: ImageSet;

  beforeAll(async () => {
    await useNodeBackend('cpu');
    const data = loadMnistFromPackage();
    trainSet = selectTrainingSubset(data.train, 2000, 1);
    // 2,000 test images keep this quick on a loaded machine; the worker's numbers for 10,000 are
    // of the same passes, five times longer.
    testSet = selectTestSubset(data.test, 2000);
    network = createNetwork({ model: 'mlp1' }, 1);
    await train(network, { train: trainSet, test: head(testSet, 100) }, { epochs: 1, batch: 32, lr: 0.002, optimizer: 'adam', momentum: 0.9, dataSeed: 1 });
  });

  afterAll(() => disposeNetwork(network));

  it("analyze: the quantized accuracy is evaluatePtq's, the float one evaluate's; the matrices and flips agree", async () => {
    const baseline = tf.memory().numTensors;
    const inspector = new ModelInspector({ network, trainSet, testSet });
    const floatAccuracy = (await evaluate(network, testSet)).accuracy;
    let first = true;
    for (const [name, q] of Object.entries(settings)) {
      let t = performance.now();
      const analysis = await inspector.analyze(q);
      const ms = performance.now() - t;
      console.log(`analyzeQuantized (mlp1, ${testSet.count} test images, ${name}${first ? ', with the float pass' : ''}): ${ms.toFixed(0)} ms`);
      first = false;
      t = performance.now();
      const ptq = await evaluatePtq(network, q, testSet, trainSet);
      console.log(`  evaluatePtq for comparison: ${(performance.now() - t).toFixed(0)} ms`);

      expect(analysis.quantizedAccuracy, name).toBe(ptq.accuracy);
      expect(analysis.floatAccuracy, name).toBe(floatAccuracy);
      expect(analysis.testCount).toBe(testSet.count);
      for (const m of [analysis.float, analysis.quantized]) {
        expect(m.length).toBe(100);
        expect(m.reduce((a, b) => a + b, 0)).toBe(testSet.count);
      }
      // Row sums are the label counts in both matrices.
      for (let t = 0; t < 10; t++) {
        const row = (m: number[]) => m.slice(t * 10, t * 10 + 10).reduce((a, b) => a + b, 0);
        expect(row(analysis.float)).toBe(row(analysis.quantized));
      }
      expect(analysis.flips.length).toBeLessThanOrEqual(16);
      if (name !== 'float') expect(analysis.flips.length, name).toBeGreaterThan(0);
      let seenOther = false;
      for (const flip of analysis.flips) {
        expect(flip.floatPred).not.toBe(flip.quantPred);
        expect(flip.label).toBe(testSet.labels[flip.index]);
        expect(Array.from(flip.pixels)).toEqual(Array.from(testSet.images.subarray(flip.index * 784, (flip.index + 1) * 784)));
        // An own buffer: sending it does not copy the whole test set.
        expect(flip.pixels.buffer.byteLength).toBe(784);
        const broken = flip.floatPred === flip.label;
        if (!broken) seenOther = true;
        else expect(seenOther, 'the ones quantization broke come first').toBe(false);
      }
    }
    inspector.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('predictDigit: probabilities sum to 1, argmaxes are the batch predictions, no tensor piles up', async () => {
    const q = settings['fixed4, relu4 (calibrated clips), 4-bit input'];
    const baseline = tf.memory().numTensors;
    const inspector = new ModelInspector({ network, trainSet, testSet });
    const images = head(testSet, 40);
    const floatPred = await predictClasses(network, images);
    const prepared = await prepareQuantizedForward(network, q, trainSet);
    const quantPred = await predictClasses(network, images, 500, prepared.options);
    prepared.dispose();

    let t = performance.now();
    await inspector.predictDigit(images.images.slice(0, 784), q);
    console.log(`predictDigit, first call (calibration and kernels): ${(performance.now() - t).toFixed(1)} ms`);
    const warm = tf.memory().numTensors;
    const times: number[] = [];
    for (let i = 0; i < images.count; i++) {
      t = performance.now();
      const p = await inspector.predictDigit(images.images.slice(i * 784, (i + 1) * 784), q);
      times.push(performance.now() - t);
      expect(p.float.length).toBe(10);
      expect(p.quantized.length).toBe(10);
      expect(Math.abs(p.float.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(Math.abs(p.quantized.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(p.float.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(argmax(p.float), `image ${i}`).toBe(floatPred[i]);
      expect(argmax(p.quantized), `image ${i}`).toBe(quantPred[i]);
      // The cached pass is reused: nothing more is held after each call.
      expect(tf.memory().numTensors).toBe(warm);
    }
    times.sort((a, b) => a - b);
    console.log(`predictDigit, cached: median ${times[times.length >> 1].toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms`);

    // Another setting replaces the cached pass rather than adding to it.
    await inspector.predictDigit(images.images.slice(0, 784), settings['binary with a float32 output layer']);
    await inspector.predictDigit(images.images.slice(0, 784), q);
    expect(tf.memory().numTensors).toBe(warm);
    inspector.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('predictDigit reads pixels as the training batches do (0..255 over 255)', async () => {
    const inspector = new ModelInspector({ network, trainSet, testSet });
    const q = settings.float;
    const image = testSet.images.slice(784 * 3, 784 * 4);
    const p = await inspector.predictDigit(image, q);
    // Float config: the quantized pass is the float one.
    p.float.forEach((v, i) => expect(p.quantized[i]).toBeCloseTo(v, 12));
    const logits = tf.tidy(() => {
      const x = tf.div(tf.tensor2d(Array.from(image), [1, 784]), 255) as tf.Tensor2D;
      return tf.softmax(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, network.params[0].kernel), network.params[0].bias)), network.params[1].kernel), network.params[1].bias));
    });
    const expected = Array.from(await logits.data());
    logits.dispose();
    expected.forEach((v, i) => expect(p.float[i]).toBeCloseTo(v, 5));
    await expect(inspector.predictDigit(new Uint8Array(100), q)).rejects.toThrow(RangeError);
    inspector.dispose();
  });
});
