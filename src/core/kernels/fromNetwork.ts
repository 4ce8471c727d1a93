/**
 * A trained dense network (weights from readWeights) and its quantization config, turned into the
 * integer layers the kernels run (reference.ts semantics). What is exact and what is approximated:
 *
 * Inputs. a0 = round(x * L0) with L0 = 2^inputBits - 1 (as quantizeInputTensor; for 8 bits the
 * MNIST byte itself), so x = a0 * s0 with s0 = 1 / L0.
 *
 * Weights. w = sw * q with q the integer the kernel stores:
 * - LightNN-K: q = s * sum_j 2^(7 - m_j), sw = 2^-7 (exact).
 * - fixed b (2..8 bits): q = fixedCodes(w) in [-n, n] (round half to even of w n / c, exact,
 *   saturated), n = 2^(b-1) - 1, sw = c / n, c the layer's clip (max|w|, or the percentile or MSE
 *   clip: fixedClips). The TF.js weight is q * sw correctly rounded to float32 (fixedLevel), so it
 *   differs from q * sw by at most half a float32 ulp. Per-channel clips are refused (one scale
 *   per layer is folded into the shift).
 * - binary 'none' (BinaryConnect, BinaryNet): q = +1/-1, sw = binaryLayerGain(fan-in), a power of
 *   two, so the gain is part of the shift (exact). Binary 'l1': sw = mean |w| (float64 mean; the
 *   tensor version's float32 sum can differ in its last bits).
 *
 * Accumulator. acc = sum a * q + bias_int, in units of s_in * sw (s_in = the scale of the layer's
 * input integers). bias_int = round(b / (s_in * sw)): the float bias is off by at most half an
 * accumulator unit; before a sign activation floor(b / (s_in * sw)) instead, which gives exactly
 * the sign of the real pre-activation (see below). Everything else in the sum is exact
 * (checkNoOverflow refuses layers whose worst case could leave i32).
 *
 * Hidden ReLU with A bits (2^A - 1 = L levels on [0, clip]). The TF.js model computes
 * round_half_even(clamp(z, 0, clip) * L / clip); the kernel computes
 * clamp((acc + 2^(r-1)) >> r, 0, L), which is the same thing when 2^-r = s_in * sw * L / clip.
 * That ratio is rarely a power of two, so r = round(log2(clip / (L * s_in * sw))) (or rounded up,
 * see IntegerMlpOptions): the integer layer then quantizes on [0, clip'] with
 * clip' = L * s_in * sw * 2^r, between clip / sqrt(2) and clip * sqrt(2) ("effective clip" in
 * the notes), and the next layer uses the true scale clip' / L, so the only approximation is the
 * clip and step of that activation grid (and ties, which round half up instead of half to even).
 * When clip' = clip (power-of-two ratio, e.g. LightNN weights, input bits = activation bits and
 * a power-of-two clip) the grid is the TF.js one.
 * Float ReLU (no bits): 8 bits on a clip from calibration (activationClips, normally
 * calibrateActivationClips), r rounded up by default so clip' >= clip and the integer model
 * clips no more than the calibration percentile.
 *
 * Sign activations (BinaryNet): bit = acc >= 0, as sign(0) = +1 in TF.js; the next layer reads
 * +1/-1 (scale 1). The weighted sum S is an integer, so S + floor(beta) >= 0 exactly when
 * S + beta >= 0 (beta = b / acc unit): the bit is the sign of the exact real pre-activation.
 * A rounded bias would flip it wherever S = -round(beta) and beta < round(beta), which is common:
 * sums of 500 random +1/-1 are 0 about 4% of the time, and small biases round to 0. Where TF.js's
 * float32 sum is exact (binary 'none' weights on +1/-1 or 1-bit inputs: small multiples of a power
 * of two) the bits are TF.js's exactly. Only binary weights can read sign bits (XNOR-popcount), so
 * LightNN or fixed weights after a sign activation are refused.
 *
 * Batch norm (a layer's LayerWeights.batchNorm): folded exactly, per unit (foldBatchNorm). The
 * normalised value is y = alpha (S' + offset), alpha >= 0, with S' the integer sum of the unit's
 * weights, negated where gamma < 0. Sign activations: bias floor(offset), as above. ReLU with B
 * bits (8 for float ReLU) on [0, clip]: the threshold stage, 2^B - 1 per unit, T_k the least
 * integer with alpha (T_k + offset) >= (k - 1/2) clip / (2^B - 1): round half up of the real y on
 * the exact grid of the clip (no power-of-two shift, so no effective-clip approximation).
 *
 * Output layer: raw i32 logits in units of outputScale (argmax needs no rescale).
 *
 * LeNet (toIntegerLenet): the same rules layer by layer; a conv layer is the dense layer it is at
 * one output pixel (fan-in K*K*inC, so binaryLayerGain and the shift use that fan-in), and the
 * max-pools run on the integer activations, which is exact: the TF.js model pools after the
 * activation too, and max commutes with the monotone requantization (and with sign).
 */
