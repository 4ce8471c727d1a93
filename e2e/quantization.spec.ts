import { expect, test } from '@playwright/test';
import { freshQuantized, openReady, percent, pickFormat, resetWorker, setSlider, trainToDone, waitReady, workerTensors } from './helpers';

test('after a float run, changing the weight format re-evaluates the kept model (PTQ) without retraining', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=2000&testSize=1000&epochs=1&backend=wasm');
  const baseline = await workerTensors(page);
  await trainToDone(page, 60_000);
  const floatText = await page.getByTestId('test-accuracy').textContent();
  const floatAccuracy = Number(floatText);
  expect(floatAccuracy).toBeGreaterThan(70);

  await pickFormat(page, 'fixed');
  await setSlider(page, 'weightBits', 2);
  await expect(page.getByTestId('ptq-setting')).toContainText('fixed 2-bit', { timeout: 20_000 });
  const twoBit = await percent(page, 'quantized-accuracy');
  expect(twoBit).toBeLessThan(floatAccuracy);
  await expect(page).toHaveURL(/weights=fixed:bits=2/);
  // The chart follows the scheme: 2^2 - 1 levels.
  await expect(page.getByTestId('legal-value-count')).toHaveText('3');

  await setSlider(page, 'weightBits', 8);
  await expect(page.getByTestId('ptq-setting')).toContainText('fixed 8-bit', { timeout: 20_000 });
  const eightBit = await percent(page, 'quantized-accuracy');
  expect(Math.abs(eightBit - floatAccuracy)).toBeLessThanOrEqual(1);
  await expect(page).toHaveURL(/weights=fixed:bits=8/);
  // All 255 levels exist; fewer lie inside the drawn (robust) range of the weights.
  await expect(page.getByTestId('legal-value-total')).toHaveText('255');

  // No retraining: the run and its float accuracy are untouched.
  await expect(page.getByTestId('status')).toHaveText('done');
  await expect(page.getByTestId('test-accuracy')).toHaveText(floatText!);
  await expect(page.getByTestId('weight-histogram')).toBeVisible();
  // PTQ evaluations and weight reads leave no tensors behind.
  expect(await resetWorker(page)).toBe(baseline);
});

test('LightNN-1 preset with quantization-aware training reaches a good quantized accuracy', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=3000&testSize=1000&epochs=1&backend=wasm');
  const baseline = await workerTensors(page);
  await page.getByTestId('knob-preset').selectOption('lightnn-1');
  await page.getByTestId('knob-training').selectOption('qat');
  await expect(page).toHaveURL(/weights=lightnn:k=1&activations=relu&.*training=qat/);
  await expect(page.getByTestId('bits-per-weight')).toHaveText('4');
  await trainToDone(page, 60_000);
  expect(await percent(page, 'quantized-accuracy')).toBeGreaterThan(70);
  // ±2^0 .. ±2^-7
  await expect(page.getByTestId('legal-value-total')).toHaveText('16');
  await expect(page.getByTestId('knob-preset')).toHaveValue('lightnn-1');
  expect(await resetWorker(page)).toBe(baseline);
});

test('a bad weight scheme in the URL is named in a notice and the page still works', async ({ page }) => {
  await page.goto('/?weights=fixed:bits=1&trainSize=500&testSize=200&epochs=1&backend=wasm');
  const notice = page.getByTestId('notice');
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText('weights="fixed:bits=1" is not valid (bits:');
  await expect(notice).toContainText('using the default float32');
  await expect(page.getByTestId('knob-weights')).toHaveAttribute('data-value', 'float32');
  // A slider cannot go out of range: 2 bits is as low as it goes.
  await pickFormat(page, 'fixed');
  await expect(page.getByTestId('knob-slider-weightBits')).toHaveAttribute('min', '2');
  await setSlider(page, 'weightBits', 4);
  await page.getByTestId('knob-slider-weightBits').press('Home');
  await expect(page.getByTestId('knob-slider-weightBits-value')).toHaveText('2 bits');
  await setSlider(page, 'weightBits', 4);
  await expect(page).toHaveURL(/weights=fixed:bits=4/);
  await waitReady(page);
  await trainToDone(page, 60_000);
  expect(await freshQuantized(page)).toBeGreaterThan(20);
});
