/**
 * Seeded random layers and inputs for kernel tests and benchmarks (any format, any shape).
 */
import {
  accumulatorHeadroom,
  fixedRange,
  packBinaryWeights,
  packFixed,
  packLightNN,
  packSignBits,
  maxAbsWeight,
  type OutputStage,
  type QuantDenseLayer,
  type WeightFormat,
} from './reference';

export interface RandomLayerSpec {
  name: string;
  inputs: number;
  units: number;
  format: WeightFormat;
  /** Unsigned activation bits (forced to 1 for binarynet). */
  inputBits: number;
  /**
   * 'requant' picks an rshift that spreads typical outputs over the range (with some clamping);
   * 'threshold' random staircases over the typical accumulator range (see randomThresholds).
   */
  output: 'logits' | 'sign' | { kind: 'requant'; bits: number; rshift?: number } | { kind: 'threshold'; bits: number };
}

/**
 * Per unit 2^bits - 1 sorted thresholds over about [-2 typical, 2 typical], with repeats (two
 * levels at once) and, now and then, a unit whose staircase is all at one end (always or never
 * reached, as folding a batch norm with gamma = 0 gives).
 */
export function randomThresholds(rng: () => number, units: number, bits: number, typical: number): Int32Array {
  const levels = 2 ** bits - 1;
  const out = new Int32Array(units * levels);
  const span = Math.max(2, Math.ceil(2 * typical));
  for (let o = 0; o < units; o++) {
    const row = out.subarray(o * levels, (o + 1) * levels);
    const r = rng();
    if (r < 0.05) row.fill(-(2 ** 31));
    else if (r < 0.1) row.fill(2 ** 31 - 1);
    else {
      for (let k = 0; k < levels; k++) row[k] = rng() < 0.1 && k > 0 ? row[k - 1] : randomInt(rng, -span, span);
      row.sort();
    }
  }
  return out;
}

function randomInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function randomSigns(rng: () => number, n: number): Int8Array {
  return Int8Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1));
}

export function randomPackedWeights(
  rng: () => number,
  format: WeightFormat,
  inputs: number,
  units: number,
): Uint32Array {
  const n = inputs * units;
  switch (format.kind) {
    case 'lightnn': {
      const exponents = Uint8Array.from({ length: n * format.k }, () => randomInt(rng, 0, 7));
      return packLightNN(format.k, randomSigns(rng, n), exponents, inputs, units);
    }
    case 'fixed': {
      const limit = fixedRange(format.bits);
      return packFixed(format.bits, Int8Array.from({ length: n }, () => randomInt(rng, -limit, limit)), inputs, units);
    }
    case 'binaryconnect':
    case 'binarynet':
      return packBinaryWeights(randomSigns(rng, n), inputs, units);
  }
}

/** A layer with random weights and a bias of roughly the size of a typical accumulator. */
export function randomDenseLayer(rng: () => number, spec: RandomLayerSpec): QuantDenseLayer {
  const { inputs, units, format } = spec;
  const inputBits = format.kind === 'binarynet' ? 1 : spec.inputBits;
  const maxA = format.kind === 'binarynet' ? 1 : 2 ** inputBits - 1;
  // Typical |acc| of a random layer: about sqrt(fan-in) x typical |a| x typical |w|.
  const typical = Math.max(1, Math.sqrt(inputs) * Math.max(1, maxA / 2) * Math.max(1, maxAbsWeight(format) / 2));
  const biasLimit = Math.ceil(typical);
  const bias = Int32Array.from({ length: units }, () => randomInt(rng, -biasLimit, biasLimit));
  let output: OutputStage;
  if (spec.output === 'logits' || spec.output === 'sign') {
    output = { kind: spec.output };
  } else if (spec.output.kind === 'threshold') {
    output = { kind: 'threshold', bits: spec.output.bits, thresholds: randomThresholds(rng, units, spec.output.bits, typical) };
  } else {
    const bits = spec.output.bits;
    const rshift = spec.output.rshift ?? Math.max(0, Math.round(Math.log2(typical)) - bits + 1);
    output = { kind: 'requant', bits, rshift };
  }
  const layer: QuantDenseLayer = {
    name: spec.name,
    inputs,
    units,
    format,
    inputBits,
    weights: randomPackedWeights(rng, format, inputs, units),
    bias,
    output,
  };
  if (!accumulatorHeadroom({ ...layer, maxAbsBias: biasLimit }, format).fits) {
    throw new Error(`random layer "${spec.name}" would overflow i32: pick fewer bits or inputs`);
  }
  return layer;
}

/** Input for a layer: unsigned activations (zero and full scale over-represented) or packed sign bits. */
export function randomLayerInput(
  rng: () => number,
  layer: Pick<QuantDenseLayer, 'format' | 'inputs' | 'inputBits'>,
  batch: number,
): Uint32Array {
  const n = batch * layer.inputs;
  if (layer.format.kind === 'binarynet') return packSignBits(randomSigns(rng, n), batch, layer.inputs);
  const maxA = 2 ** layer.inputBits - 1;
  return Uint32Array.from({ length: n }, () => {
    const r = rng();
    return r < 0.2 ? 0 : r < 0.3 ? maxA : randomInt(rng, 0, maxA);
  });
}

export const KERNEL_OUTPUT_KINDS = ['logits', 'requant', 'sign', 'threshold'] as const;

/**
 * Output stage and activation bits of one cell of a kernel test matrix (format x shape), cycled
 * so that each format meets every output stage and many activation widths. `stage` picks the
 * output stage (mod 4). The Node tests and the browser's exact suite (kernels.html) share it.
 */
export function kernelMatrixCell(
  formatIndex: number,
  shapeIndex: number,
  stage: number,
): { outputKind: (typeof KERNEL_OUTPUT_KINDS)[number]; inputBits: number; outBits: number; output: RandomLayerSpec['output'] } {
  const outputKind = KERNEL_OUTPUT_KINDS[stage % KERNEL_OUTPUT_KINDS.length];
  const inputBits = 1 + ((formatIndex * 3 + shapeIndex) % 8);
  const outBits = 1 + ((formatIndex + shapeIndex * 5) % 8);
  const output: RandomLayerSpec['output'] =
    outputKind === 'requant' || outputKind === 'threshold' ? { kind: outputKind, bits: outBits } : outputKind;
  return { outputKind, inputBits, outBits, output };
}
