/**
 * Learning-rate schedules: the rate of each epoch (hand-worked), the URL and CLI text, and that
 * training really steps with the scheduled rate (SGD without momentum: a step is lr times the
 * gradient, so a 1000x smaller rate makes a ~1000x smaller step).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeConfig, defaultConfig, encodeConfig, updateConfig } from '../../src/core/config';
import { learningRateAt, type LrSchedule } from '../../src/core/lrSchedule';
import { createNetwork, disposeNetwork, readWeights, selectTestSubset, selectTrainingSubset, train, type TrainOptions } from '../../src/tf';
import { useNodeBackend } from '../../src/tf/tfNode';
import { parseCli } from '../../src/cli/args';
import { loadMnistFromPackage } from '../helpers/mnist';

describe('learningRateAt', () => {
  const rates = (schedule: LrSchedule, lr: number, epochs: number) =>
    Array.from({ length: epochs }, (_, i) => learningRateAt(schedule, lr, i + 1, epochs));

  it('constant keeps lr', () => {
    expect(rates({ kind: 'constant' }, 0.002, 3)).toEqual([0.002, 0.002, 0.002]);
  });

  it('exp multiplies by the decay after each epoch', () => {
    // 0.1 * 0.5^0, 0.1 * 0.5^1, 0.1 * 0.5^2 (powers of two: exact)
    expect(rates({ kind: 'exp', decay: 0.5 }, 0.1, 3)).toEqual([0.1, 0.05, 0.025]);
    expect(rates({ kind: 'exp', decay: 1 }, 0.3, 4)).toEqual([0.3, 0.3, 0.3, 0.3]);
  });

  it('cosine goes from lr down half a cosine period over the run', () => {
    // lr (1 + cos(pi (e - 1) / 4)) / 2 for e = 1..4: 1, (1 + sqrt(2)/2)/2, 1/2, (1 - sqrt(2)/2)/2
    const got = rates({ kind: 'cosine' }, 1, 4);
    const want = [1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2];
    got.forEach((rate, i) => expect(rate).toBeCloseTo(want[i], 15));
    expect(learningRateAt({ kind: 'cosine' }, 0.01, 1, 1)).toBe(0.01);
  });
});

describe('lrSchedule in the URL, the knobs and the CLI', () => {
  it('is left out while constant and round-trips otherwise', () => {
    expect(encodeConfig(defaultConfig())).not.toContain('lrSchedule');
    for (const schedule of [{ kind: 'exp', decay: 0.9 }, { kind: 'cosine' }, { kind: 'exp', decay: 1 }] as LrSchedule[]) {
      const url = encodeConfig({ ...defaultConfig(), lrSchedule: schedule });
      const decoded = decodeConfig(url);
      expect(decoded.notices).toEqual([]);
      expect(decoded.config.lrSchedule).toEqual(schedule);
    }
    expect(encodeConfig({ ...defaultConfig(), lrSchedule: { kind: 'exp', decay: 0.9 } })).toContain('lrSchedule=exp:0.9');
  });

  it.each(['exp:0', 'exp:1.5', 'exp:x', 'exp', 'linear', ''])('refuses lrSchedule=%j with a message and keeps constant', (text) => {
    const { config, notices } = decodeConfig(`lrSchedule=${text}`);
    expect(config.lrSchedule).toEqual({ kind: 'constant' });
    expect(notices).toHaveLength(1);
    expect(notices[0].message).toMatch(/^lrSchedule=".*" is not valid \(.+\); using the default constant\.$/);
  });

  it('takes typed text from a knob', () => {
    const updated = updateConfig(defaultConfig(), 'lrSchedule', 'exp:0.8');
    expect(updated.ok && updated.config.lrSchedule).toEqual({ kind: 'exp', decay: 0.8 });
    const refused = updateConfig(defaultConfig(), 'lrSchedule', 'exp:2');
    expect(refused.ok).toBe(false);
  });

  it('is a seed-command flag', () => {
    const cmd = parseCli(['seed003', '--model', 'mlp1', '--lr-schedule', 'exp:0.9']);
    expect(cmd.command === 'seed003' && cmd.base.lrSchedule).toEqual({ kind: 'exp', decay: 0.9 });
    expect(() => parseCli(['seed003', '--model', 'mlp1', '--lr-schedule', 'linear'])).toThrow(/--lr-schedule: lrSchedule="linear" is not valid/);
  });
});

describe('training with a schedule (cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  /** Euclidean norm of the change of every weight between two snapshots. */
  const stepNorm = (a: Float32Array[], b: Float32Array[]) =>
    Math.sqrt(a.reduce((sum, kernel, l) => sum + kernel.reduce((s, v, i) => s + (b[l][i] - v) ** 2, 0), 0));

  /** Two epochs of one batch each; returns each epoch's weight change and the epochs' reported rates. */
  async function twoSteps(lrSchedule: LrSchedule, optimizer: TrainOptions['optimizer']) {
    const { train: all, test } = loadMnistFromPackage();
    const options: TrainOptions = { epochs: 2, batch: 64, lr: 0.05, optimizer, momentum: 0, dataSeed: 3, lrSchedule };
    const before = tf.memory().numTensors;
    const net = createNetwork({ model: 'mlp1' }, 5);
    const snapshots: Float32Array[][] = [];
    const snapshot = async () => {
      snapshots.push((await readWeights(net)).map((w) => w.kernel));
    };
    const result = await train(net, { train: selectTrainingSubset(all, 64, 3), test: selectTestSubset(test, 100) }, options, {
      beforeEpoch: snapshot,
    });
    await snapshot();
    disposeNetwork(net);
    return { steps: [stepNorm(snapshots[0], snapshots[1]), stepNorm(snapshots[1], snapshots[2])], rates: result.epochs.map((e) => e.lr), leaked: tf.memory().numTensors - before };
  }

  // Adam's step is about lr per weight whatever the gradient's size: the same ratios hold.
  it.each(['sgd', 'adam'] as const)('%s steps with the scheduled rate and reports it per epoch, leaking no tensor', async (optimizer) => {
    const constant = await twoSteps({ kind: 'constant' }, optimizer);
    expect(constant.rates).toEqual([0.05, 0.05]);
    // Same rate, similar gradients: steps of the same order.
    expect(constant.steps[1] / constant.steps[0]).toBeGreaterThan(0.3);

    const decayed = await twoSteps({ kind: 'exp', decay: 0.001 }, optimizer);
    expect(decayed.rates).toEqual([0.05, 0.05 * 0.001]);
    expect(decayed.steps[0]).toBeCloseTo(constant.steps[0], 6);
    const ratio = decayed.steps[1] / decayed.steps[0];
    expect(ratio).toBeLessThan(0.003);
    expect(ratio).toBeGreaterThan(0.0003);

    // Each rate change replaces the optimizer's kept scalar; train frees the last one.
    expect(constant.leaked).toBe(0);
    expect(decayed.leaked).toBe(0);
  });
});
