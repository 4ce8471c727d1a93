/**
 * NetAdapt (Yang et al., ECCV 2018), the algorithm without the tensors: per iteration, for each
 * prunable layer, the widest width that meets the iteration's resource target (other layers
 * unchanged), the units kept by largest L2 norm, a short fine-tune and a holdout accuracy (the
 * caller's `finetune`: TF.js in src/tf/netadapt.ts, anything in tests); the best proposal is kept.
 * It stops when the budget is met, nothing can be cut, or the signal aborts (partial steps kept).
 */
import type { Resource, ResourceConfig } from './resources';
import { pruneByNorm, type AdaptWeights } from './prune';
import { resourceTargets } from './schedule';
import { prunableLayerNames, prunableWidths, withWidths } from './widths';

/**
 * The widest width of prunable layer `index`, below its current one, at which the network's
 * resource is at most `target`; null when even one unit is too much. Binary search: a resource
 * never grows as a width shrinks.
 */
export function proposeWidth<C extends ResourceConfig>(config: C, index: number, target: number, resource: Resource): number | null {
  const widths = prunableWidths(config);
  const at = (w: number) => resource.measure(withWidths(config, widths.map((v, i) => (i === index ? w : v))));
  if (widths[index] <= 1 || at(1) > target) return null;
  let lo = 1; // meets the target
  let hi = widths[index] - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (at(mid) <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The paper's multiplier baseline: the largest m (to 1e-4) with every width round(m w), at least 1, within the budget. */
export function uniformWidths<C extends ResourceConfig>(config: C, budget: number, resource: Resource): { multiplier: number; widths: number[]; resource: number } {
  const widths = prunableWidths(config);
  const limit = resource.measure(config) * budget;
  const scaled = (m: number) => widths.map((w) => Math.max(1, Math.round(m * w)));
  const at = (m: number) => resource.measure(withWidths(config, scaled(m)));
  let lo = 0;
  let hi = 1;
  if (at(1) <= limit) lo = 1;
  else {
    for (let i = 0; i < 40 && hi - lo > 1e-4; i++) {
      const mid = (lo + hi) / 2;
      if (at(mid) <= limit) lo = mid;
      else hi = mid;
    }
  }
  return { multiplier: lo, widths: scaled(lo), resource: at(lo) };
}

export interface NetAdaptOptions {
  /** Target resource as a fraction of the starting network's, in (0, 1]. */
  budget: number;
  /** Iterations of the schedule (more run, at the budget, if the schedule's last one misses it). */
  iterations: number;
  /** Decay of the schedule's steps (resourceTargets). */
  decay?: number;
  /** Training batches of each proposal's short fine-tune. */
  finetuneBatches: number;
  signal?: AbortSignal;
  /** After every kept proposal: the page's progress and trajectory, the CLI's JSON line. */
  onIteration?(step: NetAdaptStep): void;
}

export interface Proposal {
  layerIndex: number;
  layer: string;
  widths: number[];
  resource: number;
  holdoutAccuracy: number;
}

/** One iteration's kept proposal (iteration 0: the starting network, unpruned, untuned). */
export interface NetAdaptStep {
  iteration: number;
  /** The layer cut (null for iteration 0). */
  layer: string | null;
  widths: number[];
  resource: number;
  /** resource / the starting network's. */
  resourceRatio: number;
  /** This iteration's target, the resource it had to reach. */
  target: number;
  holdoutAccuracy: number;
  /** Wall time of the iteration (every proposal's fine-tune and evaluation). */
  ms: number;
  /** Every proposal of the iteration, the kept one among them. */
  proposals: Proposal[];
}

export interface NetAdaptResult<C> {
  status: 'done' | 'cancelled' | 'stuck';
  config: C;
  weights: AdaptWeights[];
  steps: NetAdaptStep[];
  initialResource: number;
}

/** Fine-tunes a proposal briefly and measures it on the holdout split; returns the tuned weights. */
export type FinetuneProposal<C> = (
  config: C,
  weights: AdaptWeights[],
  context: { iteration: number; layerIndex: number; signal?: AbortSignal },
) => Promise<{ weights: AdaptWeights[]; holdoutAccuracy: number }>;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** True when `error` is the AbortSignal's abort (the run ends as 'cancelled', not as an error). */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

export async function netAdapt<C extends ResourceConfig>(
  config: C,
  weights: AdaptWeights[],
  resource: Resource,
  finetune: FinetuneProposal<C>,
  options: NetAdaptOptions & { initialHoldoutAccuracy: number },
): Promise<NetAdaptResult<C>> {
  const initialResource = resource.measure(config);
  const limit = initialResource * options.budget;
  const targets = resourceTargets(initialResource, options.budget, options.iterations, options.decay);
  // Integer widths seldom land exactly on a target: a few extra iterations at the budget.
  const maxIterations = options.iterations + Math.max(3, prunableWidths(config).length);
  const names = prunableLayerNames(config);
  const steps: NetAdaptStep[] = [];
  let current = { config, weights };
  const start: NetAdaptStep = {
    iteration: 0,
    layer: null,
    widths: prunableWidths(config),
    resource: initialResource,
    resourceRatio: 1,
    target: initialResource,
    holdoutAccuracy: options.initialHoldoutAccuracy,
    ms: 0,
    proposals: [],
  };
  steps.push(start);
  options.onIteration?.(start);
  let status: NetAdaptResult<C>['status'] = 'done';
  let resourceNow = initialResource;
  for (let iteration = 1; resourceNow > limit * (1 + 1e-12); iteration++) {
    if (iteration > maxIterations) {
      status = 'stuck';
      break;
    }
    const started = now();
    // The schedule's target, or lower when the network is already below it (each iteration cuts).
    const scheduled = targets[Math.min(iteration, targets.length) - 1];
    const target = Math.max(limit, Math.min(scheduled, resourceNow * (1 - 1e-9)));
    const proposals: (Proposal & { config: C; weights: AdaptWeights[] })[] = [];
    try {
      for (let k = 0; k < names.length; k++) {
        if (options.signal?.aborted) throw new DOMException('NetAdapt cancelled', 'AbortError');
        const width = proposeWidth(current.config, k, target, resource);
        if (width === null) continue;
        const widths = prunableWidths(current.config).map((w, i) => (i === k ? width : w));
        const proposalConfig = withWidths(current.config, widths);
        const pruned = pruneByNorm(current.weights, k, width).weights;
        const tuned = await finetune(proposalConfig, pruned, { iteration, layerIndex: k, signal: options.signal });
        proposals.push({
          layerIndex: k,
          layer: names[k],
          widths,
          resource: resource.measure(proposalConfig),
          holdoutAccuracy: tuned.holdoutAccuracy,
          config: proposalConfig,
          weights: tuned.weights,
        });
      }
      // A cancel during the last proposal: the iteration is not complete.
      if (options.signal?.aborted) throw new DOMException('NetAdapt cancelled', 'AbortError');
    } catch (error) {
      if (!isAbort(error, options.signal)) throw error;
      status = 'cancelled';
      break;
    }
    if (proposals.length === 0) {
      status = 'stuck';
      break;
    }
    // The most accurate on the holdout; on a tie, the cheaper.
    const best = proposals.reduce((a, b) => (b.holdoutAccuracy > a.holdoutAccuracy || (b.holdoutAccuracy === a.holdoutAccuracy && b.resource < a.resource) ? b : a));
    current = { config: best.config, weights: best.weights };
    resourceNow = best.resource;
    const step: NetAdaptStep = {
      iteration,
      layer: best.layer,
      widths: best.widths,
      resource: best.resource,
      resourceRatio: best.resource / initialResource,
      target,
      holdoutAccuracy: best.holdoutAccuracy,
      ms: now() - started,
      proposals: proposals.map(({ layerIndex, layer, widths, resource: r, holdoutAccuracy }) => ({ layerIndex, layer, widths, resource: r, holdoutAccuracy })),
    };
    steps.push(step);
    options.onIteration?.(step);
  }
  return { status, config: current.config, weights: current.weights, steps, initialResource };
}
