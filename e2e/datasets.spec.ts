/**
 * Data sets beyond MNIST in the page: the user's files go to the worker, are parsed there, kept in
 * IndexedDB, and trained on; a reload needs no files; a bad file is named and changes nothing.
 * Fashion-MNIST's real files come from Debian's dataset-fashion-mnist (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { cifarArchive, FASHION_MNIST_DIR, IDX_NAMES, idxFiles } from '../tests/helpers/datasets';
import { openReady, percent, trainToDone, waitReady } from './helpers';

const FASHION_FILES = Object.values(IDX_NAMES).map((name) => join(FASHION_MNIST_DIR, `${name}.gz`));

/** The load time the card shows (data-ms: the worker's parse or read-back; data-page-ms: the page's whole wait). */
async function loadTimes(page: Page): Promise<{ text: string; ms: number; pageMs: number }> {
  const line = page.getByTestId('data-load-time');
  return { text: (await line.textContent()) ?? '', ms: Number(await line.getAttribute('data-ms')), pageMs: Number(await line.getAttribute('data-page-ms')) };
}

async function openCard(page: Page) {
  if ((await page.getByTestId('data-toggle').getAttribute('aria-expanded')) !== 'true') await page.getByTestId('data-toggle').click();
  await expect(page.getByTestId('data-card')).toBeVisible();
}

test('Fashion-MNIST: pick its four files, train, reload without them and train again, then forget them', async ({ page }) => {
  test.skip(!FASHION_FILES.every(existsSync), `Fashion-MNIST's files are not in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`);
  test.setTimeout(420_000);
  await openReady(page, '/?data=fashion&backend=wasm&model=mlp1&trainSize=4000&testSize=2000&epochs=2&batch=64');
  // Not in this browser yet: the card says exactly which files, and Train waits for them.
  await expect(page.getByTestId('data-card')).toBeVisible();
  await expect(page.getByTestId('data-missing')).toContainText('train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte');
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('knob-model').locator('option')).toHaveText(['MLP 784-100-10', 'LeNet (2 conv + 2 dense)', 'MLP, your widths']);

  await page.getByTestId('data-file-input').setInputFiles(FASHION_FILES);
  await expect(page.getByTestId('data-counts')).toHaveText('60,000 training and 10,000 test images', { timeout: 120_000 });
  const parsed = await loadTimes(page);
  expect(parsed.text).toContain('Parsed from 4 files');
  expect(parsed.text).toContain('Kept in this browser');
  console.log(`Fashion-MNIST from its four .gz files: parsed in the worker in ${Math.round(parsed.ms)} ms, ${Math.round(parsed.pageMs)} ms in the page (parse + IndexedDB write)`);

  await trainToDone(page, 240_000);
  const first = await percent(page, 'test-accuracy');
  expect(first).toBeGreaterThan(70);
  // The teaching views name Fashion-MNIST's classes where MNIST shows digits.
  await page.getByTestId('view-mistakes').click();
  await expect(page.getByTestId('class-legend')).toContainText('9 Ankle boot', { timeout: 60_000 });

  // A reload (or a shared link) reads the set back from IndexedDB: no files.
  await page.reload();
  await waitReady(page);
  await expect(page).toHaveURL(/data=fashion/);
  await expect(page.getByTestId('data-toggle')).toContainText('✓');
  await openCard(page);
  const restored = await loadTimes(page);
  expect(restored.text).toContain('Read back from this browser');
  console.log(`Fashion-MNIST read back from IndexedDB: ${Math.round(restored.ms)} ms in the worker, ${Math.round(restored.pageMs)} ms in the page`);
  await trainToDone(page, 240_000);
  expect(await percent(page, 'test-accuracy')).toBeGreaterThan(70);

  // Forget: the drop zone asks again, Train waits, and the link keeps data=fashion.
  await openCard(page);
  await page.getByTestId('data-forget').click();
  await expect(page.getByTestId('data-missing')).toBeVisible();
  await expect(page.getByTestId('data-dropzone')).toBeVisible();
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('data-missing')).toContainText('Fashion-MNIST is not in this browser yet');
  await expect(page).toHaveURL(/data=fashion/);
});

test('CIFAR-10: a synthetic .tar.gz dropped on the zone loads, shows in colour and trains cifar3conv', async ({ page }) => {
  test.setTimeout(300_000);
  // Five training batches of 60 records and a test batch of 100, as cifar-10-binary.tar.gz lays them out.
  const archive = await cifarArchive(60, 100);
  await openReady(page, '/?data=cifar10&backend=wasm&trainSize=300&testSize=100&epochs=1&batch=32');
  await expect(page.getByTestId('knob-model')).toHaveValue('cifar3conv');
  await expect(page.getByTestId('knob-model').locator('option')).toHaveText(['CIFAR 3 conv + 1 dense', 'CIFAR 6 conv + 3 dense (39 M)']);
  await expect(page.getByTestId('param-count')).toHaveAttribute('data-count', '82208');
  await expect(page.getByTestId('data-missing')).toContainText('cifar-10-binary.tar.gz');

  const dataTransfer = await page.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'cifar-10-binary.tar.gz', { type: 'application/gzip' }));
    return transfer;
  }, Buffer.from(archive).toString('base64'));
  await page.getByTestId('data-dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('data-counts')).toHaveText('300 training and 100 test images', { timeout: 60_000 });
  await expect(page.getByTestId('data-card')).toContainText('Subset: 300 of the 50,000 training images');

  // "What the network sees" in colour: 32x32, three channels.
  const preview = page.getByTestId('input-preview-original').first();
  await expect(preview).toHaveAttribute('data-channels', '3');
  await expect(preview).toHaveAttribute('width', '32');

  await trainToDone(page, 240_000);
  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+(\.\d+)?$/);
  // Drawing is for 28x28 grey sets: the pad says so for CIFAR-10.
  await page.getByTestId('view-draw').click();
  await expect(page.getByTestId('digit-not-for-colour')).toBeVisible();
});

test('a bad file is named, nothing of it is kept, and the set already loaded still trains', async ({ page }) => {
  test.setTimeout(240_000);
  await openReady(page, '/?data=idx&backend=wasm&model=mlp1&trainSize=500&testSize=100&epochs=1&batch=50');
  const good = idxFiles(600, 100);
  const goodFiles = (Object.keys(IDX_NAMES) as (keyof typeof IDX_NAMES)[]).map((role) => ({ name: IDX_NAMES[role], mimeType: 'application/octet-stream', buffer: Buffer.from(good[role]) }));
  await page.getByTestId('data-file-input').setInputFiles(goodFiles);
  await expect(page.getByTestId('data-counts')).toHaveText('600 training and 100 test images', { timeout: 60_000 });

  const bad = goodFiles.map((file) => (file.name === IDX_NAMES.trainImages ? { name: 'train-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: Buffer.from('this is not an IDX file\n') } : file));
  await page.getByTestId('data-file-input').setInputFiles(bad);
  await expect(page.getByTestId('data-error')).toContainText('train-images-idx3-ubyte.gz:', { timeout: 60_000 });
  await expect(page.getByTestId('data-error')).toContainText('still in use');
  await expect(page.getByTestId('data-counts')).toHaveText('600 training and 100 test images');

  await trainToDone(page, 180_000);
  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+(\.\d+)?$/);
});
