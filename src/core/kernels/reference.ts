/**
 * Integer semantics of the quantized dense kernels, defined by a plain CPU reference.
 *
 * The WGSL kernels in wgsl.ts must reproduce `denseReference` bit for bit. Everything here is
 * integer arithmetic on JS numbers (exact below 2^53), and a layer whose worst-case accumulator
 * could leave the i32 range is refused up front (`checkNoOverflow`), so "i32 accumulator" and
 * "exact integer sum" mean the same thing for every layer we accept.
 *
 * Layouts (all little-endian u32 words):
 * - Weights, unpacked: [inputs][units], index i * units + o (the order of a TF.js dense kernel).
 * - Weights, packed: each u32 holds P = 32 / fieldBits consecutive inputs of ONE output unit;
 *   word (i / P) * units + o, field i % P at bits [(i % P) * fieldBits, ... + fieldBits).
 *   Input-major words let neighbouring GPU threads (neighbouring units) read neighbouring words.
 *   Fields past the last input in the final word row are zero and never read.
 * - Unsigned activations: one u32 per element, [batch][inputs].
 * - Sign activations (+1/-1): [batch][ceil(n / 32)] words, bit i % 32 of word i / 32, bit 1 = +1,
 *   unused tail bits zero. Sign weights use the same bit meaning.
 */
import { fixedLevelCount } from '../quant/formats/fixed';

/** LightNN-K: w = s * sum_{j<K} 2^-m_j, m_j in 0..7. */
export type LightK = 1 | 2 | 3 | 4;

export type WeightFormat =
  /** w = s * sum_j 2^-m_j; integer form s * sum_j 2^(7 - m_j) in units of 2^-7. */
  | { kind: 'lightnn'; k: LightK }
  /** Signed integers q in [-(2^(bits-1) - 1), 2^(bits-1) - 1], bits 2..8. */
  | { kind: 'fixed'; bits: number }
  /** w = +1/-1, unsigned integer activations: add or subtract. */
  | { kind: 'binaryconnect' }
  /** w = +1/-1 and activations +1/-1 (packed sign bits): XNOR and popcount. */
  | { kind: 'binarynet' };

export type OutputStage =
  /**
   * Hidden layer: ReLU, then out = clamp((acc + round) >> rshift, 0, 2^bits - 1) with
   * round = 2^(rshift-1) for rshift > 0, else 0: round half up (ties go towards +infinity,
   * which after the ReLU is away from zero). One u32 per element.
   */
  | { kind: 'requant'; rshift: number; bits: number }
  /**
   * Hidden layer with a per-unit staircase (batch normalisation folded in, see fromNetwork.ts):
   * out = the number of k in 1..2^bits - 1 with acc >= thresholds[unit * (2^bits - 1) + k - 1],
   * thresholds nondecreasing per unit. One u32 per element, like requant.
   */
  | { kind: 'threshold'; bits: number; thresholds: Int32Array }
  /** Hidden layer with sign activations: bit = acc >= 0 ? 1 : 0 (zero counts as +1), packed 32 per u32. */
  | { kind: 'sign' }
  /** Output layer: raw i32 accumulators, one per element. */
  | { kind: 'logits' };

export interface QuantDenseLayer {
  name: string;
  inputs: number;
  units: number;
  format: WeightFormat;
  /**
   * Bits A of the unsigned input activations (values 0..2^A - 1, A in 1..8). Binarynet layers
   * read sign bits instead; there it must be 1.
   */
  inputBits: number;
  /** Packed weights (see the layout notes at the top of this file). */
  weights: Uint32Array;
  /** One bias per unit, already in the accumulator's integer units. */
  bias: Int32Array;
  output: OutputStage;
}

export const I32_MAX = 2 ** 31 - 1;
/** LightNN exponents m are 3-bit codes: integer weights are in units of 2^-7. */
export const LIGHTNN_MAX_EXPONENT = 7;

// ---------------------------------------------------------------------------------------------
// Formats: field widths and word counts

export function formatName(format: WeightFormat): string {
  switch (format.kind) {
    case 'lightnn':
      return `LightNN-${format.k}`;
    case 'fixed':
      return `fixed-${format.bits}`;
    case 'binaryconnect':
      return 'BinaryConnect';
    case 'binarynet':
      return 'BinaryNet';
  }
}