import { architecture, type Conv2dLayer, type DenseLayer } from '../models';
import type { BatchNormWeights, LayerWeights } from '../models';
import { binaryLayerGain } from '../quant/formats/binary';
import { evaluationScheme, WEIGHT_FORMATS } from '../quant/formats';
import { schemeForLayer, type QuantConfig } from '../quant/quantConfig';
import {
  binaryL1Scale,
  DEFAULT_ACTIVATION_CLIP,
  describeScheme,
  fixedClips,
  fixedCodes,
  fixedLevelCount,
  lightnnEncode,
  quantizeWeights,
  type WeightScheme,
} from '../quant/schemes';
import {
  accumulatorHeadroom,
  checkNoOverflow,
  formatName,
  packBinaryWeights,
  packFixed,
  packLightNN,
  validateChain,
  type LightK,
  type OutputStage,
  type QuantDenseLayer,
  type WeightFormat,
  unsignedOutputBits,
} from './reference';
import {
  checkConvNoOverflow,
  denseNetLayer,
  validateLenet,
  type ActivationEncoding,
  type QuantConv2dLayer,
  type QuantNetLayer,
} from './conv';

/** Activation bits used where the TF.js model keeps float ReLU activations. */
export const FLOAT_RELU_ACTIVATION_BITS = 8;

export interface IntegerMlpOptions {
  /**
   * How the requantize shift r is rounded from log2(clip / (L * s_in * sw)):
   * 'nearest' (effective clip within a factor sqrt(2) of the float clip) or 'up' (effective clip
   * >= the float clip, up to 2x: a coarser grid, but nothing clipped that the float model keeps).
   * Default: 'nearest' for fixed-point ReLU configs (the TF.js model clips there too), 'up' for
   * float ReLU configs (the TF.js model never clips).
   */
  rshiftRounding?: 'nearest' | 'up';
}

export interface IntegerLayerScales {
  name: string;
  /** Scale of the layer's input integers (1 for sign activations). */
  inputScale: number;
  /** w = weightScale * q. */
  weightScale: number;
  /** One accumulator unit: inputScale * weightScale (bias_int = round(b / accScale); floor before sign). */
  accScale: number;
  /** Scale of the output integers: accScale * 2^rshift (requant), 1 (sign), accScale (logits). */
  outputScale: number;
  /** Requant layers: the clip the TF.js model uses (float ReLU: the calibrated one). */
  floatClip?: number;
  /** Requant layers: (2^bits - 1) * outputScale, the clip the integer layer actually has. */
  effectiveClip?: number;
}

export interface IntegerMlp {
  layers: QuantDenseLayer[];
  /** x in [0, 1] is round(x * (2^inputBits - 1)) * inputScale; see integerInputs. */
  inputScale: number;
  /** float logits ~= integer logits * outputScale. */
  outputScale: number;
  scales: IntegerLayerScales[];
  /** What was approximated and how, one line each. */
  notes: string[];
}

interface QuantizedKernel {
  format: WeightFormat;
  weights: Uint32Array;
  weightScale: number;
  note: string;
}

