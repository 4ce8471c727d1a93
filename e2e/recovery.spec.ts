/**
 * Fault injection: after each fault the page says what happened in one line, recovers without a
 * reload, and Train then works twice in a row. Each test prints the time to recover and the tensors
 * left in the worker (for the closing notes).
 */
import { expect, test, type Page } from '@playwright/test';
import { openReady, openSection, recordStatusTexts, records, resetWorker, seedStoredRecords, statusTexts, trainToDone, typeKnob, waitReady } from './helpers';

const status = (page: Page) => page.getByTestId('status');

async function trainTwice(page: Page) {
  for (let run = 1; run <= 2; run++) await trainToDone(page);
}

/** Waits until a run has reported some batches, so the fault lands mid-run. */
async function waitMidRun(page: Page) {
  await expect(status(page)).toHaveText('training', { timeout: 30_000 });
  await expect(page.getByTestId('progress-text')).toContainText('batch', { timeout: 60_000 });
}

function report(fault: string, recoverMs: number, tensors: number) {
  console.log(`[recovery] ${fault}: recovered in ${recoverMs} ms; worker tensors after reset ${tensors}`);
}

/** After a fault: Train works twice in a row, and freeing the kept model leaves no tensor in the worker. */
async function worksAgain(page: Page, fault: string, recoverMs: number) {
  await trainTwice(page);
  const tensors = await resetWorker(page);
  expect(tensors).toBe(0);
  report(fault, recoverMs, tensors);
}

test('a worker that dies mid-training is noticed, replaced, and Train works again', async ({ page }) => {
  const query = '?model=mlp1&trainSize=6000&testSize=1000&epochs=2&backend=wasm';
  await openReady(page, `/${query}`);
  await page.getByTestId('train-button').click();
  await waitMidRun(page);
  const url = page.url();

  const started = Date.now();
  expect(await page.evaluate(() => (window as any).__playground.crashWorker())).toBe(true);
  await expect(page.getByTestId('recovery-notice')).toContainText('The training worker stopped', { timeout: 10_000 });
  await expect(page.getByTestId('recovery-notice')).toContainText('The run in progress was lost');
  await waitReady(page);
  const recoverMs = Date.now() - started;

  // Config, URL and knobs survive; the knobs are unlocked again.
  expect(page.url()).toBe(url);
  await expect(page.getByTestId('knob-epochs')).toBeEnabled();
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await worksAgain(page, 'worker ended mid-training', recoverMs);
});

test('a lost WebGPU device moves training to the next backend without a reload', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=2000&testSize=500&epochs=2&backend=webgpu');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('train-button').click();
  await waitMidRun(page);

  const started = Date.now();
  expect(await page.evaluate(() => (window as any).__playground.injectFault('device-lost'))).toContain('destroyed');
  const notice = page.getByTestId('recovery-notice');
  await expect(notice).toContainText('The GPU stopped working', { timeout: 30_000 });
  await waitReady(page);
  const recoverMs = Date.now() - started;
  await expect(page.getByTestId('backend')).not.toHaveText('webgpu');
  await expect(notice).toContainText(/Now on (webgl|wasm|cpu)/);
  // The technical text stays one click away.
  await notice.getByText('details').click();
  await expect(notice).toContainText('GPUDevice.lost');

  await worksAgain(page, `WebGPU device destroyed mid-run (now ${await page.getByTestId('backend').textContent()})`, recoverMs);
});

test('a kernel that throws fails the run with a plain message, and the next Train works', async ({ page }) => {
  await openReady(page, '/?model=mlp1&trainSize=2000&testSize=500&epochs=1&backend=wasm');
  const broken = await page.evaluate(() => (window as any).__playground.injectFault('kernel'));
  expect(broken).toContain('MatMul');

  const started = Date.now();
  await page.getByTestId('train-button').click();
  await expect(status(page)).toContainText('Training failed: injected fault', { timeout: 30_000 });
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await page.getByTestId('error-details').getByText('details').click();
  await expect(page.getByTestId('error-details')).toContainText('Error');
  const recoverMs = Date.now() - started;

  await worksAgain(page, 'kernel fault on WASM', recoverMs);
});

test('a truncated MNIST file is named, and Train loads the data again', async ({ page }) => {
  const file = 'train-labels-idx1-ubyte.gz';
  await page.route(`**/data/mnist/${file}`, async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    // The connection drops halfway: the server's Content-Length is kept, the body is cut.
    await route.fulfill({ status: 200, headers: { 'content-type': 'application/gzip' }, body: body.subarray(0, Math.floor(body.length / 2)) });
  });
  await page.goto('/?model=mlp1&trainSize=2000&testSize=500&epochs=1&backend=wasm');
  await expect(status(page)).toContainText('The MNIST data could not be loaded', { timeout: 60_000 });
  await expect(status(page)).toContainText('train-labels-idx1-ubyte');

  await page.unroute(`**/data/mnist/${file}`);
  const started = Date.now();
  await trainToDone(page);
  const recoverMs = Date.now() - started;
  await trainToDone(page);
  const tensors = await resetWorker(page);
  expect(tensors).toBe(0);
  report('MNIST asset truncated (recovery = load + first run)', recoverMs, tensors);
});

