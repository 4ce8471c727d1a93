/**
 * Quantizers as tfjs ops with straight-through-estimator gradients, for quantization-aware
 * training. The forward pass runs entirely in tensor ops (so it stays on the GPU backends), except
 * on the cpu backend, whose tensors live in JS memory anyway: there it runs the pure functions of
 * ../core/quant/schemes.ts on the values (see setCpuQuantizerPath). The tensor ops, tested on the
 * cpu backend, agree bit for bit with those pure functions: exact operations that find the same
 * grid value (minifloat and LightNN, see powerSearch), or exact tables of levels and thresholds
 * searched per value (fixed point, see fixedTables; the ReLU activation, see activationThresholds).
 * Nothing here reads a tensor back synchronously from a GPU (only the cpu backend's 'values' path
 * reads its own JS memory): calibrated fixed-point clips (percentile, MSE) come from the caller
 * (weightClipsOf, read with `await data()` before the forward pass).
 * The one exception is the binary 'l1' scale alpha, which can differ in its last bits
 * (relative 2^-22, see binaryForward); and a NaN weight gives NaN from the tensor ops on the cpu
 * backend (where the pure sign, binary and LightNN functions give a number), a NaN activation
 * whatever tf.searchSorted makes of it (the pure function gives NaN).
 *
 * Backward: the gradient passes straight through (identity), except for binary weights and the
 * sign activation, where it is cancelled where |x| > 1 (the hardtanh STE of BinaryConnect), for
 * fixed-point weights with a calibrated clip c (percentile, MSE), where it is cancelled where
 * |w| > c (they saturate), and for the clipped ReLU activation, where it is cancelled outside [0, clip].
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  MAX_UNIFORM,
  activationGrid,
  activationThresholds,
  quantizeActivationFixed,
  binaryQuantize,
  fixedCalibrated,
  fixedChannelCount,
  fixedClips,
  fixedLevelCount,
  fixedQuantize,
  formatOf,
  inputLevels,
  lightnnLegalMagnitudes,
  lightnnLegalValues,
  lightnnQuantize,
  lightnnStochasticWithUniforms,
  midpoints,
  minifloatFormat,
  minifloatQuantize,
  ternaryQuantize,
  validateWeightScheme,
  LIGHTNN_MAX_EXPONENT,
  TERNARY_THRESHOLD_FACTOR,
  type FixedScheme,
  type MinifloatScheme,
  type SchemeOf,
  type WeightKind,
  type WeightScheme,
} from '../core/quant/schemes';

/** Seed for tf.randomUniform drawn from the run's rng, so stochastic rounding is reproducible. */
export function seedFromRng(rng: () => number): number {
  return Math.floor(rng() * 2 ** 32);
}

// ---------------------------------------------------------------------------------------------
// Building blocks
//
// Each tf op costs a dispatch, and on the wasm backend comparisons, tf.where, tf.minimum/maximum,
// tf.pow, tf.log, tf.sign and tf.gather are also slow per element (generic kernels), while
// tf.step, tf.clipByValue, abs/neg and +, -, *, / against a scalar or a same-shape tensor are
// cheap. So the quantizers below are written with those cheap ops only:
//   [x >= T] comes from tf.step(T - x, alpha) (1 where x < T, alpha where x >= T): the sign of a
//     float32 difference is exact on any IEEE backend;
//   powers of two are found by a greedy search over exponents (see powerSearch), a few step ops
//     per halving of the range, instead of log2 and pow;
//   selecting between two values is low + (high - low) * indicator when that is exact.
// Every constant below is a float32 value (exact as a tensor or a kernel attribute).
// ---------------------------------------------------------------------------------------------

const p2 = (k: number): number => Math.pow(2, k);

/** The smallest float32 above a finite float32 x > 0 (Infinity above the largest). */
function nextFloat32(x: number): number {
  const bits = new Float32Array([x]);
  new Uint32Array(bits.buffer)[0] += 1;
  return bits[0];
}

/** The largest float32 below 2^k (k in -149..128): x > before(2^k) <=> x >= 2^k for float32 x. */
function belowPowerOfTwo(k: number): number {
  return p2(k) - p2(Math.max(k - 24, -149));
}

/**
 * w < 0 ? 1 : -1, with -0 counted as >= 0: step(-w, -1). Multiplying a negated magnitude by it
 * gives sign(w) * magnitude with sign(0) = +1.
 */
function negatedSignOf(w: tf.Tensor): tf.Tensor {
  return tf.step(tf.neg(w), -1);
}

/** +1 where x >= 0 (and for -0), -1 where x < 0. */
function signTensor(x: tf.Tensor): tf.Tensor {
  return tf.neg(negatedSignOf(x));
}

/**
 * Greedy search over powers of two: the largest candidate c = 2^(base + j), j = 0..(sum of the
 * jumps), with scale * c <= x (x >= 0). Each jump s (descending, each at most 1 + the sum of the
 * later ones, so every j is reachable) costs step(T - x, 2^s), which is 2^s exactly where the
 * threshold T = scale * c * 2^s is <= x, else 1, and a multiply or two. x below scale * 2^base
 * gives the first candidate; NaN gives NaN on the cpu backend.
 *   scale 1: c = 2^floor(log2 x) clamped to the candidates (floor to a power of two);
 *   scale 3/4: c is the power of two nearest to x, ties up (thresholds at 1.5 * 2^j).
 * Returns c / 2^base when `relative` (saves a multiply; the caller folds 2^base into a later
 * constant), else c itself (when c / 2^base could overflow float32).
 */
function powerSearch(
  x: tf.Tensor,
  base: number,
  jumps: readonly number[],
  scale: number,
  relative: boolean,
  onJump?: (s: number, jump: tf.Tensor) => void,
): tf.Tensor {
  const unit = relative ? p2(base) : 1; // found * unit = c
  let found: tf.Tensor | null = null;
  for (const s of jumps) {
    // Threshold scale * c * 2^s: a constant for the first jump (c = 2^base), else found * constant.
    const threshold: tf.Tensor | number = found === null ? scale * p2(base + s) : tf.mul(found, unit * scale * p2(s));
    const jump: tf.Tensor = tf.step(tf.sub(threshold, x), p2(s));
    onJump?.(s, jump); // 2^s where taken, else 1
    if (found !== null) found = tf.mul(found, jump);
    else found = relative ? jump : tf.mul(jump, p2(base));
  }
  return found ?? tf.fill(x.shape, p2(base) / unit);
}

