/**
 * What the page draws about one layer's trained weights: a histogram over a robust range, the
 * scheme's legal values inside that range, and how many weights land on each level once quantized.
 *
 * Runs in the worker on every knob change, so the layer is sorted once (a copy) and everything
 * else (percentiles, histogram, per-level counts) is read off that sorted copy in linear passes.
 */
import { maxAbsOf } from '../core/arrays';
import { legalValues, minExponentBits, quantizeWeights, type ExponentRange, type WeightScheme } from '../core/quant/schemes';

/** Bins across the robust range; the drawn range may be wider (see weightStats), with more bins. */
export const HISTOGRAM_BINS = 60;
/** Bins never exceed this, however far the drawn range reaches past the robust one. */
export const MAX_HISTOGRAM_BINS = 240;
/** Weights left out at each end when choosing the range: the 0.1 and 99.9 percentiles. */
export const TAIL_FRACTION = 0.001;
/** More ticks than this would be a solid block on a projector; the page gives the number instead. */
export const MAX_DRAWN_LEGAL_VALUES = 256;
/** Per-level counts beyond this many distinct levels are not sent (the message stays small). */
export const MAX_LEVELS = 512;

export interface HistogramBin {
  /** Left edge; the bin is [x0, x1), the last one [x0, x1]. */
  x0: number;
  x1: number;
  count: number;
}

/** One value the weights take after quantization, and how many weights take it. */
export interface LevelCount {
  value: number;
  count: number;
}

export interface WeightStats {
  layerIndex: number;
  name: string;
  weightCount: number;
  /** Largest finite |w|. */
  maxAbs: number;
  /** The 0.1 and 99.9 percentiles of the weights (no trimming below 1,000 weights). */
  robustLo: number;
  robustHi: number;
  /**
   * The drawn x range, symmetric: ±max(|robustLo|, |robustHi|), widened to the quantized values of
   * those two weights, so the level where the edge weights land is always in view (fixed point's
   * ±max, BinaryConnect's ±1, LightNN's 0.25 for weights up to 0.22).
   */
  lo: number;
  hi: number;
  /** Weights below lo / above hi (±Infinity included): in no bin. NaN weights are in no count at all. */
  outliersBelow: number;
  outliersAbove: number;
  /** Float weights that are -Infinity / +Infinity (counted in outliersBelow / outliersAbove too). */
  infiniteWeights: { negative: number; positive: number };
  /**
   * Weights whose quantized value is -Infinity / +Infinity (a minifloat with overflow=inf, past its
   * largest finite value): not in `levels`, which hold finite values only.
   */
  infiniteAfter: { negative: number; positive: number };
  /** Equal bins over [lo, hi], about HISTOGRAM_BINS of them across the robust range. */
  bins: HistogramBin[];
  /** The legal values inside [lo, hi], ascending; null for float32, or when too many to draw. */
  legal: number[] | null;
  /** How many legal values lie inside [lo, hi]; null when the scheme's values are not listed. */
  legalInRange: number | null;
  /** All legal values of the scheme for this layer; null when there are too many to list. */
  legalTotal: number | null;
  /** Legal values beyond the range, or too many to draw, when that happens. */
  legalNote: string | null;
  /**
   * Every finite value the weights take after quantization, with count > 0, ascending, levels
   * outside [lo, hi] included; the counts plus infiniteAfter's sum to the number of non-NaN
   * weights. Stochastic LightNN is counted with nearest rounding. null for float32, and when there
   * are more than MAX_LEVELS.
   */
  levels: LevelCount[] | null;
  /** Distinct finite values after quantization (exact even when levels is null); null for float32 and minifloats over 12 bits. */
  levelsUsed: number | null;
  levelsNote: string | null;
  exponent: ExponentRange;
}

// Re-exported: the worker imports it from here.
export { maxAbsOf };

/** Below this a plain typed-array sort is as quick as the radix sort. */
const RADIX_MIN = 4096;

