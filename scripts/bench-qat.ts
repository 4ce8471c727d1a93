/**
 * QAT throughput as a ratio to plain float training of the same model on the same backend, in
 * the same process: for each case the float run and the QAT run alternate (float, qat, qat,
 * float, ...) so that load from other processes hits both alike, and the first steps of every run
 * (kernel set-up, optimizer slots) are left out of the timing. Prints one JSON line per case:
 * {"backend","model","scheme","batch","floatSps","qatSps","ratio"} (samples/s are medians over the
 * runs, ratio is the median of the per-pair ratios), then a table.
 *
 * Run with `npx tsx scripts/bench-qat.ts` (or `npm run bench:qat`). Options (all optional):
 *   --backends=wasm,cpu     --models=mlp1,lenet   --batches=32,128
 *   --schemes=lightnn-1,fixed-4 (ids below)      --rounds=7 (float/qat pairs per case)
 *   --samples=N (training images per mlp1 run; default 2048 on wasm, 512 on cpu; at least 6 batches)
 *   --lenet-batches=8 --lenet-samples=48 --lenet-rounds=1
 * lenet is slow on cpu (a few samples/s), so its runs are small; pass --models=mlp1 to skip it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultConfig, disposeNetwork, runConfig, type Config, type ActivationScheme, type WeightScheme } from '../src/tf';
import { useNodeBackend, type NodeBackend } from '../src/tf/tfNode';
import { loadMnistFromPackage } from '../tests/helpers/mnist';

interface SchemeCase {
  id: string;
  weights: WeightScheme;
  activations: ActivationScheme;
}

const SCHEMES: SchemeCase[] = [
  { id: 'float32', weights: { kind: 'float32' }, activations: { kind: 'relu' } },
  { id: 'fixed-4', weights: { kind: 'fixed', bits: 4 }, activations: { kind: 'relu' } },
  { id: 'fixed-8', weights: { kind: 'fixed', bits: 8 }, activations: { kind: 'relu' } },
  { id: 'minifloat-E4M3', weights: { kind: 'minifloat', exponentBits: 4, mantissaBits: 3 }, activations: { kind: 'relu' } },
  { id: 'lightnn-1', weights: { kind: 'lightnn', k: 1 }, activations: { kind: 'relu' } },
  { id: 'lightnn-2', weights: { kind: 'lightnn', k: 2 }, activations: { kind: 'relu' } },
  { id: 'lightnn-1-stochastic', weights: { kind: 'lightnn', k: 1, rounding: 'stochastic' }, activations: { kind: 'relu' } },
  { id: 'binary-none', weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'relu' } },
  { id: 'binary-l1', weights: { kind: 'binary', scale: 'l1' }, activations: { kind: 'relu' } },
  { id: 'lightnn-1-bin', weights: { kind: 'lightnn', k: 1 }, activations: { kind: 'sign' } },
  { id: 'binarynet', weights: { kind: 'binary', scale: 'none' }, activations: { kind: 'sign' } },
];

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : fallback;
}
const list = (name: string, fallback: string) => option(name, fallback).split(',').map((s) => s.trim()).filter(Boolean);

const backends = list('backends', 'wasm,cpu') as NodeBackend[];
const models = list('models', 'mlp1,lenet') as Config['model'][];
const batches = list('batches', '32,128').map(Number);
const schemeIds = list('schemes', SCHEMES.map((s) => s.id).join(','));
const rounds = Number(option('rounds', '7'));
const samplesOption = option('samples', '');
const samplesFor = (backend: NodeBackend) => (samplesOption ? Number(samplesOption) : backend === 'wasm' ? 2048 : 512);
const lenetBatches = list('lenet-batches', '8').map(Number);
const lenetSamples = Number(option('lenet-samples', '48'));
const lenetRounds = Number(option('lenet-rounds', '1'));
/** Steps at the start of every run left out of the timing. */
const SKIP_STEPS = 2;

const unknown = schemeIds.filter((id) => !SCHEMES.some((s) => s.id === id));
if (unknown.length) throw new Error(`unknown scheme ids: ${unknown.join(', ')} (known: ${SCHEMES.map((s) => s.id).join(', ')})`);
const schemes = SCHEMES.filter((s) => schemeIds.includes(s.id));

