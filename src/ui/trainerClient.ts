/** Starts the training worker and wraps it with comlink. */
import * as Comlink from 'comlink';
import type { TrainerApi } from '../worker/protocol';

export interface TrainerHandle {
  api: Comlink.Remote<TrainerApi>;
  terminate(): void;
}

export function startTrainer(): TrainerHandle {
  const worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<TrainerApi>(worker);
  return {
    api,
    terminate: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

export { Comlink };
