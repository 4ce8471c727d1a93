/**
 * Picks the TF.js backend inside the worker: the one asked for first (the page resolves `auto`
 * to a concrete one, see src/core/autoBackend.ts), then WebGPU, WebGL, WASM, CPU, proving each
 * with a tiny computation read back asynchronously, and records why each one that was skipped
 * failed.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core ships without gradients; in a bundler this ESM module registers all of them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendChoice } from '../core/config';
import type { BackendCapacity } from '../core/planning';
import { BACKEND_NAMES as NAMES, type BackendName } from '../core/autoBackend';
import { registerWasmConvGradients } from '../tf/wasmConvGradients';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type { BackendName };
export const FALLBACK_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** e.g. "SwiftShader (google)", "ANGLE (NVIDIA ...)", "SIMD" */
  adapter: string;
  /** True for a software (CPU-emulated) GPU adapter. */
  emulated: boolean;
  /** One line per backend tried before this one, saying why it was not used. */
  fallbackReasons: string[];
  /** Advice shown beside the badge, e.g. that another backend is faster here. */
  advice: string | null;
  capacity: BackendCapacity;
  /** WASM: the threads XNNPACK runs on; null for the other backends. */
  threads: number | null;
  /** WASM on one thread: why (e.g. the page is not cross-origin isolated); else null. */
  threadsNote: string | null;
  /** This device as `auto` remembers it: adapter, browser, cores, isolation. */
  deviceKey: string;
}

export interface ActivateOptions {
  /** WASM threads (tfjs-backend-wasm's setThreadsCount); default: TF.js's, half the logical cores. Only the first WASM start uses it. */
  wasmThreads?: number;
}

export interface ActiveBackend {
  adapter: string;
  emulated: boolean;
  maxBuffer: number;
  threads: number | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function webgpuAdapterLabel(): Promise<{ label: string; emulated: boolean; maxBuffer: number }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new Error('navigator.gpu is missing (browser without WebGPU, or not a secure context)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter was found');
  // adapter.info is newer than the bundled @webgpu/types.
  const info = (adapter as unknown as { info?: { architecture?: string; vendor?: string; description?: string } }).info;
  const arch = info?.architecture || '';
  const vendor = info?.vendor || '';
  const description = info?.description || '';
  const emulated = arch === 'swiftshader' || /swiftshader/i.test(description) || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const label = arch === 'swiftshader' ? 'SwiftShader' : [description || arch, vendor && `(${vendor})`].filter(Boolean).join(' ') || 'unknown adapter';
  return { label, emulated, maxBuffer: Math.min(adapter.limits.maxBufferSize, adapter.limits.maxStorageBufferBindingSize) };
}

function webglRendererLabel(): { label: string; emulated: boolean; maxBuffer: number } {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  let label = 'WebGL 2';
  let maxBuffer = Infinity;
  if (gl) {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    label = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    const maxTexture = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    maxBuffer = maxTexture * maxTexture * 4 * 4; // RGBA float32 texels
  }
  return { label, emulated: /swiftshader/i.test(label), maxBuffer };
}

/** Computes something small and reads it back; a backend that cannot do this is not usable. */
async function proveBackend(): Promise<void> {
  const t = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6]))));
  const [value] = await t.data();
  t.dispose();
  if (value !== 32) throw new Error(`a test computation returned ${value} instead of 32`);
}

/** GFLOP/s of a 256x784x256 matMul, the shape of a first dense layer; sets the time warnings. */
async function measureGflops(): Promise<number> {
  const a = tf.randomUniform([256, 784]);
  const b = tf.randomUniform([784, 256]);
  const run = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await run();
  const repeats = 3;
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await run();
  const seconds = (performance.now() - start) / 1000;
  a.dispose();
  b.dispose();
  return (2 * 256 * 784 * 256 * repeats) / seconds / 1e9;
}

/** Why WASM runs on one thread, in the words the badge shows. */
function singleThreadReason(override: number | undefined): string {
  const why = !globalThis.crossOriginIsolated
    ? 'this page is not cross-origin isolated, so the browser withholds SharedArrayBuffer, which WASM threads need (the server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp; see the README)'
    : !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')
      ? "TF.js's threaded WASM build also needs WebAssembly SIMD, which this browser lacks"
      : override === 1
        ? 'one thread was asked for (auto measured it faster here than more threads, or localStorage qp-wasm-threads says so)'
        : (globalThis.navigator?.hardwareConcurrency ?? 1) <= 1
          ? 'the browser reports one CPU core'
          : !tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')
            ? 'this browser has no WebAssembly threads'
            : `TF.js uses half the logical cores (it counts two per physical core), and the browser reports ${globalThis.navigator?.hardwareConcurrency}; auto also measures more threads`;
  return `WASM runs on one thread: ${why}.`;
}

/** Paths and threads are read once, when the WASM backend first starts. */
let wasmConfigured = false;
/** Threads asked for; null: TF.js's default (half the logical cores, at least one). */
let wasmThreadsAsked: number | null = null;

