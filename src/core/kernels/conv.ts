/**
 * Integer semantics of the quantized convolution, max-pool and flatten layers (LeNet), defined by
 * a plain CPU reference, with the same weight formats, activation encodings and output stages as
 * the dense kernels (reference.ts). The WGSL kernels in convWgsl.ts must match it bit for bit.
 *
 * Geometry: valid padding, stride 1, square K x K kernel: out = in - K + 1. Max-pool S x S with
 * stride S (floor: trailing rows/columns that do not fill a window are dropped).
 *
 * Layouts (all little-endian u32 words):
 * - Unsigned activations: NHWC, one u32 per element, [batch][H][W][C], index ((b*H + y)*W + x)*C + c.
 * - Sign activations (+1/-1): each image's NHWC elements flattened, then packed 32 per word as in
 *   reference.ts: [batch][ceil(H*W*C / 32)], element i of an image at bit i % 32 of word i / 32,
 *   bit 1 = +1, unused tail bits zero. A flattened image is therefore already in the layout a dense
 *   layer reads (unsigned or sign), so flatten is a no-op.
 * - Weights, unpacked: TF.js conv kernel order [kh][kw][inC][outC], i.e. a dense [inputs][units]
 *   matrix with inputs = the reduction index r = (kh*K + kw)*inC + c (fan-in K*K*inC) and
 *   units = outC. Packed exactly like a dense layer of that shape (packLightNN, packFixed,
 *   packBinaryWeights with inputs = K*K*inC, units = filters): each word holds P consecutive r of
 *   one output channel, word (r / P) * filters + o.
 * - The GPU kernel uses a row-aligned copy of the weights (convRowAlignedWeights): every kernel
 *   row kh starts a new word row, so the shader walks each kernel row (K*inC contiguous inputs in
 *   NHWC) with fixed word boundaries and masks only each row's tail. It is derived from the
 *   packed weights above when the kernel is created; nothing else sees it.
 *
 * Accumulator, overflow refusal and output stages (requant {rshift, bits} | sign | logits) are
 * those of a dense layer with fan-in K*K*inC, evaluated at every output pixel.
 */
import { architecture, type Conv2dLayer, type MaxPoolLayer } from '../models';
import { randomDenseLayer, randomLayerInput, randomPackedWeights, type RandomLayerSpec } from './random';
import {
  denseReference,
  fieldBits,
  formatName,
  layerHeadroom,
  packSignBits,
  packedWeightWords,
  requantize,
  thresholdLevel,
  unsignedOutputBits,
  signWords,
  unpackSignBits,
  validateLayer,
  weightValues,
  weightsPerWord,
  type AccumulatorHeadroom,
  type OutputStage,
  type QuantDenseLayer,
  type WeightFormat,
} from './reference';

// ---------------------------------------------------------------------------------------------
// Layer types

/** A conv layer's shape as the kernels take it: the model's Conv2dLayer without its derived sizes. */
export type ConvShape = Pick<Conv2dLayer, 'name' | 'inHeight' | 'inWidth' | 'inChannels' | 'kernel' | 'filters'>;

export interface QuantConv2dLayer extends ConvShape {
  kind: 'conv2d';
  format: WeightFormat;
  /** Bits of the unsigned input activations (1..8); 1 for binarynet, which reads sign bits. */
  inputBits: number;
  /** Packed like a dense layer with inputs = kernel * kernel * inChannels, units = filters. */
  weights: Uint32Array;
  /** One bias per filter, in accumulator units. */
  bias: Int32Array;
  output: OutputStage;
}

/** How a layer's activations are stored: one unsigned u32 of `bits` bits per element, or sign bits. */
export type ActivationEncoding = { kind: 'unsigned'; bits: number } | { kind: 'sign' };

export interface QuantMaxPoolLayer {
  kind: 'maxpool';
  name: string;
  inHeight: number;
  inWidth: number;
  channels: number;
  /** Window side S = stride S (2 for LeNet). */
  size: number;
  /** Unsigned activations (max) or sign bits (max of +1/-1 = OR of the bits). Output: the same. */
  input: ActivationEncoding;
}

/** NHWC flatten: a no-op on both encodings (checked, never run). */
export interface QuantFlattenLayer {
  kind: 'flatten';
  name: string;
  size: number;
}

