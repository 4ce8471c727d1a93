/**
 * Energy, storage and area of one inference of a quantized network, from the operator and memory
 * numbers in the energy table (45 nm). The model, in one place:
 *
 * - Compute: every MAC of a layer runs on a datapath chosen by the pair (weight format, input format);
 *   the datapath is a short list of operators (multiply, add, shift, XNOR, popcount bit) whose
 *   energies and areas come from the table's scaling laws. See `macOperations`.
 * - Memory: each weight is read once per inference (biases at 32 bits), from SRAM if the whole
 *   model's weight memory fits `sramBytes`, otherwise from DRAM. Each layer reads its input
 *   activations once and writes its outputs once, in SRAM, at their bit width (the ideal-reuse
 *   count QKeras qtools uses; register files and the accumulator register are not charged).
 * - Storage: parameters x bitsPerWeight from schemes.ts (biases included at the weight width, as the
 *   project's storage spec counts it); the memory actually read, with 32-bit biases, is weightMemoryBits.
 * - Area: one MAC datapath per weight layer (a layer-pipelined accelerator with no parallelism inside
 *   a layer); the model's area is the sum. Storage is not area.
 */

import {
  architecture,
  biasCount,
  isWeightLayer,
  macCount,
  parameterCount,
  weightCount,
  type ArchitectureConfig,
  type WeightLayer,
} from '../models';
import {
  bitsPerWeight,
  formatOf,
  validateWeightScheme,
  type ActivationScheme,
  type WeightScheme,
} from '../quant/schemes';
import { LIGHTNN_MAX_EXPONENT } from '../quant/formats/lightnn';
import { FLOAT32_OPERAND, type Operand } from '../quant/formats/types';
import { maxOf } from '../arrays';
import type { LayerOverride } from '../config';
import { schemeForLayer } from '../quant/quantConfig';
import { DEFAULT_ENERGY_TABLE, type EnergyTable } from './energyTable';

// ---------------------------------------------------------------------------------------------
// Schemes

export type { ActivationScheme, WeightScheme };

export interface CostConfig extends ArchitectureConfig {
  weights: WeightScheme;
  activations: ActivationScheme;
  /** Bits per input pixel (1..8): the first layer's activations. */
  inputBits: number;
  /** Per-layer weight schemes overriding `weights` (index -1 = last layer), as in the URL. */
  layers?: LayerOverride[];
}

/** Biases are stored and read at 32 bits whatever the weight format. */
export const BIAS_BITS = 32;
/** The output layer's logits are written at 32 bits. */
export const LOGIT_BITS = 32;
/** Integer accumulators never grow past 32 bits. */
export const MAX_ACCUMULATOR_BITS = 32;
/** Activation bit widths the quantizers accept (schemes.ts). */
export const MAX_ACTIVATION_BITS = 16;

/** Bits one activation value occupies in memory. */
export function activationBits(activations: ActivationScheme): number {
  if (activations.kind === 'sign') return 1;
  return activations.bits ?? 32;
}

// ---------------------------------------------------------------------------------------------
// Operand formats and operator costs

/** The number format of one MAC operand; each weight format names its own (quant/formats/). */
export type { Operand };

const FLOAT32 = FLOAT32_OPERAND;

export interface OperatorCost {
  energyPJ: number;
  areaUm2: number;
}

export interface OperatorModel {
  /** Integer add (or subtract) at `width` bits. */
  intAdd(width: number): OperatorCost;
  /** Integer multiply of a `widthA`-bit by a `widthB`-bit operand. */
  intMultiply(widthA: number, widthB: number): OperatorCost;
  /** Shift of a `width`-bit value, under the table's shift convention. */
  shift(width: number): OperatorCost;
  /** Bitwise logic (XNOR) at `width` bits: charged as an adder of that width (QKeras). */
  logic(width: number): OperatorCost;
  /** Float multiply with an `exponentBits` exponent and significands (mantissa + hidden bit) of the given widths. */
  floatMultiply(exponentBits: number, significandA: number, significandB: number): OperatorCost;
  /** Float add with an `exponentBits` exponent and a `mantissaBits` stored mantissa. */
  floatAdd(exponentBits: number, mantissaBits: number): OperatorCost;
}

/**
 * A power law through two measured points, value = value16 * (core / core16)^gamma, used to map a
 * minifloat's "core" (its integer sub-operators) onto Horowitz's fp16 and fp32 numbers. It passes
 * exactly through both points and grows monotonically with the core.
 */
