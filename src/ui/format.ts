/** Number formatting for the energy, Pareto and sweep panels: short, with the unit that fits. */

const sig = (value: number, digits = 3) => {
  if (value === 0) return '0';
  const text = value.toPrecision(digits);
  // toPrecision may write 1.23e+4; plain digits read better on a projector.
  return text.includes('e') ? Number(text).toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(Number(text));
};

/** 512 pJ, 12.3 nJ, 4.56 µJ. */
export function formatEnergy(pJ: number): string {
  if (!Number.isFinite(pJ)) return '—';
  if (Math.abs(pJ) < 1e3) return `${sig(pJ)} pJ`;
  if (Math.abs(pJ) < 1e6) return `${sig(pJ / 1e3)} nJ`;
  if (Math.abs(pJ) < 1e9) return `${sig(pJ / 1e6)} µJ`;
  return `${sig(pJ / 1e9)} mJ`;
}

/** Storage in bits as KB or MB (1 KB = 1024 bytes). */
export function formatStorage(bits: number): string {
  if (!Number.isFinite(bits)) return '—';
  const bytes = bits / 8;
  if (bytes < 1024) return `${sig(bytes)} B`;
  if (bytes < 1024 * 1024) return `${sig(bytes / 1024)} KB`;
  return `${sig(bytes / 1024 / 1024)} MB`;
}

/** Area in µm², or mm² from 0.1 mm² up. */
export function formatArea(um2: number): string {
  if (!Number.isFinite(um2)) return '—';
  if (um2 < 1e5) return `${Math.round(um2).toLocaleString('en-US')} µm²`;
  return `${sig(um2 / 1e6)} mm²`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${sig(ms)} ms`;
  if (ms < 60_000) return `${sig(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

export { percent as formatPercent } from '../core/percent';

/** A tick label for a chart axis: compact (10k, 2.5M), no long fractions. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${sig(value / 1e9)}G`;
  if (abs >= 1e6) return `${sig(value / 1e6)}M`;
  if (abs >= 1e4) return `${sig(value / 1e3)}k`;
  if (abs < 1e-2) return value.toExponential(0).replace('e+', 'e');
  return sig(value, 3);
}