export function validateFormat(format: WeightFormat): void {
  if (format.kind === 'lightnn' && ![1, 2, 3, 4].includes(format.k)) {
    throw new Error(`LightNN-K needs K in 1..4, got ${format.k}`);
  }
  if (format.kind === 'fixed' && !(Number.isInteger(format.bits) && format.bits >= 2 && format.bits <= 8)) {
    throw new Error(`fixed-point weights need 2..8 bits, got ${format.bits}`);
  }
}

/**
 * Bits one weight takes in a packed word. LightNN needs 1 + 3K bits, rounded up to 4/8/16 so
 * fields never straddle words; fixed-point rounds up to 4 or 8 bits.
 */
export function fieldBits(format: WeightFormat): number {
  switch (format.kind) {
    case 'lightnn':
      return format.k === 1 ? 4 : format.k === 2 ? 8 : 16;
    case 'fixed':
      return format.bits <= 4 ? 4 : 8;
    case 'binaryconnect':
    case 'binarynet':
      return 1;
  }
}

/** Weights per u32 word (P). */
export function weightsPerWord(format: WeightFormat): number {
  return 32 / fieldBits(format);
}

/** u32 words holding the packed weights of an inputs x units layer. */
export function packedWeightWords(format: WeightFormat, inputs: number, units: number): number {
  return Math.ceil(inputs / weightsPerWord(format)) * units;
}

/** u32 words per batch row of sign-bit activations. */
export function signWords(n: number): number {
  return Math.ceil(n / 32);
}

/** Binarynet layers read sign bits; every other format reads one unsigned u32 per input. */
export function inputWordsPerRow(layer: Pick<QuantDenseLayer, 'format' | 'inputs'>): number {
  return layer.format.kind === 'binarynet' ? signWords(layer.inputs) : layer.inputs;
}

export function outputWordsPerRow(layer: Pick<QuantDenseLayer, 'output' | 'units'>): number {
  return layer.output.kind === 'sign' ? signWords(layer.units) : layer.units;
}

