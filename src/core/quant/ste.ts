/**
 * Quantizers as tfjs ops with straight-through-estimator gradients, for quantization-aware
 * training. The forward pass runs entirely in tensor ops (so it stays on the GPU backends) and,
 * on the CPU backend, agrees bit for bit with the pure functions in ./schemes.ts: the arithmetic
 * below is the same sequence of float32 operations those functions mirror with Math.fround.
 * The one exception is the binary 'l1' scale alpha, which can differ in its last bits
 * (relative 2^-22, see binaryForward).
 *
 * Backward: the gradient passes straight through (identity), except for binary weights and the
 * sign activation, where it is cancelled where |x| > 1 (the hardtanh STE of BinaryConnect), and
 * for the clipped ReLU activation, where it is cancelled outside [0, clip].
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  FLOAT32_MAX,
  MAX_UNIFORM,
  fixedLevelCount,
  lightnnLegalMagnitudes,
  lightnnLegalValues,
  midpoints,
  minifloatFormat,
  validateWeightScheme,
  type MinifloatScheme,
  type WeightScheme,
} from './schemes';

/** Seed for tf.randomUniform drawn from the run's rng, so stochastic rounding is reproducible. */
export function seedFromRng(rng: () => number): number {
  return Math.floor(rng() * 2 ** 32);
}

// ---------------------------------------------------------------------------------------------
// Forward quantizers (tensor in, tensor out; callers wrap them in tf.tidy)
// ---------------------------------------------------------------------------------------------

/** +1 where x >= 0 (and for -0), -1 where x < 0; computed as 1 - 2 * [x < 0]. */
function signTensor(x: tf.Tensor): tf.Tensor {
  return tf.sub(1, tf.mul(2, tf.cast(tf.less(x, 0), 'float32')));
}

/** sign(w) * magnitude with sign(0) = +1. */
function withSignOf(w: tf.Tensor, magnitude: tf.Tensor): tf.Tensor {
  return tf.where(tf.less(w, 0), tf.neg(magnitude), magnitude);
}

/** index = clamp(round((w * n) / max), lo, n) on a uniform grid, as gridIndex in schemes.ts. */
function gridIndexTensor(w: tf.Tensor, n: number, max: tf.Tensor, lowestIndex: number): tf.Tensor {
  // Same power-of-two prescale as gridPrescale: keeps w * n finite for layers above 2^100.
  const prescale = tf.where(tf.greater(max, Math.pow(2, 100)), tf.scalar(Math.pow(2, -64)), tf.scalar(1));
  const scaled = tf.div(tf.mul(tf.mul(w, prescale), n), tf.mul(max, prescale));
  return tf.clipByValue(tf.round(scaled), lowestIndex, n); // tf.round is half-to-even
}

/** Same steps as fixedQuantize: index from (w * n) / max, output (index / n) * max. */
function fixedForward(w: tf.Tensor, bits: number): tf.Tensor {
  const n = fixedLevelCount(bits);
  const max = tf.max(tf.abs(w));
  const safeMax = tf.where(tf.greater(max, 0), max, tf.onesLike(max)); // all-zero layer: avoid 0/0
  const index = gridIndexTensor(w, n, safeMax, -n);
  return tf.mul(tf.div(index, n), max);
}

/**
 * floor(log2(a)) for a > 0 in float32: the log estimate can be off by one near powers of two,
 * so it is corrected with exact powers of two (Math.pow(2, k) on the CPU backend). Inputs are
 * clamped to the finite positive float32 range first, so 0 reads as -149 and Infinity as 127.
 */
function floorLog2Tensor(a: tf.Tensor): tf.Tensor {
  const safe = tf.clipByValue(a, Math.pow(2, -149), FLOAT32_MAX);
  const estimate = tf.clipByValue(tf.floor(tf.div(tf.log(safe), Math.LN2)), -150, 128);
  const tooHigh = tf.cast(tf.greater(tf.pow(2, estimate), safe), 'float32');
  const tooLow = tf.cast(tf.lessEqual(tf.pow(2, tf.add(estimate, 1)), safe), 'float32');
  return tf.add(tf.sub(estimate, tooHigh), tooLow);
}

