/**
 * `seed001`: minifloat weights (sign + E exponent + M mantissa bits) on one trained float model,
 * post-training (no retraining), with the default bias 2^(E-1) - 1 and with a per-layer "auto bias"
 * that puts each layer's largest normal exponent at floor(log2(max |w|)). Compares where accuracy
 * collapses with our minimum-exponent-width formula (minExponentBits in schemes.ts), with and
 * without subnormals.
 */
import { autoBias, defaultMinifloatBias, disposeNetwork, evaluatePtq, minExponentBits, readWeights } from '../tf';
import type { ExponentRange, LayerOverride, MnistData, QuantConfig } from '../tf';
import type { Seed001Command } from './args';
import { formatDuration, markdownTable, percent, round, toCsv, writeResults, type Log } from './format';
import { trainFloatModel } from './run';
import { maxOf, minOf } from '../core/arrays';

export const EXPONENT_BITS = [2, 3, 4, 5, 6, 7, 8];
export const MANTISSA_BITS = [0, 1, 2, 3, 4, 5, 6, 7];
/**
 * Bias default or per-layer auto; with subnormals (the format's default) or flushing them ('-ftz').
 * Subnormals turn a too-narrow exponent into a fixed-point tail, which hides the collapse the
 * exponent formula predicts; flush-to-zero shows it.
 */
export const BIAS_MODES = ['default', 'auto', 'default-ftz', 'auto-ftz'] as const;
export type BiasMode = (typeof BIAS_MODES)[number];
const isAuto = (mode: BiasMode) => mode.startsWith('auto');
const hasSubnormals = (mode: BiasMode) => !mode.endsWith('-ftz');
/** "Within a hair of float32": the tolerance of the 10-bit claim, in percentage points. */
export const TOLERANCE_PP = 0.5;
export const MAX_TOTAL_BITS = 10;

export interface MinifloatCell {
  exponentBits: number;
  mantissaBits: number;
  totalBits: number;
  biasMode: BiasMode;
  /** The bias of each weight layer. */
  biases: number[];
  accuracy: number;
  /** Float accuracy minus this cell's, percentage points. */
  dropPP: number;
}

/** The PTQ config of one cell; auto bias is one `layers` override per weight layer. */
export function minifloatQuant(exponentBits: number, mantissaBits: number, biases: number[] | null, subnormals = true): QuantConfig {
  const base = { kind: 'minifloat' as const, exponentBits, mantissaBits, ...(subnormals ? {} : { subnormals: false }) };
  const layers: LayerOverride[] = biases === null ? [] : biases.map((bias, layer) => ({ layer, scheme: { ...base, bias } }));
  return { weights: base, activations: { kind: 'relu' }, inputBits: 8, layers };
}

/** Per exponent width, the fewest mantissa bits that stay within the tolerance (null: none up to 7). */
export function mantissaBitsNeeded(cells: MinifloatCell[], mode: BiasMode, tolerancePP = TOLERANCE_PP): Array<{ exponentBits: number; mantissaBits: number | null }> {
  return EXPONENT_BITS.map((e) => {
    const ok = cells.filter((c) => c.biasMode === mode && c.exponentBits === e && c.dropPP <= tolerancePP).map((c) => c.mantissaBits);
    return { exponentBits: e, mantissaBits: ok.length === 0 ? null : minOf(ok) };
  });
}

/** Smallest E whose accuracy at the widest mantissa stays within the tolerance (null if none). */
export function exponentBitsNeeded(cells: MinifloatCell[], mode: BiasMode, tolerancePP = TOLERANCE_PP): number | null {
  const widest = maxOf(MANTISSA_BITS);
  const ok = cells.filter((c) => c.biasMode === mode && c.mantissaBits === widest && c.dropPP <= tolerancePP).map((c) => c.exponentBits);
  return ok.length === 0 ? null : minOf(ok);
}

export function minifloatGridTable(cells: MinifloatCell[], mode: BiasMode): string {
  return markdownTable(
    ['E \\ M', ...MANTISSA_BITS.map(String)],
    EXPONENT_BITS.map((e) => [
      String(e),
      ...MANTISSA_BITS.map((m) => {
        const cell = cells.find((c) => c.biasMode === mode && c.exponentBits === e && c.mantissaBits === m)!;
        const text = (100 * cell.accuracy).toFixed(2);
        // Mark the cells the 10-bit claim is about: total bits <= 10 and within tolerance.
        return cell.totalBits <= MAX_TOTAL_BITS && cell.dropPP <= TOLERANCE_PP ? `**${text}**` : text;
      }),
    ]),
  );
}