function powerLawThrough(core16: number, core32: number, value16: number, value32: number): (core: number) => number {
  if (!(core16 > 0 && core32 > core16 && value16 > 0 && value32 >= value16)) {
    // Degenerate table (rejected by validateEnergyTable): scale proportionally through fp32.
    return (core) => (core32 > 0 ? (value32 * core) / core32 : value32);
  }
  const gamma = Math.log(value32 / value16) / Math.log(core32 / core16);
  return (core) => value16 * Math.pow(core / core16, gamma);
}

/**
 * Operator energies and areas for a table.
 *
 * Integers (QKeras qtools laws, from Horowitz): add(w) = k*w; multiply(a, b) = q*a*b + l*sqrt(a*b),
 * the QKeras quadratic with the product of widths for unequal operands (Aladdin). Areas use the same
 * shapes fitted through Horowitz's 8- and 32-bit areas: add s*w + c, multiply q*a*b + l*sqrt(a*b).
 *
 * Floats: a float multiply's core is its (M+1)x(M+1) significand multiply plus an E-bit exponent add;
 * a float add's core is an (M+1)-bit alignment shift, an (M+1)-bit significand add and an E-bit
 * exponent compare. Uncalibrated, these cores miss Horowitz's points badly (the fp32 multiply core is
 * 1.78 pJ against 3.7 measured; normalisation, rounding and special cases are missing), so each
 * float operator is calibrated with a power law of its core through the fp16 (E5M10) and fp32
 * (E8M23) table points: exact at both, monotone in E and M in between and below.
 */
