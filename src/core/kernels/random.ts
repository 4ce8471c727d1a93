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
  /** 'requant' picks an rshift that spreads typical outputs over the range (with some clamping). */
  output: 'logits' | 'sign' | { kind: 'requant'; bits: number; rshift?: number };
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
