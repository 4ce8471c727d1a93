/** What the page draws about one layer's trained weights: a histogram and a scheme's legal values. */
import { legalValues, minExponentBits, type ExponentRange, type WeightScheme } from '../core/quant/schemes';

export const HISTOGRAM_BINS = 60;
/** More lines than this would be a solid block on a projector; the page says so instead. */
export const MAX_DRAWN_LEGAL_VALUES = 512;

export interface HistogramBin {
  /** Left edge; the bin is [x0, x1). */
  x0: number;
  x1: number;
  count: number;
}

export interface WeightStats {
  layerIndex: number;
  name: string;
  weightCount: number;
  maxAbs: number;
  bins: HistogramBin[];
  /** The legal values drawn over the histogram; null when the scheme has too many (or is float32). */
  legal: number[] | null;
  /** All legal values of the scheme for this layer; null when there are too many to list. */
  legalTotal: number | null;
  /** Why some legal values are not drawn, when that happens. */
  legalNote: string | null;
  exponent: ExponentRange;
}

export function maxAbsOf(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m && a < Infinity) m = a;
  }
  return m;
}

/** `bins` equal bins over [-max, max]; the largest weight falls in the last bin. */
export function histogram(values: Float32Array, max: number, bins = HISTOGRAM_BINS): HistogramBin[] {
  const range = max > 0 ? max : 1;
  const width = (2 * range) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const index = Math.floor((values[i] + range) / width);
    if (index >= 0 && index <= bins) counts[Math.min(index, bins - 1)]++;
  }
  return counts.map((count, i) => ({ x0: -range + i * width, x1: -range + (i + 1) * width, count }));
}

/**
 * The legal values worth drawing. A minifloat reaches far beyond any weight (E5M2 up to 57,344),
 * so only its values up to the first one at or past the layer's largest |w| are drawn (where the
 * largest weights round to). Fixed point, LightNN and binary are drawn whole.
 */
export function drawableLegalValues(scheme: WeightScheme, values: Float32Array, max: number) {
  const all = legalValues(scheme, values);
  if (!all) return { legal: null, legalTotal: null, legalNote: scheme.kind === 'float32' ? null : 'too many legal values to list' };
  let legal = Array.from(all);
  let legalNote: string | null = null;
  if (scheme.kind === 'minifloat') {
    const cap = legal.find((v) => v >= max) ?? legal[legal.length - 1];
    legal = legal.filter((v) => Math.abs(v) <= cap);
    if (legal.length < all.length) legalNote = `values beyond ±${cap.toPrecision(3)} are not drawn`;
  }
  if (legal.length > MAX_DRAWN_LEGAL_VALUES) {
    return { legal: null, legalTotal: all.length, legalNote: `${legal.length} legal values in range: too dense to draw` };
  }
  return { legal, legalTotal: all.length, legalNote };
}

export function weightStats(layerIndex: number, name: string, values: Float32Array, scheme: WeightScheme): WeightStats {
  const max = maxAbsOf(values);
  return {
    layerIndex,
    name,
    weightCount: values.length,
    maxAbs: max,
    bins: histogram(values, max),
    ...drawableLegalValues(scheme, values, max),
    exponent: minExponentBits(values),
  };
}
