/** Quantized dense kernels: CPU reference (semantics), WGSL generators, WebGPU runner. */
export * from './reference';
export * from './wgsl';
export * from './runner';
export * from './random';
export * from './fromNetwork';
export * from './conv';
export * from './convWgsl';
export * from './convRunner';
