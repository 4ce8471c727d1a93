/**
 * Times a few training steps of a model on each TF.js backend, for `backend=auto`: the same
 * training loop a run uses (src/tf/train.ts), on synthetic images, at the run's batch size, the
 * first step (compilation, allocation) left out. Used by the worker and by scripts/bench-train.ts
 * (Node): it activates backends only through the function it is given.
 */
import { probeOrder, type BackendName, type ProbeResult } from '../core/autoBackend';
import { inputShapeOf, NUM_CLASSES, type ArchitectureConfig } from '../core/models';
import { pixelsPerImage, type ImageShape } from '../core/datasets/kinds';
import { mulberry32 } from '../core/rng';
import type { ImageSet } from '../core/data';
import { createNetwork, disposeNetwork } from '../tf/network';
import { train, type TrainOptions } from '../tf/train';

export type ProbeTraining = Pick<TrainOptions, 'batch' | 'lr' | 'optimizer' | 'momentum'>;

export interface StepLimits {
  /** Measured steps at most (after the warm-up step). */
  maxSteps: number;
  /** Stop measuring after this much measured time, ms (at least one step is measured). */
  budgetMs: number;
  /** Stop after the first measured step when it is already below this rate (samples/s). */
  cutBelow?: number;
  /** Checked before every step: true abandons the timing (null result). */
  shouldStop?(): boolean;
  yieldToEvents?(): Promise<void>;
}

export const DEFAULT_LIMITS: Pick<StepLimits, 'maxSteps' | 'budgetMs'> = { maxSteps: 5, budgetMs: 1500 };

export interface StepTiming {
  samplesPerSec: number;
  steps: number;
  warmupMs: number;
  cut: boolean;
}

/** `batches` copies of one batch of random images and labels: a step's speed does not depend on the pixels. */
function syntheticImages(batch: number, batches: number, shape: ImageShape): ImageSet {
  const rng = mulberry32(1);
  const one = new Uint8Array(batch * pixelsPerImage(shape));
  for (let i = 0; i < one.length; i++) one[i] = (rng() * 256) | 0;
  const images = new Uint8Array(one.length * batches);
  for (let b = 0; b < batches; b++) images.set(one, b * one.length);
  const labels = new Uint8Array(batch * batches);
  for (let i = 0; i < labels.length; i++) labels[i] = (rng() * NUM_CLASSES) | 0;
  return { images, labels, count: batch * batches, shape };
}

/**
 * Training steps of `model` on the active backend: one warm-up step, then up to `maxSteps` timed
 * ones. Null when stopped (shouldStop) before a step was timed. Leaves no tensor behind.
 */
export async function timeTrainingSteps(model: ArchitectureConfig, training: ProbeTraining, limits: StepLimits): Promise<StepTiming | null> {
  const batch = Math.max(1, training.batch);
  // One batch more than needed: the loop always stops through shouldStop, never reaching the evaluation.
  const images = syntheticImages(batch, limits.maxSteps + 2, inputShapeOf(model));
  const net = createNetwork(model, 1);
  const ends: number[] = [];
  let cut = false;
  let abandoned = false;
  let started = 0;
  const enough = () => {
    const measured = ends.length - 1;
    if (measured < 1) return false;
    const ms = ends[ends.length - 1] - ends[0];
    if (limits.cutBelow !== undefined && measured === 1 && (batch / ms) * 1000 < limits.cutBelow) return (cut = true);
    return measured >= limits.maxSteps || ms >= limits.budgetMs;
  };
  try {
    started = performance.now();
    await train(
      net,
      { train: images, test: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 } },
      { ...training, batch, epochs: 1, dataSeed: 1 },
      {
        onBatch: () => ends.push(performance.now()),
        control: {
          shouldStop: () => {
            if (limits.shouldStop?.()) return (abandoned = true);
            return enough();
          },
          waitWhilePaused: () => Promise.resolve(),
        },
        yieldToEvents: limits.yieldToEvents,
      },
    );
  } finally {
    disposeNetwork(net);
  }
  const measured = ends.length - 1;
  if (abandoned || measured < 1) return null;
  return {
    samplesPerSec: (measured * batch * 1000) / (ends[ends.length - 1] - ends[0]),
    steps: measured,
    warmupMs: ends[0] - started,
    cut,
  };
}

export interface ProbeOptions {
  /** Makes `name` the active backend (initialising it if needed) and describes it; throws when it cannot. */
  activate(name: BackendName): Promise<{ adapter: string; emulated: boolean; threads: number | null }>;
  /** The backend active now: it is timed first. */
  active: BackendName;
  /** Backends not to touch (their device was lost). */
  avoid?: readonly BackendName[];
  /** A rate measured before (samples/s), for the cut (default: none). */
  baseline?: number;
  /** Only these (default: probeOrder's WebGPU, WebGL, WASM, then CPU if none of them trains). */
  candidates?: readonly BackendName[];
  model: ArchitectureConfig;
  training: ProbeTraining;
  limits?: Partial<Pick<StepLimits, 'maxSteps' | 'budgetMs'>>;
  /** Checked before every step: true ends the probe ('cancelled'). */
  shouldStop?(): boolean;
  yieldToEvents?(): Promise<void>;
}

export interface ProbeReport {
  /** 'cancelled': shouldStop ended it; the results hold what was measured until then. */
  status: 'done' | 'cancelled';
  results: ProbeResult[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 200);

/**
 * Times each candidate in turn. A backend already slower than half the best after its first timed
 * step is cut there (its number stays, marked). Does not restore the backend that was active: the
 * caller does (it knows how).
 */
export async function probeBackends(options: ProbeOptions): Promise<ProbeReport> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const order = options.candidates ?? probeOrder(options.active, options.avoid);
  const results: ProbeResult[] = [];
  const stopped = () => options.shouldStop?.() ?? false;
  const runOne = async (backend: BackendName) => {
    const best = results.reduce((m, r) => Math.max(m, r.samplesPerSec ?? 0), options.baseline ?? 0);
    let result: ProbeResult;
    try {
      const info = await options.activate(backend);
      const timing = await timeTrainingSteps(options.model, options.training, {
        ...limits,
        cutBelow: best > 0 ? best / 2 : undefined,
        shouldStop: options.shouldStop,
        yieldToEvents: options.yieldToEvents,
      });
      if (!timing) return false;
      result = {
        backend,
        samplesPerSec: timing.samplesPerSec,
        adapter: info.adapter,
        emulated: info.emulated,
        threads: info.threads,
        steps: timing.steps,
        warmupMs: Math.round(timing.warmupMs),
        note: timing.cut ? 'cut after one step: under half the best' : null,
      };
    } catch (error) {
      result = { backend, samplesPerSec: null, adapter: '', emulated: false, threads: null, steps: 0, warmupMs: 0, note: message(error) };
    }
    results.push(result);
    return true;
  };
  for (const backend of order) {
    if (stopped() || !(await runOne(backend))) return { status: 'cancelled', results };
  }
  // CPU is the last resort: timed only when nothing else trains.
  if (!options.candidates && !options.avoid?.includes('cpu') && results.every((r) => r.samplesPerSec === null)) {
    if (stopped() || !(await runOne('cpu'))) return { status: 'cancelled', results };
  }
  return { status: 'done', results };
}