/** Largest |w| in accumulator units. */
export function maxAbsWeight(format: WeightFormat): number {
  switch (format.kind) {
    case 'lightnn':
      return format.k * 2 ** LIGHTNN_MAX_EXPONENT; // every m_j = 0
    case 'fixed':
      return 2 ** (format.bits - 1) - 1;
    case 'binaryconnect':
    case 'binarynet':
      return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Generic field packing

function packFields(fields: ArrayLike<number>, bits: number, inputs: number, units: number): Uint32Array {
  if (fields.length !== inputs * units) {
    throw new Error(`expected ${inputs * units} weights (${inputs} x ${units}), got ${fields.length}`);
  }
  const perWord = 32 / bits;
  const words = new Uint32Array(Math.ceil(inputs / perWord) * units);
  for (let i = 0; i < inputs; i++) {
    const rowBase = Math.floor(i / perWord) * units;
    const shift = (i % perWord) * bits;
    for (let o = 0; o < units; o++) {
      words[rowBase + o] |= fields[i * units + o] << shift;
    }
  }
  return words;
}

function unpackFields(words: Uint32Array, bits: number, inputs: number, units: number): Uint32Array {
  const perWord = 32 / bits;
  const expected = Math.ceil(inputs / perWord) * units;
  if (words.length !== expected) {
    throw new Error(`expected ${expected} packed words for ${inputs} x ${units}, got ${words.length}`);
  }
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const fields = new Uint32Array(inputs * units);
  for (let i = 0; i < inputs; i++) {
    const rowBase = Math.floor(i / perWord) * units;
    const shift = (i % perWord) * bits;
    for (let o = 0; o < units; o++) {
      fields[i * units + o] = (words[rowBase + o] >>> shift) & mask;
    }
  }
  return fields;
}

function checkSign(value: number, what: string): void {
  if (value !== 1 && value !== -1) throw new Error(`${what} must be +1 or -1, got ${value}`);
}

// ---------------------------------------------------------------------------------------------
// LightNN-K: field = sign bit (bit 0, 1 = negative) | m_j << (1 + 3j)

export interface LightNNWeights {
  /** +1/-1 per weight, [inputs][units]. */
  signs: Int8Array;
  /** K exponents m_j (0..7) per weight: index (i * units + o) * K + j. */
  exponents: Uint8Array;
}

export function packLightNN(
  k: LightK,
  signs: ArrayLike<number>,
  exponents: ArrayLike<number>,
  inputs: number,
  units: number,
): Uint32Array {
  validateFormat({ kind: 'lightnn', k });
  const n = inputs * units;
  if (signs.length !== n || exponents.length !== n * k) {
    throw new Error(`LightNN-${k}: expected ${n} signs and ${n * k} exponents`);
  }
  const fields = new Uint32Array(n);
  for (let w = 0; w < n; w++) {
    checkSign(signs[w], 'LightNN sign');
    let field = signs[w] < 0 ? 1 : 0;
    for (let j = 0; j < k; j++) {
      const m = exponents[w * k + j];
      if (!(Number.isInteger(m) && m >= 0 && m <= LIGHTNN_MAX_EXPONENT)) {
        throw new Error(`LightNN exponent must be an integer in 0..7, got ${m}`);
      }
      field |= m << (1 + 3 * j);
    }
    fields[w] = field;
  }
  return packFields(fields, fieldBits({ kind: 'lightnn', k }), inputs, units);
}

export function unpackLightNN(k: LightK, packed: Uint32Array, inputs: number, units: number): LightNNWeights {
  const fields = unpackFields(packed, fieldBits({ kind: 'lightnn', k }), inputs, units);
  const signs = new Int8Array(fields.length);
  const exponents = new Uint8Array(fields.length * k);
  for (let w = 0; w < fields.length; w++) {
    signs[w] = fields[w] & 1 ? -1 : 1;
    for (let j = 0; j < k; j++) exponents[w * k + j] = (fields[w] >>> (1 + 3 * j)) & 7;
  }
  return { signs, exponents };
}

/** Integer value of one LightNN weight in units of 2^-7: s * sum_j 2^(7 - m_j). */
export function lightNNValue(sign: number, exponents: ArrayLike<number>): number {
  let magnitude = 0;
  for (let j = 0; j < exponents.length; j++) magnitude += 2 ** (LIGHTNN_MAX_EXPONENT - exponents[j]);
  return sign * magnitude;
}

// ---------------------------------------------------------------------------------------------
// Fixed point: field = two's complement of q in 4 or 8 bits

export function fixedRange(bits: number): number {
  return fixedLevelCount(bits);
}

export function packFixed(bits: number, values: ArrayLike<number>, inputs: number, units: number): Uint32Array {
  validateFormat({ kind: 'fixed', bits });
  const limit = fixedRange(bits);
  const width = fieldBits({ kind: 'fixed', bits });
  const mask = (1 << width) - 1;
  const fields = new Uint32Array(values.length);
  for (let w = 0; w < values.length; w++) {
    const q = values[w];
    if (!(Number.isInteger(q) && Math.abs(q) <= limit)) {
      throw new Error(`fixed-${bits} weight must be an integer in [-${limit}, ${limit}], got ${q}`);
    }
    fields[w] = q & mask;
  }
  return packFields(fields, width, inputs, units);
}

export function unpackFixed(bits: number, packed: Uint32Array, inputs: number, units: number): Int8Array {
  const width = fieldBits({ kind: 'fixed', bits });
  const fields = unpackFields(packed, width, inputs, units);
  const values = new Int8Array(fields.length);
  // Sign-extend the field: shift its top bit into bit 31, then arithmetic shift back.
  for (let w = 0; w < fields.length; w++) values[w] = (fields[w] << (32 - width)) >> (32 - width);
  return values;
}

// ---------------------------------------------------------------------------------------------
// Sign weights (BinaryConnect, BinaryNet) and sign activations: bit 1 = +1, bit 0 = -1

export function packBinaryWeights(signs: ArrayLike<number>, inputs: number, units: number): Uint32Array {
  const fields = new Uint32Array(signs.length);
  for (let w = 0; w < signs.length; w++) {
    checkSign(signs[w], 'binary weight');
    fields[w] = signs[w] > 0 ? 1 : 0;
  }
  return packFields(fields, 1, inputs, units);
}

export function unpackBinaryWeights(packed: Uint32Array, inputs: number, units: number): Int8Array {
  const fields = unpackFields(packed, 1, inputs, units);
  return Int8Array.from(fields, (bit) => (bit ? 1 : -1));
}

/** Packs +1/-1 activations, [rows][n], into [rows][ceil(n/32)] words. */
export function packSignBits(values: ArrayLike<number>, rows: number, n: number): Uint32Array {
  if (values.length !== rows * n) throw new Error(`expected ${rows * n} sign values, got ${values.length}`);
  const perRow = signWords(n);
  const words = new Uint32Array(rows * perRow);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const v = values[r * n + i];
      checkSign(v, 'sign activation');
      if (v > 0) words[r * perRow + (i >>> 5)] |= 1 << (i & 31);
    }
  }
  return words;
}

