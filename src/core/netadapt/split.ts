/**
 * NetAdapt's holdout split: proposals are compared on training images the fine-tunes never see,
 * never on the test set. The order is the one that picks the training subset (selectTrainingSubset,
 * fixed by dataSeed): the holdout is the next `holdout` images after the trainSize the network
 * trained on when the 60,000 have them, else the last `holdout` of the subset (then not trained on).
 */
import { deriveSeed, mulberry32, permutation } from '../rng';

/** The order of the training images a data seed gives (the training subset is its first trainSize). */
export function trainingOrder(count: number, dataSeed: number): Uint32Array {
  return permutation(count, mulberry32(deriveSeed(dataSeed, 0x5ab5e7)));
}

export interface HoldoutSplit {
  /** Indices into the training set: what the fine-tunes train on. */
  train: Uint32Array;
  /** Indices into the training set, disjoint from `train`: what proposals are compared on. */
  holdout: Uint32Array;
}

export function holdoutSplit(count: number, trainSize: number, holdout: number, dataSeed: number): HoldoutSplit {
  const size = Math.min(trainSize, count);
  if (!Number.isInteger(holdout) || holdout < 1 || holdout >= size) throw new RangeError(`holdout must be 1..${size - 1} images, got ${holdout}`);
  const order = trainingOrder(count, dataSeed);
  if (size + holdout <= count) return { train: order.slice(0, size), holdout: order.slice(size, size + holdout) };
  return { train: order.slice(0, size - holdout), holdout: order.slice(size - holdout, size) };
}

/**
 * The training subset size that leaves `holdout` images of the `count` never trained on: the
 * holdout comes after the subset in the same order, so the network's first training must stop
 * `holdout` short of the whole set for the proposals' comparison to be on unseen images.
 */
export function trainSizeBesideHoldout(count: number, trainSize: number, holdout: number): number {
  return Math.max(1, Math.min(trainSize, count - holdout));
}

/** How many of holdoutSplit's holdout images lie inside the first `trainSize` (were trained on, if the network trained on that subset). */
export function holdoutSeenCount(count: number, trainSize: number, holdout: number): number {
  // holdoutSplit takes all of the holdout after the subset, or all of it from the subset's end.
  return Math.min(trainSize, count) + holdout <= count ? 0 : holdout;
}
