/**
 * The data sets beyond the built-in MNIST, loaded from the user's files: bytes, Blobs (a File in the
 * page's worker) or streams in, a validated set out, or an Error naming the file and what is wrong.
 */
import type { NamedSource } from './bytes';
import { loadCifar10 } from './cifar';
import { loadIdxDataset } from './idxSet';
import type { DatasetName } from './kinds';
import type { LoadedDataset } from './loaded';

export { DATASETS, DATASET_NAMES, CIFAR10_SHAPE, MNIST_SHAPE, pixelsPerImage, type DatasetInfo, type DatasetName, type ImageShape } from './kinds';
export { openMaybeGzip, readAll, type ByteSource, type NamedSource } from './bytes';
export { loadIdxDataset, idxRoleOf, readIdxFile } from './idxSet';
export { CIFAR_RECORD_BYTES, loadCifar10, parseCifarBatch, parseCifarMeta, readCifarTar } from './cifar';
export type { LoadedDataset } from './loaded';

/** Loads a data set of the given kind from its files (MNIST from its four IDX files too). */
export function loadDataset(data: DatasetName, files: readonly NamedSource[]): Promise<LoadedDataset> {
  return data === 'cifar10' ? loadCifar10(files) : loadIdxDataset(files, data);
}
