/**
 * Briefly trained (or hand-made) networks beside their integer models, for the tests that hold
 * the integer kernels against TF.js fake quantization (kernels.model, kernels.lenet, kernelLogits).
 * The conversion itself is the product's (src/gpu/pipeline.ts integerModel / toIntegerModel).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { maxOf } from '../../src/core/arrays';
import { predictedClasses, type IntegerMlpOptions } from '../../src/core/kernels/fromNetwork';
import {
  defaultConfig,
  forward,
  INPUT_SIZE,
  NUM_CLASSES,
  calibrateWeightClips,
  quantizedForward,
  type Config,
  type LayerWeights,
  type Network,
  type QuantConfig,
} from '../../src/tf';
import type { IntegerModel } from '../../src/gpu/pipeline';

/** A quantization setting of a trained case, named. */
export interface QuantCase {
  id: string;
  overrides: Partial<Config>;
}

/** The settings the integer kernels run, each trained briefly and held against TF.js. */
export const TRAINED_CASES: readonly QuantCase[] = [
  { id: 'LightNN-1, 8-bit ReLU', overrides: { weights: { kind: 'lightnn', k: 1 }, activations: { kind: 'relu', bits: 8 } } },
  { id: 'LightNN-2, 8-bit ReLU', overrides: { weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'relu', bits: 8 } } },
  { id: 'fixed-4, 8-bit ReLU', overrides: { weights: { kind: 'fixed', bits: 4 }, activations: { kind: 'relu', bits: 8 } } },
  { id: 'BinaryConnect, float ReLU', overrides: { weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'relu' } } },
  { id: 'BinaryNet', overrides: { weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'sign' } } },
];

/** A short QAT run: `model` trained one epoch on `trainSize` seeded images, `testSize` test images, both seeds `seed`, then `overrides`. */
export function briefQatConfig(
  model: Config['model'],
  seed: number,
  sizes: { trainSize: number; testSize: number },
  overrides: Partial<Config> = {},
): Config {
  return { ...defaultConfig(), model, ...sizes, epochs: 1, training: 'qat', dataSeed: seed, initSeed: seed, ...overrides };
}

/** A quantization setting written by hand: 8-bit inputs and no per-layer schemes unless `extra` says. */
export function quantConfig(weights: QuantConfig['weights'], activations: QuantConfig['activations'], extra: Partial<QuantConfig> = {}): QuantConfig {
  return { weights, activations, inputBits: 8, layers: [], ...extra };
}

/** A layer's float weights, uniform in ±spread (biases in ±biasSpread), drawn from `rng`. */
export function randomLayerWeights(rng: () => number, name: string, shape: number[], spread: number, biasSpread = 0.05): LayerWeights {
  return {
    name,
    shape,
    kernel: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * rng() - 1) * spread),
    bias: Float32Array.from({ length: shape[shape.length - 1] }, () => (2 * rng() - 1) * biasSpread),
  };
}

export interface TfForward {
  logits: Float32Array;
  /** The first layer's activations, [n][units] or [n][height][width][channels]. */
  first: Float32Array;
  /** Those after a 2x2 max-pool (`poolFirst`), else null. */
  firstPooled: Float32Array | null;
}

