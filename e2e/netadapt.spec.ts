import { expect, test, type Page } from '@playwright/test';
import { openReady, openSection, resetWorker, trainToDone, typeKnob, workerTensors } from './helpers';

/** A small LightNN-2 mlp1 (the kernels run it) trained in the page, on WASM. */
const SMALL = '/?model=mlp1&trainSize=500&testSize=200&epochs=1&weights=lightnn:k=2&activations=relu:bits=8&backend=wasm';

/** Opens "Adapt to a budget" and sets the resource, iterations and fine-tune batches. */
async function setUpAdapt(page: Page, iterations: number, batches: number) {
  await openSection(page, 'adapt');
  await page.getByTestId('adapt-resource-energy').click();
  await expect(page.getByTestId('adapt-resource')).toHaveAttribute('data-value', 'energy');
  await typeKnob(page, 'adapt-iterations', String(iterations));
  await typeKnob(page, 'adapt-finetune-batches', String(batches));
}

const trajectory = (page: Page, kind: string) => page.getByTestId('pareto-chart').getByTestId(`adapt-trajectory-${kind}`);

test('a short adaptation draws its walk on the chart, fills the table, and the adapted network runs on the kernels', async ({ page }) => {
  await openReady(page, SMALL);
  const baseline = await workerTensors(page);
  await trainToDone(page, 90_000);
  await setUpAdapt(page, 2, 3);
  await page.getByTestId('adapt-run').click();
  await expect(page.getByTestId('adapt-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('status')).toHaveText('done');

  // Iteration 0 (the trained network) and one row per iteration, as many points on the chart.
  const rows = page.getByTestId('adapt-row');
  const steps = await rows.count();
  expect(steps).toBeGreaterThanOrEqual(3);
  await expect(trajectory(page, 'step')).toHaveCount(steps);
  await expect(trajectory(page, 'final')).toHaveCount(1);
  await expect(page.getByTestId('adapt-trajectory')).toHaveAttribute('data-points', String(steps + 1));
  // The energy falls along the walk, and the last step is within the budget.
  const costs = await trajectory(page, 'step').evaluateAll((marks) => marks.map((m) => Number(m.getAttribute('data-cost'))));
  for (let i = 1; i < costs.length; i++) expect(costs[i]).toBeLessThan(costs[i - 1]);
  expect(costs[costs.length - 1]).toBeLessThanOrEqual(0.5 * costs[0] * (1 + 1e-9));
  expect(Number((await page.getByTestId('adapt-ratio').textContent())!.replace('%', ''))).toBeLessThanOrEqual(50);
  const width = (await rows.last().locator('td').nth(2).textContent())!;
  expect(Number(width)).toBeLessThan(100);

  // Kept: the knobs and the link rebuild the adapted architecture, and the big numbers are its own.
  const inUrl = async () => {
    await expect(page).toHaveURL(new RegExp(`[?&]model=mlp(&|#|$)`));
    await expect(page).toHaveURL(new RegExp(`[?&]hidden=${width}(&|#|$)`));
    await expect(page.getByTestId('param-count')).toHaveAttribute('data-count', String(784 * Number(width) + Number(width) + Number(width) * 10 + 10));
  };
  await inUrl();
  await expect(page.getByTestId('adapt-kept')).toContainText('Kept');
  await expect(page.getByTestId('quantized-accuracy')).toHaveAttribute('data-state', 'fresh');
  expect(Number(await page.getByTestId('quantized-accuracy').textContent())).toBe(Number((await page.getByTestId('adapt-test-accuracy').textContent())!.replace('%', '')));
  // The knobs moved to another network: "Keep this network" brings the adapted one back.
  await page.getByTestId('knob-model').selectOption('mlp1');
  await page.getByTestId('adapt-keep').click();
  await inUrl();

  // The adapted network is the kept model: the kernels run it, at its width.
  await openSection(page, 'kernels');
  await page.getByTestId('run-kernels').click();
  await expect(page.getByTestId('kernel-report')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('kernel-layer-row')).toHaveCount(2);
  expect(Number(await page.getByTestId('kernel-accuracy').textContent())).toBeGreaterThan(50);
  expect(Number(await page.getByTestId('kernel-agreement').textContent())).toBeGreaterThanOrEqual(95);
  expect(await resetWorker(page)).toBe(baseline);
});

test('cancel keeps the steps so far and the trained model, at the tensor count before the adaptation', async ({ page }) => {
  await openReady(page, SMALL);
  await trainToDone(page, 90_000);
  const withModel = await workerTensors(page);
  // Long fine-tunes, so that the cancel lands inside an iteration.
  await setUpAdapt(page, 4, 400);
  await page.getByTestId('adapt-run').click();
  await expect(page.getByTestId('adapt-status')).toHaveText('adapting');
  await expect(page.getByTestId('adapt-row')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('adapt-progress-text')).toContainText('iteration 1 of 4');
  await page.getByTestId('adapt-cancel').click();
  await expect(page.getByTestId('adapt-status')).toContainText('cancelled', { timeout: 60_000 });
  await expect(page.getByTestId('status')).toHaveText('done');
  // The starting row stays, on the table and the chart; no adapted network to keep.
  const steps = await page.getByTestId('adapt-row').count();
  expect(steps).toBeGreaterThanOrEqual(1);
  await expect(trajectory(page, 'step')).toHaveCount(steps);
  await expect(trajectory(page, 'final')).toHaveCount(0);
  await expect(page.getByTestId('adapt-keep')).toHaveCount(0);
  expect(await workerTensors(page)).toBe(withModel);
  // The trained network is still the kept one: Adapt can run again.
  await expect(page.getByTestId('adapt-run')).toBeEnabled();
});

// Needs src/tf/quantizedNetwork.ts to use tf.neg(x) for x.neg(): tfjs-core in the worker registers no
// chained ops, so any binary hysteresis QAT run in the page fails with "….neg is not a function".
test('the Seed 002 preset trains 1-bit weights with hysteresis and 8-bit activations, then adapts on measured latency', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=600&testSize=200&epochs=1&lr=0.01&backend=wasm');
  await openSection(page, 'adapt');
  await typeKnob(page, 'adapt-iterations', '2');
  await typeKnob(page, 'adapt-finetune-batches', '5');
  await page.getByTestId('adapt-seed002').click();
  await expect(page).toHaveURL(/[?&]weights=binary:scale=l1,hysteresis=0\.1(&|#|$)/);
  await expect(page).toHaveURL(/[?&]activations=relu:bits=8(&|#|$)/);
  await expect(page).toHaveURL(/[?&]training=qat(&|#|$)/);
  // Headless Chromium has WebGPU (SwiftShader): the kernels are timed.
  await expect(page.getByTestId('adapt-resource')).toHaveAttribute('data-value', 'latency');
  await expect(page.getByTestId('adapt-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('adapt-note')).toContainText('Latency table timed');
  expect(await page.getByTestId('adapt-row').count()).toBeGreaterThanOrEqual(2);
  expect(Number((await page.getByTestId('adapt-ratio').textContent())!.replace('%', ''))).toBeLessThanOrEqual(50);
});
