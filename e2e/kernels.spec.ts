/**
 * kernels.html in headless Chromium (SwiftShader WebGPU): the WGSL kernels on TF.js's own WebGPU
 * device, bit for bit against the CPU reference, and a trained model through runOnKernels (the
 * worker's code path) without the main app.
 */
import { expect, test, type Page } from '@playwright/test';
import type { BenchSummary, ExactSummary, KernelResults, ModelSummary } from '../src/kernels-page/shared';

async function results(page: Page, url: string, timeout: number): Promise<KernelResults> {
  const console: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') console.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__kernelResults !== undefined, undefined, { timeout, polling: 500 });
  const r = (await page.evaluate(() => window.__kernelResults)) as KernelResults;
  expect('error' in r ? r.error : '', `page error; console errors:\n${console.join('\n')}`).toBe('');
  return r;
}

test('every weight format is bit-exact on TF.js\'s WebGPU device, odd shapes included', async ({ page }) => {
  test.setTimeout(240_000);
  const r = (await results(page, '/kernels.html?suite=exact', 220_000)) as ExactSummary;
  expect(r.suite).toBe('exact');
  expect(r.adapter).toContain('tfjs-backend-webgpu device');
  const failed = r.cases.filter((c) => !c.bitExact).map((c) => `${c.name} (${c.output}, ${c.outputsPerThread}/thread): ${c.firstMismatch}`);
  expect(failed).toEqual([]);
  expect(r.uncapturedErrors).toEqual([]);
  expect(r.passed).toBe(r.total);
  // 8 formats x 5 shapes x 2 thread layouts, and 3 whole MLPs.
  expect(r.cases.filter((c) => c.kind === 'dense')).toHaveLength(80);
  expect(r.cases.filter((c) => c.kind === 'mlp')).toHaveLength(3);
  expect(r.formats).toEqual(['LightNN-1', 'LightNN-2', 'LightNN-3', 'fixed-2', 'fixed-4', 'fixed-8', 'BinaryConnect', 'BinaryNet']);
  for (const shape of ['1x1x1', '7x33x10', '64x784x100', '3x100x10', '130x300x257']) expect(r.shapes).toContain(shape);
  // The odd shapes really ran, in every format, with every output stage somewhere.
  const ran = (b: number, i: number, u: number) => r.cases.filter((c) => c.kind === 'dense' && c.batch === b && c.inputs === i && c.units === u);
  expect(ran(1, 1, 1)).toHaveLength(16);
  expect(ran(7, 33, 10)).toHaveLength(16);
  expect(ran(130, 300, 257)).toHaveLength(16);
  expect(new Set(ran(130, 300, 257).map((c) => c.format)).size).toBe(8);
  for (const stage of ['logits', 'requant', 'sign', 'threshold']) expect(r.cases.some((c) => c.output.startsWith(stage))).toBe(true);
  await expect(page.getByTestId('kernels-status')).toHaveText('done: exact');
  await expect(page.getByTestId('exact-table').locator('td.bad')).toHaveCount(0);
});

test('the benchmark suite: dense and lenet conv cases, each checked against the reference, no tensors left', async ({ page }) => {
  test.setTimeout(120_000);
  // Timings are printed by `npm run bench:kernels`, never asserted; this checks what the bench measures is right.
  const url = '/kernels.html?suite=bench&shapes=100x10&convs=conv1,conv2&batches=3&formats=lightnn-2,fixed-4,binaryconnect,binarynet&targetMs=10&maxLaunches=2';
  const r = (await results(page, url, 100_000)) as BenchSummary;
  expect(r.suite).toBe('bench');
  expect(r.uncapturedErrors).toEqual([]);
  expect(r.cases.map((c) => `${c.case} ${c.scheme}`)).toEqual(
    ['100x10', 'conv1 28x28x1 5x5x20', 'conv2 12x12x20 5x5x50'].flatMap((name) => ['LightNN-2', 'fixed-4', 'BinaryConnect', 'BinaryNet'].map((s) => `${name} ${s}`)),
  );
  for (const c of r.cases) {
    expect(c.bitExact, `${c.case} ${c.scheme}`).toBe(true);
    expect(c.checkedRows).toBe(3);
    expect(c.ms).toBeGreaterThan(0);
    expect(c.floatMs).toBeGreaterThan(0);
    // The report rounds the speedup to three significant digits (at most 0.5 %) and the times to four.
    expect(Math.abs(c.speedup - c.floatMs / c.ms)).toBeLessThanOrEqual(0.006 * (c.floatMs / c.ms));
    // Only conv cases carry the float matMul of the same MACs.
    expect(c.floatMatMulMs === undefined).toBe(c.case === '100x10');
  }
  // Packed bytes: conv2 is 50 filters of fan-in 5*5*20 = 500, each filter's weights starting a new u32:
  // LightNN-2 8 bits a weight (125 words), fixed-4 4 bits (63 words), BinaryConnect 1 bit (16 words).
  const bytes = (scheme: string) => r.cases.find((c) => c.case.startsWith('conv2') && c.scheme === scheme)!.weightBytes;
  expect(bytes('LightNN-2')).toBe(25_000);
  expect(bytes('fixed-4')).toBe(12_600);
  expect(bytes('BinaryConnect')).toBe(3_200);
  await expect(page.getByTestId('kernels-status')).toHaveText('done: bench');
  await expect(page.locator('p.bad')).toHaveCount(0);
});

