/**
 * Measures, on this machine: time to the first interactive page (backend=auto against
 * backend=wasm), MNIST load time, and training throughput (samples/s) of mlp1 and lenet on every
 * TF.js backend, in the real page (headless Chromium, the app's own worker; WASM also on one
 * thread) and in Node (wasm, cpu); then what `auto` chooses there (the page's own measurement,
 * src/worker/backendProbe.ts, and the same probe in Node) and how its pick compares with the
 * fastest full run. Prints one JSON line per case and the tables. Run with `npm run bench:train`
 * (it builds first); `tsx scripts/bench-train.ts startup,auto` runs some parts only (node, startup,
 * auto, runs).
 */
import type { BrowserContext, Page } from '@playwright/test';
import { withBuiltPage } from './builtPage';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend, type BackendName, type ProbeResult } from '../src/core/autoBackend';
import { createNetwork, disposeNetwork, selectTestSubset, selectTrainingSubset, train } from '../src/tf';
import { useNodeBackend } from '../src/tf/tfNode';
import { probeBackends } from '../src/worker/backendProbe';
import { loadMnistFromPackage } from '../tests/helpers/mnist';

const PORT = 4174;
const PARTS = new Set((process.argv[2] ?? 'node,startup,auto,runs').split(','));
const DIST = process.env.DIST ?? 'dist';
const BATCH = 128;
const SIZES: Record<string, Record<string, number>> = {
  // Training images per case: enough for a few seconds on each backend here.
  mlp1: { webgpu: 4096, webgl: 8192, wasm: 16384, cpu: 4096 },
  lenet: { webgpu: 512, webgl: 1024, wasm: 256, cpu: 512 },
};

interface Row {
  where: 'browser' | 'node';
  /** A TF.js backend; WASM as 'wasm-<threads>t' (its default thread count, and the other one auto measures). */
  backend: string;
  model: string;
  samples: number;
  samplesPerSec: number | null;
  note?: string;
}

const rows: Row[] = [];
function report(row: Row) {
  rows.push(row);
  console.log(JSON.stringify(row));
}

async function nodeCases() {
  const data = loadMnistFromPackage();
  for (const backend of ['wasm', 'cpu'] as const) {
    await useNodeBackend(backend);
    for (const model of ['mlp1', 'lenet'] as const) {
      const samples = SIZES[model][backend];
      const net = createNetwork({ model }, 1);
      try {
        const r = await train(
          net,
          { train: selectTrainingSubset(data.train, samples, 1), test: selectTestSubset(data.test, 100) },
          { epochs: 1, batch: BATCH, lr: 0.002, optimizer: 'adam', momentum: 0.9, dataSeed: 1 },
        );
        report({ where: 'node', backend, model, samples, samplesPerSec: Math.round(r.samplesPerSec) });
      } catch (error) {
        report({ where: 'node', backend, model, samples, samplesPerSec: null, note: (error as Error).message.slice(0, 120) });
      } finally {
        disposeNetwork(net);
      }
    }
  }
  console.log(`node tensors left: ${tf.memory().numTensors}`);
}

interface AutoCase {
  where: 'browser' | 'node';
  model: string;
  autoChoice: string | null;
  probe: { backend: string; threads?: number | null; samplesPerSec: number | null; note: string | null }[];
}
const autoCases: AutoCase[] = [];
function reportAuto(c: AutoCase) {
  autoCases.push(c);
  console.log(JSON.stringify({ case: 'auto', ...c }));
}
const brief = (results: ProbeResult[]) => results.map((r) => ({ backend: r.backend, threads: r.threads, samplesPerSec: r.samplesPerSec === null ? null : Math.round(r.samplesPerSec), note: r.note }));

