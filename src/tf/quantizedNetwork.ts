/**
 * Turns a config's quantization keys into the forward pass of a network: quantized kernels
 * (with straight-through gradients when training), quantized or binarized activations, and the
 * input resolution. Biases stay float32: the seeds quantize weights and activations only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { inputShapeOf } from '../core/models';
import { pixelsPerImage } from '../core/datasets/kinds';
import { forward, type ForwardOptions, type Network } from './network';
import { DEFAULT_ACTIVATION_CLIP, evaluationScheme } from '../core/quant/schemes';
import { isFloatConfig, schemeForLayer, type QuantConfig } from '../core/quant/quantConfig';
import { binaryLayerGain } from '../core/quant/formats/binary';

export { binaryLayerGain };
import {
  quantizeActivationTensor,
  quantizeActivationWithSTE,
  quantizeInputTensor,
  quantizeTensor,
  quantizeWithSTE,
  signWithSTE,
  weightClipsOf,
  type WeightClips,
} from './ste';

function fanInOf(net: Network, index: number): number {
  const layer = net.params[index].layer;
  return layer.kind === 'dense' ? layer.inputs : layer.kernel * layer.kernel * layer.inChannels;
}

/**
 * Seed 002's hysteresis for binary weights while training: each layer keeps the signs it uses, and
 * a latent weight flips its sign only when it crosses the opposite threshold (w < -h turns +1 into
 * -1, w > h turns -1 into +1), which damps flip-flopping around zero. Evaluation after training
 * uses the plain signs of the latent weights.
 */
export interface HysteresisState {
  /** Per weight layer: the signs in use (±1), or null where the layer has no hysteresis. */
  signs: (tf.Variable | null)[];
  /** Applies the threshold rule to the latent weights; call after every optimizer step. */
  update(): void;
  dispose(): void;
}

export function createHysteresisState(net: Network, q: QuantConfig): HysteresisState | null {
  const count = net.params.length;
  const thresholds = net.params.map((_, i) => {
    const s = schemeForLayer(q, i, count);
    return s.kind === 'binary' && (s.hysteresis ?? 0) > 0 ? s.hysteresis! : null;
  });
  if (thresholds.every((h) => h === null)) return null;
  const signs = net.params.map((p, i) =>
    thresholds[i] === null ? null : tf.tidy(() => tf.variable(tf.where(tf.greaterEqual(p.kernel, 0), tf.onesLike(p.kernel), tf.neg(tf.onesLike(p.kernel))), false)),
  );
  return {
    signs,
    update() {
      net.params.forEach((p, i) => {
        const h = thresholds[i];
        const state = signs[i];
        if (h === null || !state) return;
        tf.tidy(() => {
          const up = tf.greater(p.kernel, h);
          const down = tf.less(p.kernel, -h);
          state.assign(tf.where(up, tf.onesLike(state), tf.where(down, tf.neg(tf.onesLike(state)), state)));
        });
      });
    },
    dispose() {
      signs.forEach((v) => v?.dispose());
    },
  };
}

/** ±1 (or ±alpha) from the kept signs, with BinaryConnect's straight-through gradient to w. */
function binaryFromSigns(w: tf.Tensor, signs: tf.Tensor, scale: 'none' | 'l1'): tf.Tensor {
  const op = tf.customGrad((x, save) => {
    const input = x as tf.Tensor;
    (save as tf.GradSaveFunc)([input]);
    const value = scale === 'none' ? tf.clone(signs) : tf.mul(signs, tf.div(tf.sum(tf.abs(input)), Math.max(input.size, 1)));
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), 1), 'float32')) };
  });
  return op(w);
}

export interface QuantizedForwardOptions {
  mode: 'train' | 'eval';
  /** Needed for stochastic rounding while training. */
  rng?: () => number;
  /** Per hidden layer clip of fixed-point ReLU activations (from calibrateActivationClips). */
  activationClips?: number[];
  /**
   * Per weight layer, the calibrated clips of fixed-point weights with scale percentile or MSE
   * (from calibrateWeightClips, computed on the current weights before the forward pass; null or
   * absent for other layers). Such a layer without its clips throws: the quantizers never read
   * weights back with dataSync. Read at each call, so a caller may refill the array in place
   * between training steps.
   */
  weightClips?: readonly (WeightClips | null)[];
  /** Sign state of binary layers with hysteresis, used while a QAT run lasts. */
  hysteresis?: HysteresisState | null;
}

export { isFloatConfig, schemeForLayer, type QuantConfig };