function quantizeKernel(
  where: string,
  scheme: WeightScheme,
  kernel: Float32Array,
  inputs: number,
  units: number,
  readsSignBits: boolean,
  /** Units whose integer weights are negated (a batch norm with gamma < 0 folded in: foldBatchNorm). */
  negate: Uint8Array | null,
): QuantizedKernel {
  // Negating integer codes is exact in every format here (all are symmetric about 0).
  const flip = (codes: { [i: number]: number; length: number }) => {
    if (negate) for (let w = 0; w < codes.length; w++) if (negate[w % units]) codes[w] = -codes[w];
  };
  const refuse = (why: string): never => {
    throw new Error(`${where}: ${describeScheme(scheme)} weights ${why}`);
  };
  if (readsSignBits && scheme.kind !== 'binary') {
    refuse(
      'after sign activations cannot run on the integer kernels: only binary weights read sign bits ' +
        '(BinaryNet, XNOR-popcount). Use binary:scale=none weights with sign activations, or ReLU activations.',
    );
  }
  // The format says whether the kernels implement it (float32, minifloat and ternary do not).
  const refusal = WEIGHT_FORMATS[scheme.kind].kernelRefusal;
  if (refusal !== null) refuse(refusal);
  switch (scheme.kind) {
    case 'fixed': {
      if (scheme.bits > 8) refuse('need more than the 8 bits the fixed-point kernels store');
      const format: WeightFormat = { kind: 'fixed', bits: scheme.bits };
      if ((scheme.granularity ?? 'tensor') === 'channel') {
        refuse(
          'have one scale per output channel: per-channel fixed-point scales are not in the integer kernels yet ' +
            '(they take one scale per layer, folded into the shift). Use granularity=tensor.',
        );
      }
      const n = fixedLevelCount(scheme.bits);
      // The clip (max|w|, or the calibrated percentile / MSE clip) and the codes the TF.js weights
      // are the levels of (fixedQuantize = fixedLevel(fixedCodes, clip)), from the same clip.
      const clips = fixedClips(kernel, scheme);
      const clip = clips[0];
      const index = Int8Array.from(fixedCodes(kernel, scheme, undefined, clips));
      flip(index);
      const weightScale = clip === 0 ? 1 : clip / n;
      const clipName = (scheme.scale ?? 'max') === 'max' ? 'max|w|' : 'the clip';
      return {
        format,
        weights: packFixed(scheme.bits, index, inputs, units),
        weightScale,
        note: `integers in [-${n}, ${n}] times ${clipName}/${n} = ${weightScale.toPrecision(6)} (folded into the shift)`,
      };
    }
    case 'lightnn': {
      const k = scheme.k as LightK;
      const q = quantizeWeights(kernel, scheme);
      const signs = new Int8Array(q.length);
      const exponents = new Uint8Array(q.length * k);
      for (let w = 0; w < q.length; w++) {
        if (q[w] === 0) refuse('include 0 (allowZero), which the LightNN kernels cannot encode (K exponents, no zero code)');
        const code = lightnnEncode(q[w], k);
        signs[w] = code.sign ? -1 : 1;
        exponents.set(code.exponents, w * k);
      }
      flip(signs);
      return {
        format: { kind: 'lightnn', k },
        weights: packLightNN(k, signs, exponents, inputs, units),
        weightScale: 2 ** -7,
        note: 'sums of K powers of two in units of 2^-7 (exact)',
      };
    }
    case 'binary': {
      const signs = quantizeWeights(kernel, { kind: 'binary', scale: 'none' });
      flip(signs);
      const weightScale = scheme.scale === 'none' ? binaryLayerGain(inputs) : binaryL1Scale(kernel);
      return {
        format: readsSignBits ? { kind: 'binarynet' } : { kind: 'binaryconnect' },
        weights: packBinaryWeights(signs, inputs, units),
        weightScale,
        note:
          scheme.scale === 'none'
            ? `+1/-1 times binaryLayerGain(${inputs}) = 2^${Math.log2(weightScale)} (part of the shift, exact)`
            : `+1/-1 times mean|w| = ${weightScale.toPrecision(6)} (folded into the shift)`,
      };
    }
    default:
      // Unreachable for the formats above: their kernelRefusal already refused.
      return refuse(`(${scheme.kind}) have no integer kernel`);
  }
}

