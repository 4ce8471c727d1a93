/** Public API of the core: pure TypeScript, no DOM, shared by the page, the worker, the CLI and tests. */
export * from './config';
export * from './data';
export * from './idx';
export * from './models';
export * from './rng';
export * from './planning';
export * from './quant/schemes';
export * from './pareto';
export * from './cost/energyTable';
export * from './cost/estimate';
export * from './presets';
export * from './quant/quantConfig';
export * from './sweep';
export * from './runRecord';
export * from './lrSchedule';
export * from './netadapt';
export * from './datasets';
