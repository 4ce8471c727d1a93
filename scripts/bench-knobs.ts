/**
 * Knob latency, as a class sees it: after training mlp1, a quantization slider is moved one step
 * with the keyboard and we time the key press until the quantized accuracy and the chart's current
 * point show the new setting (painted). The yardstick is one float evaluation of the same test set
 * on the same backend, timed in the same page. Also the longest main-thread task in that window.
 *
 * One JSON line per knob change: {"knob","from","to","ms","floatEvalMs","ratio","mainThreadLongestTaskMs",...}
 * Run after `npm run build`: `tsx scripts/bench-knobs.ts [backends=wasm,webgpu] [trainSize=5000] [testSize=10000]`
 */
import type { Page } from '@playwright/test';
import { withBuiltPage } from './builtPage';

const PORT = Number(process.env.BENCH_PORT ?? 4194);
const DIST = process.env.DIST ?? 'dist';
const backends = (process.argv[2] ?? 'wasm,webgpu').split(',');
const trainSize = Number(process.argv[3] ?? 5000);
const testSize = Number(process.argv[4] ?? 10000);

/** Ten single steps, each to a setting not evaluated before (so every one is a real evaluation). */
const STEPS: { knob: 'weightBits' | 'inputBits'; from: number; to: number }[] = [
  ...[8, 7, 6, 5, 4].map((from) => ({ knob: 'weightBits' as const, from, to: from - 1 })),
  ...[8, 7, 6, 5, 4].map((from) => ({ knob: 'inputBits' as const, from, to: from - 1 })),
];

/** Median time of one float evaluation of the kept model on the test set (ms, measured in the worker). */
async function floatEvalMs(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const api = await (window as any).__playground.store.getState().worker();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api.evaluatePtq({ weights: { kind: 'float32' }, activations: { kind: 'relu' }, inputBits: 8, layers: [] });
      times.push(r.ms);
    }
    times.sort((a, b) => a - b);
    return times[2];
  });
}

/** Presses one arrow key on a slider and times it until the new setting's accuracy and chart point are painted. */
async function timeStep(page: Page, step: (typeof STEPS)[number]): Promise<{ ms: number; longestTaskMs: number; accuracy: string }> {
  const slider = page.getByTestId(`knob-slider-${step.knob}`);
  await slider.focus();
  const expected = step.knob === 'weightBits' ? `fixed ${step.to}-bit` : `${step.to}-bit inputs`;
  const done = page.evaluate(
    ({ expected }) =>
      new Promise<{ ms: number; longestTaskMs: number; accuracy: string }>((resolve) => {
        const tasks: PerformanceEntry[] = [];
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) tasks.push(entry);
        });
        observer.observe({ type: 'longtask', buffered: false });
        let start = NaN;
        window.addEventListener('keydown', (e) => (start = e.timeStamp), { once: true, capture: true });
        const check = () => {
          const q = document.querySelector('[data-testid="quantized-accuracy"]');
          const setting = document.querySelector('[data-testid="ptq-setting"]')?.textContent ?? '';
          const point = document.querySelector('[data-testid="pareto-current-point"]');
          const shown = q?.getAttribute('data-state') === 'fresh' && setting.includes(expected);
          const pointMatches = point && Math.abs(Number(point.getAttribute("data-accuracy")) * 100 - Number(q?.textContent)) < 0.006;
          if (!Number.isNaN(start) && shown && pointMatches) {
            // The frame after the DOM change is the one that paints it.
            requestAnimationFrame(() => {
              const end = performance.now();
              setTimeout(() => {
                observer.disconnect();
                const inWindow = tasks.filter((t) => t.startTime + t.duration >= start && t.startTime <= end);
                resolve({ ms: end - start, longestTaskMs: inWindow.reduce((m, t) => Math.max(m, t.duration), 0), accuracy: q!.textContent ?? '' });
              }, 60);
            });
          } else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
    { expected },
  );
  await page.waitForTimeout(50);
  await slider.press(step.to < step.from ? 'ArrowLeft' : 'ArrowRight');
  return done;
}

await withBuiltPage(PORT, DIST, async (browser, origin) => {
  for (const backend of backends) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // tsx (esbuild) wraps named functions in __name(); the page needs it to run our evaluate callbacks.
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(`${origin}/?model=mlp1&backend=${backend}&trainSize=${trainSize}&testSize=${testSize}&epochs=1&batch=64&weights=fixed:bits=8`);
    await page.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 180_000 });
    const active = await page.getByTestId('backend').textContent();
    await page.getByTestId('train-button').click();
    await page.getByTestId('status').filter({ hasText: /^done$/ }).waitFor({ timeout: 900_000 });
    await page.getByTestId('quantized-accuracy').and(page.locator('[data-state="fresh"]')).waitFor({ timeout: 120_000 });
    const floatMs = await floatEvalMs(page);
    for (const step of STEPS) {
      const { ms, longestTaskMs, accuracy } = await timeStep(page, step);
      // The worker's own time for this evaluation: the rest of ms is the page's share.
      const evalMs = await page.evaluate(() => {
        const s = (window as any).__playground.store.getState();
        const key = JSON.stringify({ weights: s.config.weights, activations: s.config.activations, inputBits: s.config.inputBits, layers: s.config.layers });
        return (s.ptqResults[key]?.ms as number | undefined) ?? null;
      });
      const target = 1.5 * floatMs + 50;
      console.log(
        JSON.stringify({
          knob: step.knob,
          from: step.from,
          to: step.to,
          ms: Number(ms.toFixed(1)),
          floatEvalMs: Number(floatMs.toFixed(1)),
          ratio: Number((ms / floatMs).toFixed(2)),
          evalMs: evalMs === null ? null : Number(evalMs.toFixed(1)),
          mainThreadLongestTaskMs: Number(longestTaskMs.toFixed(0)),
          backend: active,
          testImages: testSize,
          accuracy: Number(accuracy),
          targetMs: Number(target.toFixed(1)),
          met: ms <= target && longestTaskMs <= 50,
        }),
      );
    }
    await page.close();
  }
});
process.exit(0);
