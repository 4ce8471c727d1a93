import { describe, expect, it } from 'vitest';
import {
  defaultConfig,
  holdoutSplit,
  largestNormUnits,
  modelResource,
  netAdapt,
  parameterCount,
  proposeWidth,
  prunableLayerNames,
  prunableWidths,
  pruneUnits,
  resourceTargets,
  trainingOrder,
  trainSizeBesideHoldout,
  holdoutSeenCount,
  uniformWidths,
  unitNorms,
  withWidths,
  type Config,
  type FinetuneProposal,
  type LayerWeights,
} from '../../src/core';
import { maxOf } from '../../src/core/arrays';
import { decodeConfig, encodeConfig } from '../../src/core/config';

const layer = (name: string, shape: number[], kernel: number[], bias?: number[]): LayerWeights => ({
  name,
  shape,
  kernel: Float32Array.from(kernel),
  bias: Float32Array.from(bias ?? new Array<number>(shape[shape.length - 1]).fill(0)),
});

describe('NetAdapt widths as config', () => {
  it('counts the parameters of any lenet and adapted mlp1 by formula', () => {
    // conv1 25 c1 + c1, conv2 25 c1 c2 + c2, fc1 16 c2 d + d (4x4xc2 flattened), output 10 d + 10.
    const lenet = (c1: number, c2: number, d: number) => 25 * c1 + c1 + 25 * c1 * c2 + c2 + 16 * c2 * d + d + 10 * d + 10;
    expect(lenet(20, 50, 500)).toBe(431_080);
    expect(parameterCount({ model: 'lenet' })).toBe(431_080);
    expect(parameterCount({ model: 'lenet', lenetWidths: [10, 20, 100] })).toBe(38_390);
    expect(parameterCount({ model: 'lenet', lenetWidths: [3, 7, 11] })).toBe(lenet(3, 7, 11));
    // mlp1 adapted is mlp with one hidden layer: 784 h + h + 10 h + 10.
    const mlp1 = withWidths(defaultConfig(), [49]);
    expect(mlp1.model).toBe('mlp');
    expect(parameterCount(mlp1)).toBe(38_965);
    expect(parameterCount(withWidths(defaultConfig(), [100]))).toBe(parameterCount({ model: 'mlp1' }));
  });

  it('names and reads the prunable widths of each model', () => {
    expect(prunableWidths({ model: 'mlp1' })).toEqual([100]);
    expect(prunableWidths({ model: 'lenet' })).toEqual([20, 50, 500]);
    expect(prunableLayerNames({ model: 'lenet' })).toEqual(['conv1', 'conv2', 'fc1']);
    expect(prunableLayerNames({ model: 'mlp', hidden: [8, 4] })).toEqual(['hidden1', 'hidden2']);
    expect(() => withWidths({ model: 'lenet' }, [1, 2])).toThrow(/3 prunable widths/);
  });

  it('keeps an adapted lenet in the URL', () => {
    const config: Config = { ...defaultConfig(), model: 'lenet', lenetWidths: [12, 31, 207] };
    const text = encodeConfig(config);
    expect(text).toContain('lenetWidths=12,31,207');
    expect(decodeConfig(text).config.lenetWidths).toEqual([12, 31, 207]);
    // The default widths, or another model, write nothing.
    expect(encodeConfig({ ...config, lenetWidths: [20, 50, 500] })).not.toContain('lenetWidths');
    expect(encodeConfig({ ...config, model: 'mlp1' })).not.toContain('lenetWidths');
    expect(decodeConfig('model=lenet&lenetWidths=1,2').notices[0].message).toMatch(/lenetWidths="1,2" is not valid/);
  });
});

describe('NetAdapt resource schedule', () => {
  it('decays the steps and lands on the budget', () => {
    // Cut 50 in steps s, s/2, s/4 with s (1 + 1/2 + 1/4) = 50: s = 200/7.
    const targets = resourceTargets(100, 0.5, 3, 0.5);
    expect(targets[0]).toBeCloseTo(100 - 200 / 7, 12);
    expect(targets[1]).toBeCloseTo(100 - 300 / 7, 12);
    expect(targets[2]).toBe(50);
    expect(resourceTargets(1000, 0.4, 3, 1)).toEqual([800, 600, 400]);
    expect(() => resourceTargets(1, 0, 3)).toThrow(/budget/);
  });
});

describe('NetAdapt per-layer lookup', () => {
  const params = modelResource('params');
  it('picks the widest width meeting the target', () => {
    // mlp 784-h-10: 795 h + 10 parameters; 40,000 allows h = 50 (39,760), not 51 (40,555).
    const config = { ...defaultConfig(), model: 'mlp' as const, hidden: [100] };
    expect(proposeWidth(config, 0, 40_000, params)).toBe(50);
    expect(proposeWidth(config, 0, 39_759, params)).toBe(49);
    // Below one unit's 805 parameters nothing fits.
    expect(proposeWidth(config, 0, 804, params)).toBeNull();
  });

  it('scales every width by one multiplier for the uniform baseline', () => {
    const config = { ...defaultConfig(), model: 'mlp' as const, hidden: [100, 50] };
    const u = uniformWidths(config, 0.5, params);
    expect(u.widths).toEqual([100, 50].map((w) => Math.max(1, Math.round(u.multiplier * w))));
    expect(u.resource).toBeLessThanOrEqual(0.5 * parameterCount(config));
    expect(u.resource).toBe(parameterCount(withWidths(config, u.widths)));
    // One step wider on the multiplier no longer fits.
    const wider = [100, 50].map((w) => Math.round((u.multiplier + 0.01) * w));
    expect(parameterCount(withWidths(config, wider))).toBeGreaterThan(0.5 * parameterCount(config));
  });
});

