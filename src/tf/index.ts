/** The TF.js layer's public API, with the pure core beneath it (for the CLI, scripts and tests). */
export * from '../core';
export * from './network';
export * from './train';
export * from './ste';
export * from './experiment';
export * from './quantizedNetwork';
export * from './netadapt';