/**
 * Jumps 2^(L-1), ..., 2, 1 that reach every offset 0..count-1 (count <= 254 for a minifloat); a
 * jump of 128 becomes 127, as its factor 2^128 would overflow float32 (127 + 64 + ... + 1 = 254).
 */
function exponentJumps(count: number): number[] {
  const jumps: number[] = [];
  for (let s = 1; s < count; s *= 2) jumps.unshift(s);
  if (jumps[0] === 128) jumps[0] = 127; // 127 <= 1 + 64 + ... + 1 keeps every offset reachable
  return jumps;
}

// ---------------------------------------------------------------------------------------------
// Forward quantizers (tensor in, tensor out; callers wrap them in tf.tidy)
// ---------------------------------------------------------------------------------------------

// Fixed point, exactly as fixedQuantize: every weight's code is the number of thresholds at or
// below |w| (tf.searchSorted), its value the level of that code (tf.gather), so per weight it costs
// a search and a gather. The exact work is in the two tables, 2n + 1 entries computed from the
// layer's max once per call:
//   levels      L_c = fixedLevel(c) = RN(c * max / n), c = 0..n;
//   thresholds  T_k = the smallest float32 whose code is above k, k = 0..n-1: the tie point
//               t_k = (k + 1/2) * max / n rounded up, or the float32 after it when t_k is itself a
//               float32 and k is even (round half to even keeps that tie at k).
// Both are j * max / (2n) correctly rounded (j = 2c for levels, 2k + 1 for ties), computed on a
// copy normalized by powers of two so that max becomes an integer X in [2^23, 2^24):
//   P = j * X (up to 40 bits) exactly as Ph + Pl: X in 8-bit limbs, j < 2^16, so each j * limb is
//     exact, and two Fast2Sums add them up;
//   q1 = RN(Ph / 2n), then the residual P - 2n q1 = (Ph - q1 2^(m+1)) + 2 q1 + Pl, whose first two
//     steps are exact (Sterbenz: the operands are within a factor of two), and q2 = RN(residual / 2n):
//     q1 + q2 is j X / 2n within 2^-22 of a unit in q1's last place;
//   a level is RN(q1 + q2), which is RN(j X / 2n): that quotient is never a float32 midpoint (n is
//     odd) and stays at least 2^-16 units in the last place away from every one;
//   a threshold starts from c = RN(q1 + q2) (RD or RU of t); the sign of t - c is that of the exact
//     residual P - 2n c, computed as above, and decides between c and the float32 after it (found
//     with Rump, Zimmermann, Boldo and Melquiond's successor: RN(c + RN(c (2^-24 + 2^-47)))).
// Levels that are float32 subnormals once scaled back (layers with max below n 2^-126) are
// rounded on the subnormal grid instead. Exactness needs float32 +, -, * correctly rounded, with
// subnormals (the division only makes the first guess, corrected by the exact residual). The cpu
// and wasm backends are IEEE; WGSL specifies correctly rounded +, -, * (each tf op is its own
// kernel, so nothing is fused across them), though a GPU that flushes subnormals or rounds
// otherwise is not exact here; WebGL promises nothing. tests/unit/fixedExact.test.ts checks the
// ops on the cpu backend at every tie of every width against BigInt arithmetic.

/** Float32 successor of c (c normal, positive, below 2^127): Rump et al. 2009, Algorithm 2 (RN). */
function successor(c: tf.Tensor): tf.Tensor {
  return tf.add(c, tf.mul(c, p2(-24) + p2(-47)));
}

/** [x > 0] as 0/1 (x never NaN here). */
const positive = (x: tf.Tensor): tf.Tensor => tf.step(x, 0);

/**
 * Levels (original units, codes 0..n) and thresholds (normalized units, [1, n]) of C groups (the
 * layer, or its output channels) whose clips are `max` (shape [C], positive finite float32s),
 * as [C, n + 1] and [C, n]; see the notes above. `scale` ([C, 1], with `pre`) maps |w| to
 * normalized units. Every op is elementwise per group, so C = 1 is the per-layer case.
 */