/**
 * Ascending copy without NaN, -0 before 0 (as a typed-array sort orders them). Large layers use an
 * LSD radix sort on the float bits (three 11-bit digits): V8's typed-array sort takes ~10 ms for
 * 78,400 weights, this ~1 ms, and the histogram runs on every knob change.
 */
export function sortedFinite(values: Float32Array): Float32Array {
  const n = values.length;
  if (n < RADIX_MIN) {
    const sorted = Float32Array.from(values).sort();
    let m = n;
    while (m > 0 && Number.isNaN(sorted[m - 1])) m--;
    return m === n ? sorted : sorted.slice(0, m);
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  let keys = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) continue;
    const b = bits[i];
    // Negative floats order backwards as integers: flip all their bits; positives: the sign bit.
    keys[m++] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  if (m < n) keys = keys.subarray(0, m);
  const counts = new Uint32Array(3 * 2048);
  for (let i = 0; i < m; i++) {
    const k = keys[i];
    counts[k & 2047]++;
    counts[2048 + ((k >>> 11) & 2047)]++;
    counts[4096 + (k >>> 22)]++;
  }
  let from = keys;
  let to = new Uint32Array(m);
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * 2048;
    const shift = pass * 11;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const k = from[i];
      to[counts[base + ((k >>> shift) & 2047)]++] = k;
    }
    [from, to] = [to, from];
  }
  for (let i = 0; i < m; i++) {
    const k = from[i];
    from[i] = k & 0x80000000 ? k & 0x7fffffff : ~k >>> 0;
  }
  return new Float32Array(from.buffer, from.byteOffset, m);
}

/** The values at the TAIL_FRACTION and 1 - TAIL_FRACTION ranks: floor(n * 0.001) left out at each end. */
export function robustRange(sorted: Float32Array): { lo: number; hi: number } {
  const n = sorted.length;
  if (n === 0) return { lo: 0, hi: 0 };
  const k = Math.floor(n * TAIL_FRACTION);
  return { lo: sorted[k], hi: sorted[n - 1 - k] };
}

/** `bins` equal bins over [lo, hi] of an ascending array; values outside are counted apart. */
export function histogramOfSorted(sorted: Float32Array, lo: number, hi: number, bins: number) {
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  let below = 0;
  let above = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (v < lo) below++;
    else if (v > hi) above++;
    else counts[Math.min(Math.floor((v - lo) / width), bins - 1)]++;
  }
  const edge = (i: number) => (i === bins ? hi : lo + i * width);
  return {
    bins: counts.map((count, i) => ({ x0: edge(i), x1: edge(i + 1), count })),
    outliersBelow: below,
    outliersAbove: above,
  };
}

/**
 * Run lengths of an array that is ascending because it quantizes an ascending one (every
 * quantizer here is monotone with nearest rounding). NaN is skipped. Falls back to a Map if the
 * order is ever broken, so the counts stay right either way.
 */
export function levelCounts(quantized: Float32Array, cap = MAX_LEVELS): { levels: LevelCount[] | null; used: number } {
  const runs: LevelCount[] = [];
  let used = 0;
  let last = NaN;
  for (let i = 0; i < quantized.length; i++) {
    const v = quantized[i];
    if (v !== v) continue;
    if (v === last) {
      if (used <= cap) runs[runs.length - 1].count++;
      continue;
    }
    if (v < last) return levelCountsUnordered(quantized, cap);
    used++;
    last = v;
    if (used <= cap) runs.push({ value: v + 0, count: 1 }); // + 0 turns -0 into 0
  }
  return { levels: used <= cap ? runs : null, used };
}

function levelCountsUnordered(quantized: Float32Array, cap: number): { levels: LevelCount[] | null; used: number } {
  const counts = new Map<number, number>(); // SameValueZero: -0 and 0 share a key
  for (let i = 0; i < quantized.length; i++) {
    const v = quantized[i];
    if (v === v) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size > cap) return { levels: null, used: counts.size };
  const levels = [...counts].map(([value, count]) => ({ value: value + 0, count })).sort((a, b) => a.value - b.value);
  return { levels, used: counts.size };
}

