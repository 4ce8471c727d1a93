/**
 * NetAdapt's TF.js half: networks from plain weights, the short fine-tune of each proposal and
 * its holdout accuracy, the final longer fine-tune, the one test evaluation at the end, and the
 * uniform width-scaling baseline. The algorithm itself is src/core/netadapt. Every tensor made
 * here is freed before it returns, on cancel (AbortSignal) and on error too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Config } from '../core/config';
import { subset, type ImageSet, type MnistData } from '../core/data';
import { holdoutSplit, isAbort, netAdapt, uniformWidths, withWidths, type AdaptWeights, type NetAdaptOptions, type NetAdaptStep, type Resource } from '../core/netadapt';
import { quantOf } from '../core/quant/quantConfig';
import { CONSTANT_LR, learningRateAt } from '../core/lrSchedule';
import { deriveSeed } from '../core/rng';
import { evaluatePtq, readHysteresisSigns, runConfig, trainingHooks } from './experiment';
import { createNetwork, disposeNetwork, readWeights, type Network } from './network';
import { isFloatConfig } from './quantizedNetwork';
import { evaluate, selectTestSubset, train } from './train';

/** A network of `config`'s architecture holding `weights` (copies; batch-norm averages continue at momentum 0.9). */
/** Hysteresis signs that came with a network's weights, for the training hooks it gets. */
const carriedSigns = new WeakMap<Network, (Float32Array | undefined)[]>();

export function networkFromWeights(config: Config, weights: readonly AdaptWeights[]): Network {
  const net = createNetwork(config, config.initSeed);
  try {
    if (weights.length !== net.params.length) throw new Error(`${weights.length} weight layers for a network of ${net.params.length}`);
    net.params.forEach((p, i) => {
      const w = weights[i];
      if (w.shape.join(',') !== p.kernel.shape.join(',')) {
        throw new Error(`layer ${i} "${p.layer.name}": weights of shape [${w.shape.join(', ')}] for a kernel of [${p.kernel.shape.join(', ')}]`);
      }
      tf.tidy(() => {
        p.kernel.assign(tf.tensor(w.kernel, p.kernel.shape));
        p.bias.assign(tf.tensor1d(w.bias));
        if (p.norm && w.batchNorm) {
          p.norm.gamma.assign(tf.tensor1d(w.batchNorm.gamma));
          p.norm.beta.assign(tf.tensor1d(w.batchNorm.beta));
          p.norm.movingMean.assign(tf.tensor1d(w.batchNorm.mean));
          p.norm.movingVariance.assign(tf.tensor1d(w.batchNorm.variance));
        }
      });
      // Past the plain-average start: momentum min(0.9, 1 - 1/t) is 0.9 from here on.
      if (p.norm) p.norm.updates = 10;
    });
    if (weights.some((w) => w.signs)) carriedSigns.set(net, weights.map((w) => w.signs));
  } catch (error) {
    disposeNetwork(net);
    throw error;
  }
  return net;
}

const abortError = () => new DOMException('NetAdapt cancelled', 'AbortError');

/**
 * Trains `net` for `batches` steps of `config` (its optimizer and batch size; at the constant rate
 * its schedule ended on, or with `rate` 'schedule' its whole schedule over those batches' epochs)
 * with `dataSeed`'s shuffling, through the quantizers when config.training is qat, then returns
 * the accuracy on `evalSet` as the config's model has it (QAT: the quantized pass; float training
 * of a quantized config: post-training quantization; float: float).
 */
