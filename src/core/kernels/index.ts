/** Quantized kernels: CPU references (semantics) and WGSL generators; the WebGPU side is src/gpu. */
export * from './reference';
export * from './wgsl';
export * from './random';
export * from './fromNetwork';
export * from './conv';
export * from './convWgsl';