describe('NetAdapt pruning', () => {
  // Dense 3 -> 4: unit norms 1, 2, 5, sqrt 2.
  const dense0 = layer('hidden1', [3, 4], [1, 0, 3, 0, 0, 2, 4, 1, 0, 0, 0, 1], [10, 11, 12, 13]);
  const dense1 = layer('output', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8], [0.5, -0.5]);

  it('measures each unit by the L2 norm of its incoming weights and keeps the largest', () => {
    expect(Array.from(unitNorms(dense0))).toEqual([1, 2, 5, Math.SQRT2]);
    expect(largestNormUnits(unitNorms(dense0), 2)).toEqual([1, 2]);
    expect(largestNormUnits(unitNorms(dense0), 3)).toEqual([1, 2, 3]);
    // Ties keep the lower index.
    expect(largestNormUnits([1, 1, 1], 2)).toEqual([0, 1]);
  });

  it('removes the units, their biases and the next layer inputs (dense)', () => {
    const [a, b] = pruneUnits([dense0, dense1], 0, [1, 2]);
    expect(a.shape).toEqual([3, 2]);
    expect(Array.from(a.kernel)).toEqual([0, 3, 2, 4, 0, 0]);
    expect(Array.from(a.bias)).toEqual([11, 12]);
    expect(b.shape).toEqual([2, 2]);
    expect(Array.from(b.kernel)).toEqual([3, 4, 5, 6]);
    expect(Array.from(b.bias)).toEqual([0.5, -0.5]);
    // The input is not changed.
    expect(dense0.kernel.length).toBe(12);
  });

  it('removes filters and the matching conv input channels or flattened rows', () => {
    // 1x1 conv, 3 filters (norms 0.5, 3, 2): keep filters 1 and 2.
    const conv = layer('conv1', [1, 1, 1, 3], [0.5, -3, 2], [1, 2, 3]);
    // After an NHWC flatten of 2 pixels x 3 channels, rows p*3 + c.
    const flat = layer('fc1', [6, 1], [1, 2, 3, 4, 5, 6]);
    const [c, f] = pruneUnits([conv, flat], 0, largestNormUnits(unitNorms(conv), 2));
    expect(Array.from(c.kernel)).toEqual([-3, 2]);
    expect(Array.from(c.bias)).toEqual([2, 3]);
    expect(f.shape).toEqual([4, 1]);
    expect(Array.from(f.kernel)).toEqual([2, 3, 5, 6]);
    // A 1x2 conv after it: [kh][kw][inC][outC] loses input channel 0 at both positions.
    const next = layer('conv2', [1, 2, 3, 1], [1, 2, 3, 4, 5, 6]);
    const [, n] = pruneUnits([conv, next], 0, [1, 2]);
    expect(n.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(n.kernel)).toEqual([2, 3, 5, 6]);
  });

  it('prunes hysteresis signs exactly as the kernels', () => {
    const signs = (w: LayerWeights) => ({ ...w, signs: w.kernel.map((v) => (v >= 0 ? 1 : -1)) });
    const [a, b] = pruneUnits([{ ...signs(dense0) }, { ...signs(dense1) }], 0, [1, 2]);
    expect(Array.from(a.signs!)).toEqual(Array.from(a.kernel).map((v) => (v >= 0 ? 1 : -1)));
    expect(Array.from(b.signs!)).toEqual([1, 1, 1, 1]);
  });

  it('slices batch normalisation with the units', () => {
    const withBn: LayerWeights = {
      ...dense0,
      batchNorm: { gamma: Float32Array.from([1, 2, 3, 4]), beta: Float32Array.from([5, 6, 7, 8]), mean: Float32Array.from([0, 1, 2, 3]), variance: Float32Array.from([9, 8, 7, 6]), epsilon: 1e-4 },
    };
    const [a] = pruneUnits([withBn, dense1], 0, [0, 3]);
    expect(Array.from(a.batchNorm!.gamma)).toEqual([1, 4]);
    expect(Array.from(a.batchNorm!.variance)).toEqual([9, 6]);
  });
});

