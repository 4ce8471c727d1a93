/** NetAdapt in the core: widths as config, resources, the schedule, pruning and the algorithm. */
export * from './widths';
export * from './resources';
export * from './schedule';
export * from './prune';
export * from './algorithm';
export * from './split';
export * from './latency';
export * from './seed002';