/** A dense layer inside a conv net: the reference.ts layer, tagged. */
export type QuantDenseNetLayer = QuantDenseLayer & { kind: 'dense' };

export type QuantNetLayer = QuantConv2dLayer | QuantMaxPoolLayer | QuantFlattenLayer | QuantDenseNetLayer;

/** Tags a dense layer for a conv net chain. */
export function denseNetLayer(layer: QuantDenseLayer): QuantDenseNetLayer {
  return { ...layer, kind: 'dense' };
}

export interface SpatialShape {
  height: number;
  width: number;
  channels: number;
}

// ---------------------------------------------------------------------------------------------
// Shapes and word counts

export function convOutputShape(layer: Pick<QuantConv2dLayer, 'inHeight' | 'inWidth' | 'kernel' | 'filters'>): SpatialShape {
  return { height: layer.inHeight - layer.kernel + 1, width: layer.inWidth - layer.kernel + 1, channels: layer.filters };
}

/** K * K * inChannels: the reduction length of one output. */
export function convFanIn(layer: Pick<QuantConv2dLayer, 'kernel' | 'inChannels'>): number {
  return layer.kernel * layer.kernel * layer.inChannels;
}

export function poolOutputShape(layer: Pick<QuantMaxPoolLayer, 'inHeight' | 'inWidth' | 'channels' | 'size'>): SpatialShape {
  return {
    height: Math.floor(layer.inHeight / layer.size),
    width: Math.floor(layer.inWidth / layer.size),
    channels: layer.channels,
  };
}

export function elementCount(shape: SpatialShape): number {
  return shape.height * shape.width * shape.channels;
}

/** u32 words of one image of `elements` activations in an encoding. */
export function imageWords(encoding: ActivationEncoding | 'sign' | 'unsigned', elements: number): number {
  const kind = typeof encoding === 'string' ? encoding : encoding.kind;
  return kind === 'sign' ? signWords(elements) : elements;
}

export function convInputEncoding(layer: Pick<QuantConv2dLayer, 'format' | 'inputBits'>): ActivationEncoding {
  return layer.format.kind === 'binarynet' ? { kind: 'sign' } : { kind: 'unsigned', bits: layer.inputBits };
}

export function convInputWordsPerImage(
  layer: Pick<QuantConv2dLayer, 'format' | 'inputBits' | 'inHeight' | 'inWidth' | 'inChannels'>,
): number {
  return imageWords(convInputEncoding(layer), layer.inHeight * layer.inWidth * layer.inChannels);
}

/** u32/i32 words per image of the output (sign bits packed per image). */
export function convOutputWordsPerImage(
  layer: Pick<QuantConv2dLayer, 'output' | 'inHeight' | 'inWidth' | 'kernel' | 'filters'>,
): number {
  return imageWords(layer.output.kind === 'sign' ? 'sign' : 'unsigned', elementCount(convOutputShape(layer)));
}

export function poolInputWordsPerImage(layer: Pick<QuantMaxPoolLayer, 'input' | 'inHeight' | 'inWidth' | 'channels'>): number {
  return imageWords(layer.input, layer.inHeight * layer.inWidth * layer.channels);
}

export function poolOutputWordsPerImage(
  layer: Pick<QuantMaxPoolLayer, 'input' | 'inHeight' | 'inWidth' | 'channels' | 'size'>,
): number {
  return imageWords(layer.input, elementCount(poolOutputShape(layer)));
}

/**
 * The conv layer as the dense layer it is at one output pixel (inputs = fan-in, units = filters):
 * same weights, bias, format and output stage.
 */
export function convAsDense(layer: QuantConv2dLayer): QuantDenseLayer {
  return {
    name: layer.name,
    inputs: convFanIn(layer),
    units: layer.filters,
    format: layer.format,
    inputBits: layer.inputBits,
    weights: layer.weights,
    bias: layer.bias,
    output: layer.output,
  };
}

/** u32 words of a conv layer's packed weights (dense packing of fan-in x filters). */
export function convPackedWeightWords(
  format: WeightFormat,
  layer: Pick<QuantConv2dLayer, 'kernel' | 'inChannels' | 'filters'>,
): number {
  return packedWeightWords(format, convFanIn(layer), layer.filters);
}

/** Integer weight values in accumulator units, [kh][kw][inC][outC]. */
export function convWeightValues(layer: QuantConv2dLayer): Int32Array {
  return weightValues(convAsDense(layer));
}