export function operatorModel(table: EnergyTable = DEFAULT_ENERGY_TABLE): OperatorModel {
  const shiftEnergyRatio = table.shiftCost === 'aladdin' ? table.aladdinShifterPJ / table.aladdinAdderPJ : 1;
  const shiftAreaRatio = table.shiftCost === 'aladdin' ? table.aladdinShifterAreaUm2 / table.aladdinAdderAreaUm2 : 1;

  const intAddEnergy = (w: number) => table.intAddPJPerBit * w;
  const intMultEnergy = (a: number, b: number) =>
    table.intMultPJPerBitSquared * a * b + table.intMultPJPerBit * Math.sqrt(a * b);

  // Area laws through Horowitz's 8- and 32-bit points.
  const addAreaSlope = (table.intAdd32AreaUm2 - table.intAdd8AreaUm2) / 24;
  const addAreaIntercept = table.intAdd8AreaUm2 - 8 * addAreaSlope;
  const multAreaQuadratic = (table.intMult32AreaUm2 - 4 * table.intMult8AreaUm2) / 768;
  const multAreaLinear = (table.intMult8AreaUm2 - 64 * multAreaQuadratic) / 8;
  const intAddArea = (w: number) => addAreaSlope * w + addAreaIntercept;
  const intMultArea = (a: number, b: number) => multAreaQuadratic * a * b + multAreaLinear * Math.sqrt(a * b);

  const floatMultEnergyCore = (e: number, sa: number, sb: number) => intMultEnergy(sa, sb) + intAddEnergy(e);
  const floatMultAreaCore = (e: number, sa: number, sb: number) => intMultArea(sa, sb) + intAddArea(e);
  const floatAddEnergyCore = (e: number, m: number) => (shiftEnergyRatio + 1) * intAddEnergy(m + 1) + intAddEnergy(e);
  const floatAddAreaCore = (e: number, m: number) => (shiftAreaRatio + 1) * intAddArea(m + 1) + intAddArea(e);

  const floatMultEnergy = powerLawThrough(
    floatMultEnergyCore(5, 11, 11),
    floatMultEnergyCore(8, 24, 24),
    table.floatMult16PJ,
    table.floatMult32PJ,
  );
  const floatMultArea = powerLawThrough(
    floatMultAreaCore(5, 11, 11),
    floatMultAreaCore(8, 24, 24),
    table.floatMult16AreaUm2,
    table.floatMult32AreaUm2,
  );
  const floatAddEnergy = powerLawThrough(
    floatAddEnergyCore(5, 10),
    floatAddEnergyCore(8, 23),
    table.floatAdd16PJ,
    table.floatAdd32PJ,
  );
  const floatAddArea = powerLawThrough(
    floatAddAreaCore(5, 10),
    floatAddAreaCore(8, 23),
    table.floatAdd16AreaUm2,
    table.floatAdd32AreaUm2,
  );

  return {
    intAdd: (w) => ({ energyPJ: intAddEnergy(w), areaUm2: intAddArea(w) }),
    intMultiply: (a, b) => ({ energyPJ: intMultEnergy(a, b), areaUm2: intMultArea(a, b) }),
    shift: (w) => ({ energyPJ: shiftEnergyRatio * intAddEnergy(w), areaUm2: shiftAreaRatio * intAddArea(w) }),
    logic: (w) => ({ energyPJ: intAddEnergy(w), areaUm2: intAddArea(w) }),
    floatMultiply: (e, sa, sb) => ({
      energyPJ: floatMultEnergy(floatMultEnergyCore(e, sa, sb)),
      areaUm2: floatMultArea(floatMultAreaCore(e, sa, sb)),
    }),
    floatAdd: (e, m) => ({
      energyPJ: floatAddEnergy(floatAddEnergyCore(e, m)),
      areaUm2: floatAddArea(floatAddAreaCore(e, m)),
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// MAC datapaths

/** One operator of a MAC datapath: `count` of them per MAC, each costing energyPJ / areaUm2. */
export interface MacOperation {
  label: string;
  count: number;
  energyPJ: number;
  areaUm2: number;
}

function floatName(exponentBits: number, mantissaBits: number): string {
  if (exponentBits === 8 && mantissaBits === 23) return 'fp32';
  if (exponentBits === 5 && mantissaBits === 10) return 'fp16';
  return `E${exponentBits}M${mantissaBits}`;
}

/** Width of an operand's integer value, for product and accumulator widths. */
function integerWidth(operand: Operand): number {
  switch (operand.kind) {
    case 'int':
      return operand.bits;
    case 'sign':
      return 1;
    case 'ternary':
      return 2; // -1, 0, +1 in two's complement
    case 'pow2':
      // Sign, 7 fraction bits for right shifts by 0..7, and carry bits when K terms are summed.
      return 1 + LIGHTNN_MAX_EXPONENT + Math.ceil(Math.log2(operand.terms));
    case 'float':
      return 1 + operand.mantissaBits + 1;
  }
}

/** Integer accumulator: product width plus log2(fan-in) carry bits, capped at 32. */
function accumulatorWidth(productWidth: number, fanIn: number): number {
  return Math.min(MAX_ACCUMULATOR_BITS, productWidth + Math.ceil(Math.log2(Math.max(1, fanIn))));
}

/**
 * The operators one MAC needs, by the formats of its weight and its input:
 *
 * - sign x sign (BinaryNet): a 1-bit XNOR plus one bit of popcount, charged as a 1-bit add.
 * - pow2 x sign (LightNN-K-bin): the product is +-(sum of K powers of two), a constant: K adds of
 *   one-hot constants into the accumulator.
 * - int x sign (binary weights on fixed inputs, or fixed weights on sign activations): one add/subtract.
 * - ternary x anything: as a sign weight (add, subtract or skip), except with sign activations,
 *   where the 2-bit products are accumulated (one add) instead of XNOR-popcounted.
 * - float x sign (BinaryConnect): one float add/subtract into the float accumulator.
 * - pow2 x int (LightNN on fixed activations): K shifts and K-1 adds at the product width, plus the accumulate.
 * - pow2 x float (LightNN on float activations): K shifts charged at `floatShiftBits`, K-1 float adds
 *   combining the shifted copies, plus the float accumulate.
 * - int x int: an integer multiply (product-of-widths law) plus the accumulate.
 * - anything with a float otherwise: a float multiply (integer operands enter as b-bit significands)
 *   plus a float accumulate in the wider format.
 * The accumulator starts at the bias, so the bias add is the first of the fan-in adds.
 */
export function macOperations(
  weight: Operand,
  input: Operand,
  fanIn: number,
  operators: OperatorModel,
  floatShiftBits: number,
): MacOperation[] {
  const op = (label: string, count: number, cost: OperatorCost): MacOperation => ({ label, count, ...cost });
  const pair = [weight, input];
  const find = <K extends Operand['kind']>(kind: K) =>
    pair.find((o): o is Extract<Operand, { kind: K }> => o.kind === kind);
  // A ternary weight gates the same add/subtract as a sign (its zero skips it; the model charges
  // every MAC, as it does not know how many weights are zero). With sign inputs it is not an
  // XNOR-popcount: the zero needs a mask, so the products (-1, 0, +1) are accumulated.
  const sign = find('sign') ?? find('ternary');
  const pow2 = find('pow2');
  const float = find('float');
  const productWidth = integerWidth(weight) + integerWidth(input);
  const accWidth = accumulatorWidth(productWidth, fanIn);
  const accumulate = () => op(`int add ${accWidth} b (accumulate)`, 1, operators.intAdd(accWidth));

  if (weight.kind === 'sign' && input.kind === 'sign') {
    return [op('xnor 1 b', 1, operators.logic(1)), op('popcount, 1 b add', 1, operators.intAdd(1))];
  }
  if (sign && pow2) {
    return [op(`int add ${accWidth} b (+-2^e constant)`, pow2.terms, operators.intAdd(accWidth))];
  }
  if (sign && float) {
    const name = floatName(float.exponentBits, float.mantissaBits);
    return [op(`${name} add (accumulate)`, 1, operators.floatAdd(float.exponentBits, float.mantissaBits))];
  }
  if (sign) return [accumulate()]; // the other operand is an integer
  if (pow2 && float) {
    const name = floatName(float.exponentBits, float.mantissaBits);
    const floatAdd = operators.floatAdd(float.exponentBits, float.mantissaBits);
    return [
      op(`shift ${floatShiftBits} b`, pow2.terms, operators.shift(floatShiftBits)),
      ...(pow2.terms > 1 ? [op(`${name} add (combine terms)`, pow2.terms - 1, floatAdd)] : []),
      op(`${name} add (accumulate)`, 1, floatAdd),
    ];
  }
  if (pow2) {
    return [
      op(`shift ${productWidth} b`, pow2.terms, operators.shift(productWidth)),
      ...(pow2.terms > 1 ? [op(`int add ${productWidth} b (combine terms)`, pow2.terms - 1, operators.intAdd(productWidth))] : []),
      accumulate(),
    ];
  }
  if (weight.kind === 'int' && input.kind === 'int') {
    return [
      op(`int mult ${weight.bits}x${input.bits} b`, 1, operators.intMultiply(weight.bits, input.bits)),
      accumulate(),
    ];
  }
  // At least one float; an integer operand joins as a b-bit significand (conversion not charged).
  const significand = (o: Operand) => (o.kind === 'float' ? o.mantissaBits + 1 : integerWidth(o));
  const exponent = maxOf(pair.map((o) => (o.kind === 'float' ? o.exponentBits : 0)));
  const mantissa = maxOf(pair.map((o) => significand(o) - 1));
  const accName = floatName(exponent, mantissa);
  return [
    op(
      `float mult E${exponent} ${significand(weight)}x${significand(input)} b significands`,
      1,
      operators.floatMultiply(exponent, significand(weight), significand(input)),
    ),
    op(`${accName} add (accumulate)`, 1, operators.floatAdd(exponent, mantissa)),
  ];
}

function weightOperand(weights: WeightScheme): Operand {
  return formatOf(weights).operand(weights);
}

function activationOperand(activations: ActivationScheme): Operand {
  if (activations.kind === 'sign') return { kind: 'sign' };
  return activations.bits === undefined ? FLOAT32 : { kind: 'int', bits: activations.bits };
}

// ---------------------------------------------------------------------------------------------
// The estimate

export interface LayerCost {
  name: string;
  kind: 'dense' | 'conv2d';
  macs: number;
  fanIn: number;
  /** The datapath of one MAC: operators, how many per MAC, and each one's energy and area. */
  macOperations: MacOperation[];
  energyPerMacPJ: number;
  /** Per-output float32 multiply by the layer scale (binary 'l1', ternary), in total. */
  scalePJ: number;
  /** Batch normalisation folded to a per-output scale and offset (a float32 multiply and add each), in total; 0 without. */
  normPJ: number;
  /** Weight bits read (weights x bits per weight). */
  weightReadBits: number;
  /** Bias bits read (biases x 32, plus a 32-bit scale and offset per unit with batch norm). */
  biasReadBits: number;
  activationReadBits: number;
  activationWriteBits: number;
  computePJ: number;
  memoryPJ: number;
  energyPJ: number;
  /** (Weights + biases) x bits per weight. */
  storageBits: number;
  /** One MAC datapath of this layer (plus the scale multiplier when there is one). */
  areaUm2: number;
}

export interface CostEstimate {
  energyPJ: number;
  computePJ: number;
  memoryPJ: number;
  /** Parameters x bits per weight. */
  storageBits: number;
  /** Weight bits plus 32-bit biases: what is read per inference and must fit the SRAM. */
  weightMemoryBits: number;
  bitsPerWeight: number;
  areaUm2: number;
  weightsInSram: boolean;
  layers: LayerCost[];
  /** The modelling assumptions behind these numbers, for display next to them. */
  assumptions: string[];
}

function checkConfig(config: CostConfig): void {
  validateWeightScheme(config.weights);
  for (const o of config.layers ?? []) validateWeightScheme(o.scheme);
  const integerIn = (value: number, what: string, max: number) => {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new RangeError(`${what} must be an integer in 1..${max}, got ${value}`);
    }
  };
  integerIn(config.inputBits, 'inputBits', 8);
  if (config.activations.kind === 'relu' && config.activations.bits !== undefined) {
    integerIn(config.activations.bits, 'activation bits', MAX_ACTIVATION_BITS);
  }
}

function layerShape(layer: WeightLayer): { fanIn: number; inputs: number; outputs: number } {
  if (layer.kind === 'dense') return { fanIn: layer.inputs, inputs: layer.inputs, outputs: layer.units };
  return {
    fanIn: layer.kernel * layer.kernel * layer.inChannels,
    inputs: layer.inHeight * layer.inWidth * layer.inChannels,
    outputs: layer.outHeight * layer.outWidth * layer.filters,
  };
}

export function estimateCost(config: CostConfig, table: EnergyTable = DEFAULT_ENERGY_TABLE): CostEstimate {
  checkConfig(config);
  const operators = operatorModel(table);
  const weightLayers = architecture(config).filter(isWeightLayer);
  const schemes = weightLayers.map((_, i) => schemeForLayer({ weights: config.weights, layers: config.layers ?? [] }, i, weightLayers.length));
  const layerBits = schemes.map(bitsPerWeight);
  const hiddenOperand = activationOperand(config.activations);
  const hiddenBits = activationBits(config.activations);
  const floatActivations = hiddenOperand.kind === 'float';
  // Float networks convert the integer pixels to float32 before the first layer (not charged);
  // fixed and sign networks feed the inputBits-wide pixels to the first layer's datapath.
  const firstInput: Operand = floatActivations ? FLOAT32 : { kind: 'int', bits: config.inputBits };

  const weightMemoryBits = weightLayers.reduce(
    (sum, layer, i) => sum + weightCount(layer) * layerBits[i] + biasCount(layer) * (layer.batchNorm ? 3 : 1) * BIAS_BITS,
    0,
  );
  const weightsInSram = weightMemoryBits <= table.sramBytes * 8;
  const sramPJPerBit = table.sramPJPer64Bit / 64;
  const weightPJPerBit = weightsInSram ? sramPJPerBit : table.dramPJPerBit;
  const scaleMultiply = operators.floatMultiply(8, 24, 24);
  const offsetAdd = operators.floatAdd(8, 23);

  const layers = weightLayers.map((layer, index): LayerCost => {
    const first = index === 0;
    const scheme = schemes[index];
    const wBits = layerBits[index];
    const weight = weightOperand(scheme);
    const scaled = formatOf(scheme).scaled(scheme);
    const { fanIn, inputs, outputs } = layerShape(layer);
    const macs = macCount(layer);
    const operations = macOperations(weight, first ? firstInput : hiddenOperand, fanIn, operators, table.floatShiftBits);
    const energyPerMacPJ = operations.reduce((sum, o) => sum + o.count * o.energyPJ, 0);
    const scalePJ = scaled ? outputs * scaleMultiply.energyPJ : 0;
    const normPJ = layer.batchNorm ? outputs * (scaleMultiply.energyPJ + offsetAdd.energyPJ) : 0;
    const computePJ = macs * energyPerMacPJ + scalePJ + normPJ;

    const weightReadBits = weightCount(layer) * wBits;
    const biasReadBits = biasCount(layer) * (layer.batchNorm ? 3 : 1) * BIAS_BITS;
    const activationReadBits = inputs * (first ? config.inputBits : hiddenBits);
    const activationWriteBits = outputs * (layer.activation === 'none' ? LOGIT_BITS : hiddenBits);
    const memoryPJ =
      (weightReadBits + biasReadBits) * weightPJPerBit + (activationReadBits + activationWriteBits) * sramPJPerBit;

    const areaUm2 =
      operations.reduce((sum, o) => sum + o.count * o.areaUm2, 0) +
      (scaled ? scaleMultiply.areaUm2 : 0) +
      (layer.batchNorm ? scaleMultiply.areaUm2 + offsetAdd.areaUm2 : 0);
    return {
      name: layer.name,
      kind: layer.kind,
      macs,
      fanIn,
      macOperations: operations,
      energyPerMacPJ,
      scalePJ,
      normPJ,
      weightReadBits,
      biasReadBits,
      activationReadBits,
      activationWriteBits,
      computePJ,
      memoryPJ,
      energyPJ: computePJ + memoryPJ,
      storageBits: (weightCount(layer) + biasCount(layer)) * wBits,
      areaUm2,
    };
  });

  const sum = (pick: (l: LayerCost) => number) => layers.reduce((total, l) => total + pick(l), 0);
  const storageBits = sum((l) => l.storageBits);
  const scaled = schemes.some((s) => formatOf(s).scaled(s));
  const computePJ = sum((l) => l.computePJ);
  const memoryPJ = sum((l) => l.memoryPJ);
  return {
    energyPJ: computePJ + memoryPJ,
    computePJ,
    memoryPJ,
    storageBits,
    weightMemoryBits,
    /** Average over parameters when layers differ; the scheme's own width otherwise. */
    bitsPerWeight: storageBits / parameterCount(config),
    areaUm2: sum((l) => l.areaUm2),
    weightsInSram,
    layers,
    assumptions: assumptions(table, weightsInSram, weightMemoryBits, floatActivations, scaled, weightLayers.some((l) => l.batchNorm)),
  };
}

function assumptions(
  table: EnergyTable,
  weightsInSram: boolean,
  weightMemoryBits: number,
  floatActivations: boolean,
  scaled: boolean,
  batchNorm: boolean,
): string[] {
  const kib = (bits: number) => `${(bits / 8 / 1024).toFixed(1)} KiB`;
  const list = [
    'Technology: 45 nm (Horowitz ISSCC 2014) with QKeras qtools bit-width laws.',
    `Weights (${kib(weightMemoryBits)} with 32-bit biases) are read once per inference from ` +
      (weightsInSram
        ? `SRAM (they fit the ${kib(table.sramBytes * 8)} buffer, ${table.sramPJPer64Bit} pJ per 64-bit access).`
        : `DRAM (they exceed the ${kib(table.sramBytes * 8)} SRAM buffer, ${table.dramPJPerBit} pJ/bit).`),
    'Activations: each layer reads its inputs once and writes its outputs once, in SRAM, at their bit width ' +
      '(input pixels at inputBits, logits at 32 bits); register files and accumulators are not charged.',
    'Conv layers: each filter is read once and held locally while it slides (weight reuse is free).',
    'Area: one MAC datapath per weight layer, summed over layers; storage is reported in bits, not area.',
    'Integer MACs: multiply by the product-of-widths law, accumulate at product width + log2(fan-in) bits, at most 32.',
    'Float operators: significand multiply + exponent add (multiply) or alignment shift + significand add + ' +
      'exponent compare (add), calibrated by a power law through the fp16 and fp32 table points.',
    `Shifts: ${table.shiftCost === 'adder' ? 'at the cost of an adder of the same width (QKeras)' : 'adder cost x Aladdin shifter/adder ratio'}.`,
    'BinaryNet: 1-bit XNOR plus one popcount bit (a 1-bit add) per MAC; LightNN-K on sign activations: K adds.',
    'Max-pooling comparisons and per-output activation functions are not charged.',
  ];
  if (batchNorm) {
    list.push(
      'Batch norm: folded at inference into a per-output scale and offset (a float32 multiply and add per output, ' +
        'two more 32-bit parameters per unit read with the biases). The WGSL kernels fold it exactly into ' +
        'per-unit thresholds instead (2^bits - 1 per unit for ReLU, one offset for sign), which costs comparisons, not a multiply.',
    );
  }
  if (floatActivations) {
    list.push(
      `Float activations: input pixels are converted to float32 for free; a LightNN shift of a float is charged as a ${table.floatShiftBits}-bit shift.`,
    );
  }
  if (scaled) list.push("Weights with a per-layer scale (binary 'l1', ternary): one float32 multiply per output value.");
  return list;
}
