/** What the end-to-end tests do again and again, the way a user does it. */
import { expect, type Page } from '@playwright/test';

export async function waitReady(page: Page) {
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: 90_000 });
}

/** Opens the page at `path` (usually `/?<config>`) and waits until it says 'ready'. */
export async function openReady(page: Page, path: string) {
  await page.goto(path);
  await waitReady(page);
}

/** Presses Train and waits until the run says 'done'. */
export async function trainToDone(page: Page, timeout = 120_000) {
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout });
}

/**
 * Types into a typed knob; it applies as soon as the text is valid (no Enter). Boxes that commit on
 * Enter or blur (the energy table's numbers) take `{ enter: true }`.
 */
export async function typeKnob(page: Page, testId: string, value: string, { enter = false } = {}) {
  await page.getByTestId(testId).fill(value);
  if (enter) await page.getByTestId(testId).press('Enter');
}

/** Moves a quantization slider (`knob-slider-<key>`) to a value with the arrow keys, as a keyboard user would. */
export async function setSlider(page: Page, key: string, value: number) {
  const slider = page.getByTestId(`knob-slider-${key}`);
  const now = Number(await slider.inputValue());
  const key_ = value > now ? 'ArrowRight' : 'ArrowLeft';
  for (let i = 0; i < Math.abs(value - now); i++) await slider.press(key_);
  await expect(slider).toHaveValue(String(value));
}

/** Clicks a weight-format button: float32, fixed, minifloat, lightnn or binary. */
export async function pickFormat(page: Page, kind: string) {
  await page.getByTestId(`knob-weights-${kind}`).click();
  await expect(page.getByTestId('knob-weights')).toHaveAttribute('data-value', kind);
}

/** Opens one of the sections below the main screen (training, experiments, energy, kernels, records). */
export async function openSection(page: Page, id: string) {
  const tab = page.getByTestId(`section-tab-${id}`);
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/** A number the page shows as text (an accuracy in percent, a count). */
export async function percent(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

/** The quantized accuracy once it shows the current setting (not the dimmed previous one). */
export async function freshQuantized(page: Page, timeout = 30_000): Promise<number> {
  await expect(page.getByTestId('quantized-accuracy')).toHaveAttribute('data-state', 'fresh', { timeout });
  return percent(page, 'quantized-accuracy');
}

/** Tensors alive in the worker now: the baseline a test compares with after `resetWorker`. */
export const workerTensors = (page: Page) => page.evaluate(async () => (await (window as any).__playground.workerMemory()).numTensors as number);
/** Frees the worker's kept model and returns the tensors still alive (a leak shows as more than the baseline). */
export const resetWorker = (page: Page) => page.evaluate(async () => (await (window as any).__playground.resetWorker()).numTensors as number);

/** The page's stores, as `window.__playground` exposes them to tests. */
type StoreName = 'store' | 'sweep' | 'records';

/** One field of a store's state (`__playground.<store>.getState()[key]`), as plain data. */
export function storeState<T = unknown>(page: Page, store: StoreName, key: string): Promise<T> {
  return page.evaluate(([s, k]) => (window as any).__playground[s].getState()[k], [store, key] as const);
}

/** The records the page keeps, as plain data. */
export const records = (page: Page) => storeState<{ id: string; label: string; source: string }[]>(page, 'records', 'records');

/**
 * Records every text the status line shows from now on (a MutationObserver installed before the page's
 * scripts run); read them with `statusTexts`. Call it before `page.goto`.
 */
export async function recordStatusTexts(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as any).__statusTexts = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="status"]')?.textContent;
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

export const statusTexts = (page: Page) => page.evaluate(() => (window as any).__statusTexts as string[]);

/**
 * The main thread's long tasks (over 50 ms, as the browser reports them) during `ms` of whatever the
 * page is doing, as their durations in ms. Fails if the browser cannot report long tasks, so that an
 * empty list always means "none happened", never "not measured".
 */
export function longTasksDuring(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(async (windowMs) => {
    if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) throw new Error('this browser does not report long tasks');
    const durations: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) durations.push(entry.duration);
    });
    observer.observe({ type: 'longtask', buffered: false });
    // The measuring window itself, not a wait for something to happen.
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    for (const entry of observer.takeRecords()) durations.push(entry.duration);
    observer.disconnect();
    return durations;
  }, ms);
}

/** A stored record, the shape the page writes to IndexedDB (loading validates each field). */
export type StoredRecord = Record<string, unknown>;

/**
 * Writes straight into the page's IndexedDB store of records (database 'quantization-playground',
 * store 'records'), as a previous visit would have left it: `count` synthetic sweep records of
 * `config` spread over an accuracy/energy cloud (made in the page, so 100,000s cost no transfer),
 * plus `extra` records as given. The page reads them on its next load.
 */
export async function seedStoredRecords(page: Page, config: string, count: number, extra: StoredRecord[] = []) {
  await page.evaluate(
    async ([config, n, extra]) => {
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const req = indexedDB.open('quantization-playground', 1);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction('records', 'readwrite');
      const store = tx.objectStore('records');
      let seed = 1;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; i < n; i++) {
        const cost = 10 ** (4 + 2 * rand());
        store.put({ id: `r${i}`, config, label: `r${i}`, accuracy: Math.min(1, 0.5 + 0.08 * Math.log10(cost) - 0.3 * rand()), energyPJ: cost, storageBits: 8e5, areaUm2: 1000, source: 'sweep', time: i, testSize: 500 });
      }
      for (const record of extra) store.put(record);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    [config, count, extra] as const,
  );
}