function fixedTables(n: number, bits: number, max: tf.Tensor1D): { levels: tf.Tensor2D; thresholds: tf.Tensor2D; pre: tf.Tensor; scale: tf.Tensor } {
  const twoN = 2 * n;
  const groups = max.shape[0];
  const m = tf.reshape(max, [groups, 1, 1]);
  const constant = (v: number) => tf.fill([groups, 1, 1], v);
  // Normalize: pre (2^-64, 1 or 2^64) brings max into [2^-85, 2^64) (w * pre is exact wherever w
  // can get a non-zero code), then scale = 2^(23 - floor(log2(max * pre))) makes it an integer X
  // in [2^23, 2^24).
  const pre = tf.where(tf.greater(m, p2(60)), constant(p2(-64)), tf.where(tf.less(m, p2(-60)), constant(p2(64)), constant(1)));
  const m1 = tf.mul(m, pre);
  const power = powerSearch(m1, -85, exponentJumps(150), 1, false); // 2^floor(log2 m1), m1 in [2^-85, 2^64)
  const scale = tf.div(p2(23), power);
  const x = tf.mul(m1, scale);
  const x2 = tf.floor(tf.mul(x, p2(-16)));
  const rest = tf.sub(x, tf.mul(x2, p2(16)));
  const x1 = tf.floor(tf.mul(rest, p2(-8)));
  const x0 = tf.sub(rest, tf.mul(x1, p2(8)));
  // Row 0: j = 2c (levels, c = 0..n); row 1: j = 2k + 1 (ties, k = 0..n; the last one is unused).
  const js = new Float32Array(2 * (n + 1));
  const evenTie = new Float32Array(2 * (n + 1));
  for (let i = 0; i <= n; i++) {
    js[i] = 2 * i;
    js[n + 1 + i] = 2 * i + 1;
    evenTie[n + 1 + i] = i % 2 === 0 ? p2(-17) : 0; // below every non-zero residual (multiples of 2^-15)
  }
  const j = tf.tensor3d(js, [1, 2, n + 1]);
  // P = j X = s1 + s2 + s3 exactly (each product below 2^24 times a power of two), as ph + pl.
  const s1 = tf.mul(j, tf.mul(x2, p2(16)));
  const s2 = tf.mul(j, tf.mul(x1, p2(8)));
  const s3 = tf.mul(j, x0);
  const sum12 = tf.add(s1, s2); // Fast2Sum: |s1| >= |s2|
  const err12 = tf.sub(s2, tf.sub(sum12, s1));
  const ph = tf.add(sum12, s3); // Fast2Sum: |sum12| >= |s3|
  const err3 = tf.sub(s3, tf.sub(ph, sum12));
  const pl = tf.add(err12, err3); // two integers below 2^16: exact
  /** P - 2n c, exact in its sign (and exact wherever it is small), for c near P / 2n. */
  const residual = (c: tf.Tensor, hi: tf.Tensor, lo: tf.Tensor) => tf.add(tf.add(tf.sub(hi, tf.mul(c, p2(bits))), tf.mul(c, 2)), lo);
  const q1 = tf.div(ph, twoN);
  const q2 = tf.div(residual(q1, ph, pl), twoN);
  const nearest = tf.add(q1, q2); // RN(j X / 2n)
  const row = (t: tf.Tensor, r: number, length: number) => tf.slice(t, [0, r, 0], [-1, 1, length]);

  // Thresholds: c = nearest, then the float32 after it when t > c, or t = c and k is even.
  const c = row(nearest, 1, n);
  const after = positive(tf.add(residual(c, row(ph, 1, n), row(pl, 1, n)), row(tf.tensor3d(evenTie, [1, 2, n + 1]), 1, n)));
  const thresholds = tf.reshape(tf.add(c, tf.mul(after, tf.sub(successor(c), c))), [groups, n]) as tf.Tensor2D;

  // Levels, back in original units: normalized level * 2^(e - 23) (exact, a normal float32), then
  // / pre, which rounds only where the level is a float32 subnormal; there, round j X / 2n on the
  // subnormal grid g = 2^-149 * pre * scale instead (g >= 2^-65 when pre = 2^64, the only case where
  // levels can be subnormal; elsewhere the branch is computed but not used).
  const normalized = row(nearest, 0, n + 1);
  const unscaled = tf.mul(tf.mul(normalized, tf.div(power, p2(23))), tf.div(1, pre));
  const inverseGrid = tf.div(1, tf.mul(scale, p2(-85)));
  const t1 = tf.mul(row(q1, 0, n + 1), inverseGrid);
  const t2 = tf.mul(row(q2, 0, n + 1), inverseGrid);
  const k0 = tf.round(t1);
  const fraction = tf.sub(t1, k0); // exact, in [-1/2, 1/2]
  const oddTie = tf.mul(tf.mod(k0, 2), p2(-60)); // ties go to the even multiple
  const up = positive(tf.add(tf.add(tf.sub(fraction, 0.5), t2), oddTie));
  const down = positive(tf.sub(oddTie, tf.add(tf.add(fraction, 0.5), t2)));
  const subnormal = tf.mul(tf.add(k0, tf.sub(up, down)), p2(-149));
  const levels = tf.reshape(tf.where(tf.less(unscaled, p2(-126)), subnormal, unscaled), [groups, n + 1]) as tf.Tensor2D;
  return { levels, thresholds, pre: tf.reshape(pre, [groups, 1]), scale: tf.reshape(scale, [groups, 1]) };
}

/**
 * The groups of a layer's weights that share a clip, as rows: [1, size] per layer, or [C, size / C]
 * per output channel (the last axis), and the way back to the weights' shape.
 */
function fixedRows(w: tf.Tensor, scheme: FixedScheme): { rows: tf.Tensor2D; back: (t: tf.Tensor) => tf.Tensor } {
  const channels = fixedChannelCount(w.size, scheme, w.shape);
  if (channels === 1) return { rows: tf.reshape(w, [1, -1]), back: (t) => tf.reshape(t, w.shape) };
  return { rows: tf.transpose(tf.reshape(w, [-1, channels])), back: (t) => tf.reshape(tf.transpose(t), w.shape) };
}

/**
 * A layer's calibrated fixed-point clips (scale percentile or MSE: one per layer, or one per output
 * channel), found by the pure fixedClips on its values; null where none are needed (any other
 * scheme, and fixed point with scale 'max', whose clip max|w| is found on the device). The
 * weights are read with `await data()`: a synchronous read-back (dataSync) destroys a WebGPU
 * device in headless Chromium, so the quantizers never read weights back themselves. Callers
 * compute these once per training step or evaluation, before the forward pass (and its gradient
 * tape), and hand them to quantizeTensor / quantizeWithSTE (quantizedForward's weightClips).
 * A layer holding NaN or ±Infinity gets NaN clips (the layer then quantizes to NaN, as the pure
 * quantizer does).
 */
export async function weightClipsOf(w: tf.Tensor, scheme: WeightScheme): Promise<Float32Array | null> {
  if (scheme.kind !== 'fixed' || !fixedCalibrated(scheme)) return null;
  fixedChannelCount(w.size, scheme, w.shape); // a shape error before the read-back
  return weightClipsOfValues((await w.data()) as Float32Array, scheme, w.shape);
}

/** weightClipsOf on values the caller holds already (shape: the layer's, output channels last). */
export function weightClipsOfValues(values: Float32Array, scheme: WeightScheme, shape: readonly number[]): Float32Array | null {
  if (scheme.kind !== 'fixed' || !fixedCalibrated(scheme)) return null;
  const channels = fixedChannelCount(values.length, scheme, shape);
  if (!values.every(Number.isFinite)) return new Float32Array(channels).fill(NaN);
  return fixedClips(values, scheme, shape);
}

/** Calibrated clips handed to the quantizers: per layer, or per output channel (see weightClipsOf). */
export type WeightClips = Float32Array | readonly number[];

/**
 * The clips a fixed-point scheme needs from the caller: none for scale 'max' (null), else `clips`
 * checked against the layer's channel count, as float32. Throws a clear error when they are
 * missing: the quantizers never read the weights back themselves.
 */
function suppliedClips(scheme: FixedScheme, size: number, shape: readonly number[], clips: WeightClips | null | undefined): Float32Array | null {
  if (!fixedCalibrated(scheme)) return null;
  const scale = scheme.scale ?? 'max';
  if (!clips) {
    throw new Error(
      `fixed-point scale=${scale} needs the layer's calibrated clips: compute them before the forward pass ` +
        `(await weightClipsOf(kernel, scheme), or calibrateWeightClips for a network) and pass them in ` +
        `(quantizedForward's weightClips); the quantizer does not read the weights back with dataSync (it destroys a WebGPU device)`,
    );
  }
  const channels = fixedChannelCount(size, scheme, shape);
  if (clips.length !== channels) throw new Error(`fixed-point scale=${scale}: ${clips.length} clips given for ${channels} channel(s)`);
  return Float32Array.from(clips);
}

