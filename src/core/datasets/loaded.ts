import type { ImageSet, MnistData } from '../data';
import type { DatasetName, ImageShape } from './kinds';

/** A parsed, validated data set: MNIST's shape of data plus what the page and the CLI report. */
export interface LoadedDataset extends MnistData {
  data: DatasetName;
  shape: ImageShape;
  /** Names of the classes 0..9 (the files' own when they bring them). */
  classNames: string[];
  /** What was read and anything short of the full set, said aloud (e.g. "train: 2 of 5 batches"). */
  notes: string[];
}

export function withShape(set: ImageSet, shape: ImageShape): ImageSet {
  return { ...set, shape };
}
