import { expect, test, type Page } from '@playwright/test';
import { openReady, openSection, resetWorker, trainToDone, waitReady, workerTensors } from './helpers';

/** Runs the trained model on the integer kernels (Kernels section) and reads the report's accuracies, in percent. */
async function runKernels(page: Page, timeout: number) {
  await openSection(page, 'kernels');
  await page.getByTestId('run-kernels').click();
  await expect(page.getByTestId('kernel-report')).toBeVisible({ timeout });
  const read = async (testId: string) => Number(await page.getByTestId(testId).textContent());
  return { kernel: await read('kernel-accuracy'), tfjs: await read('kernel-tf-accuracy'), agreement: await read('kernel-agreement') };
}

test('a LightNN-1 mlp1 trained in the page runs on the WebGPU kernels with matching accuracy', async ({ page }) => {
  await page.goto('/?model=mlp1&trainSize=1000&testSize=500&epochs=1&weights=lightnn:k=1&activations=relu:bits=8&training=qat&backend=webgpu');
  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 90_000 });
  await waitReady(page);
  const baseline = await workerTensors(page);
  await trainToDone(page, 150_000);

  const { kernel, tfjs, agreement } = await runKernels(page, 120_000);
  expect(kernel).toBeGreaterThan(60);
  expect(Math.abs(kernel - tfjs)).toBeLessThanOrEqual(1);
  expect(agreement).toBeGreaterThanOrEqual(99);
  await expect(page.getByTestId('kernel-layer-row')).toHaveCount(2);
  const times = await page.getByTestId('kernel-layer-time').allTextContents();
  expect(times.length).toBeGreaterThanOrEqual(2);
  for (const t of times) expect(Number(t)).toBeGreaterThan(0);
  // LightNN-1 packs 8 weights a word: hidden1's 78,400 weights are exactly 39,200 bytes.
  const packed = Number((await page.getByTestId('kernel-packed-bytes').textContent())!.replace(/,/g, ''));
  const storage = Number((await page.getByTestId('kernel-storage-bytes').textContent())!.replace(/,/g, ''));
  expect(storage).toBe((78_400 + 1_000) / 2);
  expect(packed).toBeGreaterThanOrEqual(storage);
  expect(packed - storage).toBeLessThanOrEqual(100);
  // No tensors left behind by the training run and the kernel run, once the kept model is freed.
  expect(await resetWorker(page)).toBe(baseline);
});

test('a model the kernels cannot run is refused with a message', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=300&testSize=100&epochs=1&backend=wasm');
  await trainToDone(page, 60_000);
  await openSection(page, 'kernels');
  await page.getByTestId('run-kernels').click();
  await expect(page.getByTestId('kernel-error')).toContainText('cannot run on the integer kernels', { timeout: 60_000 });
  await expect(page.getByTestId('kernel-error')).toContainText('float32');
});

test('a trained lenet runs on the WebGPU conv, pool and dense kernels', async ({ page }) => {
  // WebGL trains lenet fastest here; the kernels then get a WebGPU device of their own.
  await openReady(page, '/?model=lenet&backend=webgl&trainSize=256&testSize=200&epochs=1&batch=32&weights=lightnn:k=2&activations=relu:bits=8');
  await trainToDone(page, 150_000);
  const { kernel, tfjs, agreement } = await runKernels(page, 150_000);
  // Power-of-two rescales move each clip by up to x1.4 (docs in fromNetwork.ts); measured 96-100% agreement.
  expect(agreement).toBeGreaterThanOrEqual(95);
  expect(Math.abs(kernel - tfjs)).toBeLessThanOrEqual(2.5);
  // conv1, pool1, conv2, pool2, fc1, output.
  await expect(page.getByTestId('kernel-layer-row')).toHaveCount(6);
});

test('batch norm: the checkbox trains a normalised BinaryConnect mlp1, folded into per-unit thresholds on the kernels', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=1000&testSize=500&epochs=1&weights=binary:scale=none&training=qat&backend=wasm');
  await openSection(page, 'training');
  await page.getByTestId('knob-batchNorm').check();
  await expect(page).toHaveURL(/[?&]batchNorm=1(&|$)/);
  await trainToDone(page, 90_000);
  const { kernel, tfjs, agreement } = await runKernels(page, 120_000);
  expect(kernel).toBeGreaterThan(60);
  // Thresholds are the exact staircase of the calibrated clip; measured 99.97% agreement in Node.
  expect(agreement).toBeGreaterThanOrEqual(99);
  expect(Math.abs(kernel - tfjs)).toBeLessThanOrEqual(1);
  await expect(page.getByTestId('kernel-layer-row').first()).toContainText('batch norm');
});