test('pause then resume at once keeps training; two Train presses in one tick start one run', async ({ page }) => {
  await recordStatusTexts(page);
  await openReady(page, '/?model=mlp1&trainSize=6000&testSize=500&epochs=1&backend=wasm');
  await page.getByTestId('train-button').click();
  await waitMidRun(page);
  await page.evaluate(() => {
    const store = (window as any).__playground.store.getState();
    store.pause();
    store.resume();
  });
  await expect(status(page)).toHaveText('training');
  // The run goes on to 'done' without ever showing 'paused': the worker's 'paused' event did not win over the resume.
  await expect(status(page)).toHaveText('done', { timeout: 120_000 });
  expect((await statusTexts(page)).filter((t) => t.startsWith('paused'))).toEqual([]);

  const trainRecords = async () => (await records(page)).filter((r) => r.source === 'train').length;
  const before = await trainRecords();
  const runs = await page.evaluate(async () => {
    const store = (window as any).__playground.store.getState();
    const results = await Promise.all([store.startTraining(), store.startTraining()].map((p: Promise<unknown>) => p.then(() => 'settled')));
    return results.length;
  });
  expect(runs).toBe(2);
  await expect(status(page)).toHaveText('done', { timeout: 120_000 });
  // One run, one record; and nothing is left training behind the 'done'.
  expect(await trainRecords()).toBe(before + 1);
  // The sleep is the assertion: a second run started behind the 'done' would show within this second.
  await page.waitForTimeout(1000);
  await expect(status(page)).toHaveText('done');
  expect(await resetWorker(page)).toBe(0);
});

test('a diverged run stops at the first non-finite loss, is marked diverged, and stays off the front', async ({ page }) => {
  await openReady(page, '/?model=mlp&hidden=64,64,64,64,64,64,64,64&lr=10&optimizer=sgd&momentum=0.999&batch=32&trainSize=2000&testSize=500&epochs=1&backend=wasm');
  await page.getByTestId('train-button').click();
  await expect(status(page)).toHaveText(/^The loss diverged at epoch 1, batch \d+: try a smaller learning rate\.$/, { timeout: 60_000 });
  await expect(page.getByTestId('pareto-front-count')).toHaveText('0');
  await openSection(page, 'records');
  await expect(page.getByTestId('record-diverged')).toHaveText(/^diverged \(epoch 1, batch \d+\)$/);

  // The advice works: a smaller learning rate trains.
  await openSection(page, 'training');
  await typeKnob(page, 'knob-lr', '0.01');
  await typeKnob(page, 'knob-momentum', '0.9');
  await trainTwice(page);
  await expect(page.getByTestId('pareto-front-count')).not.toHaveText('0');
  expect(await resetWorker(page)).toBe(0);
});

const RECORD_CONFIG = 'v=1&model=mlp1&trainSize=2000&testSize=500&epochs=1&backend=wasm&weights=fixed:bits=4';