/**
 * The scheme the counts use: stochastic LightNN would give a different picture on every call, and
 * per-channel fixed point needs the layout the sorted copy loses (counted with one clip per layer).
 */
function countingScheme(scheme: WeightScheme): WeightScheme {
  if (scheme.kind === 'fixed' && scheme.granularity === 'channel') return { ...scheme, granularity: 'tensor' };
  return scheme.kind === 'lightnn' && scheme.rounding === 'stochastic' ? { ...scheme, rounding: 'nearest' } : scheme;
}

/** No per-layer scale: quantizing a few values alone gives what they get inside the layer. */
function isScaleFree(scheme: WeightScheme): boolean {
  return scheme.kind === 'minifloat' || scheme.kind === 'lightnn' || (scheme.kind === 'binary' && scheme.scale === 'none');
}

/** Float32 bit patterns in value order: -0 and +0 next to each other, negatives below. */
function orderedBits(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0];
  return bits >>> 31 ? -(bits & 0x7fffffff) : bits;
}
function fromOrderedBits(k: number): number {
  return new Float32Array(new Uint32Array([k < 0 ? (0x80000000 | -k) >>> 0 : k]).buffer)[0];
}

/**
 * Level of every sorted weight by one merge against the legal set, for scale-free schemes
 * (minifloatQuantize alone costs ~25 ms for 78,400 weights). A weight moves up to legal[k + 1]
 * from threshold[k] on: the smallest float32 the quantizer sends there. That is usually just past
 * the midpoint of the two neighbours (at the midpoint itself the quantizer's tie rule decides),
 * but not always (a minifloat without subnormals flushes everything below its smallest normal to
 * 0), so the thresholds are found by bisection over float32 bit patterns, all gaps at once: one
 * quantizeWeights call per halving. Returns the level index of each weight.
 */
export function levelIndicesByMerge(sorted: Float32Array, legal: Float32Array, scheme: WeightScheme): Uint32Array {
  const gaps = legal.length - 1;
  // Invariant: q(lo) != legal[k + 1] (lo = legal[k] at first), q(hi) = legal[k + 1].
  const lo = Float64Array.from({ length: gaps }, (_, k) => orderedBits(legal[k]));
  const hi = Float64Array.from({ length: gaps }, (_, k) => orderedBits(legal[k + 1]));
  const probe = new Float32Array(gaps);
  for (let round = 0; round < 33; round++) {
    let open = false;
    for (let k = 0; k < gaps; k++) {
      const mid = Math.floor((lo[k] + hi[k]) / 2);
      if (hi[k] - lo[k] > 1) open = true;
      probe[k] = fromOrderedBits(mid);
    }
    if (!open) break;
    const rounded = quantizeWeights(probe, scheme);
    for (let k = 0; k < gaps; k++) {
      if (hi[k] - lo[k] <= 1) continue;
      const mid = Math.floor((lo[k] + hi[k]) / 2);
      if (rounded[k] === legal[k + 1]) hi[k] = mid;
      else lo[k] = mid;
    }
  }
  const thresholds = Float64Array.from(hi, fromOrderedBits);
  const out = new Uint32Array(sorted.length);
  let level = 0;
  for (let i = 0; i < sorted.length; i++) {
    const w = sorted[i];
    while (level < gaps && w >= thresholds[level]) level++;
    out[i] = level;
  }
  return out;
}

/** Run lengths of ascending level indices, as LevelCounts. */
function countsOfIndices(indices: Uint32Array, legal: Float32Array, cap = MAX_LEVELS): { levels: LevelCount[] | null; used: number } {
  const runs: LevelCount[] = [];
  for (let i = 0; i < indices.length; i++) {
    if (i > 0 && indices[i] === indices[i - 1]) runs[runs.length - 1].count++;
    else runs.push({ value: legal[indices[i]] + 0, count: 1 });
  }
  return { levels: runs.length <= cap ? runs : null, used: runs.length };
}

/**
 * How many of the sorted weights quantize to -Infinity and to +Infinity: only a minifloat with
 * overflow 'inf' gives them, to a run at each end of the sorted copy (the quantizer is monotone and
 * scale-free), found by binary search.
 */