// ---------------------------------------------------------------------------------------------
// Validation and overflow

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

export function validateConvLayer(layer: QuantConv2dLayer): void {
  const where = `conv layer "${layer.name}"`;
  const dims = [layer.inHeight, layer.inWidth, layer.inChannels, layer.kernel, layer.filters];
  if (!dims.every(isPositiveInteger)) {
    throw new Error(`${where}: height, width, channels, kernel and filters must be positive integers (got ${dims.join(', ')})`);
  }
  if (layer.kernel > layer.inHeight || layer.kernel > layer.inWidth) {
    throw new Error(`${where}: a ${layer.kernel}x${layer.kernel} kernel does not fit a ${layer.inHeight}x${layer.inWidth} input (valid padding)`);
  }
  validateLayer(convAsDense(layer));
}

export function validatePoolLayer(layer: QuantMaxPoolLayer): void {
  const where = `max-pool layer "${layer.name}"`;
  const dims = [layer.inHeight, layer.inWidth, layer.channels, layer.size];
  if (!dims.every(isPositiveInteger)) {
    throw new Error(`${where}: height, width, channels and size must be positive integers (got ${dims.join(', ')})`);
  }
  if (layer.size > layer.inHeight || layer.size > layer.inWidth) {
    throw new Error(`${where}: a ${layer.size}x${layer.size} window does not fit a ${layer.inHeight}x${layer.inWidth} input`);
  }
  if (layer.input.kind === 'unsigned' && !(Number.isInteger(layer.input.bits) && layer.input.bits >= 1 && layer.input.bits <= 8)) {
    throw new Error(`${where}: unsigned activations need 1..8 bits, got ${layer.input.bits}`);
  }
}

/** Worst-case accumulator of one output: a dense layer with fan-in K*K*inC. */
export function convHeadroom(layer: QuantConv2dLayer): AccumulatorHeadroom {
  return layerHeadroom(convAsDense(layer));
}

