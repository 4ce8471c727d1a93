import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

/** Screenshots for docs/ are written only when asked: SCREENSHOTS=1 npx playwright test ... */
const SCREENSHOTS = !!process.env.SCREENSHOTS;

import { freshQuantized, openReady, openSection, pickFormat, records, resetWorker, trainToDone, typeKnob } from './helpers';

const energyPJ = async (page: Page) => Number(await page.getByTestId('energy-total').getAttribute('data-pj'));

test('the energy panel follows the knobs; an edited table number changes energy and chart and goes to the URL', async ({ page }) => {
  await page.goto('/?model=mlp1&backend=wasm');
  await openSection(page, 'energy');
  await expect(page.getByTestId('energy-layer-chart')).toBeVisible();
  await expect(page.getByTestId('energy-weight-memory')).toHaveText('SRAM');
  await expect(page.getByTestId('energy-shift-convention')).toHaveText('shift = adder');
  const float = await energyPJ(page);
  await page.getByTestId('knob-preset').selectOption('binarynet');
  const binary = await energyPJ(page);
  expect(binary).toBeLessThan(float / 10);
  await expect(page.getByTestId('energy-storage')).toHaveAttribute('data-bits', '79510');

  // Every entry shows its unit and its source.
  const row = page.getByTestId('energy-table').locator('tr', { has: page.getByTestId('energy-input-sramPJPer64Bit') });
  await expect(row).toContainText('pJ per 64-bit access');
  await expect(row).toContainText('QKeras qtools');

  // Horowitz's 1 MB cache instead of the QKeras SRAM curve: the weight reads cost more.
  const currentCost = Number(await page.getByTestId('pareto-current').getAttribute('data-cost'));
  await typeKnob(page, 'energy-input-sramPJPer64Bit', '100', { enter: true });
  await expect(page).toHaveURL(/energy=sramPJPer64Bit:100(&|#|$)/);
  expect(await energyPJ(page)).toBeGreaterThan(binary);
  await expect(page.getByTestId('pareto-current')).not.toHaveAttribute('data-cost', String(currentCost));
  // The paper points are costed with the new table too.
  const paperBefore = await page.locator('[data-testid="pareto-paper-point"][data-record-id="paper-mlp1-conventional"]').getAttribute('data-cost');
  await page.getByTestId('energy-input-shiftCost').selectOption('aladdin');
  await expect(page).toHaveURL(/energy=shiftCost:aladdin,sramPJPer64Bit:100/);
  await expect(page.getByTestId('energy-shift-convention')).toHaveText('Aladdin ratio');
  expect(paperBefore).not.toBeNull();

  // A link carries the table (and the open section, in the hash).
  await page.reload();
  await expect(page.getByTestId('section-tab-energy')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('energy-input-sramPJPer64Bit')).toHaveValue('100');

  // A value the scaling laws cannot use is refused with the validator's message.
  await typeKnob(page, 'energy-input-intMult32AreaUm2', '1', { enter: true });
  await expect(page.getByTestId('energy-table-error')).toContainText('intMult32AreaUm2 must lie between 4x and 16x intMult8AreaUm2');
  expect(page.url()).not.toContain('intMult32AreaUm2');

  await page.getByTestId('energy-reset').click();
  await expect(page).not.toHaveURL(/energy=/);
  await expect(page.getByTestId('energy-input-sramPJPer64Bit')).toHaveValue('7.74425');
});

test('clicking a Pareto point restores its config in the knobs and the URL; the chart exports as SVG and PNG', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=1000&testSize=300&epochs=1&backend=wasm&sweep=lightnnK:1-4;mode=ptq');
  // Seed 003's seven paper points are there before any run.
  await expect(page.getByTestId('pareto-paper-point')).toHaveCount(7);
  await page.locator('[data-testid="pareto-paper-point"][data-record-id="paper-mlp1-binarynet"]').click();
  await expect(page.getByTestId('knob-preset')).toHaveValue('binarynet');
  await expect(page).toHaveURL(/weights=binary:scale=none&activations=sign/);
  // The sweep definition is not part of the point: it stays.
  await expect(page).toHaveURL(/sweep=lightnnK:1-4;mode=ptq/);

  // The sweep varies the weights of the current config (now with BinaryNet's sign activations).
  await openSection(page, 'experiments');
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-status')).toHaveText('done', { timeout: 120_000 });
  const points = page.locator('[data-testid="pareto-point"], [data-testid="pareto-front-marker"]');
  await expect(points).toHaveCount(5); // the float model and four LightNN cells
  const lightnn3 = (await records(page)).find((r) => r.label.startsWith('LightNN-3'))!.id;
  await page.locator(`[data-record-id="${lightnn3}"]`).click();
  await expect(page.getByTestId('knob-weights')).toHaveAttribute('data-value', 'lightnn');
  await expect(page.getByTestId('knob-slider-lightnnK')).toHaveValue('3');
  await expect(page.getByTestId('knob-activations')).toHaveValue('sign');
  await expect(page).toHaveURL(/weights=lightnn:k=3&activations=sign&/);
  // The current configuration is drawn where that point is (the kept float model's PTQ).
  await expect(page.getByTestId('pareto-current-point')).toBeVisible({ timeout: 20_000 });
  // That live PTQ evaluation is a record of its own.
  await expect(points).toHaveCount(6);

  await page.getByText('Chart options').click();
  const svgDownload = page.waitForEvent('download');
  await page.getByTestId('pareto-export-svg').click();
  const svg = await svgDownload;
  expect(svg.suggestedFilename()).toBe('pareto-mlp1-energy.svg');
  const svgText = readFileSync(await svg.path());
  expect(svgText.toString()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svgText.toString()).toContain('Pareto-optimal');
  const pngDownload = page.waitForEvent('download');
  await page.getByTestId('pareto-export-png').click();
  const png = await pngDownload;
  expect(png.suggestedFilename()).toBe('pareto-mlp1-energy.png');
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');

  // Error instead of accuracy, storage instead of energy.
  await page.getByTestId('pareto-y-axis').selectOption('error');
  await page.getByTestId('pareto-x-axis').selectOption('storage');
  await expect(points).toHaveCount(6);
  await expect(page.getByTestId('pareto-x-axis').locator('option[value="kernelTime"]')).toBeDisabled();
});

test('records persist across a reload (IndexedDB), export as CSV, and clear', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=500&testSize=200&epochs=1&backend=wasm');
  await expect(page.getByTestId('records-persistence')).toContainText('IndexedDB');
  await expect(page.getByTestId('records-count')).toHaveText('0');
  await trainToDone(page, 60_000);
  await expect(page.getByTestId('records-count')).toHaveText('1');
  // A PTQ evaluation of the kept model is a record too.
  await pickFormat(page, 'fixed');
  await freshQuantized(page);
  await expect(page.getByTestId('records-count')).toHaveText('2');

  await page.reload();
  await expect(page.getByTestId('records-persistence')).toContainText('IndexedDB');
  await expect(page.getByTestId('records-count')).toHaveText('2');
  await expect(page.locator('[data-testid="pareto-point"], [data-testid="pareto-front-marker"]')).toHaveCount(2);

  const csvDownload = page.waitForEvent('download');
  await page.getByTestId('records-export-csv').click();
  const csv = readFileSync(await (await csvDownload).path()).toString().trim().split('\n');
  expect(csv[0]).toBe('id,time,source,label,accuracy,error_pct,energy_pj,storage_bits,area_um2,test_size,kernel_ms,diverged,config');
  expect(csv.slice(1).map((line) => line.split(',')[2]).sort()).toEqual(['ptq', 'train']);

  await page.getByTestId('records-clear').click();
  await expect(page.getByTestId('records-count')).toHaveText('0');
  await page.reload();
  await expect(page.getByTestId('records-persistence')).toContainText('IndexedDB');
  await expect(page.getByTestId('records-count')).toHaveText('0');
});

