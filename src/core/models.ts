/**
 * Model architectures as plain data. Layer specs carry their input and output shapes so the
 * parameter count, the cost model and the kernels can all read the same description.
 */

import { CIFAR10_SHAPE, DATASETS, MNIST_SHAPE, pixelsPerImage, type DatasetName, type ImageShape } from './datasets/kinds';

export type ModelName = 'mlp1' | 'lenet' | 'mlp' | 'cifar3conv' | 'cifar6conv';
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
  /** Stride 1; 'valid' (the default): out = in - kernel + 1; 'same' (zero padding): out = in. */
  padding?: 'valid' | 'same';
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
  /** lenet's conv1 filters, conv2 filters and fc1 units; used only when model is 'lenet' (NetAdapt shrinks them). */
  lenetWidths?: readonly number[];
  /** Batch normalisation after every hidden weight layer (not the output layer). */
  batchNorm?: boolean;
  /** The data set, whose image shape is the input layer's; absent: the model's own (28x28x1, CIFAR models 32x32x3). */
  data?: DatasetName;
}

/** MNIST's side and pixel count (the page's digit pad, the kernels' MNIST path); models read inputShapeOf. */
export const IMAGE_SIZE = MNIST_SHAPE.height;
export const INPUT_SIZE = pixelsPerImage(MNIST_SHAPE);
export const NUM_CLASSES = 10;

/** The image a model takes: the data set's when the config names one, else the model's own. */
export function inputShapeOf(config: Pick<ArchitectureConfig, 'model' | 'data'>): ImageShape {
  if (config.data) return DATASETS[config.data].shape;
  return config.model === 'cifar3conv' || config.model === 'cifar6conv' ? CIFAR10_SHAPE : MNIST_SHAPE;
}

