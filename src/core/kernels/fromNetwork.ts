/**
 * A trained dense network (weights from readWeights) and its quantization config, turned into the
 * integer layers the kernels run (reference.ts semantics). What is exact and what is approximated:
 *
 * Inputs. a0 = round(x * L0) with L0 = 2^inputBits - 1 (as quantizeInputTensor; for 8 bits the
 * MNIST byte itself), so x = a0 * s0 with s0 = 1 / L0.
 *
 * Weights. w = sw * q with q the integer the kernel stores:
 * - LightNN-K: q = s * sum_j 2^(7 - m_j), sw = 2^-7 (exact).
 * - fixed b (2..8 bits): q = the grid index in [-n, n], n = 2^(b-1) - 1, sw = max|w| / n. The
 *   TF.js weight is fround(fround(q / n) * max), which differs from q * sw by float32 rounding
 *   only (relative 2^-23).
 * - binary 'none' (BinaryConnect, BinaryNet): q = +1/-1, sw = binaryLayerGain(fan-in), a power of
 *   two, so the gain is part of the shift (exact). Binary 'l1': sw = mean |w| (float64 mean; the
 *   tensor version's float32 sum can differ in its last bits).
 *
 * Accumulator. acc = sum a * q + bias_int, in units of s_in * sw (s_in = the scale of the layer's
 * input integers). bias_int = round(b / (s_in * sw)): the float bias is off by at most half an
 * accumulator unit. Everything else in the sum is exact (checkNoOverflow refuses layers whose
 * worst case could leave i32).
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
 * +1/-1 (scale 1). Only binary weights can read sign bits (XNOR-popcount), so LightNN or fixed
 * weights after a sign activation are refused.
 *
 * Output layer: raw i32 logits in units of outputScale (argmax needs no rescale).
 */
import type { LayerWeights } from '../network';
import { binaryLayerGain, schemeForLayer, type QuantConfig } from '../quant/quantizedNetwork';
import {
  binaryL1Scale,
  DEFAULT_ACTIVATION_CLIP,
  describeScheme,
  fixedLevelCount,
  lightnnEncode,
  quantizeWeights,
  type WeightScheme,
} from '../quant/schemes';
import {
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
} from './reference';

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
  /** One accumulator unit: inputScale * weightScale (bias_int = round(b / accScale)). */
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

