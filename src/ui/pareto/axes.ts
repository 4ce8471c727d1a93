/** The Pareto chart's pure geometry: axis domains and ticks that move rarely, and label placement. */

export type AccuracyAxis = 'accuracy' | 'error';

export function yOf(accuracy: number, yAxis: AccuracyAxis): number {
  return yAxis === 'accuracy' ? accuracy * 100 : (1 - accuracy) * 100;
}

/** Powers of ten covering the values, for a log axis: the domain moves only when a value crosses a decade. */
export function logDomain(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v > 0 && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return { domain: [1, 10], ticks: [1, 10] };
  let a = Math.floor(Math.log10(lo));
  // log10 rounds: 999999999.9999979 gives 9, so check the decades against the values themselves.
  if (10 ** a > lo) a--;
  let b = Math.max(a + 1, Math.ceil(Math.log10(hi)));
  if (10 ** b < hi) b++;
  const ticks = Array.from({ length: b - a + 1 }, (_, i) => 10 ** (a + i));
  return { domain: [10 ** a, 10 ** b], ticks };
}

/** [0, a round number above the largest value], with four or five round ticks. */
export function linearDomain(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  let hi = 0;
  for (const v of values) if (Number.isFinite(v) && v > hi) hi = v;
  if (hi <= 0) hi = 1;
  const magnitude = 10 ** Math.floor(Math.log10(hi));
  const step = [0.2, 0.25, 0.5, 1, 2, 2.5, 5].map((m) => m * magnitude).find((s) => hi / s <= 5) ?? magnitude * 10;
  const top = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { domain: [0, top], ticks };
}

/** A y range in whole 5 % steps around the values, with ticks every 5 or 10 %. */
export function yScale(values: readonly number[], yAxis: AccuracyAxis): { domain: [number, number]; ticks: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  let domain: [number, number];
  if (lo > hi) domain = yAxis === 'accuracy' ? [80, 100] : [0, 20];
  else if (yAxis === 'accuracy') domain = [Math.max(0, Math.floor((lo - 1) / 5) * 5), 100];
  else domain = [0, Math.min(100, Math.ceil((hi + 1) / 5) * 5)];
  const step = domain[1] - domain[0] > 40 ? 10 : 5;
  const ticks: number[] = [];
  for (let t = domain[0]; t <= domain[1] + 1e-9; t += step) ticks.push(t);
  return { domain, ticks };
}

export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Places a label beside each marker without covering another label or running out of the plot:
 * tries right-above, right-below, left-above, left-below, then further out, and takes the first
 * free spot (greedy, left to right). Returns each label's text anchor position and alignment.
 */
export function placeLabels(
  marks: readonly { x: number; y: number; width: number }[],
  plot: { left: number; right: number; top: number; bottom: number },
  height = 13,
): { x: number; y: number; anchor: 'start' | 'end' }[] {
  const placed: LabelBox[] = [];
  const overlaps = (a: LabelBox, b: LabelBox) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const order = marks.map((_, i) => i).sort((a, b) => marks[a].x - marks[b].x);
  const out: { x: number; y: number; anchor: 'start' | 'end' }[] = new Array(marks.length);
  for (const i of order) {
    const m = marks[i];
    const candidates: { x: number; y: number; anchor: 'start' | 'end' }[] = [];
    for (const lift of [0, 1, 2]) {
      const up = m.y - 8 - lift * height;
      const down = m.y + 4 + height + lift * height;
      candidates.push({ x: m.x + 9, y: up, anchor: 'start' }, { x: m.x + 9, y: down, anchor: 'start' }, { x: m.x - 9, y: up, anchor: 'end' }, { x: m.x - 9, y: down, anchor: 'end' });
    }
    const box = (c: { x: number; y: number; anchor: 'start' | 'end' }): LabelBox => ({ x: c.anchor === 'start' ? c.x : c.x - m.width, y: c.y - height + 2, width: m.width, height });
    const inside = (b: LabelBox) => b.x >= plot.left && b.x + b.width <= plot.right && b.y >= plot.top && b.y + b.height <= plot.bottom;
    const free = candidates.find((c) => inside(box(c)) && !placed.some((p) => overlaps(p, box(c)))) ?? candidates.find((c) => inside(box(c))) ?? candidates[0];
    placed.push(box(free));
    out[i] = free;
  }
  return out;
}

export interface Axes {
  x: { domain: [number, number]; ticks: number[]; log: boolean };
  y: { domain: [number, number]; ticks: number[] };
}

