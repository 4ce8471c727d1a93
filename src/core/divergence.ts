/** A run whose loss stopped being a number, and the one line that says so. TF.js-free: the page uses it too. */

export interface Divergence {
  epoch: number;
  /** 1-based within the epoch. */
  batch: number;
  /** The non-finite loss: NaN or ±Infinity (survives structured clone, not JSON). */
  loss: number;
}

export function divergenceMessage(d: Pick<Divergence, 'epoch' | 'batch'>): string {
  return `The loss diverged at epoch ${d.epoch}, batch ${d.batch}: try a smaller learning rate.`;
}
