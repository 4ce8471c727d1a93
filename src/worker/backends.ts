/**
 * Picks the TF.js backend inside the worker: WebGPU, then WebGL, WASM, CPU (or the user's
 * choice first), proving each with a tiny computation read back asynchronously, and records
 * why each one that was skipped failed.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core ships without gradients; in a bundler this ESM module registers all of them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendChoice } from '../core/config';
import type { BackendCapacity } from '../core/planning';
import { registerWasmConvGradients } from '../tf/wasmConvGradients';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
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

async function activate(name: BackendName): Promise<{ label: string; emulated: boolean; maxBuffer: number }> {
  let adapter = { label: '', emulated: false, maxBuffer: Infinity };
  if (name === 'webgpu') {
    adapter = await webgpuAdapterLabel();
    await import('@tensorflow/tfjs-backend-webgpu');
  } else if (name === 'webgl') {
    await import('@tensorflow/tfjs-backend-webgl');
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    registerWasmConvGradients();
  }
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new Error(`initialisation failed: ${message(error)}`);
  }
  if (!ok) throw new Error('initialisation failed');
  await tf.ready();
  await proveBackend();
  if (name === 'webgl') adapter = webglRendererLabel();
  if (name === 'wasm') adapter = { label: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD', emulated: false, maxBuffer: Infinity };
  if (name === 'cpu') adapter = { label: 'plain JavaScript', emulated: false, maxBuffer: Infinity };
  return adapter;
}

const NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

export async function selectBackend(choice: BackendChoice, avoid: readonly BackendName[] = []): Promise<BackendInfo> {
  const order = choice === 'auto' ? FALLBACK_ORDER : [choice, ...FALLBACK_ORDER.filter((b) => b !== choice)];
  const fallbackReasons: string[] = [];
  for (const name of order) {
    if (avoid.includes(name)) {
      fallbackReasons.push(`${NAMES[name]}: its device was lost earlier in this session`);
      continue;
    }
    try {
      const adapter = await activate(name);
      const gflops = await measureGflops();
      let advice: string | null = null;
      if (adapter.emulated && (name === 'webgpu' || name === 'webgl')) {
        advice = `${NAMES[name]} runs on ${adapter.label}, a CPU emulation of a GPU: WASM usually trains small models several times faster here (choose it under Backend).`;
      }
      return {
        name,
        adapter: adapter.label,
        emulated: adapter.emulated,
        fallbackReasons,
        advice,
        capacity: { name: `${NAMES[name]}${adapter.label ? ` (${adapter.label})` : ''}`, gflops, maxBufferBytes: adapter.maxBuffer, convGradients: tf.getKernel('Conv2DBackpropFilter', name) !== undefined },
      };
    } catch (error) {
      fallbackReasons.push(`${NAMES[name]}: ${message(error)}`);
    }
  }
  throw new Error(`No TF.js backend works here: ${fallbackReasons.join('; ')}`);
}
