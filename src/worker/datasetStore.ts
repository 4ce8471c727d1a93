/**
 * The user's parsed data sets, kept in IndexedDB so that a reload or a shared link (data=fashion,
 * data=cifar10) trains without choosing the files again. One record per set kind: the pixels and
 * labels as parsed (not the files: no second parse, and a .tar.gz's readme is not kept), the image
 * shape, the class names and the loader's notes.
 *
 * The pixels are stored as Blobs: Chromium refuses a structured-clone value over 127 MB (133,169,152
 * bytes), and CIFAR-10's 60,000 images are 184 MB; a Blob is written beside the record, unlimited.
 *
 * Runs in the training worker (IndexedDB exists in workers), so a 184 MB CIFAR-10 write never
 * blocks the page; the IndexedDB steps are indexedDb.ts's, shared with the page's run records.
 */
import type { ImageSet } from '../core/data';
import { pixelsPerImage, type DatasetName, type ImageShape, type LoadedDataset } from '../core/datasets';
import { inTransaction, openOneStoreDb } from './indexedDb';

const DB_NAME = 'qp-datasets';
const DB_VERSION = 1;
const STORE = 'sets';

/** What is stored for one set: the parsed set, and where it came from. */
export interface StoredDataset {
  data: Exclude<DatasetName, 'mnist'>;
  train: ImageSet;
  test: ImageSet;
  shape: ImageShape;
  classNames: string[];
  notes: string[];
  /** The files it was parsed from (names only), for the page to say. */
  files: string[];
  savedAt: number;
}

function open(): Promise<IDBDatabase> {
  return openOneStoreDb(DB_NAME, DB_VERSION, STORE, 'data', 'IndexedDB is not available here (private browsing or an old browser)').then((db) => {
    // Another tab holding an older version: this one closes its connection on versionchange.
    db.onversionchange = () => db.close();
    return db;
  });
}

/** Runs one request in its own transaction and resolves when the transaction has committed (a put is durable then). */
async function inStore<T>(mode: IDBTransactionMode, make: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await inTransaction(db, STORE, mode, make);
  } finally {
    db.close();
  }
}

/** A set as written: the pixels in a Blob (see above), the labels as they are. */
interface PackedSet {
  images: Blob;
  labels: Uint8Array;
  count: number;
  shape?: ImageShape;
}

type PackedRecord = Omit<StoredDataset, 'train' | 'test'> & { train: PackedSet; test: PackedSet };

function pack(set: ImageSet): PackedSet {
  return { images: new Blob([set.images as Uint8Array<ArrayBuffer>]), labels: set.labels.slice(), count: set.count, ...(set.shape ? { shape: set.shape } : {}) };
}

async function unpack(set: unknown): Promise<ImageSet | null> {
  const s = set as Partial<PackedSet> | null;
  if (!s || !(s.images instanceof Blob)) return null;
  return { images: new Uint8Array(await s.images.arrayBuffer()), labels: s.labels as Uint8Array, count: s.count as number, ...(s.shape ? { shape: s.shape } : {}) };
}

/** Stores a parsed set, replacing the kind's previous one in one transaction (all or nothing). */
export async function saveDataset(set: LoadedDataset & { data: StoredDataset['data'] }, files: readonly string[]): Promise<void> {
  const record: PackedRecord = {
    data: set.data,
    train: pack(set.train),
    test: pack(set.test),
    shape: set.shape,
    classNames: [...set.classNames],
    notes: [...set.notes],
    files: [...files],
    savedAt: Date.now(),
  };
  await inStore('readwrite', (store) => store.put(record));
}

/** The stored set of a kind, or null when none is (or the record is not one we wrote). */
export async function loadStoredDataset(data: StoredDataset['data']): Promise<StoredDataset | null> {
  const packed = (await inStore('readonly', (store) => store.get(data))) as Partial<PackedRecord> | undefined;
  if (!packed) return null;
  const [train, test] = await Promise.all([unpack(packed.train), unpack(packed.test)]);
  const record = { ...packed, train, test };
  return isStoredDataset(record, data) ? record : null;
}

export async function deleteStoredDataset(data: StoredDataset['data']): Promise<void> {
  await inStore('readwrite', (store) => store.delete(data));
}

/** Checks a record read back: another version of the page (or a hand edit) may have written something else. */
export function isStoredDataset(record: unknown, data: string): record is StoredDataset {
  if (!record || typeof record !== 'object') return false;
  const r = record as Partial<StoredDataset>;
  const setOk = (s: ImageSet | undefined, shape: ImageShape) =>
    !!s && s.images instanceof Uint8Array && s.labels instanceof Uint8Array && s.count === s.labels.length && s.images.length === s.count * pixelsPerImage(shape);
  return (
    r.data === data &&
    !!r.shape &&
    typeof r.shape.height === 'number' &&
    setOk(r.train, r.shape) &&
    setOk(r.test, r.shape) &&
    Array.isArray(r.classNames) &&
    Array.isArray(r.notes) &&
    Array.isArray(r.files)
  );
}
