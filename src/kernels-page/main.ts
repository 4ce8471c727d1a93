/**
 * kernels.html: the quantized WGSL kernels on TF.js's own WebGPU device, outside the main app.
 *   ?suite=exact  bit-exactness against the CPU reference (default)
 *   ?suite=bench  speed against tf.matMul float32 on the same device
 *   ?suite=model  a small trained model through runOnKernels (the worker's code path)
 * The result lands in `window.__kernelResults` (with `error` on failure) and in the page.
 */
import { runBenchSuite } from './bench';
import { runExactSuite } from './exact';
import { runModelSuite } from './model';
import { initTfWebGpu, paragraph, setStatus, type KernelResults } from './shared';

const SUITES = {
  exact: runExactSuite,
  bench: runBenchSuite,
  model: runModelSuite,
} as const;

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const suite = params.get('suite') ?? 'exact';
  let uncapturedErrors: string[] = [];
  let results: KernelResults;
  try {
    if (!(suite in SUITES)) throw new Error(`unknown suite "${suite}" (exact, bench or model)`);
    setStatus('starting TF.js on WebGPU');
    const page = await initTfWebGpu();
    uncapturedErrors = page.uncapturedErrors;
    const deviceLine = document.getElementById('device');
    if (deviceLine) deviceLine.textContent = `Device: ${page.adapter}`;
    results = await SUITES[suite as keyof typeof SUITES](page, params);
    setStatus(`done: ${suite}`);
  } catch (error) {
    const text = error instanceof Error ? `${error.message}${error.stack ? `\n${error.stack}` : ''}` : String(error);
    console.error('[kernels]', text);
    paragraph(`Failed: ${text}`, 'bad');
    setStatus(`failed: ${suite}`);
    results = { suite, error: error instanceof Error ? error.message : String(error), uncapturedErrors: [...uncapturedErrors] };
  }
  window.__kernelResults = results;
}

void main();
