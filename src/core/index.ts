/** Public API of the core: pure TypeScript, no DOM, shared by the page, the worker, the CLI and tests. */
export * from './config';
export * from './data';
export * from './idx';
export * from './models';
export * from './network';
export * from './rng';
export * from './train';
export * from './planning';
export * from './quant/schemes';
export * from './quant/ste';
export * from './pareto';
export * from './cost/energyTable';
export * from './cost/estimate';
export * from './experiment';
export * from './quant/quantizedNetwork';
export * from './presets';
export * from './quant/quantConfig';
