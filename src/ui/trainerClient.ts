/**
 * Starts the training worker, wraps it with comlink, and watches it: a worker that dies (crash,
 * out of memory, terminated) or stops answering is reported once through `onFault`, and every call
 * still waiting on it rejects with a WorkerFault instead of hanging forever.
 */
import * as Comlink from 'comlink';
import type { TrainerApi } from '../worker/protocol';

export type WorkerFaultKind = 'died' | 'hung' | 'error';

export class WorkerFault extends Error {
  constructor(
    readonly kind: WorkerFaultKind,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerFault';
  }
}

export interface TrainerHandle {
  api: Comlink.Remote<TrainerApi>;
  /** Ends the worker on purpose (no fault is reported). */
  terminate(): void;
  /** For fault-injection tests: ends the worker the way a crash would (the page is not told). */
  crash(): void;
}

/** How often a busy worker is asked whether it is alive. */
const HEARTBEAT_MS = 1000;
/**
 * A worker that answers nothing for this long is declared hung. Generous: one CPU-backend batch of a
 * big model blocks the worker's thread for seconds, and a false alarm would discard a good run.
 */
export const HANG_MS = 60_000;

/** After an `error` event, a worker that does not answer within this time is taken for dead. */
const ERROR_PROBE_MS = 5000;

let workerCount = 0;

/**
 * `onFault` is called at most once per worker. Death is seen at once through a Web Lock the
 * worker holds for its whole life (the browser releases it when the worker ends, however it
 * ends), with `error` events and an unanswered heartbeat as the fallbacks.
 */
export function startTrainer(onFault: (fault: WorkerFault) => void, options: { hangMs?: number } = {}): TrainerHandle {
  const worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
  const remote = Comlink.wrap<TrainerApi>(worker);
  const hangMs = options.hangMs ?? HANG_MS;
  let ended = false;
  let fault: WorkerFault | null = null;
  let rejectAll: (fault: WorkerFault) => void = () => {};
  const faulted = new Promise<never>((_, reject) => {
    rejectAll = reject;
  });
  faulted.catch(() => undefined);

  const timers: ReturnType<typeof setInterval>[] = [];
  const stopWatching = () => timers.splice(0).forEach(clearInterval);

  function report(next: WorkerFault) {
    if (ended || fault) return;
    fault = next;
    stopWatching();
    worker.terminate();
    rejectAll(next);
    onFault(next);
  }

  worker.addEventListener('error', (event) => {
    // An uncaught error leaves a worker running; a script that failed to load leaves none. Ask.
    event.preventDefault();
    const why = event.message || 'the worker script failed';
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ERROR_PROBE_MS));
    void Promise.race([remote.ping().catch(() => false), timeout]).then((alive) => {
      if (alive) console.warn(`training worker: uncaught error (${why}); it still answers`);
      else report(new WorkerFault('error', `The training worker failed (${why}).`));
    });
  });
  worker.addEventListener('messageerror', () => report(new WorkerFault('error', 'A message from the training worker could not be read.')));

  // The lock: the worker takes it first (holdLock answers once held); ours waits behind it.
  const lockName = `quantization-playground-worker-${Date.now().toString(36)}-${++workerCount}`;
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks) {
    void remote.holdLock(lockName).then(
      () =>
        locks.request(lockName, () => {
          report(new WorkerFault('died', 'The training worker stopped (it crashed or ran out of memory).'));
        }),
      () => undefined,
    );
  }

  // Heartbeat: the worker answers `ping` between batches; silence while calls wait means a hang.
  let pending = 0;
  let lastAnswer = performance.now();
  let pingInFlight = false;
  timers.push(
    setInterval(() => {
      if (pending === 0) {
        lastAnswer = performance.now();
        return;
      }
      if (performance.now() - lastAnswer > hangMs) {
        report(new WorkerFault('hung', `The training worker stopped answering for ${Math.round(hangMs / 1000)} s.`));
        return;
      }
      if (pingInFlight) return;
      pingInFlight = true;
      remote.ping().then(
        () => {
          pingInFlight = false;
          lastAnswer = performance.now();
        },
        () => undefined,
      );
    }, HEARTBEAT_MS),
  );

  // Every method call races the fault, so nothing waits forever on a dead worker.
  const api = new Proxy(remote, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || property === 'then' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (fault) return Promise.reject(fault);
        pending++;
        const call = Promise.race([(value as (...a: unknown[]) => Promise<unknown>)(...args), faulted]);
        return call.finally(() => {
          pending--;
          lastAnswer = performance.now();
        });
      };
    },
  }) as Comlink.Remote<TrainerApi>;

  return {
    api,
    terminate: () => {
      ended = true;
      stopWatching();
      remote[Comlink.releaseProxy]();
      worker.terminate();
      rejectAll(new WorkerFault('died', 'The training worker was replaced.'));
    },
    crash: () => worker.terminate(),
  };
}

export { Comlink };
