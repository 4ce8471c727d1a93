/**
 * Screenshots for docs/screenshots, made by the page itself (headless Chromium, wasm backend):
 * the seed-000 preset's heatmap and the seed-003 (1-hidden) Pareto front, on a realistic subset.
 * Run after `npm run build`: `tsx scripts/screenshots.ts [trainSize] [epochs]`.
 */
import type { Page } from '@playwright/test';
import { withBuiltPage } from './builtPage';

const PORT = 4192;
const DIST = process.env.DIST ?? 'dist';
const trainSize = Number(process.argv[2] ?? 20000);
const epochs = Number(process.argv[3] ?? 3);

/** A preset button sets its sweep and starts it; wait until that sweep has finished. */
async function runPreset(page: Page, preset: string, timeout: number) {
  await page.getByTestId(`sweep-preset-${preset}`).click();
  await page.getByTestId('sweep-cancel').filter({ hasNot: page.locator(':disabled') }).waitFor({ timeout: 60_000 }).catch(() => undefined);
  await page.getByTestId('sweep-run').and(page.locator(':enabled')).waitFor({ timeout });
  console.log(preset, await page.getByTestId('sweep-status').textContent(), (await page.getByTestId('sweep-timing').textContent().catch(() => '')) ?? '');
}

await withBuiltPage(PORT, DIST, async (browser, origin) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${origin}/?model=mlp1&backend=wasm&trainSize=${trainSize}&testSize=10000&epochs=${epochs}&batch=64`);
  await page.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 120_000 });
  await runPreset(page, 'seed000', 600_000);
  await page.getByTestId('sweep-panel').screenshot({ path: 'docs/screenshots/seed000-heatmap.png' });
  await runPreset(page, 'seed003-mlp1', 1_200_000);
  await page.getByTestId('pareto-panel').screenshot({ path: 'docs/screenshots/seed003-front.png' });
  await page.getByTestId('sweep-panel').screenshot({ path: 'docs/screenshots/seed003-sweep.png' });
});
process.exit(0);