export function unpackSignBits(words: Uint32Array, rows: number, n: number): Int8Array {
  const perRow = signWords(n);
  if (words.length !== rows * perRow) throw new Error(`expected ${rows * perRow} sign words, got ${words.length}`);
  const values = new Int8Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) values[r * n + i] = (words[r * perRow + (i >>> 5)] >>> (i & 31)) & 1 ? 1 : -1;
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Decoding a layer

/** Integer weight values in accumulator units, [inputs][units]. */
export function weightValues(layer: Pick<QuantDenseLayer, 'format' | 'weights' | 'inputs' | 'units'>): Int32Array {
  const { format, weights, inputs, units } = layer;
  switch (format.kind) {
    case 'lightnn': {
      const { signs, exponents } = unpackLightNN(format.k, weights, inputs, units);
      return Int32Array.from(signs, (s, w) => lightNNValue(s, exponents.subarray(w * format.k, (w + 1) * format.k)));
    }
    case 'fixed':
      return Int32Array.from(unpackFixed(format.bits, weights, inputs, units));
    case 'binaryconnect':
    case 'binarynet':
      return Int32Array.from(unpackBinaryWeights(weights, inputs, units));
  }
}

export function validateLayer(layer: QuantDenseLayer): void {
  const where = `layer "${layer.name}"`;
  validateFormat(layer.format);
  if (!(Number.isInteger(layer.inputs) && layer.inputs >= 1 && Number.isInteger(layer.units) && layer.units >= 1)) {
    throw new Error(`${where}: inputs and units must be positive integers (got ${layer.inputs} x ${layer.units})`);
  }
  const words = packedWeightWords(layer.format, layer.inputs, layer.units);
  if (layer.weights.length !== words) {
    throw new Error(`${where}: ${formatName(layer.format)} needs ${words} packed weight words, got ${layer.weights.length}`);
  }
  if (layer.bias.length !== layer.units) {
    throw new Error(`${where}: expected ${layer.units} biases, got ${layer.bias.length}`);
  }
  if (layer.format.kind === 'binarynet') {
    if (layer.inputBits !== 1) throw new Error(`${where}: BinaryNet reads sign bits, so inputBits must be 1`);
  } else if (!(Number.isInteger(layer.inputBits) && layer.inputBits >= 1 && layer.inputBits <= 8)) {
    throw new Error(`${where}: activation bits must be 1..8, got ${layer.inputBits}`);
  }
  const out = layer.output;
  if (out.kind === 'requant') {
    if (!(Number.isInteger(out.bits) && out.bits >= 1 && out.bits <= 8)) {
      throw new Error(`${where}: requantized activations need 1..8 bits, got ${out.bits}`);
    }
    if (!(Number.isInteger(out.rshift) && out.rshift >= 0 && out.rshift <= 31)) {
      throw new Error(`${where}: rshift must be an integer in 0..31, got ${out.rshift}`);
    }
  }
  if (out.kind === 'threshold') validateThresholds(where, out, layer.units);
}

/** Bits of the unsigned activations an output stage gives (requant, threshold), or null (sign, logits). */
export function unsignedOutputBits(out: OutputStage): number | null {
  return out.kind === 'requant' || out.kind === 'threshold' ? out.bits : null;
}

function validateThresholds(where: string, out: Extract<OutputStage, { kind: 'threshold' }>, units: number): void {
  if (!(Number.isInteger(out.bits) && out.bits >= 1 && out.bits <= 8)) {
    throw new Error(`${where}: threshold activations need 1..8 bits, got ${out.bits}`);
  }
  const levels = 2 ** out.bits - 1;
  if (out.thresholds.length !== units * levels) {
    throw new Error(`${where}: expected ${units} x ${levels} thresholds, got ${out.thresholds.length}`);
  }
  for (let o = 0; o < units; o++) {
    for (let k = 1; k < levels; k++) {
      if (out.thresholds[o * levels + k] < out.thresholds[o * levels + k - 1]) {
        throw new Error(`${where}: the thresholds of unit ${o} decrease at level ${k + 1} (the staircase must not go down)`);
      }
    }
  }
}

