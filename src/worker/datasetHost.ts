/**
 * The worker's data sets beyond the built-in MNIST: parsed here from the user's files (as streams,
 * by the core's loaders), kept in IndexedDB (datasetStore.ts) and read back from it. At most one
 * such set is held at a time beside MNIST (CIFAR-10 alone is 184 MB); switching kinds reads the
 * other back from IndexedDB.
 */
import type { MnistData } from '../core/data';
import { DATASETS, loadDataset, type DatasetName, type ImageShape, type LoadedDataset, type NamedSource } from '../core/datasets';
import { deleteStoredDataset, loadStoredDataset, saveDataset, type StoredDataset } from './datasetStore';

/** A set the user brings (MNIST is built in). */
export type UserDatasetName = Exclude<DatasetName, 'mnist'>;

/** What the page is told about a loaded set. */
export interface DatasetSummary {
  data: UserDatasetName;
  label: string;
  trainCount: number;
  testCount: number;
  shape: ImageShape;
  classNames: string[];
  notes: string[];
  files: string[];
  /** 'files': parsed from the files just given; 'stored': read back from IndexedDB; 'memory': already held. */
  source: 'files' | 'stored' | 'memory';
  /** Parsing the files, or reading the stored set back, ms. */
  loadMs: number;
  /** Writing it to IndexedDB, ms (null unless it was just written). */
  storeMs: number | null;
  /** Kept in IndexedDB (a failed write still leaves the set usable until the worker ends). */
  stored: boolean;
  storeError: string | null;
  savedAt: number | null;
}

let current: { set: LoadedDataset; files: string[]; savedAt: number | null; stored: boolean } | null = null;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function summary(source: DatasetSummary['source'], loadMs: number, storeMs: number | null, storeError: string | null): DatasetSummary {
  const { set, files, savedAt, stored } = current!;
  return {
    data: set.data as UserDatasetName,
    label: DATASETS[set.data].label,
    trainCount: set.train.count,
    testCount: set.test.count,
    shape: set.shape,
    classNames: set.classNames,
    notes: set.notes,
    files,
    source,
    loadMs,
    storeMs,
    stored,
    storeError,
    savedAt,
  };
}

/**
 * Parses the files as `data` and, only when every file is valid, makes the set current and stores
 * it; a bad file rejects with the loader's message (naming the file) and changes nothing.
 */
export async function loadFromFiles(data: UserDatasetName, files: readonly File[]): Promise<DatasetSummary> {
  const start = performance.now();
  const sources: NamedSource[] = files.map((file) => ({ name: file.name, source: file }));
  const set = await loadDataset(data, sources);
  const loadMs = performance.now() - start;
  const names = files.map((f) => f.name);
  current = { set, files: names, savedAt: null, stored: false };
  const storeStart = performance.now();
  let storeError: string | null = null;
  try {
    await saveDataset({ ...set, data }, names);
    current.stored = true;
    current.savedAt = Date.now();
  } catch (error) {
    storeError = message(error);
  }
  return summary('files', loadMs, performance.now() - storeStart, storeError);
}

/** Makes the stored set of `data` current (or keeps it when it already is); null when nothing is stored. */
export async function restoreDataset(data: UserDatasetName): Promise<DatasetSummary | null> {
  if (current?.set.data === data) return summary('memory', 0, null, null);
  const start = performance.now();
  const record = await loadStoredDataset(data);
  if (!record) return null;
  current = { set: fromStored(record), files: record.files, savedAt: record.savedAt, stored: true };
  return summary('stored', performance.now() - start, null, null);
}

/** Deletes the stored set and drops it from memory (a kept model keeps its own subsets). */
export async function forgetDataset(data: UserDatasetName): Promise<void> {
  if (current?.set.data === data) current = null;
  await deleteStoredDataset(data);
}

function fromStored(record: StoredDataset): LoadedDataset {
  return { data: record.data, train: record.train, test: record.test, shape: record.shape, classNames: record.classNames, notes: record.notes };
}

/** The set a config trains on; an Error that says what to do when it is not loaded. */
export function dataFor(data: DatasetName, mnist: MnistData | null): MnistData {
  if (data === 'mnist') {
    if (!mnist) throw new Error('MNIST is not loaded yet.');
    return mnist;
  }
  if (current?.set.data === data) return current.set;
  throw new Error(`${DATASETS[data].label} is not loaded: drop its files on the page first.`);
}
