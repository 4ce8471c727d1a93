/**
 * A tiny IndexedDB wrapper for run records: one database, one object store keyed by id.
 * Every call fails softly (the page keeps the records in memory) when IndexedDB is missing or refused,
 * as in some private windows.
 */
import { validRecords, type RunRecord } from '../../core/runRecord';

const DB_NAME = 'quantization-playground';
const DB_VERSION = 1;
const STORE = 'records';

let opening: Promise<IDBDatabase> | null = null;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function open(): Promise<IDBDatabase> {
  if (opening) return opening;
  opening = new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available in this browser'));
      return;
    }
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  const tx = db.transaction(STORE, mode);
  const result = await request(fn(tx.objectStore(STORE)));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
  return result;
}

export interface LoadedRecords {
  /** The valid stored records, oldest first. */
  records: RunRecord[];
  /** Stored entries that failed validation (recordProblem): left in the database, never shown. */
  skipped: number;
}

/** All stored records, oldest first, each checked field by field; how many were not records. */
export async function loadRecords(): Promise<LoadedRecords> {
  const all = await withStore('readonly', (s) => s.getAll());
  const { records, skipped } = validRecords(all as unknown[]);
  return { records: records.sort((a, b) => a.time - b.time), skipped };
}

export async function putRecords(records: readonly RunRecord[]): Promise<void> {
  if (records.length === 0) return;
  const db = await open();
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  for (const r of records) store.put(r);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export async function clearRecords(): Promise<void> {
  await withStore('readwrite', (s) => s.clear());
}