/**
 * The threshold stage of one accumulator: a binary search over the unit's 2^bits - 1 sorted
 * thresholds (the GPU runs the same steps: thresholdWgsl in wgsl.ts).
 */
export function thresholdLevel(acc: number, thresholds: Int32Array, unit: number, bits: number): number {
  const levels = 2 ** bits - 1;
  const base = unit * levels;
  let q = 0;
  for (let step = 2 ** (bits - 1); step >= 1; step >>= 1) {
    if (acc >= thresholds[base + q + step - 1]) q += step;
  }
  return q;
}

/**
 * What the kernels read at binding 1: the biases, then (threshold stage) the thresholds, so the
 * stage needs no binding of its own.
 */
export function biasBindingWords(bias: Int32Array, output: OutputStage): Int32Array {
  if (output.kind !== 'threshold') return bias;
  const words = new Int32Array(bias.length + output.thresholds.length);
  words.set(bias);
  words.set(output.thresholds, bias.length);
  return words;
}

// ---------------------------------------------------------------------------------------------
// Overflow

export interface AccumulatorShape {
  name: string;
  inputs: number;
  /** Unsigned activation bits (ignored for binarynet, whose activations are +1/-1). */
  inputBits: number;
  /** Largest |bias| in accumulator units (0 if absent). */
  maxAbsBias?: number;
  /** Requantize rshift, whose rounding term is added before the shift. */
  rshift?: number;
}

export interface AccumulatorHeadroom {
  /** Worst-case |acc| (rounding term of a requantize stage included). */
  bound: number;
  /** Bits a signed accumulator needs to hold the bound (sign bit included). */
  bitsNeeded: number;
  fits: boolean;
  /** Human-readable derivation of the bound. */
  explanation: string;
}

/**
 * Worst case |acc| = inputs x max|a| x max|w| + max|bias| (+ the requantize rounding term),
 * every quantity in integer units. Independent of the actual weights, so it can be checked before
 * training finishes.
 */
export function accumulatorHeadroom(layer: AccumulatorShape, format: WeightFormat): AccumulatorHeadroom {
  const maxA = format.kind === 'binarynet' ? 1 : 2 ** layer.inputBits - 1;
  const maxW = maxAbsWeight(format);
  const bias = layer.maxAbsBias ?? 0;
  const round = layer.rshift && layer.rshift > 0 ? 2 ** (layer.rshift - 1) : 0;
  const bound = layer.inputs * maxA * maxW + bias + round;
  const bitsNeeded = Math.ceil(Math.log2(bound + 1)) + 1;
  const activation = format.kind === 'binarynet' ? '1 (sign activations)' : `${maxA} (${layer.inputBits}-bit activations)`;
  const explanation =
    `${layer.inputs} inputs x max|a| ${activation} x max|w| ${maxW} (${formatName(format)})` +
    ` + max|bias| ${bias}` +
    (round ? ` + rounding ${round}` : '') +
    ` = ${bound}`;
  return { bound, bitsNeeded, fits: bound <= I32_MAX, explanation };
}

export function layerHeadroom(layer: QuantDenseLayer): AccumulatorHeadroom {
  let maxAbsBias = 0;
  for (const b of layer.bias) maxAbsBias = Math.max(maxAbsBias, Math.abs(b));
  const rshift = layer.output.kind === 'requant' ? layer.output.rshift : 0;
  return accumulatorHeadroom({ ...layer, maxAbsBias, rshift }, layer.format);
}