describe('NetAdapt holdout split', () => {
  it('is the images after the training subset in the data seed order, disjoint from it', () => {
    const split = holdoutSplit(60_000, 5000, 1000, 7);
    expect(Array.from(split.train)).toEqual(Array.from(trainingOrder(60_000, 7).subarray(0, 5000)));
    const train = new Set(split.train);
    expect(split.holdout.length).toBe(1000);
    expect(new Set(split.holdout).size).toBe(1000);
    expect(Array.from(split.holdout).some((i) => train.has(i))).toBe(false);
    expect(Array.from(holdoutSplit(60_000, 5000, 1000, 7).holdout)).toEqual(Array.from(split.holdout));
    expect(Array.from(holdoutSplit(60_000, 5000, 1000, 8).holdout)).not.toEqual(Array.from(split.holdout));
    // The whole training set: the holdout is the subset's last images, not trained on.
    const full = holdoutSplit(60_000, 60_000, 1000, 7);
    expect(full.train.length).toBe(59_000);
    expect(new Set([...full.train, ...full.holdout]).size).toBe(60_000);
  });

  it('trainSizeBesideHoldout stops the first training short of the holdout, so no proposal is compared on images it trained on', () => {
    expect(trainSizeBesideHoldout(60_000, 60_000, 2000)).toBe(58_000);
    expect(trainSizeBesideHoldout(60_000, 5000, 2000)).toBe(5000);
    const trained = new Set(trainingOrder(60_000, 3).subarray(0, trainSizeBesideHoldout(60_000, 60_000, 2000)));
    const split = holdoutSplit(60_000, 58_000, 2000, 3);
    expect(Array.from(split.holdout).some((i) => trained.has(i))).toBe(false);
    expect(split.train.length).toBe(58_000);
    // Trained on the whole subset the holdout came from: that many were seen.
    expect(holdoutSeenCount(60_000, 60_000, 2000)).toBe(2000);
    expect(holdoutSeenCount(60_000, 59_000, 2000)).toBe(2000);
    expect(holdoutSeenCount(60_000, 58_000, 2000)).toBe(0);
    const seen = holdoutSplit(60_000, 59_000, 2000, 3);
    const first = new Set(trainingOrder(60_000, 3).subarray(0, 59_000));
    expect(Array.from(seen.holdout).filter((i) => first.has(i)).length).toBe(holdoutSeenCount(60_000, 59_000, 2000));
  });
});

describe('NetAdapt iterations (fake fine-tune)', () => {
  const params = modelResource('params');
  const config = { ...defaultConfig(), model: 'mlp' as const, hidden: [64, 32] };
  const weights = (widths: number[]): LayerWeights[] => {
    const sizes = [784, ...widths, 10];
    return sizes.slice(1).map((units, i) => layer(`l${i}`, [sizes[i], units], Array.from({ length: sizes[i] * units }, (_, j) => Math.sin(j + i))));
  };
  // Prefers cutting hidden2: its proposals score higher.
  const finetune: FinetuneProposal<typeof config> = (c, w) => Promise.resolve({ weights: w, holdoutAccuracy: c.hidden[0] / 64 });

  it('keeps the best proposal, cuts the resource every iteration and meets the budget', async () => {
    const seen: number[] = [];
    const result = await netAdapt(config, weights([64, 32]), params, finetune, {
      budget: 0.5,
      iterations: 4,
      finetuneBatches: 1,
      initialHoldoutAccuracy: 0.9,
      onIteration: (s) => seen.push(s.iteration),
    });
    expect(result.status).toBe('done');
    const resources = result.steps.map((s) => s.resource);
    expect(resources[0]).toBe(parameterCount(config));
    for (let i = 1; i < resources.length; i++) {
      expect(resources[i]).toBeLessThan(resources[i - 1]);
      expect(resources[i]).toBeLessThanOrEqual(result.steps[i].target);
      const best = maxOf(result.steps[i].proposals.map((p) => p.holdoutAccuracy));
      expect(result.steps[i].holdoutAccuracy).toBe(best);
    }
    expect(resources[resources.length - 1]).toBeLessThanOrEqual(0.5 * parameterCount(config));
    expect(seen).toEqual(result.steps.map((s) => s.iteration));
    expect(result.config.hidden).toEqual(result.steps[result.steps.length - 1].widths);
    // The weights match the widths.
    expect(result.weights.map((w) => w.shape)).toEqual([[784, result.config.hidden[0]], [result.config.hidden[0], result.config.hidden[1]], [result.config.hidden[1], 10]]);
  });

  it('stops on abort, keeping the iterations done', async () => {
    const controller = new AbortController();
    let calls = 0;
    const result = await netAdapt(
      config,
      weights([64, 32]),
      params,
      (c, w, context) => {
        calls++;
        // Iteration 2's first fine-tune is cancelled, and throws as the TF.js one does.
        if (context.iteration === 2) {
          controller.abort();
          return Promise.reject(new DOMException('cancelled', 'AbortError'));
        }
        return finetune(c, w, { iteration: 0, layerIndex: 0 });
      },
      { budget: 0.2, iterations: 5, finetuneBatches: 1, initialHoldoutAccuracy: 0.9, signal: controller.signal },
    );
    expect(result.status).toBe('cancelled');
    // Iteration 1 finished; iteration 2 was cut short at its first proposal.
    expect(result.steps.map((s) => s.iteration)).toEqual([0, 1]);
    expect(calls).toBe(result.steps[1].proposals.length + 1);
    expect(result.config.hidden).toEqual(result.steps[1].widths);
  });
});
