/**
 * One run of a config, end to end: subset selection, network, float or quantization-aware
 * training, and the post-training-quantized (PTQ) evaluation. The worker, the CLI and the tests
 * all go through here, so a config means the same thing everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Config } from './config';
import type { ImageSet, MnistData } from './data';
import { createNetwork, disposeNetwork, type Network } from './network';
import { quantOf } from './quant/quantConfig';
import {
  calibrateActivationClips,
  clipLatentWeights,
  createHysteresisState,
  type HysteresisState,
  isFloatConfig,
  quantizedForward,
  type QuantConfig,
} from './quant/quantizedNetwork';
import { deriveSeed, mulberry32 } from './rng';
import { batchInputs, evaluate, selectTestSubset, selectTrainingSubset, train, type TrainHooks, type TrainResult } from './train';

/** Training images used to calibrate activation clips. */
export const CALIBRATION_SIZE = 512;


export function calibrationPixels(trainSet: ImageSet): Float32Array {
  return batchInputs(trainSet, null, 0, Math.min(CALIBRATION_SIZE, trainSet.count)).pixels;
}

export interface RunOutcome {
  result: TrainResult;
  network: Network;
  trainSet: ImageSet;
  testSet: ImageSet;
  /** Accuracy of the config's quantized model on the test subset (equals result.testAccuracy for QAT). */
  quantizedAccuracy: number | null;
}

export async function runConfig(config: Config, data: MnistData, hooks: Omit<TrainHooks, 'forwardOptions' | 'evalForwardOptions'> = {}): Promise<RunOutcome> {
  const trainSet = selectTrainingSubset(data.train, config.trainSize, config.dataSeed);
  const testSet = selectTestSubset(data.test, config.testSize);
  const network = createNetwork(config, config.initSeed);
  const q = quantOf(config);
  const quantized = !isFloatConfig(q);
  let fullHooks: TrainHooks = hooks;
  let hysteresis: HysteresisState | null = null;
  if (config.training === 'qat' && quantized) {
    hysteresis = createHysteresisState(network, q);
    const clips: number[] = [];
    const calibration = calibrationPixels(trainSet);
    const rng = mulberry32(deriveSeed(config.initSeed, 0x57e));
    fullHooks = {
      ...hooks,
      forwardOptions: quantizedForward(network, q, { mode: 'train', rng, activationClips: clips, hysteresis }),
      evalForwardOptions: quantizedForward(network, q, { mode: 'eval', activationClips: clips, hysteresis }),
      afterStep: () => {
        clipLatentWeights(network, q);
        hysteresis?.update();
        hooks.afterStep?.();
      },
      beforeEpoch: async (epoch) => {
        if (q.activations.kind === 'relu' && q.activations.bits !== undefined && q.activations.clip === undefined) {
          clips.splice(0, clips.length, ...(await calibrateActivationClips(network, calibration, q)));
        }
        await hooks.beforeEpoch?.(epoch);
      },
    };
  }
  let result: TrainResult;
  let quantizedAccuracy: number | null = null;
  try {
    result = await train(network, { train: trainSet, test: testSet }, config, fullHooks);
    if (result.status === 'done') {
      quantizedAccuracy = config.training === 'qat' || !quantized ? result.testAccuracy : (await evaluatePtq(network, q, testSet, trainSet)).accuracy;
    }
  } catch (error) {
    // A backend that lacks a kernel (lenet on wasm) throws mid-step: free the network before reporting.
    disposeNetwork(network);
    throw error;
  } finally {
    hysteresis?.dispose();
  }
  return { result, network, trainSet, testSet, quantizedAccuracy };
}

/** Quantizes a trained network's weights (and activations, input) and evaluates it: no retraining. */
export async function evaluatePtq(
  network: Network,
  q: QuantConfig,
  testSet: ImageSet,
  calibrationSet: ImageSet,
): Promise<{ accuracy: number; loss: number }> {
  const needsClips = q.activations.kind === 'relu' && q.activations.bits !== undefined && q.activations.clip === undefined;
  const clips = needsClips ? await calibrateActivationClips(network, calibrationPixels(calibrationSet), q) : undefined;
  const options = quantizedForward(network, q, { mode: 'eval', activationClips: clips });
  const quantize = options.transformKernel;
  if (!quantize) return evaluate(network, testSet, 500, options);
  // The weights do not change during an evaluation: quantize each kernel once, not once per batch.
  const kernels = network.params.map((p, i) => tf.tidy(() => quantize(p.kernel, i, p.layer)));
  try {
    return await evaluate(network, testSet, 500, { ...options, transformKernel: (_kernel, i) => kernels[i] });
  } finally {
    // A float32 layer's "quantized" kernel is the variable itself: keep it.
    kernels.forEach((k, i) => k !== network.params[i].kernel && k.dispose());
  }
}