/** Throws when the layer's worst-case accumulator could overflow i32 (which would wrap silently on the GPU). */
export function checkNoOverflow(layer: QuantDenseLayer): void {
  const headroom = layerHeadroom(layer);
  if (!headroom.fits) {
    throw new Error(
      `Layer "${layer.name}" could overflow the 32-bit accumulator: worst case |acc| needs ` +
        `${headroom.bitsNeeded} bits (${headroom.explanation} > 2^31 - 1). ` +
        `Use fewer activation or weight bits, or split the layer.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The reference itself

/** Output stage on one accumulator (requant, logits) — sign outputs are packed by the caller. */
export function requantize(acc: number, rshift: number, bits: number): number {
  const relu = Math.max(acc, 0);
  const rounded = rshift > 0 ? Math.floor((relu + 2 ** (rshift - 1)) / 2 ** rshift) : relu;
  return Math.min(rounded, 2 ** bits - 1);
}

/**
 * Runs one layer on a batch. `input` is [batch][inputs] unsigned activations (u32 each), or
 * [batch][ceil(inputs/32)] sign-bit words for binarynet; batch is inferred from its length.
 * Returns u32 activations (requant), packed sign bits (sign) or i32 logits.
 */
export function denseReference(layer: QuantDenseLayer, input: Uint32Array): Uint32Array | Int32Array {
  validateLayer(layer);
  checkNoOverflow(layer);
  const { inputs, units } = layer;
  const rowWords = inputWordsPerRow(layer);
  if (input.length % rowWords !== 0 || input.length === 0) {
    throw new Error(`layer "${layer.name}": input length ${input.length} is not a positive multiple of ${rowWords}`);
  }
  const batch = input.length / rowWords;
  let activations: ArrayLike<number>;
  if (layer.format.kind === 'binarynet') {
    activations = unpackSignBits(input, batch, inputs);
  } else {
    const maxA = 2 ** layer.inputBits - 1;
    for (const a of input) {
      if (a > maxA) throw new Error(`layer "${layer.name}": activation ${a} exceeds ${layer.inputBits} bits`);
    }
    activations = input;
  }
  const w = weightValues(layer);
  const acc = new Float64Array(units);
  const out = layer.output;
  const result =
    out.kind === 'logits' ? new Int32Array(batch * units) : new Uint32Array(batch * outputWordsPerRow(layer));
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < units; o++) acc[o] = layer.bias[o];
    for (let i = 0; i < inputs; i++) {
      const a = activations[b * inputs + i];
      if (a === 0) continue;
      const rowBase = i * units;
      for (let o = 0; o < units; o++) acc[o] += a * w[rowBase + o];
    }
    for (let o = 0; o < units; o++) {
      if (out.kind === 'logits') result[b * units + o] = acc[o];
      else if (out.kind === 'requant') result[b * units + o] = requantize(acc[o], out.rshift, out.bits);
      else if (out.kind === 'threshold') result[b * units + o] = thresholdLevel(acc[o], out.thresholds, o, out.bits);
      else if (acc[o] >= 0) result[b * signWords(units) + (o >>> 5)] |= 1 << (o & 31);
    }
  }
  return result;
}

/** Checks that each layer's output feeds the next layer's input encoding and that the last gives logits. */
export function validateChain(layers: readonly QuantDenseLayer[]): void {
  if (layers.length === 0) throw new Error('an MLP needs at least one layer');
  layers.forEach((layer, index) => {
    validateLayer(layer);
    const last = index === layers.length - 1;
    if (last !== (layer.output.kind === 'logits')) {
      throw new Error(`layer "${layer.name}": only the last layer returns logits`);
    }
    if (last) return;
    const next = layers[index + 1];
    if (next.inputs !== layer.units) {
      throw new Error(`layer "${next.name}" takes ${next.inputs} inputs but "${layer.name}" gives ${layer.units}`);
    }
    const givesSigns = layer.output.kind === 'sign';
    if (givesSigns !== (next.format.kind === 'binarynet')) {
      throw new Error(
        `layer "${layer.name}" gives ${givesSigns ? 'sign bits' : 'unsigned activations'} but ` +
          `"${next.name}" (${formatName(next.format)}) reads ${givesSigns ? 'unsigned activations' : 'sign bits'}`,
      );
    }
    const bits = unsignedOutputBits(layer.output);
    if (bits !== null && bits !== next.inputBits) {
      throw new Error(`layer "${layer.name}" gives ${bits}-bit activations but "${next.name}" expects ${next.inputBits}`);
    }
  });
}

/** Runs a chain of dense layers; returns the last layer's logits [batch][units]. */
export function mlpReference(layers: readonly QuantDenseLayer[], input: Uint32Array): Int32Array {
  validateChain(layers);
  let activations: Uint32Array | Int32Array = input;
  for (const layer of layers) activations = denseReference(layer, activations as Uint32Array);
  return activations as Int32Array;
}
