/**
 * The widths NetAdapt shrinks, as config: mlp's hidden widths, mlp1's one hidden layer (an adapted
 * mlp1 is `model=mlp&hidden=N`, the same layers) and lenet's conv1, conv2 and fc1 (`lenetWidths`).
 * Prunable layer k is weight layer k in every model: all but the output layer.
 */
import type { Config } from '../config';
import { architecture, DEFAULT_LENET_WIDTHS, isWeightLayer, type ArchitectureConfig } from '../models';

export function prunableWidths(config: ArchitectureConfig): number[] {
  switch (config.model) {
    case 'mlp1':
      return [100];
    case 'mlp':
      return [...(config.hidden ?? [])];
    case 'lenet':
      return [...(config.lenetWidths ?? DEFAULT_LENET_WIDTHS)];
    default:
      throw new RangeError(`NetAdapt adapts mlp1, mlp and lenet, not ${config.model}`);
  }
}

/** The same config with other prunable widths (an mlp1 becomes the mlp it is). */
export function withWidths<C extends ArchitectureConfig>(config: C, widths: readonly number[]): C {
  const expected = prunableWidths(config).length;
  if (widths.length !== expected || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new RangeError(`${config.model} has ${expected} prunable widths, each a positive integer; got ${widths.join(',')}`);
  }
  if (config.model === 'lenet') return { ...config, lenetWidths: [...widths] };
  // mlp1 is mlp with one hidden layer of 100: the same layers, names and initialisation.
  return { ...config, model: 'mlp', hidden: [...widths] };
}

/** Names of the prunable layers (hidden1.., conv1, conv2, fc1), in weight-layer order. */
export function prunableLayerNames(config: ArchitectureConfig): string[] {
  return architecture(config).filter(isWeightLayer).slice(0, -1).map((layer) => layer.name);
}

/** The URL keys that hold the widths (what the page shares). */
export type WidthConfig = Pick<Config, 'model' | 'hidden' | 'lenetWidths'>;
