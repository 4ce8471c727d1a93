/**
 * Measures, on this machine: time to the first interactive page, MNIST load time, and training
 * throughput (samples/s) of mlp1 and lenet on every TF.js backend, in the real page (headless
 * Chromium, the app's own worker) and in Node (wasm, cpu). Prints one JSON line per case and a
 * table. Run with `npm run bench:train` (it builds first).
 */
import type { Page } from '@playwright/test';
import { withBuiltPage } from './builtPage';
import * as tf from '@tensorflow/tfjs-core';
import { createNetwork, disposeNetwork, selectTestSubset, selectTrainingSubset, train } from '../src/tf';
import { useNodeBackend } from '../src/tf/tfNode';
import { loadMnistFromPackage } from '../tests/helpers/mnist';

const PORT = 4174;
const DIST = process.env.DIST ?? 'dist';
const BATCH = 128;
const SIZES: Record<string, Record<string, number>> = {
  // Training images per case: enough for a few seconds on each backend here.
  mlp1: { webgpu: 4096, webgl: 8192, wasm: 16384, cpu: 4096 },
  lenet: { webgpu: 512, webgl: 1024, wasm: 256, cpu: 512 },
};

interface Row {
  where: 'browser' | 'node';
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

async function waitForText(page: Page, testId: string, pattern: RegExp, timeout: number) {
  await page.getByTestId(testId).filter({ hasText: pattern }).waitFor({ timeout });
}

async function browserCases() {
  await withBuiltPage(PORT, DIST, async (browser, origin) => {
    const base = `${origin}/`;

    // Startup: first interactive page (knobs rendered and usable), then backend + data ready.
    for (let i = 0; i < 3; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const t0 = Date.now();
      await page.goto(base);
      await page.getByTestId('knob-epochs').waitFor({ state: 'visible' });
      const interactiveMs = Date.now() - t0;
      await waitForText(page, 'status', /^ready$/, 120_000);
      const readyMs = Date.now() - t0;
      const state = await page.evaluate(() => (window as any).__playground.store.getState());
      console.log(
        JSON.stringify({ case: 'startup', run: i + 1, interactiveMs, readyMs, backend: state.backend.name, dataLoadMs: Math.round(state.data.loadMs), dataMB: +(state.data.compressedBytes / 1e6).toFixed(1) }),
      );
      await context.close();
    }

    for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) {
      for (const model of ['mlp1', 'lenet']) {
        const samples = SIZES[model][backend];
        const context = await browser.newContext();
        const page = await context.newPage();
        try {
          await page.goto(`${base}?model=${model}&backend=${backend}&trainSize=${samples}&testSize=100&epochs=1&batch=${BATCH}`);
          await waitForText(page, 'status', /^(ready|error)/, 120_000);
          const active = await page.getByTestId('backend').textContent();
          if (active !== backend) throw new Error(`backend ${backend} unavailable (got ${active})`);
          await page.getByTestId('train-button').click();
          await waitForText(page, 'status', /^(done|error)/, 300_000);
          const state = await page.evaluate(() => (window as any).__playground.store.getState());
          if (state.phase === 'error') throw new Error(state.error);
          report({ where: 'browser', backend, model, samples, samplesPerSec: Math.round(state.result.samplesPerSec) });
        } catch (error) {
          report({ where: 'browser', backend, model, samples, samplesPerSec: null, note: (error as Error).message.split('\n')[0].slice(0, 160) });
        } finally {
          await context.close();
        }
      }
    }
  });
}

await nodeCases();
await browserCases();
console.log('\nsamples/s, batch 128 (n/a: see the JSON line)');
console.log('where    backend  mlp1     lenet');
for (const where of ['browser', 'node'] as const) {
  for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) {
    const cell = (model: string) => {
      const r = rows.find((x) => x.where === where && x.backend === backend && x.model === model);
      return r ? String(r.samplesPerSec ?? 'n/a').padEnd(8) : null;
    };
    if (cell('mlp1') === null) continue;
    console.log(`${where.padEnd(8)} ${backend.padEnd(8)} ${cell('mlp1')} ${cell('lenet')}`);
  }
}
process.exit(0);