/**
 * Same result as minifloatQuantize. The grid exponent is clamped to the format's normal range
 * as there, and additionally to float32's: below 2^-149 the float32 input already lies on the
 * (finer) format grid, and above 2^127 the value saturates anyway, so neither clamp changes a
 * result; they only keep every power of two representable in float32.
 */
function minifloatForward(w: tf.Tensor, scheme: MinifloatScheme): tf.Tensor {
  const f = minifloatFormat(scheme);
  const lowestExponent = Math.max(f.minNormalExponent, f.mantissaBits - 149);
  const highestExponent = Math.min(f.maxNormalExponent, 127);
  const a = tf.abs(w);
  const exponent = tf.clipByValue(floorLog2Tensor(a), lowestExponent, highestExponent);
  const quantum = tf.pow(2, tf.sub(exponent, f.mantissaBits));
  let magnitude = tf.minimum(tf.mul(tf.round(tf.div(a, quantum)), quantum), f.maxFinite);
  if (!f.subnormals) {
    // Flush below the smallest normal: nearest of 0 and minNormal, ties to 0.
    const flushed = tf.where(tf.greater(a, f.minNormal / 2), tf.fill(a.shape, f.minNormal), tf.zerosLike(a));
    magnitude = tf.where(tf.less(a, f.minNormal), flushed, magnitude);
  }
  return withSignOf(w, magnitude);
}

/**
 * LightNN nearest: the index of |w|'s magnitude is the number of midpoints <= |w|
 * (searchSorted 'right', so a tie moves away from zero); then a gather.
 */
function lightnnNearestForward(w: tf.Tensor, k: number, allowZero: boolean): tf.Tensor {
  const magnitudes = lightnnLegalMagnitudes(k);
  const table = allowZero ? Float64Array.from([0, ...magnitudes]) : magnitudes;
  const thresholds = tf.tensor2d(Float32Array.from(midpoints(table)), [1, table.length - 1]);
  const flatAbs = tf.reshape(tf.abs(w), [1, -1]);
  const index = tf.searchSorted(thresholds, flatAbs, 'right');
  const magnitude = tf.reshape(tf.gather(tf.tensor1d(Float32Array.from(table)), index), w.shape);
  return withSignOf(w, magnitude);
}

/**
 * LightNN stochastic: same rule as lightnnStochasticWithUniforms, with the uniforms from
 * tf.randomUniform(seed) over the flattened weights.
 */
function lightnnStochasticForward(w: tf.Tensor, k: number, allowZero: boolean, seed: number): tf.Tensor {
  const legal = Float32Array.from(lightnnLegalValues(k, allowZero));
  const legalTensor = tf.tensor1d(legal);
  const flat = tf.reshape(w, [1, -1]);
  const atMost = tf.cast(tf.searchSorted(tf.tensor2d(legal, [1, legal.length]), flat, 'right'), 'float32');
  const lowIndex = tf.cast(tf.clipByValue(tf.sub(atMost, 1), 0, legal.length - 2), 'int32');
  const low = tf.gather(legalTensor, lowIndex);
  const high = tf.gather(legalTensor, tf.add(lowIndex, tf.scalar(1, 'int32')));
  const p = tf.div(tf.sub(flat, low), tf.sub(high, low));
  const u = tf.minimum(tf.randomUniform(flat.shape, 0, 1, 'float32', seed), MAX_UNIFORM);
  return tf.reshape(tf.where(tf.less(u, p), high, low), w.shape);
}

/**
 * Same as binaryQuantize: sign(w) (sign(0) = +1), times sum|w| / n for scale 'l1'. The signs
 * match exactly; alpha can differ from binaryL1Scale in its last bits (relative 2^-22) because
 * tf.sum rounds the sum to float32 before the division (one rounding more than the pure version).
 */
function binaryForward(w: tf.Tensor, scale: 'none' | 'l1'): tf.Tensor {
  const signs = signTensor(w);
  if (scale === 'none') return signs;
  const alpha = tf.div(tf.sum(tf.abs(w)), Math.max(w.size, 1));
  return tf.mul(signs, alpha);
}