test('a trained LightNN-1 mlp1 runs through runOnKernels: accuracy, storage, timings', async ({ page }) => {
  test.setTimeout(300_000);
  const r = (await results(page, '/kernels.html?suite=model', 280_000)) as ModelSummary;
  const report = r.report;
  console.info(
    `[kernels.e2e] int ${report.intAccuracy} tf ${report.tfAccuracy} ptq ${report.ptqAccuracy} agreement ${report.agreement} ` +
      `train ${Math.round(r.trainMs)} ms, run ${Math.round(report.ms)} ms; ${report.timingMethod}`,
  );
  expect(r.config).toMatchObject({ model: 'mlp1', trainSize: 1000, testSize: 500, epochs: 1, weights: { kind: 'lightnn', k: 1 } });
  expect(report.testCount).toBe(500);
  // A model that learned something (1000 images, 1 epoch).
  expect(report.tfAccuracy).toBeGreaterThan(0.6);
  expect(report.tfAccuracy).toBe(report.ptqAccuracy);
  expect(Math.abs(report.intAccuracy - report.tfAccuracy) * 100).toBeLessThanOrEqual(1);
  expect(report.agreement).toBeGreaterThanOrEqual(0.99);

  // Packed bytes on the GPU = the storage model (4 bits per LightNN-1 weight) plus the unused
  // fields of the last word row; 784 inputs fill whole words, 100 inputs leave 4 of 8 fields.
  expect(report.layers.map((l) => [l.name, l.inputs, l.units, l.format, l.bitsPerWeight, l.fieldBits])).toEqual([
    ['hidden1', 784, 100, 'LightNN-1', 4, 4],
    ['output', 100, 10, 'LightNN-1', 4, 4],
  ]);
  for (const l of report.layers) {
    expect(l.packedBytes).toBe(l.packedWords * 4);
    expect(l.packedBytes).toBe(l.storageModelBytes + l.fieldPaddingBytes + l.tailPaddingBytes);
    expect(l.fieldPaddingBytes).toBe(0);
  }
  const [hidden, out] = report.layers;
  expect(hidden.packedBytes).toBe(39_200);
  expect(hidden.storageModelBytes).toBe(39_200);
  expect(hidden.matchesStorageModel).toBe(true);
  expect(out.storageModelBytes).toBe(500);
  expect(out.packedBytes).toBe(520); // ceil(100 / 8) = 13 word rows x 10 units x 4 bytes
  expect(out.tailPaddingBytes).toBe(20);

  // Per-layer timings at batch 256 and 1.
  for (const l of report.layers) {
    expect(l.timings.map((t) => t.batch)).toEqual([256, 1]);
    for (const t of l.timings) {
      expect(t.msPerLaunch).toBeGreaterThan(0);
      expect(t.msPerImage).toBeCloseTo(t.msPerLaunch / t.batch, 12);
      expect(t.launches).toBeGreaterThanOrEqual(1);
    }
  }
  expect(report.fullPassMsPerImage).toBeGreaterThan(0);
  // Nothing left behind: runOnKernels frees its tensors; the network was disposed after it.
  expect(report.tensorsAfter).toBe(report.tensorsBefore);
  expect(r.uncapturedErrors).toEqual([]);
  await expect(page.getByTestId('kernels-status')).toHaveText('done: model');
  await expect(page.getByTestId('model-storage')).toContainText('39,200');
});