/**
 * The clips of a layer (shape [C]): max|w| per group on the device for scale 'max'; the
 * calibrated clips (percentile, MSE) as given (see weightClipsOf): nothing is read back here.
 */
function fixedClipTensor(w: tf.Tensor, scheme: FixedScheme, clips: WeightClips | null | undefined): tf.Tensor1D {
  const given = suppliedClips(scheme, w.size, w.shape, clips);
  if (!given) return tf.max(tf.abs(fixedRows(w, scheme).rows), 1) as tf.Tensor1D;
  return tf.tensor1d(given);
}

/**
 * Same values as fixedQuantize: per group (layer or output channel), code from the thresholds,
 * value from the levels (see above). Weights beyond a calibrated clip pass every threshold and
 * take code n (saturation); a normalized |w| that overflows to Infinity does too.
 */
function fixedForward(w: tf.Tensor, scheme: FixedScheme, _rng?: () => number, given?: WeightClips | null): tf.Tensor {
  const n = fixedLevelCount(scheme.bits);
  const a = tf.abs(w);
  const max = tf.max(a);
  const clips = fixedClipTensor(w, scheme, given);
  const groups = clips.shape[0];
  // A layer holding NaN or ±Infinity has no finite scale: NaN everywhere, as fixedQuantize. An
  // all-zero group (clip 0) gets tables for clip 1, whose code 0 gives its zeros.
  const usable = tf.logicalAnd(tf.greater(clips, 0), tf.less(clips, Infinity));
  const { levels, thresholds, pre, scale } = fixedTables(n, scheme.bits, tf.where(usable, clips, tf.onesLike(clips)) as tf.Tensor1D);
  const { rows, back } = fixedRows(a, scheme);
  const normalized = tf.mul(tf.mul(rows, pre), scale);
  const codes = tf.searchSorted(thresholds, normalized, 'right'); // [groups, size / groups]
  const offsets = tf.reshape(tf.range(0, groups * (n + 1), n + 1, 'int32'), [groups, 1]);
  const magnitude = back(tf.gather(tf.reshape(levels, [-1]), tf.add(codes, offsets)));
  const poison = tf.add(tf.mul(w, 0), tf.mul(max, 0)); // NaN for a NaN weight or a non-finite max, else 0
  // step(w, -1) is +1 or -1 (0 gets -1, harmless: its level is 0).
  return tf.add(tf.mul(magnitude, tf.step(w, -1)), poison);
}

/**
 * The straight-through gradient's mask for calibrated clips: 1 where |w| <= c of its group, 0
 * where the weight saturates (as the clipped ReLU's STE). Null (identity) for scale 'max', where
 * nothing saturates.
 */
function fixedGradientMask(w: tf.Tensor, scheme: FixedScheme, given?: WeightClips | null): tf.Tensor | null {
  if (!fixedCalibrated(scheme)) return null;
  return tf.tidy(() => {
    const clips = fixedClipTensor(w, scheme, given);
    const { rows, back } = fixedRows(tf.abs(w), scheme);
    return back(tf.cast(tf.lessEqual(rows, tf.reshape(clips, [-1, 1])), 'float32'));
  });
}

/**
 * Same result as minifloatQuantize. The grid exponent is clamped to the format's normal range
 * as there, and additionally to float32's: below 2^-149 the float32 input already lies on the
 * (finer) format grid, and above 2^127 the value overflows anyway, so neither clamp changes a
 * result; they only keep every power of two representable in float32.
 *
 * The power of two 2^e of |w| (e clamped) comes from powerSearch; the quantum 2^(e - M) divides
 * |w| exactly, tf.round rounds half to even, and the product is exact or overflows. With M = 0 a
 * tie (|w| = 1.5 2^e) goes to the even exponent field, whose parity is read off the search's odd
 * jumps (1, and 127 when the range needs it: every other jump is even). Without subnormals, |w|
 * below minNormal is flushed to 0 (a factor [|w| >= minNormal]).
 */
function minifloatForward(w: tf.Tensor, scheme: MinifloatScheme): tf.Tensor {
  const f = minifloatFormat(scheme);
  const lowestExponent = Math.max(f.minNormalExponent, f.mantissaBits - 149);
  const highestExponent = Math.min(f.maxNormalExponent, 127);
  const a = tf.abs(w);
  // Clamped above so the search stays finite for Infinity; below it starts at 2^lowestExponent.
  const searched = tf.clipByValue(a, 0, p2(highestExponent));
  const oddJumps: tf.Tensor[] = []; // 1 where an odd jump was taken, else 0
  const power = powerSearch(searched, lowestExponent, exponentJumps(highestExponent - lowestExponent + 1), 1, false, (s, jump) => {
    if (f.mantissaBits === 0 && s % 2 === 1) oddJumps.push(tf.step(tf.sub(jump, 1.5), 0));
  });
  const quantum = tf.mul(power, p2(-f.mantissaBits));
  const units = tf.div(a, quantum);
  let rounded = tf.round(units); // half to even on the quotient
  if (f.mantissaBits === 0) {
    // The tie 1.5 between 2^e and 2^(e+1) goes up (to 2) above; keep 2^e where e + 1 + bias is odd.
    const tie = tf.sub(tf.step(tf.sub(units, 1.5 - p2(-23)), 0), tf.step(tf.sub(units, 1.5), 0));
    // e = lowestExponent + the jumps taken: its parity is the constant's flipped by each odd jump.
    let odd: tf.Tensor = tf.scalar((((lowestExponent + 1 + f.bias) % 2) + 2) % 2);
    for (const taken of oddJumps) odd = tf.abs(tf.sub(odd, taken)); // xor
    rounded = tf.sub(rounded, tf.mul(tie, odd));
  }
  let magnitude = tf.mul(rounded, quantum);
  // Flush to zero: [a >= minNormal] (nothing to flush when no float32 lies below minNormal).
  if (!f.subnormals && f.minNormalExponent > -149) magnitude = tf.mul(magnitude, atLeastPowerOfTwo(a, f.minNormalExponent));
  if (f.overflow === 'inf') {
    // x 1, or x Infinity past maxFinite (1 / 0)
    magnitude = tf.mul(magnitude, tf.reciprocal(tf.sub(1, tf.step(tf.sub(magnitude, f.maxFinite), 0))));
  } else magnitude = tf.clipByValue(magnitude, 0, f.maxFinite);
  // The magnitude is 0 where w is ±0, so sign(0) does not matter: step(w, -1) is +1 or -1.
  return tf.mul(magnitude, tf.step(w, -1));
}