/** Throws when the layer's worst-case accumulator could overflow i32 (it would wrap silently on the GPU). */
export function checkConvNoOverflow(layer: QuantConv2dLayer): void {
  const headroom = convHeadroom(layer);
  if (!headroom.fits) {
    throw new Error(
      `Conv layer "${layer.name}" could overflow the 32-bit accumulator: fan-in ` +
        `${layer.kernel}x${layer.kernel}x${layer.inChannels} = ${convFanIn(layer)}, worst case |acc| needs ` +
        `${headroom.bitsNeeded} bits (${headroom.explanation} > 2^31 - 1). ` +
        `Use fewer activation or weight bits, or fewer input channels.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Row-aligned weights for the GPU

/** Word rows per kernel row in the row-aligned layout: ceil(K * inC / P). */
export function convRowWords(layer: Pick<QuantConv2dLayer, 'format' | 'kernel' | 'inChannels'>): number {
  return Math.ceil((layer.kernel * layer.inChannels) / weightsPerWord(layer.format));
}

/**
 * The packed weights re-packed so each kernel row starts a word row:
 * word (kh * rowWords + j) * filters + o holds, in field f, the weight of reduction index
 * kh * K * inC + j * P + f (P weights per word), for j * P + f < K * inC; other fields zero.
 * Equal to the packed weights when K * inC is a multiple of P.
 */
export function convRowAlignedWeights(layer: QuantConv2dLayer): Uint32Array {
  const bits = fieldBits(layer.format);
  const perWord = 32 / bits;
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const units = layer.filters;
  const rowLength = layer.kernel * layer.inChannels;
  const rowWords = convRowWords(layer);
  const out = new Uint32Array(layer.kernel * rowWords * units);
  for (let kh = 0; kh < layer.kernel; kh++) {
    for (let j = 0; j < rowLength; j++) {
      const r = kh * rowLength + j;
      const srcBase = Math.floor(r / perWord) * units;
      const srcShift = (r % perWord) * bits;
      const dstBase = (kh * rowWords + Math.floor(j / perWord)) * units;
      const dstShift = (j % perWord) * bits;
      for (let o = 0; o < units; o++) {
        out[dstBase + o] |= ((layer.weights[srcBase + o] >>> srcShift) & mask) << dstShift;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The reference itself

function checkInputLength(where: string, input: ArrayLike<number>, words: number, batch: number): void {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`${where}: batch must be a positive integer, got ${batch}`);
  if (input.length !== batch * words) {
    throw new Error(`${where}: expected ${batch * words} input words (${batch} x ${words}), got ${input.length}`);
  }
}

function checkUnsigned(where: string, input: ArrayLike<number>, bits: number): void {
  const maxA = 2 ** bits - 1;
  for (let i = 0; i < input.length; i++) {
    if (input[i] > maxA) throw new Error(`${where}: activation ${input[i]} exceeds ${bits} bits`);
  }
}

/**
 * Runs a conv layer on `batch` images: `input` is [batch][H][W][C] unsigned activations, or
 * [batch][ceil(H*W*C/32)] sign-bit words for binarynet. Returns [batch][OH][OW][filters] u32
 * activations (requant), per-image packed sign bits (sign) or i32 accumulators (logits).
 */
export function conv2dReference(layer: QuantConv2dLayer, input: Uint32Array, batch: number): Uint32Array | Int32Array {
  validateConvLayer(layer);
  checkConvNoOverflow(layer);
  const where = `conv layer "${layer.name}"`;
  const { inHeight: H, inWidth: W, inChannels: C, kernel: K, filters: F } = layer;
  const inElements = H * W * C;
  checkInputLength(where, input, convInputWordsPerImage(layer), batch);
  let activations: ArrayLike<number>;
  if (layer.format.kind === 'binarynet') {
    activations = unpackSignBits(input, batch, inElements);
  } else {
    checkUnsigned(where, input, layer.inputBits);
    activations = input;
  }
  const w = convWeightValues(layer);
  const { height: OH, width: OW } = convOutputShape(layer);
  const pixels = OH * OW;
  const out = layer.output;
  const outWords = convOutputWordsPerImage(layer);
  const result = out.kind === 'logits' ? new Int32Array(batch * outWords) : new Uint32Array(batch * outWords);
  const acc = new Float64Array(F);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let o = 0; o < F; o++) acc[o] = layer.bias[o];
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) {
            const pixel = ((b * H + oy + kh) * W + ox + kw) * C;
            for (let c = 0; c < C; c++) {
              const a = activations[pixel + c];
              if (a === 0) continue;
              const row = ((kh * K + kw) * C + c) * F;
              for (let o = 0; o < F; o++) acc[o] += a * w[row + o];
            }
          }
        }
        const p = oy * OW + ox;
        for (let o = 0; o < F; o++) {
          if (out.kind === 'logits') result[(b * pixels + p) * F + o] = acc[o];
          else if (out.kind === 'requant') result[(b * pixels + p) * F + o] = requantize(acc[o], out.rshift, out.bits);
          else if (out.kind === 'threshold') result[(b * pixels + p) * F + o] = thresholdLevel(acc[o], out.thresholds, o, out.bits);
          else if (acc[o] >= 0) {
            const bit = p * F + o;
            result[b * outWords + (bit >>> 5)] |= 1 << (bit & 31);
          }
        }
      }
    }
  }
  return result;
}

/**
 * Max-pool on `batch` images in the layer's encoding: unsigned [batch][H][W][C] -> the max of each
 * S x S window; sign bits -> the max of +1/-1, i.e. the OR of the window's bits.
 */
export function maxPoolReference(layer: QuantMaxPoolLayer, input: Uint32Array, batch: number): Uint32Array {
  validatePoolLayer(layer);
  const where = `max-pool layer "${layer.name}"`;
  const { inHeight: H, inWidth: W, channels: C, size: S } = layer;
  checkInputLength(where, input, poolInputWordsPerImage(layer), batch);
  const sign = layer.input.kind === 'sign';
  let values: ArrayLike<number>;
  if (sign) {
    values = unpackSignBits(input, batch, H * W * C);
  } else {
    checkUnsigned(where, input, (layer.input as { bits: number }).bits);
    values = input;
  }
  const { height: OH, width: OW } = poolOutputShape(layer);
  const pooled = sign ? new Int8Array(batch * OH * OW * C) : new Uint32Array(batch * OH * OW * C);
  for (let b = 0; b < batch; b++) {
    for (let py = 0; py < OH; py++) {
      for (let px = 0; px < OW; px++) {
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          for (let dy = 0; dy < S; dy++) {
            for (let dx = 0; dx < S; dx++) m = Math.max(m, values[((b * H + py * S + dy) * W + px * S + dx) * C + c]);
          }
          pooled[((b * OH + py) * OW + px) * C + c] = m;
        }
      }
    }
  }
  return sign ? packSignBits(pooled, batch, OH * OW * C) : (pooled as Uint32Array);
}

// ---------------------------------------------------------------------------------------------
// Chains

/** What flows between layers: a spatial NHWC tensor or a flat vector, and its encoding. */
export interface TensorState {
  shape: SpatialShape | { flat: number };
  /** 'logits': raw i32 accumulators, which only the last layer gives. */
  encoding: ActivationEncoding | { kind: 'logits' };
}

/** What a layer reads. */
export interface LayerInput {
  shape: SpatialShape | { flat: number };
  encoding: ActivationEncoding;
}

function outputEncoding(output: OutputStage): TensorState['encoding'] {
  const bits = unsignedOutputBits(output);
  return bits !== null ? { kind: 'unsigned', bits } : { kind: output.kind as 'sign' | 'logits' };
}

function describeEncoding(encoding: TensorState['encoding']): string {
  return encoding.kind === 'unsigned' ? `${encoding.bits}-bit unsigned activations` : encoding.kind === 'sign' ? 'sign bits' : 'logits';
}

function sameEncoding(a: TensorState['encoding'], b: TensorState['encoding']): boolean {
  return a.kind === b.kind && (a.kind !== 'unsigned' || a.bits === (b as { bits: number }).bits);
}

function describeShape(shape: TensorState['shape']): string {
  return 'flat' in shape ? `${shape.flat} values` : `${shape.height}x${shape.width}x${shape.channels}`;
}

function validateNetLayer(layer: QuantNetLayer): void {
  switch (layer.kind) {
    case 'conv2d':
      return validateConvLayer(layer);
    case 'maxpool':
      return validatePoolLayer(layer);
    case 'flatten':
      if (!isPositiveInteger(layer.size)) throw new Error(`flatten layer "${layer.name}": size must be a positive integer`);
      return;
    case 'dense':
      return validateLayer(layer);
  }
}

/**
 * What a layer reads. Flatten reads either encoding (validateNet checks it against the previous
 * layer); it is reported here as unsigned 8-bit.
 */
export function layerInputState(layer: QuantNetLayer): LayerInput {
  switch (layer.kind) {
    case 'conv2d':
      return {
        shape: { height: layer.inHeight, width: layer.inWidth, channels: layer.inChannels },
        encoding: convInputEncoding(layer),
      };
    case 'maxpool':
      return { shape: { height: layer.inHeight, width: layer.inWidth, channels: layer.channels }, encoding: layer.input };
    case 'flatten':
      return { shape: { flat: layer.size }, encoding: { kind: 'unsigned', bits: 8 } };
    case 'dense':
      return {
        shape: { flat: layer.inputs },
        encoding: layer.format.kind === 'binarynet' ? { kind: 'sign' } : { kind: 'unsigned', bits: layer.inputBits },
      };
  }
}

/** u32 words per image a layer (not flatten) reads. */
export function layerInputWords(layer: QuantNetLayer): number {
  const state = layerInputState(layer);
  const elements = 'flat' in state.shape ? state.shape.flat : elementCount(state.shape);
  return imageWords(state.encoding, elements);
}

/**
 * Checks that each layer reads what the previous one gives (shape and encoding), that only the
 * last layer returns logits, and that it does. Returns the state after each layer.
 */
export function validateNet(layers: readonly QuantNetLayer[]): TensorState[] {
  if (layers.length === 0) throw new Error('a network needs at least one layer');
  const states: TensorState[] = [];
  let current: TensorState | undefined;
  layers.forEach((layer, index) => {
    validateNetLayer(layer);
    const last = index === layers.length - 1;
    const where = `${layer.kind} layer "${layer.name}"`;
    const reads = layerInputState(layer);
    if (current) {
      const prev = layers[index - 1];
      if (layer.kind === 'flatten') {
        if ('flat' in current.shape) throw new Error(`${where}: input is already flat`);
        if (elementCount(current.shape) !== layer.size) {
          throw new Error(`${where} has size ${layer.size} but "${prev.name}" gives ${describeShape(current.shape)}`);
        }
      } else {
        const n = 'flat' in current.shape ? current.shape.flat : elementCount(current.shape);
        const shapeOk =
          'flat' in reads.shape
            ? reads.shape.flat === n // dense after a spatial layer: the NHWC flatten is implicit
            : !('flat' in current.shape) &&
              current.shape.height === reads.shape.height &&
              current.shape.width === reads.shape.width &&
              current.shape.channels === reads.shape.channels;
        if (!shapeOk) {
          throw new Error(`${where} reads ${describeShape(reads.shape)} but "${prev.name}" gives ${describeShape(current.shape)}`);
        }
        if (!sameEncoding(reads.encoding, current.encoding)) {
          const reader = layer.kind === 'maxpool' ? '' : ` (${formatName(layer.format)})`;
          throw new Error(
            `"${prev.name}" gives ${describeEncoding(current.encoding)} but ${where}${reader} reads ${describeEncoding(reads.encoding)}`,
          );
        }
      }
    } else if (layer.kind === 'flatten') {
      throw new Error(`${where}: a network cannot start with flatten`);
    }
    if ((layer.kind === 'conv2d' || layer.kind === 'dense') && layer.output.kind === 'logits') {
      if (!last) throw new Error(`${where}: only the last layer returns logits`);
    } else if (last) {
      throw new Error(`${where}: the last layer must return logits`);
    }
    let next: TensorState;
    switch (layer.kind) {
      case 'conv2d':
        next = { shape: convOutputShape(layer), encoding: outputEncoding(layer.output) };
        break;
      case 'maxpool':
        next = { shape: poolOutputShape(layer), encoding: layer.input };
        break;
      case 'flatten':
        next = { shape: { flat: layer.size }, encoding: (current as TensorState).encoding };
        break;
      case 'dense':
        next = { shape: { flat: layer.units }, encoding: outputEncoding(layer.output) };
        break;
    }
    states.push(next);
    current = next;
  });
  return states;
}

/** Checks the LeNet pattern: conv, max-pool, conv, max-pool, [flatten], dense, dense (plus validateNet). */
export function validateLenet(layers: readonly QuantNetLayer[]): void {
  const kinds = layers.map((layer) => layer.kind).filter((kind) => kind !== 'flatten');
  const want = ['conv2d', 'maxpool', 'conv2d', 'maxpool', 'dense', 'dense'];
  if (kinds.join() !== want.join() || layers.slice(0, 4).some((layer) => layer.kind === 'flatten')) {
    throw new Error(`LeNet needs conv2d, maxpool, conv2d, maxpool, [flatten], dense, dense; got ${layers.map((l) => l.kind).join(', ')}`);
  }
  validateNet(layers);
}

/** One layer of a network on `batch` images (flatten returns its input). */
export function netLayerReference(layer: QuantNetLayer, input: Uint32Array, batch: number): Uint32Array | Int32Array {
  switch (layer.kind) {
    case 'conv2d':
      return conv2dReference(layer, input, batch);
    case 'maxpool':
      return maxPoolReference(layer, input, batch);
    case 'flatten':
      return input;
    case 'dense': {
      const words = layerInputWords(layer);
      if (input.length !== batch * words) {
        throw new Error(`dense layer "${layer.name}": expected ${batch * words} input words, got ${input.length}`);
      }
      return denseReference(layer, input);
    }
  }
}

/** Runs a whole network (e.g. LeNet) on `batch` images; returns the logits [batch][classes]. */
export function convNetReference(layers: readonly QuantNetLayer[], input: Uint32Array, batch: number): Int32Array {
  validateNet(layers);
  let activations: Uint32Array | Int32Array = input;
  for (const layer of layers) activations = netLayerReference(layer, activations as Uint32Array, batch);
  return activations as Int32Array;
}

// ---------------------------------------------------------------------------------------------
// Random layers (tests, benchmarks)

export interface RandomConvSpec extends ConvShape {
  format: WeightFormat;
  /** Unsigned activation bits (forced to 1 for binarynet). */
  inputBits: number;
  output: RandomLayerSpec['output'];
}

/** A conv layer with random weights and bias (the bias and rshift of a random dense layer of the same fan-in). */
export function randomConvLayer(rng: () => number, spec: RandomConvSpec): QuantConv2dLayer {
  const dense = randomDenseLayer(rng, {
    name: spec.name,
    inputs: convFanIn(spec),
    units: spec.filters,
    format: spec.format,
    inputBits: spec.inputBits,
    output: spec.output,
  });
  return {
    kind: 'conv2d',
    name: spec.name,
    inHeight: spec.inHeight,
    inWidth: spec.inWidth,
    inChannels: spec.inChannels,
    kernel: spec.kernel,
    filters: spec.filters,
    format: dense.format,
    inputBits: dense.inputBits,
    weights: dense.weights,
    bias: dense.bias,
    output: dense.output,
  };
}

/** Random activations for `batch` images in an encoding (zero and full scale over-represented). */
export function randomActivations(rng: () => number, encoding: ActivationEncoding, elements: number, batch: number): Uint32Array {
  return randomLayerInput(
    rng,
    {
      format: encoding.kind === 'sign' ? { kind: 'binarynet' } : { kind: 'fixed', bits: 8 },
      inputs: elements,
      inputBits: encoding.kind === 'sign' ? 1 : encoding.bits,
    },
    batch,
  );
}

/** Random input for the first layer of a network. */
export function randomNetInput(rng: () => number, layer: QuantNetLayer, batch: number): Uint32Array {
  const state = layerInputState(layer);
  const elements = 'flat' in state.shape ? state.shape.flat : elementCount(state.shape);
  return randomActivations(rng, state.encoding, elements, batch);
}

export interface RandomLenetSpec {
  /** Weight formats of conv1, conv2, fc1, output. After sign activations only binarynet fits. */
  formats: readonly [WeightFormat, WeightFormat, WeightFormat, WeightFormat];
  /** Bits of the input pixels (8 for MNIST bytes). */
  inputBits: number;
  /** Hidden activations: unsigned with this many bits, or sign bits. */
  activations: number | 'sign';
  /** Include the (no-op) flatten layer; default true. */
  flatten?: boolean;
}

/**
 * LeNet (models.ts 'lenet': conv 5x5x20, pool 2, conv 5x5x50, pool 2, flatten 800, dense 500,
 * dense 10) with random weights in the given formats.
 */
export function randomLenet(rng: () => number, spec: RandomLenetSpec): QuantNetLayer[] {
  const arch = architecture({ model: 'lenet' });
  const hidden: RandomConvSpec['output'] = spec.activations === 'sign' ? 'sign' : { kind: 'requant', bits: spec.activations };
  const encoding: ActivationEncoding = spec.activations === 'sign' ? { kind: 'sign' } : { kind: 'unsigned', bits: spec.activations };
  const actBits = spec.activations === 'sign' ? 1 : spec.activations;
  const layers: QuantNetLayer[] = [];
  let weightIndex = 0;
  let inputBits = spec.inputBits;
  for (const layer of arch) {
    if (layer.kind === 'conv2d') {
      const conv = layer as Conv2dLayer;
      layers.push(
        randomConvLayer(rng, {
          name: conv.name,
          inHeight: conv.inHeight,
          inWidth: conv.inWidth,
          inChannels: conv.inChannels,
          kernel: conv.kernel,
          filters: conv.filters,
          format: spec.formats[weightIndex++],
          inputBits,
          output: hidden,
        }),
      );
      inputBits = actBits;
    } else if (layer.kind === 'maxpool') {
      const pool = layer as MaxPoolLayer;
      layers.push({
        kind: 'maxpool',
        name: pool.name,
        inHeight: pool.inHeight,
        inWidth: pool.inWidth,
        channels: pool.channels,
        size: pool.size,
        input: encoding,
      });
    } else if (layer.kind === 'flatten') {
      if (spec.flatten ?? true) layers.push({ kind: 'flatten', name: layer.name, size: layer.size });
    } else {
      const last = layer.activation === 'none';
      layers.push(
        denseNetLayer(
          randomDenseLayer(rng, {
            name: layer.name,
            inputs: layer.inputs,
            units: layer.units,
            format: spec.formats[weightIndex++],
            inputBits,
            output: last ? 'logits' : hidden,
          }),
        ),
      );
    }
  }
  validateLenet(layers);
  return layers;
}

/** Random packed conv weights, [kh][kw][inC][outC] order (see the layout notes above). */
export function randomConvWeights(
  rng: () => number,
  format: WeightFormat,
  layer: Pick<QuantConv2dLayer, 'kernel' | 'inChannels' | 'filters'>,
): Uint32Array {
  return randomPackedWeights(rng, format, convFanIn(layer), layer.filters);
}
