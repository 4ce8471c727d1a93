/** Teaching with it: draw a digit, what the network sees, where quantization hurts. */
import { expect, test, type Page } from '@playwright/test';
import { freshQuantized, openReady, pickFormat, setSlider, trainToDone } from './helpers';
import { maxOf } from '../src/core/arrays';

test.use({ viewport: { width: 1280, height: 800 } });

async function bars(page: Page, testId: string): Promise<number[]> {
  const chart = page.getByTestId(testId);
  const out: number[] = [];
  for (let d = 0; d < 10; d++) out.push(Number(await chart.getByTestId(`prediction-bar-${d}`).getAttribute('data-p')));
  return out;
}
const argmax = (p: number[]) => p.indexOf(maxOf(p));

/** A pen stroke from top to bottom of the pad, as pointer events. */
async function drawVerticalStroke(page: Page) {
  const box = (await page.getByTestId('digit-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + (0.7 * i) / 20));
  await page.mouse.up();
}

async function trainSmall(page: Page, query = '') {
  await openReady(page, `/?model=mlp1&trainSize=3000&testSize=1000&epochs=1&backend=wasm${query}`);
  await trainToDone(page, 90_000);
}

test('a vertical stroke drawn on the pad is a 1; the quantized bars follow the weight-bits slider', async ({ page }) => {
  await trainSmall(page, '&weights=fixed:bits=8');
  await page.getByTestId('view-draw').click();
  await drawVerticalStroke(page);
  await expect(page.getByTestId('prediction-float').getByTestId('prediction-bar-0')).toHaveAttribute('data-p', /\d/, { timeout: 30_000 });
  const float = await bars(page, 'prediction-float');
  expect(Math.abs(float.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
  expect(argmax(float)).toBe(1);
  await expect.poll(async () => Math.abs((await bars(page, 'prediction-quantized')).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
  const eightBit = await bars(page, 'prediction-quantized');

  // Down to 2-bit weights: the quantized model's probabilities change, the float ones do not.
  await setSlider(page, 'weightBits', 2);
  await expect.poll(async () => JSON.stringify(await bars(page, 'prediction-quantized')), { timeout: 30_000 }).not.toBe(JSON.stringify(eightBit));
  expect(await bars(page, 'prediction-float')).toEqual(float);

  // Clear empties the pad.
  await page.getByTestId('digit-clear').click();
  await expect(page.getByTestId('prediction-float')).toHaveCount(0);
});

test('at 1 input bit the network sees only black and white pixels', async ({ page }) => {
  await page.goto('/?backend=wasm&inputBits=8');
  const preview = page.getByTestId('input-preview');
  await expect(preview.getByTestId('input-preview-quantized')).toHaveCount(8, { timeout: 60_000 });
  const greys = (testId: string) =>
    preview.getByTestId(testId).evaluateAll((canvases) => {
      const values = new Set<number>();
      for (const c of canvases as HTMLCanvasElement[]) {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < data.length; i += 4) values.add(data[i]);
      }
      return [...values].sort((a, b) => a - b);
    });
  // At 8 bits, the anti-aliased edges of MNIST show many greys.
  expect((await greys('input-preview-quantized')).length).toBeGreaterThan(20);
  await setSlider(page, 'inputBits', 1);
  await expect.poll(() => greys('input-preview-quantized')).toEqual([0, 255]);
  expect((await greys('input-preview-original')).length).toBeGreaterThan(20);
});

test('the confusion matrix adds up to the test set and its diagonal to the shown accuracy; a flipped digit opens in the pad', async ({ page }) => {
  await trainSmall(page, '&weights=fixed:bits=2');
  const quantized = await freshQuantized(page);
  await page.getByTestId('view-mistakes').click();
  const cells = page.getByTestId('confusion-matrix').getByTestId('confusion-cell');
  await expect(cells).toHaveCount(100, { timeout: 60_000 });
  const counts = await cells.evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-true')), Number(e.getAttribute('data-pred')), Number(e.getAttribute('data-count'))]));
  expect(counts.reduce((sum, [, , c]) => sum + c, 0)).toBe(1000);
  const diagonal = counts.filter(([t, p]) => t === p).reduce((sum, [, , c]) => sum + c, 0);
  expect(diagonal / 10).toBeCloseTo(quantized, 1);

  const flips = page.getByTestId('flip-gallery').getByRole('button');
  expect(await flips.count()).toBeGreaterThan(0);
  await flips.first().click();
  await expect(page.getByTestId('view-draw')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('prediction-quantized').getByTestId('prediction-bar-0')).toHaveAttribute('data-p', /\d/, { timeout: 30_000 });
  // A flip: the float and the quantized model disagree on it.
  expect(argmax(await bars(page, 'prediction-float'))).not.toBe(argmax(await bars(page, 'prediction-quantized')));
});

test('each weight format shows its rule, rendered by KaTeX', async ({ page }) => {
  await page.goto('/?backend=wasm');
  for (const kind of ['float32', 'fixed', 'minifloat', 'lightnn', 'binary']) {
    await pickFormat(page, kind);
    const formula = page.getByTestId('scheme-formula');
    await expect(formula).toHaveAttribute('data-kind', kind);
    await expect(formula.locator('.katex')).not.toHaveCount(0);
    await expect(formula.locator('.katex-error')).toHaveCount(0);
  }
});

test('lesson=1 walks through its steps; each step puts its setting in the URL; the answer uses what the page measured', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=2000&testSize=1000&epochs=1&backend=wasm&lesson=1');
  const panel = page.getByTestId('lesson-panel');
  await expect(panel).toHaveAttribute('data-lesson', 'bits');
  await expect(page).toHaveURL(/lesson=1|lesson=bits/);
  await page.getByTestId('lesson-apply').click();
  await expect(page).toHaveURL(/weights=fixed:bits=8/);
  await trainToDone(page, 90_000);
  await freshQuantized(page);
  await page.getByTestId('lesson-show-answer').click();
  // The answer quotes the measured accuracy, not a placeholder.
  await expect(page.getByTestId('lesson-answer')).not.toContainText('{');
  await expect(page.getByTestId('lesson-answer')).not.toContainText('(train first)');

  // Next applies the next step at once: 4-bit, then 2-bit weights, then 2-bit inputs...
  const expected = [/weights=fixed:bits=4&/, /weights=fixed:bits=2&/, /weights=fixed:bits=8&.*inputBits=2/, /inputBits=1/, /weights=fixed:bits=4&.*inputBits=2/];
  for (let i = 0; i < expected.length; i++) {
    await page.getByTestId('lesson-next').click();
    await expect(page.getByTestId('lesson-step')).toHaveAttribute('data-step', String(i + 1));
    await expect(page).toHaveURL(expected[i]);
  }
  // The lesson stays in the link for the students.
  await expect(page.getByTestId('copy-link')).toHaveText('Copy link for students');
  expect(page.url()).toMatch(/lesson=bits/);
});

test('hide= hides panels and Copy link keeps them hidden; present=1 is presenter size; a bad panel name is named', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/?backend=wasm&hide=energy,kernels,sweeps,knobz&present=1');
  await expect(page.getByTestId('notice')).toContainText('knobz');
  await expect(page.getByTestId('section-tab-energy')).toHaveCount(0);
  await expect(page.getByTestId('section-tab-kernels')).toHaveCount(0);
  await expect(page.getByTestId('section-tab-experiments')).toHaveCount(0);
  await expect(page.getByTestId('section-tab-training')).toHaveCount(1);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)).toBe('18px');
  await page.getByTestId('copy-link').click();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toMatch(/hide=energy,kernels,sweeps(&|$|#)/);
  expect(link).toMatch(/present=1/);
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('section-tab-training')).toHaveCount(1);
  await expect(other.getByTestId('section-tab-energy')).toHaveCount(0);
  await expect(other.getByTestId('notice')).toHaveCount(0);
});

test('a collapsed minifloat gets a hint, and its one-click auto-bias fix brings the accuracy back', async ({ page }) => {
  await trainSmall(page, '&weights=minifloat:exponentBits=2,mantissaBits=1');
  const collapsed = await freshQuantized(page);
  const float = Number(await page.getByTestId('float-accuracy').textContent());
  expect(collapsed).toBeLessThan(float - 5);
  const hint = page.getByTestId('collapse-hint');
  await expect(hint).toBeVisible({ timeout: 30_000 });
  await hint.getByTestId('fix-auto-bias').click();
  await expect(page).toHaveURL(/layers=/);
  await expect.poll(() => freshQuantized(page), { timeout: 30_000 }).toBeGreaterThan(float - 5);
  await expect(hint).toHaveCount(0);
});

test('the intro shows on first load and stays dismissed after a reload', async ({ page }) => {
  await page.goto('/?backend=wasm');
  const intro = page.getByTestId('intro');
  await expect(intro).toBeVisible();
  await expect(intro).toContainText('What is quantization?');
  await page.getByTestId('intro-dismiss').click();
  await expect(intro).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('train-button')).toBeVisible();
  await expect(intro).toHaveCount(0);
});

test('the integer kernels toggle shows ten i32 logits whose argmax is the quantized bars\' guess', async ({ page }) => {
  await trainSmall(page, '&weights=lightnn:k=2&activations=relu:bits=8&training=qat');
  await page.getByTestId('view-draw').click();
  await drawVerticalStroke(page);
  await expect(page.getByTestId('prediction-quantized').getByTestId('prediction-bar-0')).toHaveAttribute('data-p', /\d/, { timeout: 30_000 });

  await page.getByTestId('kernel-logits-toggle').check();
  const logits = page.getByTestId('kernel-logits');
  await expect(logits.locator('[data-testid^="kernel-logit-"]')).toHaveCount(10, { timeout: 60_000 });
  const values: number[] = [];
  for (let d = 0; d < 10; d++) values.push(Number(await logits.getByTestId(`kernel-logit-${d}`).getAttribute('data-value')));
  expect(values.every(Number.isInteger)).toBe(true);
  // WebGPU or the CPU reference, the note says which.
  await expect(page.getByTestId('kernel-logits-note')).toHaveText(/WebGPU integer kernels|integer reference on the CPU/);
  // The integer path agrees with TF.js fake quantization on >99% of MNIST: on this stroke, exactly.
  const predicted = Number(await logits.getAttribute('data-predicted'));
  expect(predicted).toBe(argmax(values));
  expect(predicted).toBe(argmax(await bars(page, 'prediction-quantized')));
});
