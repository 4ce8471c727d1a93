/** What the end-to-end tests do again and again, the way a user does it. */
import { expect, type Page } from '@playwright/test';

export async function waitReady(page: Page) {
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: 90_000 });
}

/** Types into a typed knob; it applies as soon as the text is valid (no Enter). */
export async function typeKnob(page: Page, testId: string, value: string) {
  await page.getByTestId(testId).fill(value);
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

export async function percent(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

/** The quantized accuracy once it shows the current setting (not the dimmed previous one). */
export async function freshQuantized(page: Page, timeout = 30_000): Promise<number> {
  await expect(page.getByTestId('quantized-accuracy')).toHaveAttribute('data-state', 'fresh', { timeout });
  return percent(page, 'quantized-accuracy');
}

export const workerTensors = (page: Page) => page.evaluate(async () => (await (window as any).__playground.workerMemory()).numTensors as number);
export const resetWorker = (page: Page) => page.evaluate(async () => (await (window as any).__playground.resetWorker()).numTensors as number);
