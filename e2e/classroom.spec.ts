/** The classroom screen: the whole loop in one 1280x800 screen, sliders that act at once, plain words, accessible. */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { freshQuantized, openReady, openSection, recordStatusTexts, statusTexts, trainToDone } from './helpers';

async function insideViewport(page: Page, testId: string) {
  const box = await page.getByTestId(testId).first().boundingBox();
  const viewport = page.viewportSize()!;
  expect(box, `${testId} is rendered`).not.toBeNull();
  expect(box!.y, `${testId} top`).toBeGreaterThanOrEqual(0);
  expect(box!.x, `${testId} left`).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height, `${testId} bottom`).toBeLessThanOrEqual(viewport.height);
  expect(box!.x + box!.width, `${testId} right`).toBeLessThanOrEqual(viewport.width);
}

test.use({ viewport: { width: 1280, height: 800 } });

test('at 1280x800 the whole loop is on one screen, and a slider step re-tests the model at once', async ({ page }) => {
  // Every status text the page shows while it loads, to check the MNIST progress.
  await recordStatusTexts(page);
  await openReady(page, '/?model=mlp1&trainSize=2000&testSize=1000&epochs=1&backend=wasm&weights=fixed:bits=8');
  const loading = (await statusTexts(page)).filter((t) => t.startsWith('loading MNIST'));
  const percents = loading.map((t) => Number(/(\d+)%/.exec(t)?.[1] ?? 'NaN')).filter((n) => !Number.isNaN(n));
  expect(percents.every((p) => p >= 0 && p <= 100), `load progress ${percents.join(', ')}`).toBe(true);

  await trainToDone(page, 90_000);
  const eightBit = await freshQuantized(page);
  const float = Number(await page.getByTestId('float-accuracy').textContent());
  expect(Math.abs(eightBit - float)).toBeLessThan(1.5);

  for (const id of ['train-button', 'quantization-panel', 'knob-slider-weightBits', 'knob-slider-inputBits', 'quantized-accuracy', 'float-accuracy', 'pareto-chart', 'histogram-panel']) {
    await insideViewport(page, id);
  }
  // One screen: nothing of the core loop needs a scroll.
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(900);

  // Arrow keys step the slider; the quantized accuracy follows without Enter.
  const slider = page.getByTestId('knob-slider-weightBits');
  await slider.focus();
  for (let i = 0; i < 6; i++) await slider.press('ArrowLeft');
  await expect(page.getByTestId('knob-slider-weightBits-value')).toHaveText('2 bits');
  await expect(page.getByTestId('ptq-setting')).toContainText('fixed 2-bit', { timeout: 30_000 });
  const twoBit = await freshQuantized(page);
  expect(twoBit).toBeLessThan(eightBit);
  await expect(page.getByTestId('accuracy-delta')).toContainText('pp');
  await expect(page).toHaveURL(/weights=fixed:bits=2/);
  // The chart's current point is at that accuracy.
  await expect
    .poll(async () => Math.abs(Number(await page.getByTestId('pareto-current-point').getAttribute('data-accuracy')) * 100 - twoBit), { timeout: 10_000 })
    .toBeLessThan(0.006);
});

test('Train is within the first five Tab stops; a bad typed value is explained beside its knob', async ({ page }) => {
  await openReady(page, '/?backend=wasm');
  let reached = -1;
  for (let i = 1; i <= 5 && reached < 0; i++) {
    await page.keyboard.press('Tab');
    if (await page.getByTestId('train-button').evaluate((el) => el === document.activeElement)) reached = i;
  }
  expect(reached, 'Tab presses to reach Train').toBeGreaterThan(0);

  await page.getByTestId('knob-trainSize').fill('5');
  const field = page.locator('label.field', { has: page.getByTestId('knob-trainSize') });
  await expect(field.getByTestId('knob-error')).toHaveText('Training images must be a whole number from 10 to 60000 (you typed "5").');
  await expect(page).not.toHaveURL(/trainSize=5(&|$)/);
  await page.getByTestId('knob-trainSize').fill('500');
  await expect(field.getByTestId('knob-error')).toHaveCount(0);
  await expect(page).toHaveURL(/trainSize=500(&|$)/);
});

test('the weight format is a row of buttons with a one-line description; every format has its sliders', async ({ page }) => {
  await page.goto('/?backend=wasm');
  const description = page.getByTestId('weight-format-description');
  await page.getByTestId('knob-weights-fixed').click();
  await expect(page.getByTestId('knob-weights-fixed')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('knob-slider-weightBits')).toBeVisible();
  await page.getByTestId('knob-weights-minifloat').click();
  await expect(description).toContainText('exponent bits set the range');
  await expect(page.getByTestId('knob-slider-exponentBits')).toBeVisible();
  await page.getByTestId('knob-slider-mantissaBits').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/weights=minifloat:exponentBits=4,mantissaBits=4/);
  await page.getByTestId('knob-weights-lightnn').click();
  await expect(page.getByTestId('knob-slider-lightnnK')).toHaveValue('2');
  await page.getByTestId('knob-activations').selectOption('relu-fixed');
  await expect(page.getByTestId('knob-slider-activationBits')).toBeVisible();
  // Back to minifloat: the widths set before are kept.
  await page.getByTestId('knob-weights-minifloat').click();
  await expect(page.getByTestId('knob-slider-mantissaBits')).toHaveValue('4');
  await expect(page.getByTestId('bits-per-weight')).toHaveText('9');
});

test('no serious or critical accessibility violations on the main screen, before and after training', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=500&testSize=300&epochs=1&backend=wasm&weights=lightnn:k=2');
  const check = async (when: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${when}: ${v.id} (${v.impact}): ${v.nodes.length} nodes, e.g. ${v.nodes[0]?.target.join(' ')}`)).toEqual([]);
  };
  await check('first load');
  await trainToDone(page, 60_000);
  await freshQuantized(page);
  await check('after training');
  // Each view is checked once what it draws is on the page.
  const drawn: Record<string, string> = { draw: 'digit-canvas', mistakes: 'confusion-matrix', curves: 'loss-chart' };
  for (const [view, testId] of Object.entries(drawn)) {
    await page.getByTestId(`view-${view}`).click();
    await expect(page.getByTestId(`view-${view}`)).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId(testId)).toBeVisible();
    await check(`view ${view}`);
  }
  for (const section of ['training', 'experiments', 'energy', 'records']) {
    await openSection(page, section);
    await check(`section ${section}`);
  }
  // A lesson in presenter mode, as a class sees it.
  await page.goto('/?backend=wasm&lesson=2&present=1');
  await expect(page.getByTestId('lesson-panel')).toBeVisible();
  await check('lesson, presenter mode');
});