async function tuneAndEvaluate(
  net: Network,
  config: Config,
  trainSet: ImageSet,
  evalSet: ImageSet,
  batches: number,
  dataSeed: number,
  signal?: AbortSignal,
  rate: 'end' | 'schedule' = 'end',
): Promise<{ accuracy: number; weights: AdaptWeights[] }> {
  const batch = Math.max(1, Math.min(config.batch, trainSet.count));
  const epochs = Math.max(1, Math.ceil(batches / Math.ceil(trainSet.count / batch)));
  let steps = 0;
  const { hooks, hysteresis, dispose } = trainingHooks(net, config, trainSet, {
    onBatch: () => steps++,
    // Stops between batches: a cancel frees nothing mid-step, and the caller frees the network.
    control: { shouldStop: () => steps >= batches || signal?.aborted === true, waitWhilePaused: () => Promise.resolve() },
  });
  try {
    // The signs the model was using, not ones re-derived from the latent weights.
    hysteresis?.signs.forEach((v, i) => {
      const kept = carriedSigns.get(net)?.[i];
      if (v && kept) tf.tidy(() => v.assign(tf.tensor(kept, v.shape)));
    });
    if (batches > 0) {
      // Short fine-tunes at the rate the trained network's schedule ended on: the config's starting
      // rate would undo its annealing (mlp1 LightNN-2, exp:0.8 over 10 epochs: 1.3 pp lost after 100
      // batches at 0.002). The final fine-tune runs the schedule's last `epochs` epochs: all of it
      // when it is as long as the training, only the end rate when it is one epoch (the page's).
      // Exact for exp and constant; cosine starts a half-cosine of its own from that epoch's rate.
      const schedule =
        rate === 'schedule'
          ? { lr: learningRateAt(config.lrSchedule, config.lr, Math.max(1, config.epochs - epochs + 1), config.epochs), lrSchedule: config.lrSchedule }
          : { lr: learningRateAt(config.lrSchedule, config.lr, config.epochs, config.epochs), lrSchedule: CONSTANT_LR };
      const result = await train(net, { train: trainSet, test: evalSet }, { ...config, ...schedule, epochs, dataSeed }, hooks);
      if (result.status === 'diverged') throw new Error(`fine-tuning diverged (loss ${result.divergedAt?.loss})`);
    }
    if (signal?.aborted) throw abortError();
    const weights: AdaptWeights[] = await readWeights(net);
    const signs = hysteresis ? await readHysteresisSigns(hysteresis) : [];
    signs.forEach((v, i) => v && (weights[i].signs = v));
    const q = quantOf(config);
    if (isFloatConfig(q)) return { accuracy: (await evaluate(net, evalSet)).accuracy, weights };
    if (config.training === 'qat') {
      // The QAT model's own evaluation pass (weight clips, hysteresis), as runConfig's test accuracy.
      if (batches === 0) await hooks.beforeEpoch?.(1);
      await hooks.beforeForward?.('test');
      return { accuracy: (await evaluate(net, evalSet, 500, hooks.evalForwardOptions ?? hooks.forwardOptions)).accuracy, weights };
    }
    return { accuracy: (await evaluatePtq(net, q, evalSet, trainSet)).accuracy, weights };
  } finally {
    dispose();
  }
}

export interface AdaptOptions extends Omit<NetAdaptOptions, 'onIteration'> {
  /** Training images held out to compare proposals (holdoutSplit). */
  holdout: number;
  /** Epochs of the final fine-tune over the training split. */
  finalEpochs: number;
  /** Also train the uniform width-scaling baseline to the same budget (from scratch, config.epochs). */
  uniformBaseline?: boolean;
  /** The trained network's hysteresis signs (RunOutcome.hysteresisSigns), for seed 002's binary weights. */
  hysteresisSigns?: (Float32Array | null)[];
  onIteration?(step: NetAdaptStep): void;
}

export interface UniformBaseline {
  multiplier: number;
  widths: number[];
  resource: number;
  resourceRatio: number;
  config: Config;
  testAccuracy: number | null;
}

export interface AdaptOutcome {
  status: 'done' | 'cancelled' | 'stuck';
  /** The adapted network's config (its widths: a URL holds it). */
  config: Config;
  /** The adapted network's weights after the final fine-tune (before it when cancelled), with hysteresis signs where the config has them. */
  weights: AdaptWeights[];
  steps: NetAdaptStep[];
  initialResource: number;
  resource: number;
  /** Test accuracy of the final network, measured once; null when cancelled. */
  testAccuracy: number | null;
  /** Holdout accuracy after the final fine-tune; null when cancelled. */
  finalHoldoutAccuracy: number | null;
  uniform: UniformBaseline | null;
}

