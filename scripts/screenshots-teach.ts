/**
 * The teaching views as a class sees them, made by the built page (headless Chromium, WASM, 1280x800):
 * draw-a-digit with both bar charts, the confusion matrix with the flip gallery, a lesson step, and
 * presenter mode. Prints how long a stroke takes to reach the bars (the pad's data-update-ms).
 * Run after `npm run build`: `tsx scripts/screenshots-teach.ts [outDir] [trainSize] [epochs]`.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { withBuiltPage } from './builtPage';

const PORT = Number(process.env.SCREENSHOT_PORT ?? 4195);
const outDir = process.argv[2] ?? 'docs/screenshots';
const trainSize = Number(process.argv[3] ?? 10000);
const epochs = Number(process.argv[4] ?? 2);
const DIST = process.env.DIST ?? 'dist';
/** The training backend (BACKEND=webgpu measures the pad's update time there). */
const BACKEND = process.env.BACKEND ?? 'wasm';

/** A "7"-ish stroke: across the top, then down to the left, with pointer events as a mouse makes them. */
async function drawSeven(page: Page) {
  const box = (await page.getByTestId('digit-canvas').boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  const path = [
    [0.25, 0.2],
    [0.75, 0.2],
    [0.6, 0.5],
    [0.45, 0.85],
  ];
  await page.mouse.move(...at(path[0][0], path[0][1]));
  await page.mouse.down();
  for (let i = 1; i < path.length; i++) {
    const [x0, y0] = path[i - 1];
    const [x1, y1] = path[i];
    for (let t = 1; t <= 12; t++) await page.mouse.move(...at(x0 + ((x1 - x0) * t) / 12, y0 + ((y1 - y0) * t) / 12));
  }
  await page.mouse.up();
}

mkdirSync(outDir, { recursive: true });
await withBuiltPage(PORT, DIST, async (browser, origin) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${origin}/?model=mlp1&backend=${BACKEND}&trainSize=${trainSize}&testSize=10000&epochs=${epochs}&batch=64&weights=fixed:bits=2`);
  await page.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 120_000 });
  await page.getByTestId('train-button').click();
  await page.getByTestId('status').filter({ hasText: /^done$/ }).waitFor({ timeout: 600_000 });
  await page.getByTestId('quantized-accuracy').and(page.locator('[data-state="fresh"]')).waitFor({ timeout: 60_000 });

  await page.getByTestId('view-draw').click();
  await drawSeven(page);
  await page.getByTestId('prediction-quantized').waitFor({ timeout: 30_000 });
  await page.waitForTimeout(500);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${outDir}/teach-draw-digit.png` });
  // Update times while drawing: each pointer move to the bars that show it (the pad records the last one).
  const times: number[] = [];
  const box = (await page.getByTestId('digit-canvas').boundingBox())!;
  for (let i = 0; i < 15; i++) {
    await page.mouse.move(box.x + box.width * (0.3 + i * 0.02), box.y + box.height * 0.6);
    if (i === 0) await page.mouse.down();
    await page.waitForTimeout(150);
    times.push(Number(await page.getByTestId('digit-view').getAttribute('data-update-ms')));
  }
  await page.mouse.up();
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ shot: 'draw a digit', backend: BACKEND, updateMsMedian: times[7], updateMsMax: times[14], samples: times.length }));

  await page.getByTestId('view-mistakes').click();
  await page.getByTestId('confusion-matrix').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${outDir}/teach-mistakes.png` });

  // A lesson opened on the trained model (as lesson=bits in a link would), its answer shown.
  await page.evaluate(() => (window as any).__playground.store.getState().setKnob('lesson', 'bits'));
  await page.getByTestId('lesson-apply').click();
  await page.getByTestId('quantized-accuracy').and(page.locator('[data-state="fresh"]')).waitFor({ timeout: 60_000 });
  await page.getByTestId('lesson-show-answer').click();
  await page.getByTestId('view-weights').click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${outDir}/teach-lesson-step.png` });
  // Presenter size, as present=1 in a link.
  await page.evaluate(() => (window as any).__playground.store.getState().setKnob('present', true));
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${outDir}/teach-presenter.png` });
});
process.exit(0);
