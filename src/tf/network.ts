/**
 * A network is its layer specs plus one kernel and one bias variable per weight layer.
 * The forward pass is written out with tfjs-core ops (no tf.layers), so quantization-aware
 * training can replace the kernels the forward pass sees while gradients reach the float ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  architecture,
  IMAGE_SIZE,
  isWeightLayer,
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
    const units = layer.kind === 'dense' ? layer.units : layer.filters;
    // tidy frees the initial-value tensors; variables survive it.
    const [kernel, bias] = tf.tidy(() => [
      tf.variable(tf.tensor(glorotUniform(layer, rng), kernelShape(layer)), true),
      tf.variable(tf.zeros([units]), true),
    ]);
    return { layer, kernel, bias };
  });
  return { config, spec, params };
}

export function trainableVariables(net: Network): tf.Variable[] {
  return net.params.flatMap((p) => [p.kernel, p.bias]);
}

/** Logits [batch, 10] for inputs [batch, 784] in [0, 1]. Call inside tf.tidy. */
export function forward(net: Network, input: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor2D {
  let x: tf.Tensor = options.transformInput ? options.transformInput(input) : input;
  if (net.spec[0]?.kind === 'conv2d') x = tf.reshape(x, [-1, IMAGE_SIZE, IMAGE_SIZE, 1]);
  let weightIndex = 0;
  for (const layer of net.spec) {
    if (layer.kind === 'maxpool') {
      x = tf.maxPool(x as tf.Tensor4D, layer.size, layer.size, 'valid');
    } else if (layer.kind === 'flatten') {
      x = tf.reshape(x, [-1, layer.size]);
    } else {
      const { kernel, bias } = net.params[weightIndex];
      const w = options.transformKernel ? options.transformKernel(kernel, weightIndex, layer) : kernel;
      const z =
        layer.kind === 'dense'
          ? tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), bias)
          : tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'), bias);
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
  }
}


/** Copies the weights to the CPU with `await data()` (dataSync can destroy a headless WebGPU device). */
export type { LayerWeights };

export async function readWeights(net: Network): Promise<LayerWeights[]> {
  return Promise.all(
    net.params.map(async (p) => ({
      name: p.layer.name,
      shape: p.kernel.shape,
      kernel: (await p.kernel.data()) as Float32Array,
      bias: (await p.bias.data()) as Float32Array,
    })),
  );
}
