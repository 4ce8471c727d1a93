/**
 * Which networks the page offers for which data set: the MNIST-sized ones (seed 003's 1-hidden,
 * 2-conv, any MLP) for the 28x28 grey sets, seed 003's CIFAR-10 networks for CIFAR-10's 32x32
 * colour images. The core would build any of them on either shape, but only these pairs are the
 * papers' networks (and the parameter counts they quote); the CLI still trains any pair.
 */
import type { Config, ConfigNotice } from '../../core/config';
import { DATASETS, type DatasetName } from '../../core/datasets/kinds';

type ModelName = Config['model'];

const GREY_MODELS = ['mlp1', 'lenet', 'mlp'] as const satisfies readonly ModelName[];
const COLOUR_MODELS = ['cifar3conv', 'cifar6conv'] as const satisfies readonly ModelName[];

/** Every model the page offers, for some data set. */
export const PAGE_MODEL_NAMES: readonly ModelName[] = [...GREY_MODELS, ...COLOUR_MODELS];

/** The models that take this data set's images, the first being the one a switch of data set picks. */
export function modelsFor(data: DatasetName): readonly ModelName[] {
  return DATASETS[data].shape.channels === 3 ? COLOUR_MODELS : GREY_MODELS;
}

export function modelFits(model: ModelName, data: DatasetName): boolean {
  return modelsFor(data).includes(model);
}

/** The knob values for choosing `data`: the set, and the first fitting model when the current one does not fit. */
export function dataChoice(config: Pick<Config, 'model'>, data: DatasetName): { data: DatasetName; model?: ModelName } {
  return modelFits(config.model, data) ? { data } : { data, model: modelsFor(data)[0] };
}

/**
 * A config from a link whose model does not take its data set's images: the set's first model, and
 * a notice saying why when the link named the model (`data=cifar10` alone just means its network).
 */
export function fitModelToData(config: Config, modelNamed = true): { config: Config; notice: ConfigNotice | null } {
  if (modelFits(config.model, config.data)) return { config, notice: null };
  const info = DATASETS[config.data];
  const model = modelsFor(config.data)[0];
  if (!modelNamed) return { config: { ...config, model }, notice: null };
  const shape = `${info.shape.height}x${info.shape.width} ${info.shape.channels === 3 ? 'colour' : 'grey'}`;
  return {
    config: { ...config, model },
    notice: { level: 'error', key: 'model', message: `model=${config.model} is not one of the page's networks for ${info.label} (${shape} images): using ${model}.` },
  };
}