/** Throws for an invalid scheme, or a stochastic one without an rng (before any tensor work). */
function checkScheme(scheme: WeightScheme, rng?: () => number): void {
  validateWeightScheme(scheme);
  if (scheme.kind === 'lightnn' && scheme.rounding === 'stochastic' && !rng) {
    throw new Error('lightnn stochastic rounding needs an rng');
  }
}

/** The quantized forward value of w under a scheme (no gradient handling). */
export function quantizeTensor(w: tf.Tensor, scheme: WeightScheme, rng?: () => number): tf.Tensor {
  checkScheme(scheme, rng);
  return tf.tidy(() => {
    switch (scheme.kind) {
      case 'float32':
        return tf.clone(w);
      case 'fixed':
        return fixedForward(w, scheme.bits);
      case 'minifloat':
        return minifloatForward(w, scheme);
      case 'lightnn': {
        const allowZero = scheme.allowZero ?? false;
        if ((scheme.rounding ?? 'nearest') === 'nearest') return lightnnNearestForward(w, scheme.k, allowZero);
        return lightnnStochasticForward(w, scheme.k, allowZero, seedFromRng(rng!));
      }
      case 'binary':
        return binaryForward(w, scheme.scale);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Straight-through wrappers
// ---------------------------------------------------------------------------------------------

/** 1 where |x| <= 1, else 0: the derivative of hardtanh. */
function hardtanhMask(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.lessEqual(tf.abs(x), 1), 'float32');
}

/**
 * Quantized weights with a straight-through gradient: identity, except binary schemes, whose
 * gradient is zeroed where |w| > 1 (BinaryConnect). For LightNN stochastic, one seed is drawn
 * from `rng` per call.
 */
export function quantizeWithSTE(w: tf.Tensor, scheme: WeightScheme, rng?: () => number): tf.Tensor {
  checkScheme(scheme, rng);
  const cancelOutsideUnit = scheme.kind === 'binary';
  const op = tf.customGrad((x, save) => {
    const input = x as tf.Tensor;
    (save as tf.GradSaveFunc)([input]);
    return {
      value: quantizeTensor(input, scheme, rng),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (cancelOutsideUnit ? tf.mul(dy, hardtanhMask(saved[0])) : dy),
    };
  });
  return op(w);
}

/** Sign activation (sign(0) = +1) with the hardtanh STE: gradient dy * [|x| <= 1]. */
export function signWithSTE(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: tf.tidy(() => signTensor(t)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, hardtanhMask(saved[0])),
    };
  });
  return op(x);
}

/** Same steps as quantizeActivationFixed: clamp to [0, clip], index, (index / L) * clip. */
export function quantizeActivationTensor(x: tf.Tensor, bits: number, clip: number): tf.Tensor {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new Error(`activation bits must be an integer 1..16, got ${bits}`);
  }
  const clip32 = Math.fround(clip);
  if (!(clip32 > 0 && clip32 < Infinity)) throw new Error(`activation clip must be a finite float32 > 0, got ${clip}`);
  const levels = Math.pow(2, bits) - 1;
  return tf.tidy(() => {
    const clipTensor = tf.scalar(clip32);
    const index = gridIndexTensor(tf.clipByValue(x, 0, clip32), levels, clipTensor, 0);
    return tf.mul(tf.div(index, levels), clipTensor);
  });
}

/**
 * Quantized clipped ReLU with a straight-through gradient inside the clip range:
 * dy * [0 <= x <= clip] (the derivative of clamp(x, 0, clip)).
 */
export function quantizeActivationWithSTE(x: tf.Tensor, bits: number, clip: number): tf.Tensor {
  const op = tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: quantizeActivationTensor(t, bits, clip),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const inside = tf.logicalAnd(tf.greaterEqual(saved[0], 0), tf.lessEqual(saved[0], Math.fround(clip)));
          return tf.mul(dy, tf.cast(inside, 'float32'));
        }),
    };
  });
  return op(x);
}
