/**
 * Backends: `auto` measures (in a worker of its own, after the page is usable), remembers per device
 * and model, and yields to a run; a manual choice wins; the page is cross-origin isolated so WASM runs
 * its threaded build (and says why not when it is not); lenet trains on WASM in the page.
 */
import { expect, test, type Page } from '@playwright/test';
import { openReady, resetWorker, storeState, trainToDone, waitReady, workerTensors } from './helpers';

interface AutoState {
  status: string;
  choice: string | null;
  tensorsLeft: number;
  results: { backend: string; samplesPerSec: number | null; note: string | null }[];
}
const autoState = (page: Page) => storeState<AutoState | null>(page, 'store', 'auto');
const MEASURED = /^ · auto: (WASM|WebGPU|WebGL|CPU)( \(\d+ threads?\))?, [\d,]+ samples\/s/;

test('backend=auto starts at once, measures after the page is usable, shows the numbers, and remembers them', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=500&testSize=200&epochs=1');
  // Usable before anything was measured: auto starts on WASM.
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await expect(page.getByTestId('backend-auto')).toContainText('auto: measuring the backends');

  await expect(page.getByTestId('backend-auto')).toHaveText(MEASURED, { timeout: 150_000 });
  const measured = (await autoState(page))!;
  expect(measured.status).toBe('measured');
  // Each backend's measurement returned its worker to the tensor count it started from.
  expect(measured.tensorsLeft).toBe(0);
  expect(measured.results.map((r) => r.backend)).toContain('wasm');
  expect(measured.results.find((r) => r.backend === 'wasm')!.samplesPerSec).toBeGreaterThan(0);
  // Every backend tried is named with its number or why it has none.
  for (const r of measured.results) expect(r.samplesPerSec !== null || (r.note ?? '').length > 0).toBe(true);
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveText(measured.choice!);
  console.log(`[auto] ${await page.getByTestId('backend-auto').textContent()}`);

  // The next visit starts on the remembered choice and does not measure again.
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveText(measured.choice!);
  await expect(page.getByTestId('backend-auto')).toContainText(/\(measured [\d/]+\)/);
  expect((await autoState(page))!.status).toBe('remembered');

  // Re-measure on request.
  await page.getByTestId('backend-remeasure').click();
  await expect(page.getByTestId('backend-auto')).toContainText('measuring');
  await expect(page.getByTestId('backend-auto')).toHaveText(MEASURED, { timeout: 150_000 });
});

test('a run pressed during the measurement wins: the measurement stops, the run stays on its backend', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=2000&testSize=200&epochs=1');
  const baseline = await workerTensors(page);
  await expect(page.getByTestId('backend-auto')).toContainText('measuring');
  await trainToDone(page);
  await expect(page.getByTestId('result-details')).toContainText('on wasm');
  expect((await autoState(page))!.status).toBe('interrupted');
  await expect(page.getByTestId('backend-auto')).toContainText('gave way to a run');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  // The measurement ran in a worker of its own: the training worker holds only its own tensors.
  expect(await resetWorker(page)).toBe(baseline);
});

test('a remembered choice is where auto starts; a manual choice wins and measures nothing', async ({ page }) => {
  await openReady(page, '/?model=lenet&backend=wasm');
  await expect(page.getByTestId('backend-auto')).toHaveCount(0);
  // A manual choice never measures.
  await page.waitForTimeout(1000);
  expect(await autoState(page)).toBeNull();

  // A previous visit measured WebGL fastest for lenet on this device.
  await page.goto('/?model=mlp1');
  await waitReady(page);
  const key = await page.evaluate(() => localStorage.getItem('qp-auto-backend-device'));
  expect(key).toBeTruthy();
  await page.evaluate((k) => {
    const results = [
      { backend: 'webgl', samplesPerSec: 900, adapter: 'WebGL', emulated: false, threads: null, steps: 5, warmupMs: 100, note: null },
      { backend: 'wasm', samplesPerSec: 200, adapter: 'SIMD', emulated: false, threads: 2, steps: 5, warmupMs: 50, note: null },
    ];
    localStorage.setItem('qp-auto-backend', JSON.stringify({ [`${k}|lenet`]: { choice: 'webgl', results, batch: 32, measuredAt: Date.now() } }));
  }, key);
  await page.goto('/?model=lenet');
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveText('webgl');
  await expect(page.getByTestId('backend-auto')).toHaveText(/auto: WebGL, 900 samples\/s; WASM 200 \(2 threads\) \(measured/);
  expect((await autoState(page))!.status).toBe('remembered');
});

test('the page is cross-origin isolated, fetches nothing cross-origin, and WASM runs its threaded build', async ({ page }) => {
  const origins = new Set<string>();
  page.on('request', (request) => origins.add(new URL(request.url()).origin));
  await openReady(page, '/?backend=wasm');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // TF.js's default: half the logical cores, at least one; the badge says why when that is one.
  const threads = Number(await page.getByTestId('backend-threads').getAttribute('data-threads'));
  expect(threads).toBe(Math.max(1, Math.floor(cores / 2)));
  if (threads === 1) await expect(page.locator('.backend-badge')).toHaveAttribute('title', /half the logical cores/);
  // Blob URLs (the WASM threads' workers) are the page's own.
  expect([...origins].filter((o) => o !== new URL(page.url()).origin && o !== 'null')).toEqual([]);

  // Asked for two (as auto does when it measures), the threaded build runs two, and trains.
  await page.evaluate(() => localStorage.setItem('qp-wasm-threads', '2'));
  await openReady(page, '/?backend=wasm&trainSize=500&testSize=200&epochs=1');
  const two = Math.min(2, cores);
  await expect(page.getByTestId('backend-threads')).toHaveText(`, ${two} ${two === 1 ? 'thread' : 'threads'}`);
  console.log(`[threads] ${cores} logical cores; WASM on ${threads} by default, ${two} when asked`);
  await trainToDone(page);
});

test('without the isolation headers WASM runs on one thread and the page says why', async ({ page }) => {
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  await openReady(page, '/?backend=wasm');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await expect(page.getByTestId('backend-threads')).toHaveText(', 1 thread');
  await expect(page.locator('.backend-badge')).toHaveAttribute('title', /not cross-origin isolated/);
  await page.getByTestId('section-tab-training').click();
  await expect(page.getByTestId('backend-threads-note')).toContainText('Cross-Origin-Embedder-Policy: require-corp');
});

test('lenet trains on WASM in the page, and its tensors are freed', async ({ page }) => {
  await openReady(page, '/?model=lenet&backend=wasm&trainSize=256&testSize=200&epochs=1&batch=32');
  await expect(page.getByTestId('training-warning')).toHaveCount(0);
  const baseline = await workerTensors(page);
  await trainToDone(page, 150_000);
  await expect(page.getByTestId('result-details')).toContainText('on wasm');
  const accuracy = Number(await page.getByTestId('test-accuracy').textContent());
  // 256 images, one epoch: well above chance (10%), far from trained.
  expect(accuracy).toBeGreaterThan(20);
  const speed = await page.evaluate(() => (window as any).__playground.store.getState().result.samplesPerSec as number);
  console.log(`[lenet] WASM in the page: ${Math.round(speed)} samples/s, ${accuracy}% after 256 images`);
  expect(await resetWorker(page)).toBe(baseline);
});
