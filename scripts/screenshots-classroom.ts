/**
 * The classroom screen as a class sees it, made by the built page (headless Chromium, WASM):
 * first load and after training with a quantized format at 1280x800, the same at 1024x768, and
 * 800 px wide. Prints the page heights and whether the core loop lies inside the first screen.
 * Run after `npm run build`: `tsx scripts/screenshots-classroom.ts [outDir] [trainSize] [epochs]`.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { withBuiltPage } from './builtPage';

const PORT = Number(process.env.SCREENSHOT_PORT ?? 4193);
const outDir = process.argv[2] ?? 'docs/screenshots';
const trainSize = Number(process.argv[3] ?? 10000);
const epochs = Number(process.argv[4] ?? 2);
const DIST = process.env.DIST ?? 'dist';

/** The core loop's elements: each must lie inside the viewport without scrolling. */
const CORE = ['train-button', 'knob-slider-weightBits', 'knob-slider-inputBits', 'quantized-accuracy', 'float-accuracy', 'pareto-chart', 'histogram-panel'];

async function layout(page: Page) {
  const viewport = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const outside: string[] = [];
  for (const id of CORE) {
    const box = await page.getByTestId(id).first().boundingBox();
    if (!box || box.y < 0 || box.x < 0 || box.y + box.height > viewport.height + 0.5 || box.x + box.width > viewport.width + 0.5) outside.push(id);
  }
  return { viewport: `${viewport.width}x${viewport.height}`, pageHeight: height, outsideFirstScreen: outside };
}

mkdirSync(outDir, { recursive: true });
await withBuiltPage(PORT, DIST, async (browser, origin) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const url = `${origin}/?model=mlp1&backend=wasm&trainSize=${trainSize}&testSize=10000&epochs=${epochs}&batch=64&weights=fixed:bits=8`;
  await page.goto(url);
  await page.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 120_000 });
  console.log(JSON.stringify({ shot: 'first load', ...(await layout(page)) }));
  await page.screenshot({ path: `${outDir}/classroom-first-load.png` });

  await page.getByTestId('train-button').click();
  await page.getByTestId('status').filter({ hasText: /^done$/ }).waitFor({ timeout: 600_000 });
  // Drag the weight bits down to 3 with the keyboard, as a lecturer would with the mouse.
  const slider = page.getByTestId('knob-slider-weightBits');
  for (let i = 0; i < 5; i++) await slider.press('ArrowLeft');
  await page.getByTestId('quantized-accuracy').and(page.locator('[data-state="fresh"]')).waitFor({ timeout: 60_000 });
  await page.getByTestId('ptq-setting').filter({ hasText: 'fixed 3-bit' }).waitFor({ timeout: 60_000 });
  await page.mouse.move(0, 0);
  console.log(JSON.stringify({ shot: 'after training, fixed 3-bit', ...(await layout(page)) }));
  await page.screenshot({ path: `${outDir}/classroom-trained-quantized.png` });

  await page.setViewportSize({ width: 1024, height: 768 });
  await page.waitForTimeout(300);
  console.log(JSON.stringify({ shot: '1024x768', ...(await layout(page)) }));
  await page.screenshot({ path: `${outDir}/classroom-1024.png` });

  await page.setViewportSize({ width: 800, height: 800 });
  await page.waitForTimeout(300);
  const narrow = await layout(page);
  console.log(JSON.stringify({ shot: '800 px wide', ...narrow }));
  await page.screenshot({ path: `${outDir}/classroom-800px.png`, fullPage: false });
  await page.screenshot({ path: `${outDir}/classroom-800px-full.png`, fullPage: true });
});
process.exit(0);
