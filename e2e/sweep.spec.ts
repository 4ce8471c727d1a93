import { expect, test, type Page } from '@playwright/test';

/** Screenshots for docs/ are written only when asked: SCREENSHOTS=1 npx playwright test ... */
const SCREENSHOTS = !!process.env.SCREENSHOTS;

import { openReady, openSection, pickFormat, resetWorker, setSlider, storeState, trainToDone, workerTensors } from './helpers';

const filledCells = (page: Page) => page.locator('[data-testid="heatmap-cell"][data-filled="true"]');

test('seed 000 preset: 56 PTQ cells fill the heatmap, the front is drawn, the timing is printed', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=1000&testSize=300&epochs=1&backend=wasm');
  const baseline = await workerTensors(page);

  await openSection(page, 'experiments');
  await page.getByTestId('sweep-preset-seed000').click();
  await expect(page).toHaveURL(/sweep=weightBits:2-8,inputBits:1-8;mode=ptq/);
  await expect(page.getByTestId('sweep-status')).toHaveText('done', { timeout: 150_000 });
  await expect(filledCells(page)).toHaveCount(56);
  await expect(page.getByTestId('heatmap-cell')).toHaveCount(56);
  // Every cell prints its accuracy.
  const texts = await page.getByTestId('heatmap-cell').allTextContents();
  expect(texts.every((t) => /^\d+\.\d$/.test(t))).toBe(true);

  // The float model went through the page's Train path and is kept: its record and the 56 cells are points.
  await expect(page.getByTestId('status')).toHaveText('done');
  await expect(page.getByTestId('records-count')).toHaveText(/^5[7-9]$/);
  expect(await page.getByTestId('pareto-front-marker').count()).toBeGreaterThan(0);
  expect(Number(await page.getByTestId('pareto-front-count').textContent())).toBeGreaterThan(0);

  // The paper beside ours.
  const paper = page.getByTestId('sweep-paper');
  await expect(paper).toContainText('74.5% to 76.1%');
  await expect(paper).toContainText('98%+');

  // Sweep time as a multiple of one float evaluation of the same test set, as the page shows it.
  const timing = await storeState<{ cells: number; sweepMs: number; floatEvalMs: number; ratio: number; testCount: number }>(page, 'sweep', 'timing');
  expect(timing).toMatchObject({ cells: 56, testCount: 300 });
  expect(timing.floatEvalMs).toBeGreaterThan(0);
  expect(timing.ratio).toBeCloseTo(timing.sweepMs / timing.floatEvalMs, 6);
  const shown = page.getByTestId('sweep-timing');
  await expect(shown).toHaveAttribute('data-ratio', timing.ratio.toFixed(2));
  await expect(shown).toContainText(`56 PTQ cells in ${(timing.sweepMs / 1000).toFixed(2)} s = ${timing.ratio.toFixed(1)}× one float evaluation of the 300 test images`);
  console.log(`seed 000 PTQ sweep: ${await shown.textContent()}`);
  // What the sweep promises: a PTQ cell is one evaluation of the kept model with quantized weights and
  // inputs, with the test batches and quantized weights shared between cells, so N cells cost about N
  // float evaluations (README "Timing": 41-46x for 56 cells on 10,000 images; 55-100x on 300 images,
  // where a cell's fixed cost weighs more). Three float evaluations a cell holds with a wide margin on
  // a shared 2-core machine; a sweep that retrained, or re-evaluated the float model, per cell would not.
  expect(timing.ratio).toBeLessThanOrEqual(3 * timing.cells);

  if (SCREENSHOTS) await page.getByTestId('sweep-panel').screenshot({ path: 'docs/screenshots/seed000-heatmap.png' });

  // A cell's number is the live PTQ of the same setting (evaluatePtq), to the last digit shown.
  await pickFormat(page, 'fixed');
  await setSlider(page, 'weightBits', 3);
  await setSlider(page, 'inputBits', 2);
  await expect(page.getByTestId('ptq-setting')).toContainText('fixed 3-bit, 2-bit inputs', { timeout: 20_000 });
  const cell = (await storeState<number[]>(page, 'sweep', 'results'))[9];
  await expect(page.getByTestId('quantized-accuracy')).toHaveText((cell * 100).toFixed(2));
  // The current configuration is on the chart, at that accuracy.
  await expect(page.getByTestId('pareto-current-point')).toHaveAttribute('data-accuracy', String(cell));

  // A second run reuses the kept float model (no retraining): 56 more records, no training record.
  const before = Number(await page.getByTestId('records-count').textContent());
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('records-count')).toHaveText(String(before + 56));
  expect(await storeState(page, 'sweep', 'trainedFloatModel')).toBe(false);

  expect(await resetWorker(page)).toBe(baseline);
});