export function infinitiesAfter(sorted: Float32Array, scheme: WeightScheme): { negative: number; positive: number } {
  if (scheme.kind !== 'minifloat' || scheme.overflow !== 'inf' || sorted.length === 0) return { negative: 0, positive: 0 };
  const q = (v: number) => quantizeWeights(Float32Array.of(v), scheme)[0];
  const negative = firstIndex(sorted, (v) => q(v) !== -Infinity);
  const positive = sorted.length - firstIndex(sorted, (v) => q(v) === Infinity);
  return { negative, positive };
}

/**
 * Values after quantization of sorted[lowEdge] and sorted[highEdge], and the counts per level, of
 * weights that all quantize to finite values (the caller leaves out those that overflow to ±Inf).
 */
function quantizedView(sorted: Float32Array, scheme: WeightScheme, legal: Float32Array | null, lowEdge: number, highEdge: number) {
  if (isScaleFree(scheme) && legal && legal.length > 1) {
    const indices = levelIndicesByMerge(sorted, legal, scheme);
    return { edges: [legal[indices[lowEdge]], legal[indices[highEdge]]], ...countsOfIndices(indices, legal) };
  }
  if (isScaleFree(scheme) && !legal) {
    // Minifloat over 12 bits: thousands of levels, close to float32; not worth the time.
    const edges = quantizeWeights(Float32Array.of(sorted[lowEdge], sorted[highEdge]), scheme);
    return { edges: [edges[0], edges[1]], levels: null, used: null };
  }
  // Quantizing the sorted copy keeps it sorted, and the scale (max |w|, mean |w|) is the layer's.
  const quantized = quantizeWeights(sorted, scheme);
  return { edges: [quantized[lowEdge], quantized[highEdge]], ...levelCounts(quantized) };
}

/**
 * minExponentBits without a second sort: its rule reads only the largest non-zero |w| and the 1st
 * percentile of the non-zero |w|, so a two-value layer holding those two gives the same answer.
 */
export function exponentOfSorted(sorted: Float32Array): ExponentRange {
  // Non-zero finite weights: negatives in [negStart, negEnd), positives in [posStart, posEnd).
  const negStart = firstIndex(sorted, (v) => v > -Infinity);
  const negEnd = firstIndex(sorted, (v) => v >= 0);
  const posStart = firstIndex(sorted, (v) => v > 0);
  const posEnd = firstIndex(sorted, (v) => v === Infinity);
  const count = negEnd - negStart + (posEnd - posStart);
  if (count === 0) return minExponentBits(new Float32Array(0));
  const max = Math.max(negEnd > negStart ? -sorted[negStart] : 0, posEnd > posStart ? sorted[posEnd - 1] : 0);
  // Walk the magnitudes up from zero on both sides to the percentile's rank.
  let rank = Math.floor(0.01 * (count - 1));
  let i = negEnd - 1;
  let j = posStart;
  let q = 0;
  for (;;) {
    const fromNegative = i >= negStart && (j >= posEnd || -sorted[i] <= sorted[j]);
    q = fromNegative ? -sorted[i--] : sorted[j++];
    if (rank-- === 0) break;
  }
  return minExponentBits(Float32Array.of(q, max));
}

/** i clamped to the indices of an array of `length` > 0. */
const clampIndex = (i: number, length: number) => Math.min(length - 1, Math.max(0, i));