function mlpLayers(hidden: readonly number[], input: ImageShape): LayerSpec[] {
  const widths = [pixelsPerImage(input), ...hidden, NUM_CLASSES];
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

function conv(name: string, h: number, w: number, c: number, kernel: number, filters: number, padding: 'valid' | 'same' = 'valid'): Conv2dLayer {
  const shrink = padding === 'same' ? 0 : kernel - 1;
  return {
    kind: 'conv2d',
    name,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    kernel,
    filters,
    ...(padding === 'same' ? { padding } : {}),
    outHeight: h - shrink,
    outWidth: w - shrink,
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

export const DEFAULT_HIDDEN: readonly number[] = [256, 128];
/** lenet's conv1 filters, conv2 filters and fc1 units as seed 003 has them. */
export const DEFAULT_LENET_WIDTHS: readonly number[] = [20, 50, 500];

/** Seed 003's "2-conv": conv 5x5x20, pool 2, conv 5x5x50, pool 2, dense 500, dense 10 (widths [c1, c2, d] settable). */
function lenetLayers(widths: readonly number[], input: ImageShape): LayerSpec[] {
  const [c1, c2, d] = widths;
  const conv1 = conv('conv1', input.height, input.width, input.channels, 5, c1); // 24x24xc1
  const pool1 = pool('pool1', conv1.outHeight, conv1.outWidth, c1, 2); // 12x12xc1
  const conv2 = conv('conv2', pool1.outHeight, pool1.outWidth, c1, 5, c2); // 8x8xc2
  const pool2 = pool('pool2', conv2.outHeight, conv2.outWidth, c2, 2); // 4x4xc2
  const flat = pool2.outHeight * pool2.outWidth * pool2.channels; // 16 c2 (800)
  return [
    conv1,
    pool1,
    conv2,
    pool2,
    { kind: 'flatten', name: 'flatten', size: flat },
    { kind: 'dense', name: 'fc1', inputs: flat, units: d, activation: 'relu' },
    { kind: 'dense', name: 'output', inputs: d, units: NUM_CLASSES, activation: 'none' },
  ];
}

/** Convolutions (3x3, zero padded) with a 2x2 max pool after the ones listed, then dense layers: the CIFAR-10 models. */
function convStack(input: ImageShape, convs: readonly { filters: number; poolAfter: boolean }[], dense: readonly number[]): LayerSpec[] {
  const layers: LayerSpec[] = [];
  let { height: h, width: w, channels: c } = input;
  convs.forEach(({ filters, poolAfter }, i) => {
    const layer = conv(`conv${i + 1}`, h, w, c, 3, filters, 'same');
    layers.push(layer);
    [h, w, c] = [layer.outHeight, layer.outWidth, filters];
    if (poolAfter) {
      const p = pool(`pool${layers.filter((l) => l.kind === 'maxpool').length + 1}`, h, w, c, 2);
      layers.push(p);
      [h, w] = [p.outHeight, p.outWidth];
    }
  });
  const flat = h * w * c;
  layers.push({ kind: 'flatten', name: 'flatten', size: flat });
  const widths = [flat, ...dense, NUM_CLASSES];
  for (let i = 0; i + 1 < widths.length; i++) {
    const last = i + 2 === widths.length;
    layers.push({ kind: 'dense', name: last ? 'output' : `fc${i + 1}`, inputs: widths[i], units: widths[i + 1], activation: last ? 'none' : 'relu' });
  }
  return layers;
}

/**
 * Seed 003's CIFAR-10 "3-conv" (82,208 parameters): three of BinaryConnect's blocks (3x3 zero-padded
 * convolution, 2x2 max pool), 21C3 - MP2 - 51C3 - MP2 - 116C3 - MP2 - 10. The paper gives no widths;
 * of the exact counts with these blocks, the one whose widths grow closest to doubling per stage
 * (docs/datasets.md has the search and why no round widths can be exact).
 */
function cifar3convLayers(input: ImageShape): LayerSpec[] {
  return convStack(input, [21, 51, 116].map((filters) => ({ filters, poolAfter: true })), []);
}

/**
 * Seed 003's CIFAR-10 "6-conv" (39,191,690 parameters): BinaryConnect's and BinaryNet's CIFAR-10
 * network, 2x128C3 - MP2 - 2x256C3 - MP2 - 2x512C3 - 1024FC - 1024FC - 10, with no pool after the
 * last pair (the only member of that family whose count is exact; docs/datasets.md).
 */
function cifar6convLayers(input: ImageShape): LayerSpec[] {
  const convs = [128, 128, 256, 256, 512, 512].map((filters, i) => ({ filters, poolAfter: i === 1 || i === 3 }));
  return convStack(input, convs, [1024, 1024]);
}

function layersOf(config: ArchitectureConfig): LayerSpec[] {
  switch (config.model) {
    case 'mlp1':
      return mlpLayers([100], inputShapeOf(config));
    case 'lenet':
      return lenetLayers(config.lenetWidths?.length === 3 ? config.lenetWidths : DEFAULT_LENET_WIDTHS, inputShapeOf(config));
    case 'mlp':
      return mlpLayers(config.hidden && config.hidden.length > 0 ? config.hidden : DEFAULT_HIDDEN, inputShapeOf(config));
    case 'cifar3conv':
      return cifar3convLayers(inputShapeOf(config));
    case 'cifar6conv':
      return cifar6convLayers(inputShapeOf(config));
  }
}

/**
 * Which network a config trains, as text: the model and the widths it takes (mlp's hidden widths,
 * lenet's when not the default). What the backend memory and the Pareto chart tell networks apart by.
 */
export function networkName(config: Pick<ArchitectureConfig, 'model' | 'hidden' | 'lenetWidths'>): string {
  if (config.model === 'mlp') return `mlp:${(config.hidden ?? []).join(',')}`;
  const lenet = config.lenetWidths?.join(',');
  if (config.model === 'lenet' && lenet !== undefined && lenet !== DEFAULT_LENET_WIDTHS.join(',')) return `lenet:${lenet}`;
  return config.model;
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