/** Requantize shift: 2^r ~= target, rounded to nearest in log2 or up. */
function chooseShift(target: number, rounding: 'nearest' | 'up'): number {
  const log = Math.log2(target);
  let r = rounding === 'nearest' ? Math.round(log) : Math.ceil(log);
  if (rounding === 'up') {
    // Math.log2 can be off by an ulp near powers of two; settle with exact powers of two.
    if (2 ** r < target) r++;
    else if (2 ** (r - 1) >= target) r--;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// The per-layer conversion, shared by toIntegerMlp and toIntegerLenet

/** What a conversion carries from one weight layer to the next. */
interface Conversion {
  /** 'toIntegerMlp' or 'toIntegerLenet', prefixed to messages. */
  fn: string;
  config: QuantConfig;
  activationClips?: readonly number[];
  /** Weight layers in the network (schemeForLayer's count; the last returns logits). */
  count: number;
  floatRelu: boolean;
  rounding: 'nearest' | 'up';
  notes: string[];
  scales: IntegerLayerScales[];
  /** Scale and bits of the next weight layer's input integers; sign bits after a sign activation. */
  inputScale: number;
  inputBits: number;
  readsSignBits: boolean;
}

/** Checks the chain-wide settings, chooses the shift rounding and writes the first notes. */
function startConversion(
  fn: string,
  config: QuantConfig,
  count: number,
  activationClips: readonly number[] | undefined,
  options: IntegerMlpOptions,
): Conversion {
  const { inputBits, activations: act } = config;
  if (!(Number.isInteger(inputBits) && inputBits >= 1 && inputBits <= 8)) {
    throw new Error(`${fn}: input bits must be 1..8, got ${inputBits}`);
  }
  const floatRelu = act.kind === 'relu' && act.bits === undefined;
  if (act.kind === 'relu' && act.bits !== undefined && act.bits > 8) {
    throw new Error(`${fn}: ${act.bits}-bit activations do not fit the kernels' 1..8-bit unsigned activations`);
  }
  const rounding = options.rshiftRounding ?? (floatRelu ? 'up' : 'nearest');
  const inputLevels = 2 ** inputBits - 1;
  const notes: string[] = [
    `inputs: round(x * ${inputLevels}) as ${inputBits}-bit unsigned integers` +
      (inputBits === 8 ? ' (the MNIST bytes themselves)' : ', as the TF.js input quantizer') +
      `; x = a * 1/${inputLevels}`,
  ];
  if (floatRelu && count > 1) {
    notes.push(
      `activations: the TF.js model keeps float ReLU; the integer model uses ${FLOAT_RELU_ACTIVATION_BITS}-bit ` +
        `unsigned activations on [0, effective clip] per layer, effective clip = 255 x a power-of-two multiple of the ` +
        `accumulator unit, rounded ${rounding === 'up' ? 'up from' : 'to the nearest of'} the calibrated clip`,
    );
  }
  return {
    fn,
    config,
    activationClips,
    count,
    floatRelu,
    rounding,
    notes,
    scales: [],
    inputScale: 1 / inputLevels,
    inputBits,
    readsSignBits: false,
  };
}

interface ConvertedLayer {
  /**
   * The weight layer as a dense layer with inputs = its fan-in (for a conv layer: the layer at one
   * output pixel, inputs = K*K*inC, units = filters, as convAsDense).
   */
  dense: QuantDenseLayer;
  scale: IntegerLayerScales;
  /** The note after the layer's name and shape. */
  note: string;
}

/**
 * Weight layer `index` (weights [fan-in][units] in memory: dense [inputs][units], conv
 * [kh][kw][inC][outC]) under the conversion's current input scale: quantized weights, biases in
 * accumulator units and the output stage (requant shift, sign or logits). Does not check
 * overflow (the caller knows the layer kind) nor advance the conversion (commitLayer).
 */
function convertWeightLayer(chain: Conversion, index: number, w: LayerWeights, inputs: number, units: number): ConvertedLayer {
  const { config, floatRelu } = chain;
  const act = config.activations;
  const where = `${chain.fn}: layer ${index} "${w.name}"`;
  const scheme = evaluationScheme(schemeForLayer(config, index, chain.count));
  const last = index === chain.count - 1;
  const norm = !last && w.batchNorm ? w.batchNorm : null;
  if (norm && (norm.gamma.length !== units || norm.beta.length !== units || norm.mean.length !== units || norm.variance.length !== units)) {
    throw new Error(`${where}: batch norm has ${norm.gamma.length} units, the layer ${units}`);
  }
  // A batch norm with gamma < 0 turns the staircase around: negate those units' weights instead.
  const negate = norm ? Uint8Array.from(norm.gamma, (g) => (g < 0 ? 1 : 0)) : null;
  const quantized = quantizeKernel(where, scheme, w.kernel, inputs, units, chain.readsSignBits, negate);
  const inputScale = chain.inputScale;
  const accScale = inputScale * quantized.weightScale;
  const scale: IntegerLayerScales = {
    name: w.name,
    inputScale,
    weightScale: quantized.weightScale,
    accScale,
    outputScale: accScale,
  };
  const format = quantized.format;
  const finish = (bias: Int32Array, output: OutputStage, biasNote: string, outputNote: string): ConvertedLayer => ({
    dense: {
      name: w.name,
      inputs,
      units,
      format,
      inputBits: format.kind === 'binarynet' ? 1 : chain.inputBits,
      weights: quantized.weights,
      bias,
      output,
    },
    scale,
    note: `${formatName(format)}): weights ${quantized.note}; acc unit ${accScale.toPrecision(6)}, ${biasNote}; ${outputNote}`,
  });

  if (norm) {
    const fold = foldBatchNorm(norm, w.bias, accScale);
    if (act.kind === 'sign') {
      // The sum S' (negated units: -S) gives +1 exactly when S' + offset >= 0: floor, as for a bias.
      const never = accumulatorHeadroom({ name: w.name, inputs, inputBits: chain.readsSignBits ? 1 : chain.inputBits }, format).bound + 1;
      const bias = Int32Array.from(fold.offset, (offset, o) =>
        fold.alpha[o] === 0 ? (fold.constant[o] >= 0 ? never : -never) : checkedI32(where, Math.floor(offset)),
      );
      scale.outputScale = 1;
      return finish(bias, { kind: 'sign' }, `batch norm folded: sign of the exact normalised sum (bias floored, ${negate!.reduce((a, b) => a + b, 0)} units negated)`, 'sign bits');
    }
    const bits = act.bits ?? FLOAT_RELU_ACTIVATION_BITS;
    const clip = activationClip(chain, index, where);
    const levels = 2 ** bits - 1;
    const thresholds = new Int32Array(units * levels);
    for (let o = 0; o < units; o++) {
      for (let k = 1; k <= levels; k++) {
        // Level k starts where the normalised value reaches (k - 1/2) steps: round half up, as requant.
        const start = ((k - 0.5) * clip) / levels;
        let t: number;
        if (fold.alpha[o] === 0) t = fold.constant[o] >= start ? -(2 ** 31) : 2 ** 31 - 1;
        else t = Math.ceil(start / fold.alpha[o] - fold.offset[o]);
        thresholds[o * levels + k - 1] = Math.min(2 ** 31 - 1, Math.max(-(2 ** 31), t));
      }
    }
    scale.outputScale = clip / levels;
    scale.floatClip = clip;
    scale.effectiveClip = clip;
    return finish(
      new Int32Array(units),
      { kind: 'threshold', bits, thresholds },
      'batch norm and bias folded into the thresholds',
      `${bits}-bit ReLU as ${levels} thresholds per unit on the normalised sum, clip ${clip.toPrecision(5)} (exact grid)`,
    );
  }

  // Sign outputs: floor, so that acc + bias_int >= 0 (acc an integer) exactly when acc + b / accScale
  // >= 0, i.e. the sign of the exact pre-activation; rounding would flip it wherever acc = -bias_int
  // (sums of +1/-1 hit such values often). Elsewhere the nearest unit.
  const signOutput = !last && act.kind === 'sign';
  const bias = new Int32Array(units);
  let maxAbsBias = 0;
  for (let o = 0; o < units; o++) {
    const ratio = w.bias[o] / accScale;
    bias[o] = checkedI32(where, signOutput ? Math.floor(ratio) : Math.round(ratio));
    maxAbsBias = Math.max(maxAbsBias, Math.abs(bias[o]));
  }
  const biasNote = `biases ${signOutput ? 'floored' : 'rounded'} to it (max |bias| ${maxAbsBias})`;
  if (last) return finish(bias, { kind: 'logits' }, biasNote, `i32 logits in units of ${accScale.toPrecision(6)}`);
  if (act.kind === 'sign') {
    scale.outputScale = 1;
    return finish(bias, { kind: 'sign' }, biasNote, 'sign bits (acc >= 0 -> +1, as sign(0) = +1)');
  }
  const bits = act.bits ?? FLOAT_RELU_ACTIVATION_BITS;
  const floatClip = activationClip(chain, index, where);
  const levels = 2 ** bits - 1;
  const rshift = chooseShift(floatClip / (levels * accScale), chain.rounding);
  if (rshift < 0) {
    throw new Error(
      `${where}: the activation step ${floatClip / levels} is finer than one accumulator unit ${accScale} ` +
        '(the kernels can only shift right); use a larger clip or fewer activation bits',
    );
  }
  if (rshift > 31) throw new Error(`${where}: requantize shift ${rshift} exceeds 31`);
  scale.outputScale = accScale * 2 ** rshift;
  scale.floatClip = floatClip;
  scale.effectiveClip = levels * scale.outputScale;
  const ratio = scale.effectiveClip / floatClip;
  return finish(
    bias,
    { kind: 'requant', rshift, bits },
    biasNote,
    `${bits}-bit ReLU: >> ${rshift}, effective clip ${scale.effectiveClip.toPrecision(5)} vs ` +
      `${floatRelu ? 'calibrated' : 'TF.js'} clip ${floatClip.toPrecision(5)} (x${ratio.toFixed(3)}` +
      `${Math.abs(ratio - 1) < 1e-9 ? ', exact' : ''})`,
  );
}

function checkedI32(where: string, value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) > 2 ** 31 - 1) {
    throw new Error(`${where}: a bias or offset of ${value} accumulator units is outside i32`);
  }
  return value;
}