export function quantizedForward(net: Network, q: QuantConfig, options: QuantizedForwardOptions): ForwardOptions {
  const count = net.params.length;
  const schemes = net.params.map((_, i) => schemeForLayer(q, i, count));
  const training = options.mode === 'train';
  const result: ForwardOptions = {};
  if (schemes.some((s) => s.kind !== 'float32')) {
    const gains = schemes.map((s, i) => (s.kind === 'binary' && s.scale === 'none' ? binaryLayerGain(fanInOf(net, i)) : 1));
    result.transformKernel = (kernel, i) => {
      const scheme = schemes[i];
      if (scheme.kind === 'float32') return kernel;
      const kept = options.hysteresis?.signs[i];
      const q =
        kept && scheme.kind === 'binary'
          ? binaryFromSigns(kernel, kept, scheme.scale)
          : training
            ? quantizeWithSTE(kernel, scheme, options.rng, options.weightClips?.[i])
            : quantizeTensor(kernel, evaluationScheme(scheme), undefined, options.weightClips?.[i]);
      return gains[i] === 1 ? q : tf.mul(q, gains[i]);
    };
  }
  const act = q.activations;
  if (act.kind === 'sign') {
    result.activation = (z) => signWithSTE(z);
  } else if (act.bits !== undefined) {
    const bits = act.bits;
    result.activation = (z, i) => {
      const clip = act.clip ?? options.activationClips?.[i] ?? DEFAULT_ACTIVATION_CLIP;
      const a = tf.relu(z);
      return training ? quantizeActivationWithSTE(a, bits, clip) : quantizeActivationTensor(a, bits, clip);
    };
  }
  if (q.inputBits < 8) result.transformInput = (x) => quantizeInputTensor(x, q.inputBits);
  return result;
}

/**
 * BinaryConnect keeps latent weights in [-1, 1] (beyond it the sign cannot change back quickly
 * and the STE gradient is zero anyway). Call after every optimizer step.
 */
export function clipLatentWeights(net: Network, q: QuantConfig): void {
  const count = net.params.length;
  net.params.forEach((p, i) => {
    const scheme = schemeForLayer(q, i, count);
    if (scheme.kind === 'binary' && scheme.scale === 'none') {
      tf.tidy(() => p.kernel.assign(tf.clipByValue(p.kernel, -1, 1)));
    }
  });
}

/** Whether some weight layer of `net` needs calibrated clips under `q` (fixed point, scale percentile or MSE). */
export function needsWeightClips(net: Network, q: QuantConfig): boolean {
  const count = net.params.length;
  return net.params.some((_, i) => {
    const s = schemeForLayer(q, i, count);
    return s.kind === 'fixed' && (s.scale ?? 'max') !== 'max';
  });
}

/**
 * The calibrated clips of every weight layer (see weightClipsOf: null for layers that need none),
 * read from the current weights with `await data()`; undefined when no layer needs any. Call
 * before each forward pass whose weights changed (every QAT step) and pass the result as
 * quantizedForward's weightClips. `memo` (keyed by layer and scheme) reuses clips across calls
 * while the weights stay the same, e.g. over the cells of a PTQ grid.
 */
export async function calibrateWeightClips(
  net: Network,
  q: QuantConfig,
  memo?: Map<string, Float32Array | null>,
): Promise<(Float32Array | null)[] | undefined> {
  if (!needsWeightClips(net, q)) return undefined;
  const count = net.params.length;
  const clips: (Float32Array | null)[] = [];
  for (let i = 0; i < count; i++) {
    const scheme = evaluationScheme(schemeForLayer(q, i, count));
    const key = `${i}|${JSON.stringify(scheme)}`;
    let layerClips = memo?.get(key);
    if (layerClips === undefined) {
      layerClips = await weightClipsOf(net.params[i].kernel, scheme);
      memo?.set(key, layerClips);
    }
    clips.push(layerClips);
  }
  return clips;
}

/**
 * Clip values for fixed-point ReLU activations: per hidden layer, the 99.9th percentile of its
 * float ReLU outputs on a calibration batch, so a few outliers do not waste the levels. The
 * weights are quantized as in evaluation; `weightClips` are their calibrated clips when the
 * caller has them (else computed here).
 */
export async function calibrateActivationClips(
  net: Network,
  pixels: Float32Array,
  q: QuantConfig,
  percentile = 0.999,
  weightClips?: readonly (WeightClips | null)[],
): Promise<number[]> {
  const size = pixelsPerImage(inputShapeOf(net.config));
  const n = pixels.length / size;
  const outputs: tf.Tensor[] = [];
  const clipsOfWeights = weightClips ?? (await calibrateWeightClips(net, q));
  const base = quantizedForward(net, { ...q, activations: { kind: 'relu' } }, { mode: 'eval', weightClips: clipsOfWeights });
  tf.tidy(() => {
    const x = tf.tensor2d(pixels, [n, size]);
    forward(net, x, {
      ...base,
      activation: (z) => {
        const a = tf.relu(z);
        outputs.push(tf.keep(tf.reshape(a, [-1])));
        return a;
      },
    });
  });
  const clips: number[] = [];
  for (const t of outputs) {
    const values = (await t.data()) as Float32Array;
    t.dispose();
    const sorted = Float32Array.from(values).sort();
    const at = sorted[Math.min(sorted.length - 1, Math.floor(percentile * (sorted.length - 1)))];
    clips.push(at > 0 ? at : DEFAULT_ACTIVATION_CLIP);
  }
  // Index clips by weight layer: the output layer has no activation.
  return clips;
}
