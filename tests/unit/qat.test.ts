import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, disposeNetwork, runConfig, type Config } from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { loadMnistFromPackage } from '../helpers/mnist';

/**
 * Float training + PTQ against QAT, same seeds, same subset. Sizes were picked from measurements
 * (wasm, seeds 1..3, 2000 images, 2 epochs; 2026-11-26):
 * - LightNN-1 weights with sign activations (LightNN-1-bin): QAT beats PTQ by 10.5 to 22.7 pp.
 * - LightNN-1 weights with ReLU: PTQ already loses under 1 pp against float and QAT gains -0.8 to
 *   +1.0 pp, i.e. nothing measurable; on mlp1 the power-of-two rounding alone costs little.
 */
async function floatAndQat(overrides: Partial<Config>) {
  const data = loadMnistFromPackage();
  const base: Config = {
    ...defaultConfig(),
    model: 'mlp1',
    trainSize: 2000,
    testSize: 1000,
    epochs: 2,
    weights: { kind: 'lightnn', k: 1 },
    dataSeed: 1,
    initSeed: 1,
    ...overrides,
  };
  const baseline = tf.memory().numTensors;
  const float = await runConfig({ ...base, training: 'float' }, data);
  disposeNetwork(float.network);
  const qat = await runConfig({ ...base, training: 'qat' }, data);
  disposeNetwork(qat.network);
  return {
    floatAccuracy: float.result.testAccuracy!,
    ptqAccuracy: float.quantizedAccuracy!,
    qatAccuracy: qat.quantizedAccuracy!,
    leakedTensors: tf.memory().numTensors - baseline,
  };
}

describe('QAT against PTQ in Node (wasm backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('a short QAT run beats PTQ for LightNN-1 weights with sign activations (LightNN-1-bin) on a small subset', async () => {
    const r = await floatAndQat({ activations: { kind: 'sign' } });
    // Measured 22.7 pp for these seeds (10.5 pp at worst over three seeds).
    expect(r.qatAccuracy - r.ptqAccuracy).toBeGreaterThan(0.05);
    expect(r.qatAccuracy).toBeGreaterThan(0.8);
    expect(r.leakedTensors).toBe(0);
  });

  it('LightNN-1 with ReLU: PTQ is already close to float on mlp1, and QAT stays as close', async () => {
    const r = await floatAndQat({ testSize: 10_000 });
    // Measured: float 90.1%, PTQ 89.6%, QAT 90.1%. Differences are within test-set noise, so this
    // only bounds them; it does not claim a QAT gain the data does not show.
    expect(r.floatAccuracy - r.ptqAccuracy).toBeLessThan(0.015);
    expect(Math.abs(r.qatAccuracy - r.ptqAccuracy)).toBeLessThan(0.015);
    expect(r.qatAccuracy).toBeGreaterThan(0.85);
    expect(r.leakedTensors).toBe(0);
  });
});