/** Exponents of the LightNN terms: 2^0 .. 2^-7. */
const LIGHTNN_MIN_EXPONENT = -LIGHTNN_MAX_EXPONENT;

/**
 * LightNN-1 magnitude: the power of two in 2^-7..2^0 nearest to a, ties away from zero (the
 * thresholds between neighbours are 1.5 * 2^j), returned divided by 2^-7.
 */
function lightnn1Units(a: tf.Tensor): tf.Tensor {
  return powerSearch(a, LIGHTNN_MIN_EXPONENT, [4, 2, 1], 0.75, true);
}

/** 1 where a >= 2^k, else 0 (for a >= 0). */
function atLeastPowerOfTwo(a: tf.Tensor, k: number): tf.Tensor {
  return tf.step(tf.sub(a, belowPowerOfTwo(k)), 0);
}

/**
 * LightNN nearest, k = 1: sign(w) * (nearest power of two to |w| in 2^-7..1, ties away from zero),
 * with 0 for |w| < 2^-8 when allowZero (the tie 2^-8 goes to 2^-7).
 */
function lightnn1NearestForward(w: tf.Tensor, allowZero: boolean): tf.Tensor {
  const a = tf.abs(w);
  let units = lightnn1Units(a);
  if (allowZero) units = tf.mul(units, atLeastPowerOfTwo(a, LIGHTNN_MIN_EXPONENT - 1));
  return tf.mul(tf.mul(units, negatedSignOf(w)), -p2(LIGHTNN_MIN_EXPONENT));
}

/**
 * LightNN nearest, k = 2. Every two-term magnitude in [2^e, 2^(e+1)] is 2^e + t with t in
 * {0, 2^-7, ..., 2^e} (e = -6..0; 2^e = 2^(e-1) + 2^(e-1)), so with a clamped to the legal range
 * [2^-6, 2] and P = 2^floor(log2 a) (a lies between the legal values P and 2P), the nearest legal
 * value is P + (nearest of {0, 2^-7, 2^-6, ...} to r = a - P, ties up): r < P, so that nearest
 * never passes P, and r = a - P is exact. The last part is LightNN-1 with 0 allowed.
 */
function lightnn2NearestForward(w: tf.Tensor, allowZero: boolean): tf.Tensor {
  const a = tf.abs(w);
  const clamped = tf.clipByValue(a, p2(-6), 2);
  const negPower = tf.mul(powerSearch(clamped, -6, [4, 2, 1], 1, true), -p2(-6)); // -P
  const rest = tf.add(clamped, negPower); // a - P, exact
  const negTerm = tf.mul(tf.mul(lightnn1Units(rest), atLeastPowerOfTwo(rest, -8)), -p2(LIGHTNN_MIN_EXPONENT));
  let negMagnitude = tf.add(negPower, negTerm); // -(P + t): a legal value, exact
  if (allowZero) negMagnitude = tf.mul(negMagnitude, atLeastPowerOfTwo(a, -7)); // 0 below 2^-7 (half of 2^-6)
  return tf.mul(negMagnitude, negatedSignOf(w));
}

/**
 * LightNN nearest for any k (used for k >= 3): the index of |w|'s magnitude is the number of
 * midpoints <= |w| (searchSorted 'right', so a tie moves away from zero); then a gather.
 */
function lightnnNearestTableForward(w: tf.Tensor, k: number, allowZero: boolean): tf.Tensor {
  const magnitudes = lightnnLegalMagnitudes(k);
  const table = allowZero ? Float64Array.from([0, ...magnitudes]) : magnitudes;
  const thresholds = tf.tensor2d(Float32Array.from(midpoints(table)), [1, table.length - 1]);
  const flatAbs = tf.reshape(tf.abs(w), [1, -1]);
  const index = tf.searchSorted(thresholds, flatAbs, 'right');
  const magnitude = tf.reshape(tf.gather(tf.tensor1d(Float32Array.from(table)), index), w.shape);
  return tf.mul(tf.neg(magnitude), negatedSignOf(w));
}

function lightnnNearestForward(w: tf.Tensor, k: number, allowZero: boolean): tf.Tensor {
  if (k === 1) return lightnn1NearestForward(w, allowZero);
  if (k === 2) return lightnn2NearestForward(w, allowZero);
  return lightnnNearestTableForward(w, k, allowZero);
}

// Alea (seedrandom 3, the generator behind tf.randomUniform), so the uniforms need not come from
// tf.randomUniform, which calls a closure and two methods per value: on the wasm backend that
// loop dominated a stochastic LightNN step. Alea is a lag-3 multiply-with-carry generator,
//   t = a * x[n-3] + c[n-1],  x[n] = t mod 2^32,  c[n] = floor(t / 2^32),  output x[n] / 2^32,
// (a = 2091639; alea keeps x / 2^32 in doubles, where every step is exact) so each step waits
// for the previous carry. It is also a linear congruential generator: v[n] = c[n] + a * (x[n-2]
// + x[n-1] * 2^32 + x[n] * 2^64) satisfies v[n+1] = v[n] * 2^-32 mod m, m = a * 2^96 - 1, and
// 2^-32 = a * 2^64 (mod m). So the state any number of draws ahead is one modular power away,
// and the draws are generated as four interleaved chunks, whose carry chains the CPU overlaps.

const ALEA_A = 2091639;
const ALEA_2_TO_MINUS_32 = 2.3283064365386963e-10;
const ALEA_A_BIG = BigInt(ALEA_A);
const ALEA_M = ALEA_A_BIG * (1n << 96n) - 1n;
const ALEA_INVERSE_BASE = ALEA_A_BIG << 64n; // 2^-32 mod m
const ALEA_CHUNKS = 4;

function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data: string) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000; // 2^32
    }
    return (n >>> 0) * ALEA_2_TO_MINUS_32;
  };
}

/** Alea state: the last three outputs (oldest first, each a multiple of 2^-32 in [0, 1)) and the carry. */
type AleaState = [number, number, number, number];

