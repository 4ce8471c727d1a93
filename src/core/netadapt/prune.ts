/**
 * Pruning one layer's units (dense neurons, conv filters) in plain arrays: which to keep (the
 * largest L2 norm of the incoming weights, as NetAdapt does) and the smaller network's weights.
 * Kernels are TF.js's layouts: dense [inputs][units], conv [kh][kw][inC][filters]; the unit is
 * always the fastest axis. The next weight layer loses the matching inputs: a conv's input
 * channels, or a dense layer's rows (after lenet's NHWC flatten, rows p*C + c for every pixel p).
 */
import type { LayerWeights } from '../models';

/**
 * A layer's weights as NetAdapt carries them: with binary hysteresis (seed 002), the ±1 signs in
 * use, kernel-shaped. They lag the latent weights (a sign flips only past ±h), so they are state
 * of their own, pruned with the kernel.
 */
export type AdaptWeights = LayerWeights & { signs?: Float32Array };

/** L2 norm of each unit's incoming weights (the bias is not a weight). */
export function unitNorms(layer: LayerWeights): Float64Array {
  const units = layer.shape[layer.shape.length - 1];
  const sums = new Float64Array(units);
  for (let i = 0; i < layer.kernel.length; i++) sums[i % units] += layer.kernel[i] * layer.kernel[i];
  return sums.map(Math.sqrt);
}

/** Indices of the `keep` largest norms, ascending (ties: the lower index stays). */
export function largestNormUnits(norms: ArrayLike<number>, keep: number): number[] {
  if (!Number.isInteger(keep) || keep < 1 || keep > norms.length) throw new RangeError(`keep must be 1..${norms.length}, got ${keep}`);
  const order = Array.from({ length: norms.length }, (_, i) => i).sort((a, b) => norms[b] - norms[a] || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/** Picks `keep` entries of every group of `group` (the last axis) of a flat array. */
function keepLastAxis(values: Float32Array, group: number, keep: readonly number[]): Float32Array {
  const rows = values.length / group;
  const out = new Float32Array(rows * keep.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < keep.length; j++) out[r * keep.length + j] = values[r * group + keep[j]];
  return out;
}

const pick = (values: Float32Array, keep: readonly number[]) => Float32Array.from(keep, (i) => values[i]);

/** The next layer without the inputs fed by the removed units of a layer with `units` units. */
function dropInputs(next: AdaptWeights, units: number, keep: readonly number[]): AdaptWeights {
  const outUnits = next.shape[next.shape.length - 1];
  if (next.shape.length === 4) {
    // [kh][kw][inC][outC]: each (kh, kw) holds an [inC][outC] block.
    const [kh, kw, inC] = next.shape;
    if (inC !== units) throw new Error(`layer "${next.name}" has ${inC} input channels, the layer before it ${units} filters`);
    const drop = (values: Float32Array) => keepRows(values, kh * kw, inC, keep, outUnits);
    return { ...next, shape: [kh, kw, keep.length, outUnits], kernel: drop(next.kernel), ...(next.signs ? { signs: drop(next.signs) } : {}) };
  }
  const [inputs] = next.shape;
  if (inputs % units !== 0) throw new Error(`layer "${next.name}" has ${inputs} inputs, not a multiple of the ${units} units before it`);
  // Rows p*units + c: one per pixel p of the flattened NHWC map (one pixel after a dense layer).
  const pixels = inputs / units;
  const drop = (values: Float32Array) => keepRows(values, pixels, units, keep, outUnits);
  return { ...next, shape: [pixels * keep.length, outUnits], kernel: drop(next.kernel), ...(next.signs ? { signs: drop(next.signs) } : {}) };
}

/** Rows (p * channels + keep[j]) of a [positions * channels][outUnits] array, for every position p. */
function keepRows(values: Float32Array, positions: number, channels: number, keep: readonly number[], outUnits: number): Float32Array {
  const out = new Float32Array(positions * keep.length * outUnits);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < keep.length; j++) {
      const from = (p * channels + keep[j]) * outUnits;
      out.set(values.subarray(from, from + outUnits), (p * keep.length + j) * outUnits);
    }
  }
  return out;
}

/**
 * The weights with only units `keep` (ascending indices) of weight layer `index`: its kernel
 * columns, biases and batch normalisation, and the next layer's matching inputs. The inputs are
 * not changed: the result is a copy.
 */
export function pruneUnits<W extends AdaptWeights>(weights: readonly W[], index: number, keep: readonly number[]): W[] {
  const layer = weights[index];
  const next = weights[index + 1];
  if (!layer || !next) throw new RangeError(`weight layer ${index} is not a prunable layer (the output layer is not)`);
  const units = layer.shape[layer.shape.length - 1];
  if (keep.length === 0 || keep.some((k, i) => !Number.isInteger(k) || k < 0 || k >= units || (i > 0 && k <= keep[i - 1]))) {
    throw new RangeError(`keep must be ascending unit indices of 0..${units - 1}`);
  }
  const bn = layer.batchNorm;
  const pruned: W = {
    ...layer,
    shape: [...layer.shape.slice(0, -1), keep.length],
    kernel: keepLastAxis(layer.kernel, units, keep),
    ...(layer.signs ? { signs: keepLastAxis(layer.signs, units, keep) } : {}),
    bias: pick(layer.bias, keep),
    ...(bn ? { batchNorm: { ...bn, gamma: pick(bn.gamma, keep), beta: pick(bn.beta, keep), mean: pick(bn.mean, keep), variance: pick(bn.variance, keep) } } : {}),
  };
  return weights.map((w, i) => (i === index ? pruned : i === index + 1 ? ({ ...next, ...dropInputs(next, units, keep) } as W) : w));
}

/** The layer pruned to its `keep` largest-norm units. */
export function pruneByNorm<W extends AdaptWeights>(weights: readonly W[], index: number, keep: number): { weights: W[]; kept: number[] } {
  const kept = largestNormUnits(unitNorms(weights[index]), keep);
  return { weights: pruneUnits(weights, index, kept), kept };
}
