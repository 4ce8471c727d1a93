/**
 * A network is its layer specs plus one kernel and one bias variable per weight layer.
 * The forward pass is written out with tfjs-core ops (no tf.layers), so quantization-aware
 * training can replace the kernels the forward pass sees while gradients reach the float ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  architecture,
  isWeightLayer,
  outputChannels,
  type ArchitectureConfig,
  type LayerSpec,
  type WeightLayer,
  type LayerWeights,
} from '../core/models';
import { mulberry32 } from '../core/rng';

export interface LayerParams {
  layer: WeightLayer;
  /** Dense: [inputs, units]; conv2d: [kernel, kernel, inChannels, filters]. */
  kernel: tf.Variable;
  bias: tf.Variable;
  /** Batch normalisation after the weighted sum, where layer.batchNorm. */
  norm?: BatchNormParams;
}

/**
 * Batch normalisation's parameters for one layer ([units] each, per filter for conv), with the
 * settings of BinaryNet's own code (Courbariaux and Hubara, Lasagne): epsilon 1e-4, moving
 * averages with momentum 0.9.
 */
export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVariance: tf.Variable;
  /** Moving-average updates so far (the first ones average plainly: no bias towards the initial 0 and 1). */
  updates: number;
}

export const BATCH_NORM_EPSILON = 1e-4;
export const BATCH_NORM_MOMENTUM = 0.9;

/** The batch statistics of one normalised layer in a training step (kept out of the step's tidy). */
export interface BatchMoments {
  weightIndex: number;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** Values each statistic was taken over (batch, times pixels for conv). */
  count: number;
}

export interface Network {
  config: ArchitectureConfig;
  spec: LayerSpec[];
  params: LayerParams[];
}

export interface ForwardOptions {
  /** Replaces a layer's kernel in the forward pass (quantization with a straight-through estimator). */
  transformKernel?: (kernel: tf.Tensor, weightLayerIndex: number, layer: WeightLayer) => tf.Tensor;
  /** Replaces a hidden layer's activation function (e.g. sign or fixed-point ReLU). */
  activation?: (preActivation: tf.Tensor, weightLayerIndex: number, layer: WeightLayer) => tf.Tensor;
  /** Applied to the [batch, 784] input in [0, 1] (e.g. input resolution). */
  transformInput?: (x: tf.Tensor2D) => tf.Tensor2D;
  /**
   * What each stored pixel byte 0..255 becomes, for evaluation: batches are built through this
   * table instead of byte/255 then transformInput (same values, no per-batch tensor ops).
   */
  pixelTable?: Float32Array;
  /**
   * Training: batch normalisation uses the batch's own statistics and hands them here (kept
   * tensors, the receiver's to dispose) for updateMovingStatistics. Without it, the moving ones.
   */
  batchStatistics?: (moments: BatchMoments) => void;
}

export function kernelShape(layer: WeightLayer): number[] {
  return layer.kind === 'dense'
    ? [layer.inputs, layer.units]
    : [layer.kernel, layer.kernel, layer.inChannels, layer.filters];
}

/** Glorot (Xavier) uniform from a seeded generator, so the same initSeed gives the same weights everywhere. */
export function glorotUniform(layer: WeightLayer, rng: () => number): Float32Array {
  const shape = kernelShape(layer);
  const receptive = layer.kind === 'conv2d' ? layer.kernel * layer.kernel : 1;
  const fanIn = layer.kind === 'dense' ? layer.inputs : receptive * layer.inChannels;
  const fanOut = layer.kind === 'dense' ? layer.units : receptive * layer.filters;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = (2 * rng() - 1) * limit;
  return values;
}

export function createNetwork(config: ArchitectureConfig, initSeed: number): Network {
  const spec = architecture(config);
  const rng = mulberry32(initSeed);
  const params: LayerParams[] = spec.filter(isWeightLayer).map((layer) => {
    const units = outputChannels(layer);
    // tidy frees the initial-value tensors; variables survive it.
    const [kernel, bias] = tf.tidy(() => [
      tf.variable(tf.tensor(glorotUniform(layer, rng), kernelShape(layer)), true),
      tf.variable(tf.zeros([units]), true),
    ]);
    if (!layer.batchNorm) return { layer, kernel, bias };
    const norm: BatchNormParams = tf.tidy(() => ({
      gamma: tf.variable(tf.ones([units]), true),
      beta: tf.variable(tf.zeros([units]), true),
      movingMean: tf.variable(tf.zeros([units]), false),
      movingVariance: tf.variable(tf.ones([units]), false),
      updates: 0,
    }));
    return { layer, kernel, bias, norm };
  });
  return { config, spec, params };
}

export function trainableVariables(net: Network): tf.Variable[] {
  return net.params.flatMap((p) => (p.norm ? [p.kernel, p.bias, p.norm.gamma, p.norm.beta] : [p.kernel, p.bias]));
}