test('cancel mid-way: status says cancelled, partial results stay, Train works, tensors back to baseline', async ({ page }) => {
  // Cells slow enough (QAT on 4000 images) to cancel in the middle.
  await openReady(page, '/?model=mlp1&trainSize=4000&testSize=300&epochs=1&backend=wasm&sweep=weightBits:2-8;mode=qat');
  const baseline = await workerTensors(page);
  await openSection(page, 'experiments');
  await expect(page.getByTestId('sweep-axis-0-knob')).toHaveValue('weightBits');
  await expect(page.getByTestId('sweep-mode')).toHaveValue('qat');

  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-status')).toHaveText('running');
  // While it runs, Train and the network knobs wait.
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('knob-model')).toBeDisabled();
  await expect.poll(() => filledCells(page).count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('sweep-progress-text')).toContainText('ETA');
  await page.getByTestId('sweep-cancel').click();
  await expect(page.getByTestId('sweep-status')).toHaveText(/^cancelled after \d of 7 cells$/, { timeout: 60_000 });
  const kept = await filledCells(page).count();
  expect(kept).toBeGreaterThanOrEqual(1);
  expect(kept).toBeLessThan(7);
  await expect(page.getByTestId('sweep-status')).toHaveText(`cancelled after ${kept} of 7 cells`);
  await expect(page.getByTestId('records-count')).toHaveText(String(kept));
  expect(await workerTensors(page)).toBe(baseline);

  // The app is consistent: Train works afterwards.
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await trainToDone(page, 60_000);
  expect(Number(await page.getByTestId('test-accuracy').textContent())).toBeGreaterThan(50);
  expect(await resetWorker(page)).toBe(baseline);
});

test('a sweep defined in the editor goes to the URL; a bad one is refused with a message', async ({ page }) => {
  await page.goto('/?model=mlp1&backend=wasm');
  await openSection(page, 'experiments');
  // The editor starts from seed 000's grid (weight bits x input bits).
  await expect(page.getByTestId('sweep-axis-1-knob')).toHaveValue('inputBits');
  await page.getByTestId('sweep-axis-0-knob').selectOption('lightnnK');
  await expect(page).toHaveURL(/sweep=lightnnK:1-4,inputBits:1-8;mode=ptq/);
  await page.getByTestId('sweep-axis-1-knob').selectOption('none');
  await expect(page).toHaveURL(/sweep=lightnnK:1-4;mode=ptq/);
  await page.getByTestId('sweep-axis-1-knob').selectOption('inputBits');
  await page.getByTestId('sweep-axis-1-values').fill('2, 4, 8');
  await page.getByTestId('sweep-axis-1-values').press('Enter');
  await expect(page).toHaveURL(/sweep=lightnnK:1-4,inputBits:2_4_8;mode=ptq/);
  await page.getByTestId('sweep-axis-1-values').fill('0-8');
  await page.getByTestId('sweep-axis-1-values').press('Enter');
  await expect(page.getByTestId('sweep-definition-error')).toContainText('inputBits: values must be integers from 1 to 8');
  await expect(page).toHaveURL(/sweep=lightnnK:1-4,inputBits:2_4_8;mode=ptq/);
  // A link carries the definition, not the results (and the open section, in the hash).
  await page.reload();
  await expect(page.getByTestId('section-tab-experiments')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('sweep-axis-1-values')).toHaveValue('2, 4, 8');
  await expect(page.getByTestId('sweep-status')).toHaveText('idle');
});
