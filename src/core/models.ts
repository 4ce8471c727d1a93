/**
 * Model architectures as plain data. Layer specs carry their input and output shapes so the
 * parameter count, the cost model and the kernels can all read the same description.
 */

export type ModelName = 'mlp1' | 'lenet' | 'mlp';
export type Activation = 'relu' | 'none';

export interface DenseLayer {
  kind: 'dense';
  name: string;
  inputs: number;
  units: number;
  activation: Activation;
  /** Batch normalisation between the weighted sum and the activation (hidden layers only). */
  batchNorm?: boolean;
}

export interface Conv2dLayer {
  kind: 'conv2d';
  name: string;
  /** Input height, width and channels (NHWC). */
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernel: number;
  filters: number;
  /** Valid convolution, stride 1: out = in - kernel + 1. */
  outHeight: number;
  outWidth: number;
  activation: Activation;
  /** Batch normalisation per filter between the convolution and the activation. */
  batchNorm?: boolean;
}

export interface MaxPoolLayer {
  kind: 'maxpool';
  name: string;
  size: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
}

export interface FlattenLayer {
  kind: 'flatten';
  name: string;
  size: number;
}

export type LayerSpec = DenseLayer | Conv2dLayer | MaxPoolLayer | FlattenLayer;
/** Layers that own weights. */
export type WeightLayer = DenseLayer | Conv2dLayer;

export interface ArchitectureConfig {
  model: ModelName;
  /** Hidden widths; used only when model is 'mlp'. */
  hidden?: readonly number[];
  /** Batch normalisation after every hidden weight layer (not the output layer). */
  batchNorm?: boolean;
}

export const IMAGE_SIZE = 28;
export const INPUT_SIZE = IMAGE_SIZE * IMAGE_SIZE;
export const NUM_CLASSES = 10;

function mlpLayers(hidden: readonly number[]): LayerSpec[] {
  const widths = [INPUT_SIZE, ...hidden, NUM_CLASSES];
  const layers: LayerSpec[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const last = i + 2 === widths.length;
    layers.push({
      kind: 'dense',
      name: last ? 'output' : `hidden${i + 1}`,
      inputs: widths[i],
      units: widths[i + 1],
      activation: last ? 'none' : 'relu',
    });
  }
  return layers;
}

function conv(name: string, h: number, w: number, c: number, kernel: number, filters: number): Conv2dLayer {
  return {
    kind: 'conv2d',
    name,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    kernel,
    filters,
    outHeight: h - kernel + 1,
    outWidth: w - kernel + 1,
    activation: 'relu',
  };
}

function pool(name: string, h: number, w: number, c: number, size: number): MaxPoolLayer {
  return {
    kind: 'maxpool',
    name,
    size,
    inHeight: h,
    inWidth: w,
    channels: c,
    outHeight: Math.floor(h / size),
    outWidth: Math.floor(w / size),
  };
}

/** Seed 003's "2-conv": conv 5x5x20, pool 2, conv 5x5x50, pool 2, dense 500, dense 10. */
function lenetLayers(): LayerSpec[] {
  const conv1 = conv('conv1', IMAGE_SIZE, IMAGE_SIZE, 1, 5, 20); // 24x24x20
  const pool1 = pool('pool1', conv1.outHeight, conv1.outWidth, 20, 2); // 12x12x20
  const conv2 = conv('conv2', pool1.outHeight, pool1.outWidth, 20, 5, 50); // 8x8x50
  const pool2 = pool('pool2', conv2.outHeight, conv2.outWidth, 50, 2); // 4x4x50
  const flat = pool2.outHeight * pool2.outWidth * pool2.channels; // 800
  return [
    conv1,
    pool1,
    conv2,
    pool2,
    { kind: 'flatten', name: 'flatten', size: flat },
    { kind: 'dense', name: 'fc1', inputs: flat, units: 500, activation: 'relu' },
    { kind: 'dense', name: 'output', inputs: 500, units: NUM_CLASSES, activation: 'none' },
  ];
}

export const DEFAULT_HIDDEN: readonly number[] = [256, 128];

function layersOf(config: ArchitectureConfig): LayerSpec[] {
  switch (config.model) {
    case 'mlp1':
      return mlpLayers([100]);
    case 'lenet':
      return lenetLayers();
    case 'mlp':
      return mlpLayers(config.hidden && config.hidden.length > 0 ? config.hidden : DEFAULT_HIDDEN);
  }
}

export function architecture(config: ArchitectureConfig): LayerSpec[] {
  const layers = layersOf(config);
  if (!config.batchNorm) return layers;
  // Hidden weight layers are the ones with an activation; the output layer keeps raw logits.
  return layers.map((layer) => (isWeightLayer(layer) && layer.activation === 'relu' ? { ...layer, batchNorm: true } : layer));
}

/** Units a weight layer normalises (dense: units, conv: filters; statistics over batch and pixels). */
export function outputChannels(layer: WeightLayer): number {
  return layer.kind === 'dense' ? layer.units : layer.filters;
}

export function isWeightLayer(layer: LayerSpec): layer is WeightLayer {
  return layer.kind === 'dense' || layer.kind === 'conv2d';
}

/** Weight layers of a model (mlp1: 2, lenet: 4, mlp: hidden layers + 1): what `layers` overrides index. */
export function weightLayerCount(config: ArchitectureConfig): number {
  return architecture(config).filter(isWeightLayer).length;
}

/** Weights (without biases) of one layer. */
export function weightCount(layer: WeightLayer): number {
  return layer.kind === 'dense'
    ? layer.inputs * layer.units
    : layer.kernel * layer.kernel * layer.inChannels * layer.filters;
}

export function biasCount(layer: WeightLayer): number {
  return layer.kind === 'dense' ? layer.units : layer.filters;
}

/** Multiply-accumulates per inference for one layer. */
export function macCount(layer: WeightLayer): number {
  return layer.kind === 'dense' ? layer.inputs * layer.units : weightCount(layer) * layer.outHeight * layer.outWidth;
}

/** Weights plus biases, as the seeds count them (79,510 / 431,080 / 36,818,954). */
export function parameterCount(config: ArchitectureConfig): number {
  let total = 0;
  for (const layer of architecture(config)) {
    if (isWeightLayer(layer)) total += weightCount(layer) + biasCount(layer);
  }
  return total;
}

/** One trained weight layer read back from the GPU (float copies). */
export interface LayerWeights {
  name: string;
  shape: number[];
  kernel: Float32Array;
  bias: Float32Array;
  /** The layer's batch normalisation, when it has one (evaluation uses the moving statistics). */
  batchNorm?: BatchNormWeights;
}

/** y = gamma (z - mean) / sqrt(variance + epsilon) + beta, per unit (filter). */
export interface BatchNormWeights {
  gamma: Float32Array;
  beta: Float32Array;
  /** Moving averages of the batch statistics seen in training. */
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}