const data = loadMnistFromPackage();

/** Training ms and samples of one run, after its first SKIP_STEPS steps. */
async function timedRun(config: Config): Promise<{ ms: number; samples: number }> {
  let skippedMs = 0;
  let skippedSamples = 0;
  let totalMs = 0;
  let totalSamples = 0;
  const outcome = await runConfig(config, data, {
    yieldToEvents: async () => {},
    onBatch: (m) => {
      // trainingMs so far = samplesDone / samplesPerSec (train() measures the steps only).
      const ms = (m.samplesDone / m.samplesPerSec) * 1000;
      if (m.step === SKIP_STEPS) {
        skippedMs = ms;
        skippedSamples = m.samplesDone;
      }
      totalMs = ms;
      totalSamples = m.samplesDone;
    },
  });
  disposeNetwork(outcome.network);
  return { ms: totalMs - skippedMs, samples: totalSamples - skippedSamples };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Whole samples/s, or two decimals below 100 (lenet on cpu trains a few samples/s). */
const roundSps = (sps: number): number => (sps >= 100 ? Math.round(sps) : +sps.toFixed(2));

interface Row {
  backend: string;
  model: string;
  scheme: string;
  batch: number;
  floatSps: number;
  qatSps: number;
  ratio: number;
}
const rows: Row[] = [];

for (const backend of backends) {
  await useNodeBackend(backend);
  for (const model of models) {
    const lenet = model === 'lenet';
    const caseRounds = lenet ? lenetRounds : rounds;
    for (const batch of lenet ? lenetBatches : batches) {
      // At least 4 timed steps per run.
      const trainSize = Math.max(lenet ? lenetSamples : samplesFor(backend), (SKIP_STEPS + 4) * batch);
      const base: Config = { ...defaultConfig(), model, trainSize, testSize: 100, epochs: 1, batch, backend };
      const floatConfig: Config = { ...base, training: 'float' };
      // Warm-up: float runs per (backend, model, batch), so kernels and memory are set up.
      for (let i = 0; i < (lenet ? 1 : 2); i++) await timedRun(floatConfig);
      for (const s of schemes) {
        const qatConfig: Config = { ...base, training: 'qat', weights: s.weights, activations: s.activations };
        await timedRun(qatConfig); // warm-up of this scheme's kernels
        // Pairs of runs, the order alternating (float first, then QAT first, ...); the ratio is the
        // median of the pairs' ratios, so a burst of load from another process skews one pair only.
        const floatSps: number[] = [];
        const qatSps: number[] = [];
        for (let r = 0; r < caseRounds; r++) {
          const order = r % 2 === 0 ? (['float', 'qat'] as const) : (['qat', 'float'] as const);
          for (const key of order) {
            const t = await timedRun(key === 'float' ? floatConfig : qatConfig);
            (key === 'float' ? floatSps : qatSps).push(t.samples / (t.ms / 1000));
          }
        }
        const ratios = floatSps.map((f, i) => qatSps[i] / f);
        const row: Row = {
          backend,
          model,
          scheme: s.id,
          batch,
          floatSps: roundSps(median(floatSps)),
          qatSps: roundSps(median(qatSps)),
          ratio: +median(ratios).toFixed(3),
        };
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
  }
}

console.log(`\ntensors left: ${tf.memory().numTensors}`);
console.log('\nQAT / float throughput ratio');
const columns = [...new Set(rows.map((r) => `${r.backend} ${r.model} b${r.batch}`))];
console.log(['scheme'.padEnd(22), ...columns.map((c) => c.padEnd(18))].join(''));
for (const s of schemes) {
  const cells = columns.map((c) => {
    const r = rows.find((x) => `${x.backend} ${x.model} b${x.batch}` === c && x.scheme === s.id);
    return (r ? r.ratio.toFixed(2) : '-').padEnd(18);
  });
  console.log([s.id.padEnd(22), ...cells].join(''));
}
process.exit(0);