/** First index of an ascending array where a monotone `test` holds, or its length. */
function firstIndex(sorted: Float32Array, test: (v: number) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(sorted[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const short = (v: number) => Number(v.toPrecision(3)).toString();

/** The legal values inside [lo, hi] and what to say about the rest. */
export function legalValuesInRange(scheme: WeightScheme, all: Float32Array | null, lo: number, hi: number) {
  if (!all) {
    return {
      legal: null,
      legalInRange: null,
      legalTotal: null,
      legalNote: scheme.kind === 'float32' ? null : 'too many to list',
    };
  }
  const inside: number[] = [];
  let beyond = 0;
  for (const v of all) {
    if (v >= lo && v <= hi) inside.push(v + 0);
    else beyond++;
  }
  const notes: string[] = [];
  if (inside.length > MAX_DRAWN_LEGAL_VALUES) notes.push('too dense to draw as ticks');
  if (beyond > 0) {
    const reach = Math.max(Math.abs(all[0]), Math.abs(all[all.length - 1]));
    notes.push(`${beyond} more beyond ±${short(hi)}, up to ±${short(reach)}`);
  }
  return {
    legal: inside.length > MAX_DRAWN_LEGAL_VALUES ? null : inside,
    legalInRange: inside.length,
    legalTotal: all.length,
    legalNote: notes.length ? notes.join('; ') : null,
  };
}

export function weightStats(layerIndex: number, name: string, values: Float32Array, scheme: WeightScheme): WeightStats {
  const sorted = sortedFinite(values);
  const n = sorted.length;
  const robust = robustRange(sorted);
  const robustHalf = Math.max(Math.abs(robust.lo), Math.abs(robust.hi));
  const all = legalValues(scheme, sorted);
  let reach = robustHalf;

  let levels: LevelCount[] | null = null;
  let levelsUsed: number | null = null;
  let levelsNote: string | null = null;
  let infiniteAfter = { negative: 0, positive: 0 };
  if (scheme.kind !== 'float32' && n > 0) {
    const counting = countingScheme(scheme);
    // Weights that overflow to ±Infinity are counted apart (the legal values are finite), the rest level by level.
    infiniteAfter = infinitiesAfter(sorted, counting);
    const finite = sorted.subarray(infiniteAfter.negative, n - infiniteAfter.positive);
    const k = Math.floor(n * TAIL_FRACTION);
    // The edge weights' levels: ±Infinity (no reach) where an edge weight overflows.
    const view =
      finite.length > 0
        ? quantizedView(finite, counting, all, clampIndex(k - infiniteAfter.negative, finite.length), clampIndex(n - 1 - k - infiniteAfter.negative, finite.length))
        : { edges: [-Infinity, Infinity], levels: [], used: 0 };
    if (k < infiniteAfter.negative) view.edges[0] = -Infinity;
    if (n - 1 - k >= n - infiniteAfter.positive) view.edges[1] = Infinity;
    // Widen to where the edge weights land, but not to levels that only outliers reach.
    for (const q of view.edges) if (Math.abs(q) < Infinity) reach = Math.max(reach, Math.abs(q));
    levels = view.levels;
    levelsUsed = view.used;
    const notes: string[] = [];
    if (counting !== scheme) notes.push(scheme.kind === 'fixed' ? 'counted with one clip for the whole layer' : 'counted with nearest rounding');
    if (view.used === null) notes.push('not counted per level (over 4,096 levels)');
    else if (!levels) notes.push(`${view.used} levels used: too many to count one by one`);
    levelsNote = notes.length ? notes.join('; ') : null;
  }
  if (!(reach > 0 && reach < Infinity)) reach = maxAbsOf(values) || 1;

  const lo = -reach;
  const hi = reach;
  // Keep the bin width of HISTOGRAM_BINS across the robust range when the drawn range is wider.
  const binCount =
    robustHalf > 0 && robustHalf < Infinity
      ? Math.min(MAX_HISTOGRAM_BINS, Math.max(HISTOGRAM_BINS, Math.round((HISTOGRAM_BINS * reach) / robustHalf)))
      : HISTOGRAM_BINS;
  return {
    layerIndex,
    name,
    weightCount: values.length,
    maxAbs: maxAbsOf(values),
    robustLo: robust.lo,
    robustHi: robust.hi,
    lo,
    hi,
    ...histogramOfSorted(sorted, lo, hi, binCount),
    infiniteWeights: { negative: firstIndex(sorted, (v) => v > -Infinity), positive: n - firstIndex(sorted, (v) => v === Infinity) },
    infiniteAfter,
    ...legalValuesInRange(scheme, all, lo, hi),
    levels,
    levelsUsed,
    levelsNote,
    exponent: exponentOfSorted(sorted),
  };
}