/**
 * Adapts a trained `network` of `config` to `options.budget` of `resource`. The network stays the
 * caller's. The holdout split comes from the training set by config.dataSeed; the test subset
 * (config.testSize) is evaluated once, at the end.
 */
export async function adaptNetwork(network: Network, config: Config, data: MnistData, resource: Resource, options: AdaptOptions): Promise<AdaptOutcome> {
  const split = holdoutSplit(data.train.count, config.trainSize, options.holdout, config.dataSeed);
  const trainSet = subset(data.train, split.train);
  const holdoutSet = subset(data.train, split.holdout);
  const initialWeights: AdaptWeights[] = await readWeights(network);
  options.hysteresisSigns?.forEach((v, i) => v && (initialWeights[i].signs = v));
  const initialHoldoutAccuracy = (await withNetwork(config, initialWeights, (net) => tuneAndEvaluate(net, config, trainSet, holdoutSet, 0, config.dataSeed))).accuracy;
  const adapted = await netAdapt(
    config,
    initialWeights,
    resource,
    (proposal, weights, { iteration, signal }) =>
      withNetwork(proposal, weights, async (net) => {
        // Each proposal of an iteration sees the same batches; each iteration other ones.
        const tuned = await tuneAndEvaluate(net, proposal, trainSet, holdoutSet, options.finetuneBatches, deriveSeed(config.dataSeed, 0x0ada9 + iteration), signal);
        return { weights: tuned.weights, holdoutAccuracy: tuned.accuracy };
      }),
    { ...options, initialHoldoutAccuracy },
  );
  const resourceNow = resource.measure(adapted.config);
  const outcome: AdaptOutcome = {
    status: adapted.status,
    config: adapted.config,
    weights: adapted.weights,
    steps: adapted.steps,
    initialResource: adapted.initialResource,
    resource: resourceNow,
    testAccuracy: null,
    finalHoldoutAccuracy: null,
    uniform: null,
  };
  if (adapted.status === 'cancelled') return outcome;
  try {
    const testSet = selectTestSubset(data.test, config.testSize);
    const batches = options.finalEpochs * Math.ceil(trainSet.count / Math.max(1, Math.min(config.batch, trainSet.count)));
    const tuned = await withNetwork(adapted.config, adapted.weights, (net) =>
      tuneAndEvaluate(net, adapted.config, trainSet, holdoutSet, batches, deriveSeed(config.dataSeed, 0xf1a1), options.signal, 'schedule'),
    );
    outcome.finalHoldoutAccuracy = tuned.accuracy;
    outcome.weights = tuned.weights;
    // The test set, once: its accuracy chose nothing.
    outcome.testAccuracy = (await withNetwork(adapted.config, tuned.weights, (net) => tuneAndEvaluate(net, adapted.config, trainSet, testSet, 0, config.dataSeed))).accuracy;
    if (options.uniformBaseline) outcome.uniform = await uniformBaseline(config, data, resource, options.budget, options.signal);
  } catch (error) {
    if (!isAbort(error, options.signal)) throw error;
    outcome.status = 'cancelled';
  }
  return outcome;
}

/** The paper's multiplier baseline: every prunable width times one multiplier, trained from scratch as `config` trains. */
export async function uniformBaseline(config: Config, data: MnistData, resource: Resource, budget: number, signal?: AbortSignal): Promise<UniformBaseline> {
  const uniform = uniformWidths(config, budget, resource);
  const scaled = withWidths(config, uniform.widths);
  const run = await runConfig(scaled, data, { control: { shouldStop: () => signal?.aborted === true, waitWhilePaused: () => Promise.resolve() } });
  disposeNetwork(run.network);
  if (signal?.aborted) throw abortError();
  return { ...uniform, resourceRatio: uniform.resource / resource.measure(config), config: scaled, testAccuracy: run.quantizedAccuracy };
}

/** Runs `body` on a network holding `weights`, freed afterwards whatever happens. */
async function withNetwork<T>(config: Config, weights: readonly AdaptWeights[], body: (net: Network) => Promise<T>): Promise<T> {
  const net = networkFromWeights(config, weights);
  try {
    return await body(net);
  } finally {
    disposeNetwork(net);
  }
}
