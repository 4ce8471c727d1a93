/**
 * TF.js setup for Node (CLI, tests, benchmarks): the wasm backend (with our conv gradients, see
 * wasmConvGradients.ts) or the cpu backend. tfjs-node cannot be installed here.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The CommonJS bundle of @tensorflow/tfjs registers every gradient; tfjs-core's own
// register_all_gradients is ESM with directory imports that Node cannot load.
import '@tensorflow/tfjs';
import { registerWasmConvGradients } from './wasmConvGradients';

export type NodeBackend = 'cpu' | 'wasm';

export async function useNodeBackend(name: NodeBackend): Promise<string> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    const { dirname } = await import('node:path');
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(`${dist}/`);
    registerWasmConvGradients();
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} failed to initialise in Node.`);
  await tf.ready();
  return tf.getBackend();
}