/** The clip of a hidden ReLU layer's activations: the config's, else the calibrated one. */
function activationClip(chain: Conversion, index: number, where: string): number {
  const act = chain.config.activations;
  const clip = (act.kind === 'relu' ? act.clip : undefined) ?? chain.activationClips?.[index];
  if (clip === undefined && chain.floatRelu) {
    throw new Error(
      `${where}: float ReLU activations need a calibrated clip (activationClips from calibrateActivationClips) ` +
        `to choose the ${FLOAT_RELU_ACTIVATION_BITS}-bit integer scale`,
    );
  }
  if (clip === undefined) {
    chain.notes.push(`layer ${index}: no activation clip given; using DEFAULT_ACTIVATION_CLIP ${DEFAULT_ACTIVATION_CLIP} as quantizedForward does`);
  }
  const value = clip ?? DEFAULT_ACTIVATION_CLIP;
  if (!(value > 0 && Number.isFinite(value))) throw new Error(`${where}: activation clip must be > 0, got ${value}`);
  return value;
}

/**
 * A batch norm after a weighted sum, per unit in the accumulator's terms. With the integer sum S
 * (acc = S, in units of accScale) and a = gamma / sqrt(variance + epsilon), the normalised value is
 * y = a (accScale S + bias - mean) + beta. For a != 0 that is alpha (S' + offset) with
 * alpha = |a| accScale >= 0, S' = S (or -S where gamma < 0: those units' weights are negated) and
 * offset = +-(bias - mean + beta / a) / accScale; for a = 0 it is the constant beta. Float64 from the
 * float32 parameters: the staircase is that of the exact real normalised value up to float64
 * rounding (relative 1e-16), which only matters where a threshold lands within 1e-16 of an integer.
 */
