/**
 * Screenshots of the recovery messages (a crashed worker, a failed run with its details open, a
 * failed panel) at 1280x800 and 800 px wide, for the developers to look at. Needs a build in DIST.
 */
import { withBuiltPage } from './builtPage';

const DIST = process.env.DIST ?? 'dist';
const PORT = Number(process.env.SCREENSHOT_PORT ?? 4388);
const OUT = 'docs/screenshots';

await withBuiltPage(PORT, DIST, async (browser, origin) => {
  for (const [width, height, tag] of [
    [1280, 800, '1280'],
    [800, 1000, '800px'],
  ] as const) {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(`${origin}/?model=mlp1&trainSize=6000&testSize=1000&epochs=2&backend=wasm`);
    await page.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 90_000 });
    await page.getByTestId('train-button').click();
    await page.getByTestId('progress-text').filter({ hasText: 'batch' }).waitFor({ timeout: 60_000 });
    await page.evaluate(() => (window as unknown as { __playground: { crashWorker(): boolean } }).__playground.crashWorker());
    await page.getByTestId('recovery-notice').waitFor();
    await page.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: `${OUT}/recovery-worker-${tag}.png` });
    await page.evaluate(() => (window as unknown as { __playground: { injectFault(kind: string): Promise<string> } }).__playground.injectFault('kernel'));
    await page.getByTestId('train-button').click();
    await page.getByTestId('error-details').waitFor({ timeout: 60_000 });
    await page.getByTestId('error-details').getByText('details').click();
    await page.screenshot({ path: `${OUT}/recovery-error-${tag}.png` });
    console.log(`[screenshots] ${tag}: page height ${await page.evaluate(() => document.documentElement.scrollHeight)} px`);
    await page.close();
  }
});
