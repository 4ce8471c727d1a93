/**
 * A tiny IndexedDB wrapper for run records: one database, one object store keyed by id.
 * Every call fails softly (the page keeps the records in memory) when IndexedDB is missing or refused,
 * as in some private windows.
 */
import { validRecords, type RunRecord } from '../../core/runRecord';
import { committed, inTransaction, openOneStoreDb } from '../../worker/indexedDb';

const DB_NAME = 'quantization-playground';
const DB_VERSION = 1;
const STORE = 'records';

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  if (opening) return opening;
  opening = openOneStoreDb(DB_NAME, DB_VERSION, STORE, 'id', 'IndexedDB is not available in this browser');
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return inTransaction(await open(), STORE, mode, fn);
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
  await committed(tx);
}

export async function clearRecords(): Promise<void> {
  await withStore('readwrite', (s) => s.clear());
}