export function foldBatchNorm(
  norm: BatchNormWeights,
  bias: Float32Array,
  accScale: number,
): { alpha: Float64Array; offset: Float64Array; constant: Float64Array } {
  const units = norm.gamma.length;
  const alpha = new Float64Array(units);
  const offset = new Float64Array(units);
  const constant = new Float64Array(units);
  for (let o = 0; o < units; o++) {
    const a = norm.gamma[o] / Math.sqrt(norm.variance[o] + norm.epsilon);
    constant[o] = norm.beta[o];
    if (a === 0) continue;
    alpha[o] = Math.abs(a) * accScale;
    const beta = (bias[o] - norm.mean[o] + norm.beta[o] / a) / accScale;
    offset[o] = a < 0 ? -beta : beta;
  }
  return { alpha, offset, constant };
}

/** Records a converted (and overflow-checked) layer and moves the conversion past it. */
/**
 * A trained network's weights to integer layers: `config` is the quantization part of a Config,
 * `activationClips` the per-layer clips the TF.js model was evaluated with.
 */
export type IntegerConversion<T> = (
  weights: readonly LayerWeights[],
  config: QuantConfig,
  activationClips?: readonly number[],
  options?: IntegerMlpOptions,
) => T;

function commitLayer(chain: Conversion, converted: ConvertedLayer, shape: string): void {
  chain.scales.push(converted.scale);
  chain.notes.push(`${converted.dense.name} (${shape}, ${converted.note}`);
  const output = converted.dense.output;
  chain.inputScale = converted.scale.outputScale;
  chain.readsSignBits = output.kind === 'sign';
  chain.inputBits = unsignedOutputBits(output) ?? 1;
}

// ---------------------------------------------------------------------------------------------
// Dense networks

/**
 * Converts a dense network to integer layers. `config` is the quantization part of a Config
 * (weights, activations, inputBits, layers); `activationClips` the per-layer clips the TF.js
 * model was evaluated with (calibrateActivationClips), needed for fixed-point ReLU without a
 * `clip` and for float ReLU. Throws, naming the layer, for anything the kernels cannot run.
 */
