/**
 * The few IndexedDB steps the page's run records (src/ui/records/recordDb.ts) and the worker's data
 * sets (datasetStore.ts) both take: a request as a promise, a database of one object store, and a
 * transaction awaited until it has committed. Plain IndexedDB, no `idb` wrapper: the project does not
 * depend on it, and these three steps do not justify a dependency. Lives in the worker layer so that
 * both the worker and the page can import it.
 */

export function requestResult<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Opens (creating on first use) database `name` holding one object store keyed by `keyPath`. */
export function openOneStoreDb(name: string, version: number, store: string, keyPath: string, missing: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error(missing));
  const req = indexedDB.open(name, version);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(store)) req.result.createObjectStore(store, { keyPath });
  };
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

/** Resolves once `tx` has committed (a put is durable then); rejects when it fails or aborts. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** One request in its own transaction on `store`, its result once the transaction has committed. */
export async function inTransaction<T>(db: IDBDatabase, store: string, mode: IDBTransactionMode, make: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const tx = db.transaction(store, mode);
  const result = requestResult(make(tx.objectStore(store)));
  // A failed request aborts the transaction: the error surfaces from committed(), once.
  result.catch(() => undefined);
  await committed(tx);
  return result;
}