/** (z - mean) / sqrt(variance + epsilon) * gamma + beta over the last axis (units, filters). */
function normalize(z: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, norm: BatchNormParams): tf.Tensor {
  // Per unit first ([units] tensors), then two ops over the activations.
  const scale = tf.mul(norm.gamma, tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)));
  return tf.add(tf.mul(tf.sub(z, mean), scale), norm.beta);
}

function batchNormalize(z: tf.Tensor, norm: BatchNormParams, weightIndex: number, options: ForwardOptions): tf.Tensor {
  if (!options.batchStatistics) return normalize(z, norm.movingMean, norm.movingVariance, norm);
  const axes = z.rank === 4 ? [0, 1, 2] : [0];
  const { mean, variance } = tf.moments(z, axes);
  const count = axes.reduce((n, axis) => n * z.shape[axis], 1);
  // Copies kept out of the step's tidy: the moving averages are updated after the step.
  options.batchStatistics({
    weightIndex,
    mean: tf.keep(tf.clone(mean)) as tf.Tensor1D,
    variance: tf.keep(tf.clone(variance)) as tf.Tensor1D,
    count,
  });
  return normalize(z, mean, variance, norm);
}

/**
 * Moves the moving statistics towards a step's batch statistics (unbiased variance, as
 * PyTorch's and Lasagne's) and disposes them. The first updates average plainly (momentum
 * min(0.9, 1 - 1/t)), so a short run's statistics carry no trace of the initial 0 and 1.
 */
export function updateMovingStatistics(net: Network, moments: readonly BatchMoments[]): void {
  for (const m of moments) {
    const norm = net.params[m.weightIndex]?.norm;
    if (norm) {
      norm.updates++;
      const momentum = Math.min(BATCH_NORM_MOMENTUM, 1 - 1 / norm.updates);
      const unbiased = m.count > 1 ? m.count / (m.count - 1) : 1;
      tf.tidy(() => {
        norm.movingMean.assign(tf.add(tf.mul(norm.movingMean, momentum), tf.mul(m.mean, 1 - momentum)));
        norm.movingVariance.assign(tf.add(tf.mul(norm.movingVariance, momentum), tf.mul(m.variance, (1 - momentum) * unbiased)));
      });
    }
    m.mean.dispose();
    m.variance.dispose();
  }
}

/** Logits [batch, 10] for inputs [batch, pixels] in [0, 1] (784 for MNIST, 3,072 HWC for CIFAR-10). Call inside tf.tidy. */
export function forward(net: Network, input: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor2D {
  let x: tf.Tensor = options.transformInput ? options.transformInput(input) : input;
  // The first convolution's input shape is the image's (28x28x1, 32x32x3): rows are HWC.
  const first = net.spec[0];
  if (first?.kind === 'conv2d') x = tf.reshape(x, [-1, first.inHeight, first.inWidth, first.inChannels]);
  let weightIndex = 0;
  for (const layer of net.spec) {
    if (layer.kind === 'maxpool') {
      x = tf.maxPool(x as tf.Tensor4D, layer.size, layer.size, 'valid');
    } else if (layer.kind === 'flatten') {
      x = tf.reshape(x, [-1, layer.size]);
    } else {
      const { kernel, bias, norm } = net.params[weightIndex];
      const w = options.transformKernel ? options.transformKernel(kernel, weightIndex, layer) : kernel;
      const sum =
        layer.kind === 'dense'
          ? tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), bias)
          : tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, layer.padding ?? 'valid'), bias);
      const z = norm ? batchNormalize(sum, norm, weightIndex, options) : sum;
      if (layer.activation === 'relu') {
        x = options.activation ? options.activation(z, weightIndex, layer) : tf.relu(z);
      } else {
        x = z;
      }
      weightIndex++;
    }
  }
  return x as tf.Tensor2D;
}

export function disposeNetwork(net: Network): void {
  for (const p of net.params) {
    p.kernel.dispose();
    p.bias.dispose();
    if (p.norm) for (const v of [p.norm.gamma, p.norm.beta, p.norm.movingMean, p.norm.movingVariance]) v.dispose();
  }
}


export type { LayerWeights };

/** Copies the weights to the CPU with `await data()` (dataSync can destroy a headless WebGPU device). */
export async function readWeights(net: Network): Promise<LayerWeights[]> {
  return Promise.all(
    net.params.map(async (p) => {
      const weights: LayerWeights = {
        name: p.layer.name,
        shape: p.kernel.shape,
        kernel: (await p.kernel.data()) as Float32Array,
        bias: (await p.bias.data()) as Float32Array,
      };
      if (p.norm) {
        const [gamma, beta, mean, variance] = await Promise.all(
          [p.norm.gamma, p.norm.beta, p.norm.movingMean, p.norm.movingVariance].map(async (v) => (await v.data()) as Float32Array),
        );
        weights.batchNorm = { gamma, beta, mean, variance, epsilon: BATCH_NORM_EPSILON };
      }
      return weights;
    }),
  );
}