export const toIntegerMlp: IntegerConversion<IntegerMlp> = (weights, config, activationClips, options = {}) => {
  const count = weights.length;
  if (count === 0) throw new Error('toIntegerMlp: the network has no weight layers');
  weights.forEach((w, i) => {
    if (w.shape.length !== 2) {
      throw new Error(
        `toIntegerMlp: layer "${w.name}" is not dense (kernel shape [${w.shape.join(', ')}]); ` +
          'only dense models (mlp1, mlp) run through toIntegerMlp (lenet: toIntegerLenet)',
      );
    }
    if (i > 0 && weights[i - 1].shape[1] !== w.shape[0]) {
      throw new Error(`toIntegerMlp: layer "${w.name}" takes ${w.shape[0]} inputs but the layer before gives ${weights[i - 1].shape[1]}`);
    }
  });
  const chain = startConversion('toIntegerMlp', config, count, activationClips, options);
  const inputScale = chain.inputScale;
  const layers: QuantDenseLayer[] = [];
  weights.forEach((w, i) => {
    const [inputs, units] = w.shape;
    const converted = convertWeightLayer(chain, i, w, inputs, units);
    checkNoOverflow(converted.dense);
    layers.push(converted.dense);
    commitLayer(chain, converted, `${inputs}x${units}`);
  });
  validateChain(layers);
  return { layers, inputScale, outputScale: chain.scales[count - 1].outputScale, scales: chain.scales, notes: chain.notes };
};

// ---------------------------------------------------------------------------------------------
// LeNet