test('seed 003 (1-hidden) preset: seven QAT models beside the paper table, the front marked', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=1000&testSize=300&epochs=1&backend=wasm');
  await openSection(page, 'experiments');
  await page.getByTestId('sweep-preset-seed003-mlp1').click();
  await expect(page).toHaveURL(/sweep=preset:all;mode=qat/);
  await expect(page.getByTestId('sweep-status')).toHaveText('done', { timeout: 170_000 });
  await expect(page.locator('[data-testid="heatmap-cell"][data-filled="true"]')).toHaveCount(7);
  const paper = page.getByTestId('sweep-paper');
  await expect(paper.locator('tbody tr')).toHaveCount(7);
  await expect(paper).toContainText('6.79% error');
  await expect(paper).not.toContainText('pending');
  expect(await page.getByTestId('pareto-front-marker').count()).toBeGreaterThan(0);
  await expect(page.getByTestId('records-count')).toHaveText('7');
  // BinaryNet is the cheapest of the seven in our cost model, so it is on the front.
  const binaryNet = await page.evaluate(() => (window as any).__playground.records.getState().records.find((r: any) => r.label.startsWith('BinaryNet')).id as string);
  await expect(page.locator(`[data-record-id="${binaryNet}"]`)).toHaveAttribute('data-testid', 'pareto-front-marker');
  if (SCREENSHOTS) {
    await page.getByText('Chart options').click();
    await page.getByTestId('pareto-y-axis').selectOption('error');
    await page.getByTestId('pareto-panel').screenshot({ path: 'docs/screenshots/seed003-front.png' });
  }
  expect(await resetWorker(page)).toBeGreaterThanOrEqual(0);
});
