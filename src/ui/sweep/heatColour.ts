/** The sweep heatmap's colour scale: presentation, so it lives with the page, not in the core. */

/** Viridis, sampled: readable for colour-blind viewers and on a washed-out projector. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** Colour of a value within [min, max] (low = dark purple, high = yellow), and a readable text colour on it. */
export function heatColour(value: number, min: number, max: number): { background: string; text: string } {
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 1;
  const x = t * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return { background: `rgb(${r}, ${g}, ${b})`, text: luminance > 140 ? '#111827' : '#ffffff' };
}