/** The state alea(String(seed)) starts from (seedrandom's seeding with Baagoe's Mash). */
function aleaSeedState(seed: number): AleaState {
  const m = mash();
  const key = String(seed);
  const state: AleaState = [m(' '), m(' '), m(' '), 1];
  for (let i = 0; i < 3; i++) {
    state[i] -= m(key);
    if (state[i] < 0) state[i] += 1;
  }
  return state;
}

function aleaToLcg([s0, s1, s2, c]: AleaState): bigint {
  const word = (s: number) => BigInt(s * 2 ** 32);
  return BigInt(c) + ALEA_A_BIG * (word(s0) + (word(s1) << 32n) + (word(s2) << 64n));
}

function lcgToAlea(v: bigint): AleaState {
  const words = v / ALEA_A_BIG;
  const mask = 0xffffffffn;
  const s = (shift: bigint) => Number((words >> shift) & mask) * ALEA_2_TO_MINUS_32;
  return [s(0n), s(32n), s(64n), Number(v % ALEA_A_BIG)];
}

function modPow(base: bigint, exponent: number, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/**
 * The same values as tf.randomUniform([count], 0, 1, 'float32', seed).dataSync(), each capped at
 * MAX_UNIFORM (as lightnnStochasticWithUniforms does).
 */
export function uniformDraws(count: number, seed: number): Float32Array {
  const start = aleaSeedState(seed);
  const chunk = Math.ceil(count / ALEA_CHUNKS);
  const out = new Float32Array(chunk * ALEA_CHUNKS);
  // Chunk j starts at draw j * chunk. v[0] = 1 + a * (...) is neither 0 nor m (the carry starts
  // at 1), so every later v lies strictly between them and decodes to the true state.
  const stride = modPow(ALEA_INVERSE_BASE, chunk, ALEA_M);
  const states: AleaState[] = [start];
  let v = aleaToLcg(start);
  for (let j = 1; j < ALEA_CHUNKS; j++) {
    v = (v * stride) % ALEA_M;
    states.push(lcgToAlea(v));
  }
  let [a0, a1, a2, ac] = states[0];
  let [b0, b1, b2, bc] = states[1];
  let [c0, c1, c2, cc] = states[2];
  let [d0, d1, d2, dc] = states[3];
  const a = ALEA_A;
  const k = ALEA_2_TO_MINUS_32;
  for (let i = 0; i < chunk; i++) {
    const ta = a * a0 + ac * k;
    const tb = a * b0 + bc * k;
    const tc = a * c0 + cc * k;
    const td = a * d0 + dc * k;
    a0 = a1;
    a1 = a2;
    ac = ta | 0;
    a2 = ta - ac;
    b0 = b1;
    b1 = b2;
    bc = tb | 0;
    b2 = tb - bc;
    c0 = c1;
    c1 = c2;
    cc = tc | 0;
    c2 = tc - cc;
    d0 = d1;
    d1 = d2;
    dc = td | 0;
    d2 = td - dc;
    out[i] = a2;
    out[chunk + i] = b2;
    out[2 * chunk + i] = c2;
    out[3 * chunk + i] = d2;
  }
  for (let i = 0; i < out.length; i++) if (out[i] > MAX_UNIFORM) out[i] = MAX_UNIFORM; // float32 can round up to 1
  return out.subarray(0, count);
}

/**
 * LightNN stochastic, k = 1 without 0: the legal values are ±2^-7..±1, so the neighbours
 * low <= w < high and the width high - low are
 *   w >= 2^-7:            low = 2^floor(log2 w) (at most 1/2), width = low;
 *   -2^-7 <= w < 2^-7:    low = -2^-7, width = 2^-6;
 *   w < -2^-7:            low = -2G, width = G, G the largest power of two below |w| (at most 1/2).
 * One powerSearch finds G = 2^floor(log2 |w|) clamped to 2^-8..2^-1, 2^-8 standing for the middle
 * interval. For a negative w that is itself a power of two this G is twice the one above, so
 * the interval is the one below w, with w as its high end: p = 1 picks w, which is also what the
 * pure rule returns (p = 0 at its low end w). Then p = (w - low) / width as in
 * lightnnStochasticWithUniforms, and low + width * [u < p] is exactly low or high.
 */
function lightnn1StochasticForward(w: tf.Tensor, u: tf.Tensor): tf.Tensor {
  const units = powerSearch(tf.abs(w), -8, [4, 2, 1], 1, true); // G / 2^-8
  const power = tf.mul(units, p2(-8)); // G
  const width = tf.mul(power, tf.step(tf.sub(units, 1.5), 4)); // 4G = 2^-6 in the middle interval
  const low = tf.mul(power, tf.step(tf.sub(w, belowPowerOfTwo(-7)), -2)); // G where w >= 2^-7, else -2G
  const p = tf.div(tf.sub(w, low), width);
  return tf.add(low, tf.mul(width, tf.step(tf.sub(p, u), 0)));
}

/**
 * LightNN stochastic for any k and allowZero: same rule as lightnnStochasticWithUniforms,
 * neighbours from searchSorted over the legal values.
 */
function lightnnStochasticTableForward(w: tf.Tensor, k: number, allowZero: boolean, u: tf.Tensor): tf.Tensor {
  const legal = Float32Array.from(lightnnLegalValues(k, allowZero));
  const legalTensor = tf.tensor1d(legal);
  const flat = tf.reshape(w, [1, -1]);
  const atMost = tf.cast(tf.searchSorted(tf.tensor2d(legal, [1, legal.length]), flat, 'right'), 'float32');
  const lowIndex = tf.cast(tf.clipByValue(tf.sub(atMost, 1), 0, legal.length - 2), 'int32');
  const low = tf.gather(legalTensor, lowIndex);
  const high = tf.gather(legalTensor, tf.add(lowIndex, tf.scalar(1, 'int32')));
  const width = tf.sub(high, low); // exact: neighbouring legal values are dyadic with few bits
  const p = tf.div(tf.sub(flat, low), width);
  return tf.reshape(tf.add(low, tf.mul(width, tf.step(tf.sub(p, tf.reshape(u, flat.shape)), 0))), w.shape);
}

/**
 * LightNN stochastic: same rule as lightnnStochasticWithUniforms, with the uniforms of
 * tf.randomUniform(seed) over the flattened weights (drawn by uniformDraws).
 */
function lightnnStochasticForward(w: tf.Tensor, k: number, allowZero: boolean, seed: number): tf.Tensor {
  const u = tf.tensor(uniformDraws(w.size, seed), w.shape, 'float32');
  if (k === 1 && !allowZero) return lightnn1StochasticForward(w, u);
  return lightnnStochasticTableForward(w, k, allowZero, u);
}

/**
 * Same as binaryQuantize: sign(w) (sign(0) = +1), times sum|w| / n for scale 'l1'. The signs
 * match exactly; alpha can differ from binaryL1Scale in its last bits (relative 2^-22) because
 * tf.sum rounds the sum to float32 before the division (one rounding more than the pure version).
 */
function binaryForward(w: tf.Tensor, scale: 'none' | 'l1'): tf.Tensor {
  if (scale === 'none') return signTensor(w);
  const alpha = tf.div(tf.sum(tf.abs(w)), Math.max(w.size, 1));
  return tf.mul(negatedSignOf(w), tf.neg(alpha));
}

/**
 * Same rule as ternaryQuantize: Δ = 0.7 · mean|W|, s = mean |w| over |w| > Δ, sign(w) · s there and
 * 0 elsewhere. The means are float32 sums here (one rounding more than the pure version), so s
 * and Δ can differ in their last bits, as binary's alpha does.
 */
function ternaryForward(w: tf.Tensor): tf.Tensor {
  const a = tf.abs(w);
  const threshold = tf.mul(tf.div(tf.sum(a), Math.max(w.size, 1)), Math.fround(TERNARY_THRESHOLD_FACTOR));
  const above = tf.step(tf.sub(w, threshold), 0); // 1 where w > Δ
  const below = tf.step(tf.sub(tf.neg(w), threshold), 0); // 1 where w < -Δ
  const kept = tf.add(above, below);
  const scale = tf.div(tf.sum(tf.mul(a, kept)), tf.maximum(tf.sum(kept), 1));
  return tf.mul(tf.sub(above, below), scale); // +0 where dropped, as the pure rule
}

// ---------------------------------------------------------------------------------------------
// The cpu backend: the forward value computed on the tensor's values
//
// The cpu backend keeps tensors in JS memory and runs every op as a JS loop (about 1 ms per op
// for a 784 x 100 kernel here), so a dozen-op quantizer costs more than the training step it
// belongs to. There, one loop over the values with the pure functions of ./schemes.ts (the
// reference the tensor ops are tested against) is several times faster, exact by definition,
// and reads nothing back from a device.
// ---------------------------------------------------------------------------------------------

let cpuQuantizerPath: 'values' | 'ops' = 'values';

/**
 * How the cpu backend computes quantized values: 'values' (default) runs the pure functions on
 * the tensor's values, 'ops' the tensor ops every other backend runs (tests use it to check those
 * ops bit for bit on the cpu backend). Returns the previous setting.
 */
export function setCpuQuantizerPath(path: 'values' | 'ops'): 'values' | 'ops' {
  const previous = cpuQuantizerPath;
  cpuQuantizerPath = path;
  return previous;
}

function onCpuValues(t: tf.Tensor): boolean {
  return cpuQuantizerPath === 'values' && t.dtype === 'float32' && tf.getBackend() === 'cpu';
}

// ---------------------------------------------------------------------------------------------
// The table: one entry per weight format (the pure rules are in ./formats/)
// ---------------------------------------------------------------------------------------------

interface TensorQuantizer<S extends WeightScheme> {
  /** The forward value as tensor ops (inside a tf.tidy); `clips`: calibrated fixed-point clips (see weightClipsOf). */
  forward: (w: tf.Tensor, scheme: S, rng?: () => number, clips?: WeightClips | null) => tf.Tensor;
  /** The same value on the cpu backend's values (same rng use as `forward`); absent: always ops. */
  onValues?: (values: Float32Array, scheme: S, rng?: () => number, shape?: readonly number[], clips?: WeightClips | null) => Float32Array;
  /** Backward: identity, or hardtanh's derivative (zero where |w| > 1, BinaryConnect). */
  gradient: 'identity' | 'hardtanh';
  /** A 0/1 mask the identity gradient is multiplied by (fixed point: zero where a weight saturates); null: none. */
  gradientMask?: (w: tf.Tensor, scheme: S, clips?: WeightClips | null) => tf.Tensor | null;
}

function lightnnTensor(w: tf.Tensor, scheme: SchemeOf<'lightnn'>, rng?: () => number): tf.Tensor {
  const allowZero = scheme.allowZero ?? false;
  if ((scheme.rounding ?? 'nearest') === 'nearest') return lightnnNearestForward(w, scheme.k, allowZero);
  return lightnnStochasticForward(w, scheme.k, allowZero, seedFromRng(rng!));
}

function lightnnValues(values: Float32Array, scheme: SchemeOf<'lightnn'>, rng?: () => number): Float32Array {
  const allowZero = scheme.allowZero ?? false;
  if ((scheme.rounding ?? 'nearest') === 'nearest') return lightnnQuantize(values, scheme.k, { allowZero });
  return lightnnStochasticWithUniforms(values, scheme.k, uniformDraws(values.length, seedFromRng(rng!)), allowZero);
}

export const TENSOR_QUANTIZERS: { readonly [K in WeightKind]: TensorQuantizer<SchemeOf<K>> } = {
  float32: { forward: (w) => tf.clone(w), gradient: 'identity' },
  fixed: {
    forward: fixedForward,
    onValues: (v, s, _rng, shape, clips) => fixedQuantize(v, s, shape, suppliedClips(s, v.length, shape ?? [v.length], clips) ?? undefined),
    gradient: 'identity',
    gradientMask: fixedGradientMask,
  },
  minifloat: { forward: minifloatForward, onValues: minifloatQuantize, gradient: 'identity' },
  lightnn: { forward: lightnnTensor, onValues: lightnnValues, gradient: 'identity' },
  binary: { forward: (w, s) => binaryForward(w, s.scale), onValues: (v, s) => binaryQuantize(v, s.scale), gradient: 'hardtanh' },
  // TWN trains its latent weights with the plain straight-through gradient.
  ternary: { forward: ternaryForward, onValues: ternaryQuantize, gradient: 'identity' },
};

function tensorQuantizerOf<S extends WeightScheme>(scheme: S): TensorQuantizer<S> {
  return TENSOR_QUANTIZERS[scheme.kind] as unknown as TensorQuantizer<S>;
}

/**
 * Throws for an invalid scheme, a stochastic one without an rng, or a calibrated fixed-point one
 * without its clips (before any tensor work).
 */
function checkScheme(scheme: WeightScheme, w: tf.Tensor, rng?: () => number, clips?: WeightClips | null): void {
  validateWeightScheme(scheme);
  if (formatOf(scheme).needsRng?.(scheme) && !rng) throw new Error(`${scheme.kind} stochastic rounding needs an rng`);
  if (scheme.kind === 'fixed') suppliedClips(scheme, w.size, w.shape, clips);
}

/**
 * The quantized forward value of w under a scheme (no gradient handling). Fixed point with a
 * calibrated scale (percentile, MSE) needs the layer's `clips` (see weightClipsOf); nothing is
 * read back from the device (the cpu backend's 'values' path reads its own JS memory).
 */
export function quantizeTensor(w: tf.Tensor, scheme: WeightScheme, rng?: () => number, clips?: WeightClips | null): tf.Tensor {
  checkScheme(scheme, w, rng, clips);
  const quantizer = tensorQuantizerOf(scheme);
  if (quantizer.onValues && onCpuValues(w)) {
    return tf.tensor(quantizer.onValues(w.dataSync() as Float32Array, scheme, rng, w.shape, clips), w.shape, 'float32');
  }
  return tf.tidy(() => quantizer.forward(w, scheme, rng, clips));
}

// ---------------------------------------------------------------------------------------------
// Straight-through wrappers
// ---------------------------------------------------------------------------------------------

/** 1 where |x| <= 1, else 0: the derivative of hardtanh. |x| <= 1 <=> 1 + 2^-23 - |x| > 0. */
function hardtanhMask(x: tf.Tensor): tf.Tensor {
  return tf.step(tf.sub(1 + p2(-23), tf.abs(x)), 0);
}

/** dy * [|x| <= 1]; on the cpu backend in one loop over the values (the same products). */
function hardtanhGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (!onCpuValues(x) || dy.dtype !== 'float32') return tf.tidy(() => tf.mul(dy, hardtanhMask(x)));
  const xs = x.dataSync() as Float32Array;
  const g = dy.dataSync() as Float32Array;
  const out = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = g[i] * (Math.abs(xs[i]) <= 1 ? 1 : 0);
  return tf.tensor(out, dy.shape, 'float32');
}