test('bad stored records are skipped and counted; 130,000 records leave the page usable and Clear works', async ({ page }) => {
  await page.goto(`/?${RECORD_CONFIG}`);
  await expect(page.getByTestId('records-persistence')).toContainText('IndexedDB', { timeout: 30_000 });
  const count = 130_000;
  // What blanked the page before: a null and a string where numbers belong.
  await seedStoredRecords(page, RECORD_CONFIG, count, [
    { id: 'bad-null', config: RECORD_CONFIG, label: 'bad', accuracy: 0.9, energyPJ: 1, storageBits: 1, areaUm2: 1, source: 'train', time: 1, kernelMs: null },
    { id: 'bad-string', config: RECORD_CONFIG, label: 'bad', accuracy: 0.9, energyPJ: 1, storageBits: 1, areaUm2: 1, source: 'train', time: 1, kernelMs: 'fast' },
  ]);

  const started = Date.now();
  await page.reload();
  await expect(page.getByTestId('records-count')).toHaveText(String(count), { timeout: 120_000 });
  const loadMs = Date.now() - started;
  await expect(page.getByTestId('records-skipped')).toContainText('2 stored records could not be read and were skipped');
  await expect(page.getByTestId('pareto-thinned')).toContainText('130,000');
  await expect(page.getByTestId('panel-error')).toHaveCount(0);
  // At most 2,000 thinned points plus the front are drawn.
  expect(await page.locator('[data-testid="pareto-point"]').count()).toBeLessThanOrEqual(2000);

  await waitReady(page);
  await trainTwice(page);
  await expect(page.getByTestId('records-count')).toHaveText(String(count + 2));
  await page.getByTestId('records-clear').click();
  await expect(page.getByTestId('records-count')).toHaveText('0');
  // The browser store is emptied before the page says it keeps records again.
  await expect(page.getByTestId('records-persistence')).toContainText('kept in this browser', { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId('records-persistence')).toContainText('IndexedDB', { timeout: 30_000 });
  await expect(page.getByTestId('records-count')).toHaveText('0');
  await expect(page.getByTestId('records-skipped')).toHaveCount(0);
  report(`130,000 stored records + 2 bad ones (reload to records shown)`, loadMs, await resetWorker(page));
});

test('a panel that throws shows its own error; the rest of the page works and Reset brings it back', async ({ page }) => {
  await page.goto(`/?${RECORD_CONFIG}`);
  await expect(page.getByTestId('records-persistence')).toContainText('IndexedDB', { timeout: 30_000 });
  // Only code can put such a record in memory (loading validates them): it makes the chart throw.
  await page.evaluate(() =>
    (window as any).__playground.records.setState({ records: [{ id: 'x', config: undefined, label: 'x', accuracy: 0.5, energyPJ: 1, storageBits: 1, areaUm2: 1, source: 'train', time: 1 }] }),
  );
  await expect(page.getByTestId('panel-error').first()).toContainText('This panel failed:');
  await expect(page.getByTestId('pareto-panel')).toHaveCount(0);
  await waitReady(page);
  await page.evaluate(() => (window as any).__playground.records.setState({ records: [] }));
  await page.getByTestId('panel-reset').first().click();
  await expect(page.getByTestId('pareto-panel')).toBeVisible();
  await expect(page.getByTestId('panel-error')).toHaveCount(0);
  await trainTwice(page);
});

test('junk in the URL: short notices, one rule for repeated keys, and the canonical URL in the address bar', async ({ page }) => {
  // Node's HTTP server refuses request lines past 16 KB; 5,000 characters is still a page-filling notice.
  const huge = 'x'.repeat(5_000);
  await page.goto(`/?model=mlp1&trainSize=abc&trainSize=3000&batch=0x10&epochs=%2B5&layers=15=fixed:bits=2&lr=${huge}&backend=wasm`);
  const notices = page.getByTestId('notice');
  await expect(notices.filter({ hasText: 'trainSize appears 2 times; the last one ("3000") is used.' })).toHaveCount(1);
  await expect(notices.filter({ hasText: 'batch="0x10" is not valid' })).toHaveCount(1);
  await expect(notices.filter({ hasText: 'epochs="+5" is not valid' })).toHaveCount(1);
  await expect(notices.filter({ hasText: 'mlp1 has 2 weight layers' })).toHaveCount(1);
  await expect(notices.filter({ hasText: '(5000 characters)' })).toHaveCount(1);
  for (const text of await notices.allTextContents()) expect(text.replace(/×$/, '').length).toBeLessThanOrEqual(200);

  // After load the address bar holds what the page uses, not the junk.
  const search = new URL(page.url()).searchParams;
  expect(search.get('trainSize')).toBe('3000');
  expect(search.getAll('trainSize')).toHaveLength(1);
  expect(search.get('batch')).toBe('32');
  expect(search.get('lr')).toBe('0.002');
  expect(search.get('layers')).toBeNull();
  expect(page.url().length).toBeLessThan(400);

  // A typed bad number is echoed as typed, beside its knob.
  await waitReady(page);
  await typeKnob(page, 'knob-trainSize', '0x10');
  await expect(page.getByTestId('knob-error').first()).toContainText('(you typed "0x10")');

  // A backend chosen during a run (the knob is locked then; a lesson or code can still do it)
  // applies from the next run, and the badge says so.
  // Long enough (60,000 x 20 images) that WASM, ~8,000 images/s, is still training when Stop is pressed.
  await typeKnob(page, 'knob-trainSize', '60000');
  await typeKnob(page, 'knob-epochs', '20');
  await page.getByTestId('train-button').click();
  await waitMidRun(page);
  await page.evaluate(() => (window as any).__playground.store.getState().setKnob('backend', 'cpu'));
  await expect(page.getByTestId('backend-pending')).toContainText('CPU from the next run');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await page.getByTestId('stop-button').click();
  await expect(status(page)).toHaveText('stopped', { timeout: 30_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('backend')).toHaveText('cpu', { timeout: 60_000 });
  await expect(page.getByTestId('backend-pending')).toHaveCount(0);
});
