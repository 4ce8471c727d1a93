/** Text output of the CLI: progress lines, durations, tables, CSV and the result files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchMetrics } from '../tf';

export type Log = (line: string) => void;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatProgress(m: BatchMetrics, epochs: number, label = ''): string {
  const percent = Math.floor((100 * m.batchInEpoch) / m.batchesPerEpoch);
  return (
    `${label ? `[${label}] ` : ''}epoch ${m.epoch}/${epochs}  batch ${percent}% (${m.batchInEpoch}/${m.batchesPerEpoch})  ` +
    `loss ${m.loss.toFixed(4)}  ${Math.round(m.samplesPerSec)} samples/s  ETA ${formatDuration(m.etaMs)}`
  );
}

/** An onBatch hook that prints a progress line at most every `intervalMs` (and never on the first call). */
export function progressPrinter(log: Log, epochs: number, label = '', intervalMs = 2000, now: () => number = () => performance.now()) {
  let last = now();
  return (m: BatchMetrics) => {
    const t = now();
    if (t - last >= intervalMs) {
      last = t;
      log(formatProgress(m, epochs, label));
    }
  };
}

export { percent } from '../core/percent';

/** RFC 4180 CSV: quote fields with commas, quotes or newlines. */
export function toCsv(header: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cell = (v: string | number | null | undefined) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Writes `<out>.json` and `<out>.csv`, creating the folder; returns the two paths. */
export function writeResults(out: string, json: unknown, csv: string): { jsonPath: string; csvPath: string } {
  const jsonPath = `${out}.json`;
  const csvPath = `${out}.csv`;
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(csvPath, csv);
  return { jsonPath, csvPath };
}

/** Rounds for JSON and CSV: enough digits to compare runs, not float noise. */
export const round = (x: number, digits = 4): number => Number(x.toFixed(digits));
