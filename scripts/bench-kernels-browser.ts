/**
 * The quantized WGSL kernels against tf.matMul / tf.conv2d float32 on TF.js's WebGPU device, in
 * headless Chromium (`npm run bench:kernels` runs this, then the Node bench): serves the built dist/ with `vite preview` on a free port (from 4191 up), opens
 * kernels.html?suite=bench, prints each case as one JSON line as it finishes
 *   {"case","scheme","batch","ms","floatMs","speedup","bitExact","weightBytes","weightGBps",...}
 * then one line per case on memory bandwidth (achieved GB/s of packed weight reads, each weight
 * read once per launch, beside float32 weights read by tf.matMul).
 *
 * Builds nothing: run `npx vite build` (or `npm run build`) first.
 * Chromium: $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser, else Playwright's own.
 * On a machine without a GPU the adapter is SwiftShader (a CPU Vulkan): the numbers then compare
 * two CPU emulations of GPU code, not a GPU.
 *
 * Run: npx tsx scripts/bench-kernels-browser.ts   Options (all optional):
 *   --shapes=784x100,100x10,4096x4096  --convs=conv1,conv2 (lenet's; --convs= for none)  --batches=1,256
 *   --formats=lightnn-1,lightnn-2,lightnn-3,fixed-2,fixed-4,fixed-8,binaryconnect,binarynet
 *   --target-ms=1500 (timed work per side and case)  --max-launches=500
 *   --suite=bench|exact|model (exact and model print their summary JSON)  --port=4191
 *   --query='weights=fixed:bits=4&trainSize=2000' (more query keys, e.g. a config for suite=model)
 *   --timeout-min=60  --headed
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import type { BenchSummary } from '../src/kernels-page/shared';

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : fallback;
}
const flag = (name: string) => process.argv.slice(2).includes(`--${name}`);

const suite = option('suite', 'bench');
const timeoutMs = Number(option('timeout-min', '60')) * 60_000;

const ARGS = CHROMIUM_ARGS;


function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(start: number): Promise<number> {
  for (let port = start; port < start + 100; port++) if (await portFree(port)) return port;
  throw new Error(`no free port in ${start}..${start + 99}`);
}

if (!existsSync('dist/kernels.html')) {
  console.error('[bench-kernels-browser] dist/kernels.html is missing: run `npx vite build` first');
  process.exit(2);
}

const port = await freePort(Number(option('port', '4191')));
const server = await preview({ logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
let exitCode = 0;
// Playwright gives the browser a fresh temporary profile (--user-data-dir) by itself.
const browser = await chromium
  .launch({ executablePath: chromiumPath(), headless: !flag('headed'), args: ARGS.filter((a) => !(flag('headed') && a === '--headless=new')) })
  .catch(async (error: unknown) => {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    throw error;
  });
try {
  const page = await browser.newPage();
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith('[bench] ')) console.log(text.slice('[bench] '.length));
    else if (m.type() === 'error') console.error(`[page] ${text}`);
  });
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  const query = new URLSearchParams({ suite });
  for (const [opt, key] of [
    ['shapes', 'shapes'],
    ['batches', 'batches'],
    ['convs', 'convs'],
    ['formats', 'formats'],
    ['target-ms', 'targetMs'],
    ['max-launches', 'maxLaunches'],
  ]) {
    // Present but empty (--convs=) is kept: it means none.
    if (process.argv.slice(2).some((a) => a.startsWith(`--${opt}=`))) query.set(key, option(opt, ''));
  }
  for (const [key, value] of new URLSearchParams(option('query', ''))) query.set(key, value);
  const url = `http://localhost:${port}/kernels.html?${query.toString().replace(/%2C/gi, ',')}`;
  console.error(`[bench-kernels-browser] ${url}`);
  await page.goto(url);
  await page.waitForFunction(() => (window as { __kernelResults?: unknown }).__kernelResults !== undefined, undefined, { timeout: timeoutMs, polling: 1000 });
  const results = (await page.evaluate(() => (window as { __kernelResults?: unknown }).__kernelResults)) as Record<string, unknown>;
  if (typeof results.error === 'string') {
    console.error(`[bench-kernels-browser] the page failed: ${results.error}`);
    exitCode = 1;
  } else if (suite === 'bench') {
    const { cases } = results as unknown as BenchSummary;
    console.error(`[bench-kernels-browser] adapter: ${String(results.adapter)}`);
    console.log(`# memory bandwidth: packed weight bytes read per launch / ms (each weight once per launch), against the device's read bandwidth of ${results.readGBps} GB/s`);
    for (const c of cases) {
      console.log(
        `# ${c.case} batch ${c.batch} ${c.scheme}: ${c.weightBytes} B packed weights in ${c.ms} ms = ${c.weightGBps} GB/s (${(100 * (c.weightBandwidthShare ?? 0)).toPrecision(2)}% of read bandwidth)` +
          `${c.gpuMs !== null ? ` (GPU timestamps ${c.gpuMs} ms)` : ''}; float32 matMul ${c.floatWeightGBps} GB/s of float weights in ${c.floatMs} ms`,
      );
    }
    const notExact = cases.filter((c) => !c.bitExact);
    if (notExact.length) {
      console.error(`[bench-kernels-browser] ${notExact.length} case(s) NOT bit-exact against the reference`);
      exitCode = 1;
    }
    const errors = results.uncapturedErrors as string[];
    if (errors.length) {
      console.error(`[bench-kernels-browser] uncaptured WebGPU errors: ${errors.join('; ')}`);
      exitCode = 1;
    }
  } else {
    console.log(JSON.stringify(results));
  }
} catch (error) {
  console.error(`[bench-kernels-browser] ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
process.exit(exitCode);