export async function runSeed001(cmd: Seed001Command, data: MnistData, log: Log) {
  const started = performance.now();
  const { record: floatRecord, network, trainSet, testSet } = await trainFloatModel('seed001', cmd, data, log);
  const floatAccuracy = floatRecord.floatAccuracy;

  const cells: MinifloatCell[] = [];
  let layers: Array<{ name: string; weights: number } & ExponentRange>;
  let sweepMs: number;
  try {
    const weights = await readWeights(network);
    layers = weights.map((w) => ({ name: w.name, weights: w.kernel.length, ...minExponentBits(w.kernel) }));
    const sweepStart = performance.now();
    for (const mode of BIAS_MODES) {
      for (const exponentBits of EXPONENT_BITS) {
        const biases = isAuto(mode) ? weights.map((w) => autoBias(w.kernel, exponentBits)) : weights.map(() => defaultMinifloatBias(exponentBits));
        for (const mantissaBits of MANTISSA_BITS) {
          const q = minifloatQuant(exponentBits, mantissaBits, isAuto(mode) ? biases : null, hasSubnormals(mode));
          const { accuracy } = await evaluatePtq(network, q, testSet, trainSet);
          cells.push({
            exponentBits,
            mantissaBits,
            totalBits: 1 + exponentBits + mantissaBits,
            biasMode: mode,
            biases,
            accuracy,
            dropPP: round(100 * (floatAccuracy - accuracy), 2),
          });
        }
      }
    }
    sweepMs = performance.now() - sweepStart;
  } finally {
    disposeNetwork(network);
  }

  const modelEMin = maxOf(layers.map((l) => l.eMinBits));
  log(`\nPer-layer exponent range of the trained weights (our formula E_min = ceil(log2(e_max - e_min + 3))):\n`);
  log(
    markdownTable(
      ['Layer', 'Weights', 'e_max', 'e_min (1st pct)', 'E_min', 'auto bias at E_min'],
      layers.map((l) => [l.name, l.weights, l.eMax, l.eMin, l.eMinBits, l.autoBias]),
    ),
  );
  log(`model E_min (max over layers): ${modelEMin}`);
  for (const mode of BIAS_MODES) {
    log(`\nPTQ accuracy (%), ${mode} (${isAuto(mode) ? 'per-layer auto' : 'default'} bias, ${hasSubnormals(mode) ? 'subnormals' : 'flush to zero'}); float ${percent(floatAccuracy)}; bold: 1+E+M <= ${MAX_TOTAL_BITS} and within ${TOLERANCE_PP} pp:\n`);
    log(minifloatGridTable(cells, mode));
  }

  const summary = BIAS_MODES.map((mode) => {
    const withinTen = cells.filter((c) => c.biasMode === mode && c.totalBits <= MAX_TOTAL_BITS && c.dropPP <= TOLERANCE_PP);
    const within = cells.filter((c) => c.biasMode === mode && c.dropPP <= TOLERANCE_PP);
    const fewestBits = within.length === 0 ? null : minOf(within.map((c) => c.totalBits));
    const bestAtTen = cells
      .filter((c) => c.biasMode === mode && c.totalBits === MAX_TOTAL_BITS)
      .sort((a, b) => b.accuracy - a.accuracy)[0];
    const widest = maxOf(MANTISSA_BITS);
    return {
      biasMode: mode,
      cellsWithinToleranceAtMost10Bits: withinTen.map((c) => `E${c.exponentBits}M${c.mantissaBits}`),
      fewestTotalBitsWithinTolerance: fewestBits,
      fewestBitsCells: within.filter((c) => c.totalBits === fewestBits).map((c) => `E${c.exponentBits}M${c.mantissaBits}`),
      best10BitCell: bestAtTen ? { cell: `E${bestAtTen.exponentBits}M${bestAtTen.mantissaBits}`, accuracy: round(bestAtTen.accuracy), dropPP: bestAtTen.dropPP } : null,
      exponentBitsNeeded: exponentBitsNeeded(cells, mode),
      mantissaBitsNeeded: mantissaBitsNeeded(cells, mode),
      accuracyByExponentAtM7: EXPONENT_BITS.map((e) => ({ exponentBits: e, accuracy: round(cells.find((c) => c.biasMode === mode && c.exponentBits === e && c.mantissaBits === widest)!.accuracy) })),
    };
  });
  log('\nSummary:');
  for (const s of summary) {
    log(
      `  ${s.biasMode}: ${s.cellsWithinToleranceAtMost10Bits.length} cells with 1+E+M <= ${MAX_TOTAL_BITS} within ${TOLERANCE_PP} pp ` +
        `(${s.cellsWithinToleranceAtMost10Bits.join(', ') || 'none'}); fewest bits within ${TOLERANCE_PP} pp: ${s.fewestTotalBitsWithinTolerance ?? 'none'} ` +
        `(${s.fewestBitsCells.join(', ')}); best 10-bit cell ${s.best10BitCell?.cell} ${percent(s.best10BitCell?.accuracy ?? null)}; ` +
        `smallest E within ${TOLERANCE_PP} pp at M=7: ${s.exponentBitsNeeded ?? 'none'} (formula: ${modelEMin})`,
    );
    log(`    fewest M within ${TOLERANCE_PP} pp by E: ${s.mantissaBitsNeeded.map((n) => `E${n.exponentBits} ${n.mantissaBits ?? '-'}`).join(', ')}`);
    log(`    accuracy at M=7 by E: ${s.accuracyByExponentAtM7.map((a) => `E${a.exponentBits} ${percent(a.accuracy)}`).join(', ')}`);
  }
  log(`PTQ sweep: ${cells.length} cells in ${formatDuration(sweepMs)}`);

  const wallS = round((performance.now() - started) / 1000, 1);
  const json = {
    command: 'seed001',
    date: new Date().toISOString(),
    model: cmd.model,
    float: floatRecord,
    layers,
    modelEMin,
    tolerancePP: TOLERANCE_PP,
    summary,
    cells: cells.map((c) => ({ ...c, accuracy: round(c.accuracy) })),
    sweepMs: round(sweepMs, 1),
    wallS,
  };
  const csv = toCsv(
    ['exponent_bits', 'mantissa_bits', 'total_bits', 'bias_mode', 'biases', 'accuracy', 'drop_pp', 'float_accuracy'],
    cells.map((c) => [c.exponentBits, c.mantissaBits, c.totalBits, c.biasMode, c.biases.join(';'), round(c.accuracy), c.dropPP, round(floatAccuracy)]),
  );
  const { jsonPath, csvPath } = writeResults(cmd.out, json, csv);
  log(`\ntotal wall time ${formatDuration(wallS * 1000)}; wrote ${jsonPath} and ${csvPath}`);
  return json;
}