/**
 * tfjs-backend-wasm caps its thread pool at half of navigator.hardwareConcurrency, read once while
 * the module starts, whatever setThreadsCount asked for. While it starts, the worker's navigator
 * shows enough cores for `threads`; the shadow goes as soon as it has started.
 */
async function withCoresFor<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const nav = globalThis.navigator as Navigator | undefined;
  if (!nav || threads <= Math.floor((nav.hardwareConcurrency ?? 1) / 2)) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => threads * 2 });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** Makes `name` TF.js's active backend (starting it the first time) and proves it computes. */
export async function activate(name: BackendName, options: ActivateOptions = {}): Promise<ActiveBackend> {
  let gpu = { label: '', emulated: false, maxBuffer: Infinity };
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm') | null = null;
  if (name === 'webgpu') {
    gpu = await webgpuAdapterLabel();
    await import('@tensorflow/tfjs-backend-webgpu');
  } else if (name === 'webgl') {
    await import('@tensorflow/tfjs-backend-webgl');
  } else if (name === 'wasm') {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmConfigured) {
      wasmConfigured = true;
      // The threaded SIMD file is the one an isolated page loads; the other two are fallbacks.
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlainUrl,
        'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
      });
      if (options.wasmThreads !== undefined) {
        // Never more threads than logical cores, whatever was asked.
        wasmThreadsAsked = Math.max(1, Math.min(options.wasmThreads, globalThis.navigator?.hardwareConcurrency ?? 1));
        wasm.setThreadsCount(wasmThreadsAsked);
      }
    }
    registerWasmConvGradients();
  }
  let ok = false;
  try {
    ok = name === 'wasm' && wasmThreadsAsked !== null ? await withCoresFor(wasmThreadsAsked, () => tf.setBackend(name)) : await tf.setBackend(name);
  } catch (error) {
    throw new Error(`initialisation failed: ${message(error)}`);
  }
  if (!ok) throw new Error('initialisation failed');
  await tf.ready();
  await proveBackend();
  if (name === 'webgl') gpu = webglRendererLabel();
  if (name === 'wasm') {
    const threads = wasm!.getThreadsCount();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    return { adapter: simd, emulated: false, maxBuffer: Infinity, threads };
  }
  if (name === 'cpu') gpu = { label: 'plain JavaScript', emulated: false, maxBuffer: Infinity };
  return { adapter: gpu.label, emulated: gpu.emulated, maxBuffer: gpu.maxBuffer, threads: null };
}

/**
 * What makes backend speeds differ between visits: the WebGPU adapter, the browser, the cores and
 * whether WASM may use threads. Never throws: a part that cannot be read is left out.
 */
export async function deviceKey(): Promise<string> {
  const nav = globalThis.navigator as Navigator | undefined;
  // Read before any await: the WASM start may shadow it for a moment (withCoresFor).
  const cores = nav?.hardwareConcurrency ?? 0;
  let adapter = 'no WebGPU';
  try {
    const found = await nav?.gpu?.requestAdapter({ powerPreference: 'high-performance' });
    const info = (found as unknown as { info?: Record<string, string> } | null)?.info;
    if (found) adapter = info ? [info.vendor, info.architecture, info.device, info.description].join('/') : 'WebGPU';
  } catch {
    // Keyed without the adapter.
  }
  return [adapter, nav?.userAgent ?? 'no navigator', `${cores} cores`, globalThis.crossOriginIsolated ? 'isolated' : 'not isolated'].join(' | ');
}

export async function selectBackend(choice: BackendChoice, avoid: readonly BackendName[] = [], options: ActivateOptions = {}): Promise<BackendInfo> {
  const order = choice === 'auto' ? FALLBACK_ORDER : [choice, ...FALLBACK_ORDER.filter((b) => b !== choice)];
  const fallbackReasons: string[] = [];
  // In parallel with the backend start: it only asks for an adapter.
  const key = deviceKey();
  for (const name of order) {
    if (avoid.includes(name)) {
      fallbackReasons.push(`${NAMES[name]}: its device was lost earlier in this session`);
      continue;
    }
    try {
      const adapter = await activate(name, options);
      const gflops = await measureGflops();
      let advice: string | null = null;
      if (adapter.emulated && (name === 'webgpu' || name === 'webgl')) {
        advice = `${NAMES[name]} runs on ${adapter.adapter}, a CPU emulation of a GPU: WASM usually trains small models several times faster here (choose it under Backend, or auto to measure).`;
      }
      return {
        name,
        adapter: adapter.adapter,
        emulated: adapter.emulated,
        fallbackReasons,
        advice,
        capacity: { name: `${NAMES[name]}${adapter.adapter ? ` (${adapter.adapter})` : ''}`, gflops, maxBufferBytes: adapter.maxBuffer, convGradients: tf.getKernel('Conv2DBackpropFilter', name) !== undefined },
        threads: adapter.threads,
        threadsNote: adapter.threads === 1 ? singleThreadReason(options.wasmThreads) : null,
        deviceKey: await key,
      };
    } catch (error) {
      fallbackReasons.push(`${NAMES[name]}: ${message(error)}`);
    }
  }
  throw new Error(`No TF.js backend works here: ${fallbackReasons.join('; ')}`);
}