/** The TF.js evaluation forward pass (quantizedForward, eval, with `clips`) on [n][784] pixels. */
export async function tfForward(
  net: Network,
  q: QuantConfig,
  clips: number[] | undefined,
  pixels: Float32Array,
  n: number,
  poolFirst = false,
): Promise<TfForward> {
  const options = quantizedForward(net, q, { mode: 'eval', activationClips: clips, weightClips: await calibrateWeightClips(net, q) });
  const kept: tf.Tensor[] = [];
  const logits = tf.tidy(() =>
    forward(net, tf.tensor2d(pixels, [n, INPUT_SIZE]), {
      ...options,
      activation: (z, index, layer) => {
        const a = options.activation ? options.activation(z, index, layer) : tf.relu(z);
        if (index === 0) {
          kept.push(tf.keep(a));
          if (poolFirst) kept.push(tf.keep(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')));
        }
        return a;
      },
    }),
  );
  try {
    return {
      logits: (await logits.data()) as Float32Array,
      first: (await kept[0].data()) as Float32Array,
      firstPooled: poolFirst ? ((await kept[1].data()) as Float32Array) : null,
    };
  } finally {
    logits.dispose();
    kept.forEach((t) => t.dispose());
  }
}

/** Replaces the network's float biases by the integer model's (bias_int x accumulator unit), so that both hold the same numbers. */
export function snapBiases(net: Network, model: Pick<IntegerModel, 'layers' | 'scales'>): void {
  const weightLayers = (model.layers as readonly object[]).filter((l): l is { bias: Int32Array } => 'bias' in l);
  net.params.forEach((p, i) => {
    const snapped = Float32Array.from(weightLayers[i].bias, (b) => b * model.scales[i].accScale);
    tf.tidy(() => p.bias.assign(tf.tensor1d(snapped)));
  });
}

export interface Agreement {
  intPred: Int32Array;
  intAccuracy: number;
  tfAccuracy: number;
  /** Fraction of images where both predict the same class. */
  agreement: number;
  disagreements: number;
  /** Images whose top integer logit is tied (argmax takes the first class there). */
  tiedTop: number;
  /** Disagreements among those. */
  tiedTopDisagreements: number;
}

function accuracy(pred: Int32Array, labels: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) hits++;
  return hits / pred.length;
}

/** Integer logits, [n][10], against TF.js's predictions on the same labelled images. */
export function compareWithTf(intLogits: Int32Array, tfPred: Int32Array, labels: Int32Array): Agreement {
  const intPred = predictedClasses(intLogits, NUM_CLASSES);
  let disagreements = 0;
  let tiedTop = 0;
  let tiedTopDisagreements = 0;
  for (let i = 0; i < intPred.length; i++) {
    const row = intLogits.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
    const top = maxOf(row);
    const tied = row.filter((v) => v === top).length > 1;
    if (tied) tiedTop++;
    if (intPred[i] !== tfPred[i]) {
      disagreements++;
      if (tied) tiedTopDisagreements++;
    }
  }
  return {
    intPred,
    intAccuracy: accuracy(intPred, labels),
    tfAccuracy: accuracy(tfPred, labels),
    agreement: (intPred.length - disagreements) / intPred.length,
    disagreements,
    tiedTop,
    tiedTopDisagreements,
  };
}

/** Agreement and accuracy bounds of a trained case (from a sweep over seeds). */
export interface Bounds {
  minAgreement: number;
  maxDeltaPp: number;
}

/**
 * The integer model agrees with TF.js within `bounds`; with sign activations (exact sign layers)
 * every disagreement is an image whose top integer logits tie.
 */
export function expectAgreement(c: QuantCase, r: Agreement, bounds: Bounds): void {
  expect(r.agreement).toBeGreaterThanOrEqual(bounds.minAgreement);
  expect(Math.abs(r.intAccuracy - r.tfAccuracy) * 100).toBeLessThanOrEqual(bounds.maxDeltaPp);
  if (c.overrides.activations?.kind === 'sign') expect(r.tiedTopDisagreements).toBe(r.disagreements);
}

/** The fields every case summary logs. */
export function summaryFields(r: Pick<Agreement, 'agreement' | 'intAccuracy' | 'tfAccuracy'> & { model: Pick<IntegerModel, 'scales'>; clips?: number[] }) {
  return {
    tfAccuracy: r.tfAccuracy,
    intAccuracy: r.intAccuracy,
    deltaPp: +((r.intAccuracy - r.tfAccuracy) * 100).toFixed(2),
    agreement: r.agreement,
    clips: r.clips?.map((v) => +v.toPrecision(4)),
    effectiveClips: r.model.scales.flatMap((s) => (s.effectiveClip === undefined ? [] : [+s.effectiveClip.toPrecision(4)])),
  };
}

/**
 * An accumulator exactly halfway between two steps of `>> rshift` below the top of `levels`:
 * the kernel rounds it up, TF.js rounds its float32 sum, which can sit just either side.
 */
export function isRoundingTie(acc: number, rshift: number, levels: number): boolean {
  return acc > 0 && acc % 2 ** rshift === 2 ** (rshift - 1) && Math.floor(acc / 2 ** rshift) < levels;
}

/** `compute` once per id, its promise shared by every test that asks (trained once for the CPU and GPU tests). */
export function oncePerId<C extends { id: string }, R>(compute: (c: C) => Promise<R>): (c: C) => Promise<R> {
  const results = new Map<string, Promise<R>>();
  return (c) => {
    let promise = results.get(c.id);
    if (!promise) {
      promise = compute(c);
      results.set(c.id, promise);
    }
    return promise;
  };
}

/** The cases a sweep runs: all for '1', else those whose id contains `filter`. */
export function sweptCases<C extends QuantCase>(cases: readonly C[], filter: string): C[] {
  return cases.filter((c) => filter === '1' || c.id.includes(filter));
}

/** Conversion options a sweep tries: both shift roundings where `bothRoundings`, else the default. */
export function sweptOptions(bothRoundings: boolean): (IntegerMlpOptions | undefined)[] {
  return bothRoundings ? [{ rshiftRounding: 'nearest' }, { rshiftRounding: 'up' }] : [undefined];
}
