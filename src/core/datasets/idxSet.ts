/**
 * Fashion-MNIST, KMNIST or any IDX set of 28x28 images and up to 10 classes: the four IDX files,
 * each gzip or raw (told apart by the gzip magic, not the name). Parsed and checked by the core's
 * IDX parser (src/core/idx.ts) and MNIST's dimension check; every error names the file.
 */
import { maxOf } from '../arrays';
import { IdxCollector, type ImageSet } from '../data';
import { IdxError, parseIdx } from '../idx';
import { NUM_CLASSES } from '../models';
import { bytesText, fileError, messageOf, openMaybeGzip, type NamedSource } from './bytes';
import { DATASETS, MNIST_SHAPE, pixelsPerImage } from './kinds';
import type { LoadedDataset } from './loaded';

export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const IDX_ROLES: readonly IdxRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** The most images an IDX set may hold per file (the bytes are kept; MNIST's train set is 60,000). */
export const MAX_IDX_IMAGES = 240_000;

const EXPECTED_NAMES = 'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz)';

/** Which of the four files a name is, by the parts every IDX set's names share (train/t10k or test, images/idx3 or labels/idx1). */
export function idxRoleOf(name: string): IdxRole | null {
  const base = name.toLowerCase().split(/[\\/]/).pop() ?? '';
  const test = /t10k|test/.test(base);
  const train = /train/.test(base);
  const images = /images|idx3/.test(base);
  const labels = /labels|idx1/.test(base);
  if (test === train || images === labels) return null;
  return `${test ? 'test' : 'train'}${images ? 'Images' : 'Labels'}` as IdxRole;
}

/**
 * Reads one IDX file (gzip or raw) as a stream, checking its header as soon as it arrives: the
 * dimensions must fit (N x 28 x 28 images, N labels) and decompression stops as soon as the file
 * passes the size its header claims.
 */
export async function readIdxFile(file: NamedSource, kind: 'images' | 'labels'): Promise<{ dims: number[]; data: Uint8Array }> {
  const { name } = file;
  const { stream, gzip } = await openMaybeGzip(file.source);
  const reader = stream.getReader();
  const collector = new IdxCollector(name, kind, (header) => {
    if (header.dims[0] > MAX_IDX_IMAGES) throw new IdxError(`${name}: ${bytesText(header.dims[0])} ${kind}; at most ${bytesText(MAX_IDX_IMAGES)} are taken.`);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      collector.push(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    if (error instanceof IdxError) throw error;
    throw fileError(name, `${gzip ? 'not a valid gzip file' : 'could not be read'} (${messageOf(error)}).`, error);
  }
  // parseIdx words a short header or short data with the file's name.
  return parseIdx(collector.bytes(), name);
}

function pairUp(images: { dims: number[]; data: Uint8Array }, labels: { dims: number[]; data: Uint8Array }, imagesName: string, labelsName: string): ImageSet {
  if (images.dims[0] !== labels.dims[0]) {
    throw new IdxError(`${labelsName}: ${bytesText(labels.dims[0])} labels but ${imagesName} has ${bytesText(images.dims[0])} images.`);
  }
  if (images.dims[0] === 0) throw new IdxError(`${imagesName}: holds no images.`);
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= NUM_CLASSES) throw new IdxError(`${labelsName}: label ${labels.data[i]} at index ${i}; at most ${NUM_CLASSES} classes (labels 0-9) are supported.`);
  }
  return { images: images.data, labels: labels.data, count: images.dims[0], shape: MNIST_SHAPE };
}

/**
 * Loads the four IDX files of a 28x28 set (in any order, named as MNIST's are). `data` says which
 * set it is (Fashion-MNIST's class names, or an unnamed IDX set's digits). Nothing is returned
 * unless all four files parse and agree.
 */
export async function loadIdxDataset(files: readonly NamedSource[], data: 'fashion' | 'idx' | 'mnist' = 'idx'): Promise<LoadedDataset> {
  const byRole = new Map<IdxRole, NamedSource>();
  for (const file of files) {
    const role = idxRoleOf(file.name);
    if (!role) throw fileError(file.name, `not one of the four IDX files; expected ${EXPECTED_NAMES}.`);
    const other = byRole.get(role);
    if (other) throw fileError(file.name, `${other.name} is the same file (${role}); give each of the four once.`);
    byRole.set(role, file);
  }
  const missing = IDX_ROLES.filter((role) => !byRole.has(role));
  if (missing.length > 0) {
    throw new Error(`${DATASETS[data].label}: ${missing.length} of the four IDX files missing (${missing.join(', ')}); expected ${EXPECTED_NAMES}.`);
  }
  const get = (role: IdxRole) => byRole.get(role)!;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    IDX_ROLES.map((role) => readIdxFile(get(role), role.endsWith('Images') ? 'images' : 'labels')),
  );
  const train = pairUp(trainImages, trainLabels, get('trainImages').name, get('trainLabels').name);
  const test = pairUp(testImages, testLabels, get('testImages').name, get('testLabels').name);
  const classes = maxOf(train.labels) + 1;
  const info = DATASETS[data];
  const notes = [
    `${info.label}: ${bytesText(train.count)} training and ${bytesText(test.count)} test images, ${MNIST_SHAPE.height}x${MNIST_SHAPE.width}, ${classes} classes (${bytesText(pixelsPerImage(MNIST_SHAPE))} bytes an image).`,
  ];
  if (data !== 'idx' && (train.count !== info.trainCount || test.count !== info.testCount)) {
    notes.push(`${info.label} has ${bytesText(info.trainCount)} training and ${bytesText(info.testCount)} test images; these files are a subset or another set.`);
  }
  return { data, train, test, shape: MNIST_SHAPE, classNames: [...info.classNames], notes };
}