/** The page's probe code in Node, where only wasm and cpu exist (both timed: the choice is between them). */
async function nodeAuto() {
  for (const model of ['mlp1', 'lenet'] as const) {
    const before = tf.memory().numTensors;
    const report = await probeBackends({
      active: 'wasm',
      candidates: ['wasm', 'cpu'],
      activate: async (name: BackendName) => {
        await useNodeBackend(name as 'wasm' | 'cpu');
        return { adapter: name, emulated: false, threads: name === 'wasm' ? 1 : null };
      },
      model: { model },
      training: { batch: BATCH, lr: 0.002, optimizer: 'adam', momentum: 0.9 },
    });
    await useNodeBackend('wasm');
    reportAuto({ where: 'node', model, autoChoice: chooseBackend(report.results, { backend: 'wasm', threads: 1 })?.backend ?? null, probe: brief(report.results) });
    if (tf.memory().numTensors !== before) console.log(`node probe left ${tf.memory().numTensors - before} tensors`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function waitForText(page: Page, testId: string, pattern: RegExp, timeout: number) {
  await page.getByTestId(testId).filter({ hasText: pattern }).waitFor({ timeout });
}

/** The page's auto measurement once it has ended (measured, or failed). */
async function waitForAuto(page: Page, timeout: number): Promise<{ status: string; choice: string | null; threads: number | null; results: ProbeResult[] }> {
  await page.waitForFunction(() => {
    const auto = (window as any).__playground.store.getState().auto;
    return auto && auto.status !== 'measuring';
  }, undefined, { timeout, polling: 500 });
  return page.evaluate(() => (window as any).__playground.store.getState().auto);
}

async function browserCases() {
  await withBuiltPage(PORT, DIST, async (browser, origin) => {
    const base = `${origin}/`;

    // Startup, first visit (fresh context): knobs rendered (interactiveMs), then Train enabled with the
    // backend and MNIST loaded (readyMs); auto and wasm alternate so both see the same load.
    const startup: Record<string, number[]> = { auto: [], wasm: [] };
    for (let i = 0; PARTS.has('startup') && i < 8; i++) {
      for (const backend of ['auto', 'wasm']) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const t0 = Date.now();
        await page.goto(`${base}?backend=${backend}`);
        await page.getByTestId('knob-epochs').waitFor({ state: 'visible' });
        const interactiveMs = Date.now() - t0;
        await waitForText(page, 'status', /^ready$/, 120_000);
        await page.getByTestId('train-button').waitFor({ state: 'visible' });
        const readyMs = Date.now() - t0;
        startup[backend].push(readyMs);
        const state = await page.evaluate(() => (window as any).__playground.store.getState());
        console.log(
          JSON.stringify({ case: 'startup', choice: backend, run: i + 1, interactiveMs, readyMs, backend: state.backend.name, threads: state.backend.threads, dataLoadMs: Math.round(state.data.loadMs), dataMB: +(state.data.compressedBytes / 1e6).toFixed(1) }),
        );
        await context.close();
      }
    }
    if (PARTS.has('startup')) {
      const autoReady = median(startup.auto);
      const wasmReady = median(startup.wasm);
      console.log(JSON.stringify({ case: 'startup-median', autoReadyMs: autoReady, wasmReadyMs: wasmReady, ratio: +(autoReady / wasmReady).toFixed(2), goal: '<= 1.2' }));
    }

    // What auto measures and picks in the page, at the bench's batch size (a fresh context: nothing remembered).
    for (const model of PARTS.has('auto') ? ['mlp1', 'lenet'] : []) {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${base}?model=${model}&batch=${BATCH}`);
        await waitForText(page, 'status', /^ready$/, 120_000);
        const auto = await waitForAuto(page, 300_000);
        // WASM's rows below are per thread count.
        const threads = auto.results.find((r) => r.backend === 'wasm' && (auto.threads === null || r.threads === auto.threads))?.threads;
        const choice = auto.choice === 'wasm' ? `wasm-${threads}t` : auto.choice;
        reportAuto({ where: 'browser', model, autoChoice: choice, probe: brief(auto.results) });
      } catch (error) {
        reportAuto({ where: 'browser', model, autoChoice: null, probe: [{ backend: 'none', samplesPerSec: null, note: (error as Error).message.split('\n')[0].slice(0, 160) }] });
      } finally {
        await context.close();
      }
    }

    // WASM twice: at its default thread count (TF.js's: half the logical cores), then at the other count
    // auto measures (one thread when the default is more, else two).
    let defaultThreads = 1;
    for (const backend of PARTS.has('runs') ? ['webgpu', 'webgl', 'wasm', 'wasm-other', 'cpu'] : []) {
      for (const model of ['mlp1', 'lenet']) {
        const tfBackend = backend === 'wasm-other' ? 'wasm' : backend;
        const samples = SIZES[model][tfBackend];
        const context: BrowserContext = await browser.newContext();
        const page = await context.newPage();
        if (backend === 'wasm-other') await page.addInitScript((threads) => localStorage.setItem('qp-wasm-threads', threads), String(defaultThreads > 1 ? 1 : 2));
        try {
          await page.goto(`${base}?model=${model}&backend=${tfBackend}&trainSize=${samples}&testSize=100&epochs=1&batch=${BATCH}`);
          await waitForText(page, 'status', /^(ready|error)/, 120_000);
          const active = await page.getByTestId('backend').textContent();
          if (active !== tfBackend) throw new Error(`backend ${tfBackend} unavailable (got ${active})`);
          await page.getByTestId('train-button').click();
          await waitForText(page, 'status', /^(done|error)/, 300_000);
          const state = await page.evaluate(() => (window as any).__playground.store.getState());
          if (state.phase === 'error') throw new Error(state.error);
          if (backend === 'wasm') defaultThreads = state.backend.threads;
          const name = tfBackend === 'wasm' ? `wasm-${state.backend.threads}t` : backend;
          report({ where: 'browser', backend: name, model, samples, samplesPerSec: Math.round(state.result.samplesPerSec) });
        } catch (error) {
          report({ where: 'browser', backend, model, samples, samplesPerSec: null, note: (error as Error).message.split('\n')[0].slice(0, 160) });
        } finally {
          await context.close();
        }
      }
    }
  });
}

if (PARTS.has('node')) {
  await nodeCases();
  await nodeAuto();
}
await browserCases();
console.log(`\nsamples/s, batch ${BATCH} (n/a: see the JSON line; wasm-Nt: WASM on N threads)`);
console.log('where    backend  mlp1     lenet');
for (const where of ['browser', 'node'] as const) {
  for (const backend of [...new Set(rows.filter((r) => r.where === where).map((r) => r.backend))]) {
    const cell = (model: string) => {
      const r = rows.find((x) => x.where === where && x.backend === backend && x.model === model);
      return r ? String(r.samplesPerSec ?? 'n/a').padEnd(8) : null;
    };
    if (cell('mlp1') === null) continue;
    console.log(`${where.padEnd(8)} ${backend.padEnd(8)} ${cell('mlp1')} ${cell('lenet')}`);
  }
}

// auto's pick against the fastest full run of the same model (the backends auto can choose from).
console.log('\nauto: its pick, and its full-run speed over the fastest full run (goal >= 0.9)');
for (const c of autoCases) {
  const runs = rows.filter((r) => r.where === c.where && r.model === c.model && r.samplesPerSec !== null);
  const fastest = runs.reduce<Row | null>((best, r) => (best === null || r.samplesPerSec! > best.samplesPerSec! ? r : best), null);
  const picked = runs.find((r) => r.backend === c.autoChoice);
  const ratio = picked && fastest ? +(picked.samplesPerSec! / fastest.samplesPerSec!).toFixed(2) : null;
  console.log(
    JSON.stringify({ where: c.where, model: c.model, autoChoice: c.autoChoice, autoSamplesPerSec: picked?.samplesPerSec ?? null, fastest: fastest?.backend ?? null, fastestSamplesPerSec: fastest?.samplesPerSec ?? null, ratio }),
  );
}
process.exit(0);