/** The scheme quantizedForward evaluates with: stochastic LightNN rounding becomes nearest. */
function evaluationScheme(scheme: WeightScheme): WeightScheme {
  return scheme.kind === 'lightnn' && scheme.rounding === 'stochastic' ? { ...scheme, rounding: 'nearest' } : scheme;
}

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
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
): QuantizedKernel {
  const refuse = (why: string): never => {
    throw new Error(`${where}: ${describeScheme(scheme)} weights ${why}`);
  };
  if (readsSignBits && scheme.kind !== 'binary') {
    refuse(
      'after sign activations cannot run on the integer kernels: only binary weights read sign bits ' +
        '(BinaryNet, XNOR-popcount). Use binary:scale=none weights with sign activations, or ReLU activations.',
    );
  }
  switch (scheme.kind) {
    case 'float32':
      return refuse('stay float: the integer kernels need LightNN-K, fixed 2..8-bit or binary weights');
    case 'minifloat':
      return refuse('are minifloat, which the integer kernels do not implement (LightNN-K, fixed 2..8-bit or binary only)');
    case 'fixed': {
      if (scheme.bits > 8) refuse('need more than the 8 bits the fixed-point kernels store');
      const format: WeightFormat = { kind: 'fixed', bits: scheme.bits };
      const n = fixedLevelCount(scheme.bits);
      const max = maxAbs(kernel);
      const q = quantizeWeights(kernel, scheme);
      // q = fround(fround(index / n) * max): the levels are max / n apart, so rounding recovers index.
      const index = max === 0 ? new Int8Array(q.length) : Int8Array.from(q, (v) => Math.round((v * n) / max));
      const weightScale = max === 0 ? 1 : max / n;
      return {
        format,
        weights: packFixed(scheme.bits, index, inputs, units),
        weightScale,
        note: `integers in [-${n}, ${n}] times max|w|/${n} = ${weightScale.toPrecision(6)} (folded into the shift)`,
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
      return {
        format: { kind: 'lightnn', k },
        weights: packLightNN(k, signs, exponents, inputs, units),
        weightScale: 2 ** -7,
        note: 'sums of K powers of two in units of 2^-7 (exact)',
      };
    }
    case 'binary': {
      const signs = quantizeWeights(kernel, { kind: 'binary', scale: 'none' });
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

/**
 * Converts a dense network to integer layers. `config` is the quantization part of a Config
 * (weights, activations, inputBits, layers); `activationClips` the per-layer clips the TF.js
 * model was evaluated with (calibrateActivationClips), needed for fixed-point ReLU without a
 * `clip` and for float ReLU. Throws, naming the layer, for anything the kernels cannot run.
 */
export function toIntegerMlp(
  weights: readonly LayerWeights[],
  config: QuantConfig,
  activationClips?: readonly number[],
  options: IntegerMlpOptions = {},
): IntegerMlp {
  const count = weights.length;
  if (count === 0) throw new Error('toIntegerMlp: the network has no weight layers');
  weights.forEach((w, i) => {
    if (w.shape.length !== 2) {
      throw new Error(
        `toIntegerMlp: layer "${w.name}" is not dense (kernel shape [${w.shape.join(', ')}]); ` +
          'only dense models (mlp1, mlp) run on the integer kernels',
      );
    }
    if (i > 0 && weights[i - 1].shape[1] !== w.shape[0]) {
      throw new Error(`toIntegerMlp: layer "${w.name}" takes ${w.shape[0]} inputs but the layer before gives ${weights[i - 1].shape[1]}`);
    }
  });
  const { inputBits, activations: act } = config;
  if (!(Number.isInteger(inputBits) && inputBits >= 1 && inputBits <= 8)) {
    throw new Error(`toIntegerMlp: input bits must be 1..8, got ${inputBits}`);
  }
  const floatRelu = act.kind === 'relu' && act.bits === undefined;
  if (act.kind === 'relu' && act.bits !== undefined && act.bits > 8) {
    throw new Error(`toIntegerMlp: ${act.bits}-bit activations do not fit the kernels' 1..8-bit unsigned activations`);
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

  const layers: QuantDenseLayer[] = [];
  const scales: IntegerLayerScales[] = [];
  let inputScale = 1 / inputLevels;
  let layerInputBits = inputBits;
  let readsSignBits = false;
  weights.forEach((w, i) => {
    const [inputs, units] = w.shape;
    const where = `toIntegerMlp: layer ${i} "${w.name}"`;
    const scheme = evaluationScheme(schemeForLayer(config, i, count));
    const quantized = quantizeKernel(where, scheme, w.kernel, inputs, units, readsSignBits);
    const accScale = inputScale * quantized.weightScale;
    const bias = new Int32Array(units);
    let maxAbsBias = 0;
    for (let o = 0; o < units; o++) {
      const b = Math.round(w.bias[o] / accScale);
      if (!Number.isFinite(b) || Math.abs(b) > 2 ** 31 - 1) {
        throw new Error(`${where}: bias ${w.bias[o]} is ${b} accumulator units, outside i32`);
      }
      bias[o] = b;
      maxAbsBias = Math.max(maxAbsBias, Math.abs(b));
    }

    const last = i === count - 1;
    let output: OutputStage;
    const scale: IntegerLayerScales = {
      name: w.name,
      inputScale,
      weightScale: quantized.weightScale,
      accScale,
      outputScale: accScale,
    };
    let outputNote: string;
    if (last) {
      output = { kind: 'logits' };
      outputNote = `i32 logits in units of ${accScale.toPrecision(6)}`;
    } else if (act.kind === 'sign') {
      output = { kind: 'sign' };
      scale.outputScale = 1;
      outputNote = 'sign bits (acc >= 0 -> +1, as sign(0) = +1)';
    } else {
      const bits = act.bits ?? FLOAT_RELU_ACTIVATION_BITS;
      const clip = act.clip ?? activationClips?.[i];
      if (clip === undefined && floatRelu) {
        throw new Error(
          `${where}: float ReLU activations need a calibrated clip (activationClips from calibrateActivationClips) ` +
            `to choose the ${FLOAT_RELU_ACTIVATION_BITS}-bit integer scale`,
        );
      }
      const floatClip = clip ?? DEFAULT_ACTIVATION_CLIP;
      if (clip === undefined) {
        notes.push(`${w.name}: no activation clip given; using DEFAULT_ACTIVATION_CLIP ${DEFAULT_ACTIVATION_CLIP} as quantizedForward does`);
      }
      if (!(floatClip > 0 && Number.isFinite(floatClip))) throw new Error(`${where}: activation clip must be > 0, got ${floatClip}`);
      const levels = 2 ** bits - 1;
      const rshift = chooseShift(floatClip / (levels * accScale), rounding);
      if (rshift < 0) {
        throw new Error(
          `${where}: the activation step ${floatClip / levels} is finer than one accumulator unit ${accScale} ` +
            '(the kernels can only shift right); use a larger clip or fewer activation bits',
        );
      }
      if (rshift > 31) throw new Error(`${where}: requantize shift ${rshift} exceeds 31`);
      output = { kind: 'requant', rshift, bits };
      scale.outputScale = accScale * 2 ** rshift;
      scale.floatClip = floatClip;
      scale.effectiveClip = levels * scale.outputScale;
      const ratio = scale.effectiveClip / floatClip;
      outputNote =
        `${bits}-bit ReLU: >> ${rshift}, effective clip ${scale.effectiveClip.toPrecision(5)} vs ` +
        `${floatRelu ? 'calibrated' : 'TF.js'} clip ${floatClip.toPrecision(5)} (x${ratio.toFixed(3)}` +
        `${Math.abs(ratio - 1) < 1e-9 ? ', exact' : ''})`;
    }
    const layer: QuantDenseLayer = {
      name: w.name,
      inputs,
      units,
      format: quantized.format,
      inputBits: quantized.format.kind === 'binarynet' ? 1 : layerInputBits,
      weights: quantized.weights,
      bias,
      output,
    };
    checkNoOverflow(layer);
    layers.push(layer);
    scales.push(scale);
    notes.push(
      `${w.name} (${inputs}x${units}, ${formatName(quantized.format)}): weights ${quantized.note}; ` +
        `acc unit ${accScale.toPrecision(6)}, biases rounded to it (max |bias| ${maxAbsBias}); ${outputNote}`,
    );

    inputScale = scale.outputScale;
    readsSignBits = output.kind === 'sign';
    layerInputBits = output.kind === 'requant' ? output.bits : 1;
  });
  validateChain(layers);
  return { layers, inputScale: 1 / inputLevels, outputScale: scales[count - 1].outputScale, scales, notes };
}

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