export interface IntegerLenet {
  /** conv1, pool1, conv2, pool2, flatten, fc1, output (validateLenet; runs on createNetworkRunner, src/gpu/network.ts). */
  layers: QuantNetLayer[];
  /** The input pixels (28x28x1 NHWC = the 784 pixels in order) are round(x * (2^inputBits - 1)) * inputScale. */
  inputScale: number;
  /** float logits ~= integer logits * outputScale. */
  outputScale: number;
  /** One per weight layer (conv1, conv2, fc1, output); pools and flatten keep their input's scale. */
  scales: IntegerLayerScales[];
  notes: string[];
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Converts a trained lenet (models.ts: conv 5x5x20, pool 2, conv 5x5x50, pool 2, flatten 800,
 * dense 500, dense 10; weights from readWeights) to integer layers, with the formats, scales and
 * shift rules of toIntegerMlp: each conv layer is converted as the dense layer it is at one
 * output pixel (fan-in K*K*inC; its [kh][kw][inC][outC] kernel is a [fan-in][filters] matrix),
 * so binaryLayerGain, biases, clips (activationClips[i] for weight layer i, as
 * calibrateActivationClips gives them) and shifts are those of a dense layer of that fan-in.
 *
 * Max-pools run on the integer activations of the conv before them: the TF.js model pools the
 * activations too (ReLU or sign, then pool), and max commutes with the monotone requantization,
 * so pooling integers equals quantizing the pooled float values (sign bits: the OR). Flatten is
 * the NHWC order the TF.js reshape uses, a no-op on both encodings.
 *
 * Throws, naming the layer, for anything the kernels cannot run (toIntegerMlp's refusals, plus
 * weights that are not lenet's).
 */
export const toIntegerLenet: IntegerConversion<IntegerLenet> = (weights, config, activationClips, options = {}) => {
  // The widths come from the weights (an adapted lenet is narrower); the shapes are checked below.
  const lenetWidths = weights.length === 4 ? [weights[0].shape[3], weights[1].shape[3], weights[2].shape[1]] : undefined;
  const spec = architecture({ model: 'lenet', lenetWidths: lenetWidths?.every((w) => Number.isInteger(w) && w > 0) ? lenetWidths : undefined });
  const weightSpecs = spec.filter((layer): layer is DenseLayer | Conv2dLayer => layer.kind === 'dense' || layer.kind === 'conv2d');
  const expected = weightSpecs.map((layer) =>
    layer.kind === 'dense' ? [layer.inputs, layer.units] : [layer.kernel, layer.kernel, layer.inChannels, layer.filters],
  );
  const want = weightSpecs.map((layer, i) => `${layer.name} ${describeShape(expected[i])}`).join(', ');
  const got = weights.map((w) => `${w.name} ${describeShape(w.shape)}`).join(', ') || 'none';
  if (weights.length !== weightSpecs.length || weights.some((w, i) => describeShape(w.shape) !== describeShape(expected[i]))) {
    const dense = weights.length > 0 && weights.every((w) => w.shape.length === 2);
    throw new Error(
      `toIntegerLenet: the weights are not lenet's: want ${want}; got ${got}` +
        (dense ? ' (a dense model: use toIntegerMlp)' : ''),
    );
  }
  weights.forEach((w, i) => {
    const size = expected[i].reduce((a, b) => a * b, 1);
    if (w.kernel.length !== size || w.bias.length !== expected[i][expected[i].length - 1]) {
      throw new Error(
        `toIntegerLenet: layer ${i} "${w.name}" has ${w.kernel.length} weights and ${w.bias.length} biases, ` +
          `want ${size} and ${expected[i][expected[i].length - 1]}`,
      );
    }
  });

  const chain = startConversion('toIntegerLenet', config, weights.length, activationClips, options);
  const inputScale = chain.inputScale;
  chain.notes.push(
    'layout: NHWC throughout (the 784 input pixels are the 28x28x1 image); conv weights [kh][kw][inC][outC] ' +
      'packed as a dense [K*K*inC][filters] matrix',
  );
  const layers: QuantNetLayer[] = [];
  let weightIndex = 0;
  for (const layer of spec) {
    switch (layer.kind) {
      case 'conv2d': {
        const w = weights[weightIndex];
        const fanIn = layer.kernel * layer.kernel * layer.inChannels;
        const converted = convertWeightLayer(chain, weightIndex, w, fanIn, layer.filters);
        const d = converted.dense;
        const convLayer: QuantConv2dLayer = {
          kind: 'conv2d',
          name: d.name,
          inHeight: layer.inHeight,
          inWidth: layer.inWidth,
          inChannels: layer.inChannels,
          kernel: layer.kernel,
          filters: layer.filters,
          format: d.format,
          inputBits: d.inputBits,
          weights: d.weights,
          bias: d.bias,
          output: d.output,
        };
        checkConvNoOverflow(convLayer);
        layers.push(convLayer);
        commitLayer(
          chain,
          converted,
          `${layer.kernel}x${layer.kernel}x${layer.inChannels}x${layer.filters} conv on ` +
            `${layer.inHeight}x${layer.inWidth}, fan-in ${fanIn}`,
        );
        weightIndex++;
        break;
      }
      case 'maxpool': {
        const input: ActivationEncoding = chain.readsSignBits ? { kind: 'sign' } : { kind: 'unsigned', bits: chain.inputBits };
        layers.push({
          kind: 'maxpool',
          name: layer.name,
          inHeight: layer.inHeight,
          inWidth: layer.inWidth,
          channels: layer.channels,
          size: layer.size,
          input,
        });
        chain.notes.push(
          `${layer.name} (${layer.size}x${layer.size} max-pool on ${layer.inHeight}x${layer.inWidth}x${layer.channels}): ` +
            (input.kind === 'sign'
              ? 'OR of the sign bits (max of +1/-1, exact)'
              : `on the ${input.bits}-bit integers (max commutes with the monotone requantization: exact)`),
        );
        break;
      }
      case 'flatten':
        layers.push({ kind: 'flatten', name: layer.name, size: layer.size });
        break;
      case 'dense': {
        const w = weights[weightIndex];
        const converted = convertWeightLayer(chain, weightIndex, w, layer.inputs, layer.units);
        checkNoOverflow(converted.dense);
        layers.push(denseNetLayer(converted.dense));
        commitLayer(chain, converted, `${layer.inputs}x${layer.units}`);
        weightIndex++;
        break;
      }
    }
  }
  validateLenet(layers);
  return {
    layers,
    inputScale,
    outputScale: chain.scales[chain.scales.length - 1].outputScale,
    scales: chain.scales,
    notes: chain.notes,
  };
};

/**
 * Input pixels in [0, 1] (float32, [batch][inputs]) to the integers the first layer reads:
 * round_half_even(fround(x * L)), L = 2^inputBits - 1, the same float32 steps as the TF.js input
 * quantizer (and exactly the byte for 8 bits and pixels = byte / 255).
 */
export function integerInputs(pixels: Float32Array, inputBits: number): Uint32Array {
  const levels = 2 ** inputBits - 1;
  return Uint32Array.from(pixels, (x) => {
    const scaled = Math.fround(Math.fround(Math.min(1, Math.max(0, x))) * levels);
    const base = Math.floor(scaled);
    const fraction = scaled - base;
    return fraction > 0.5 || (fraction === 0.5 && base % 2 === 1) ? base + 1 : base;
  });
}

/** Index of the largest logit per row (the first one on ties, like tf.argMax). */
export function predictedClasses(logits: ArrayLike<number>, classes: number): Int32Array {
  const rows = logits.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}