/**
 * Quantized weights with a straight-through gradient: identity, except where the table says
 * hardtanh (binary), whose gradient is zeroed where |w| > 1 (BinaryConnect), and fixed point with a
 * calibrated clip (percentile, MSE), whose gradient is zeroed where |w| > c (the weight saturates);
 * those clips come from the caller (`clips`, see weightClipsOf), computed from the same weights
 * before the gradient tape. For LightNN stochastic, one seed is drawn from `rng` per call.
 */
export function quantizeWithSTE(w: tf.Tensor, scheme: WeightScheme, rng?: () => number, clips?: WeightClips | null): tf.Tensor {
  checkScheme(scheme, w, rng, clips);
  const quantizer = tensorQuantizerOf(scheme);
  const cancelOutsideUnit = quantizer.gradient === 'hardtanh';
  const op = tf.customGrad((x, save) => {
    const input = x as tf.Tensor;
    (save as tf.GradSaveFunc)([input]);
    return {
      value: quantizeTensor(input, scheme, rng, clips),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (cancelOutsideUnit) return hardtanhGradient(dy, saved[0]);
        const mask = quantizer.gradientMask?.(saved[0], scheme, clips) ?? null;
        if (!mask) return dy;
        const masked = tf.mul(dy, mask);
        mask.dispose();
        return masked;
      },
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

/**
 * Same result as quantizeActivationFixed: the level index, round half to even of
 * clamp(x, 0, clip) * L / clip exactly, is the number of activationThresholds at or below x
 * (tf.searchSorted 'right': float32 comparisons, exact on every backend; the table is computed in
 * JS once per bits and clip; x below 0 passes none, x at or above the clip all L, so no clamp is
 * needed), then the value (index / L) * clip in float32 steps. Rounding x * L / clip in float32
 * instead put about 9% of the values next to a tie on the wrong level, and some exact ties and
 * random values (tests/unit/activationExact.test.ts). On the cpu backend the pure function runs on
 * the values (see setCpuQuantizerPath; NaN gives NaN there); the tensor ops give NaN whatever
 * tf.searchSorted makes of it.
 */
export function quantizeActivationTensor(x: tf.Tensor, bits: number, clip: number): tf.Tensor {
  const { levels, clip32 } = activationGrid(bits, clip);
  if (onCpuValues(x)) return tf.tensor(quantizeActivationFixed(x.dataSync() as Float32Array, bits, clip32), x.shape, 'float32');
  const table = activationThresholds(bits, clip32);
  return tf.tidy(() => {
    const thresholds = tf.tensor2d(table, [1, levels]);
    const index = tf.cast(tf.reshape(tf.searchSorted(thresholds, tf.reshape(x, [1, -1]), 'right'), x.shape), 'float32');
    return tf.mul(tf.div(index, levels), clip32);
  });
}

/**
 * Quantized clipped ReLU with a straight-through gradient inside the clip range:
 * dy * [0 <= x <= clip] (the derivative of clamp(x, 0, clip)).
 */
export function quantizeActivationWithSTE(x: tf.Tensor, bits: number, clip: number): tf.Tensor {
  const clip32 = Math.fround(clip);
  const op = tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: quantizeActivationTensor(t, bits, clip),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          // [x <= clip] - [x < 0]: x <= clip <=> (the float32 after clip) - x > 0.
          const x = saved[0];
          const inside = tf.sub(tf.step(tf.sub(nextFloat32(clip32), x), 0), tf.step(tf.neg(x), 0));
          return tf.mul(dy, inside);
        }),
    };
  });
  return op(x);
}

/** Same rule as quantizeInput: round(clamp(x, 0, 1) * L) / L, L = 2^bits - 1 (tf.round is half to even). */
export function quantizeInputTensor(x: tf.Tensor2D, bits: number): tf.Tensor2D {
  const levels = inputLevels(bits);
  return tf.tidy(() => tf.div(tf.round(tf.mul(tf.clipByValue(x, 0, 1), levels)), levels) as tf.Tensor2D);
}
