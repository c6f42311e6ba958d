import Dexie from 'dexie';

/**
 * IndexedDB under a Dexie instance, used directly on the page store's hot
 * paths: its commit, which runs once per user action, and its page reads.
 * Dexie's transaction layer costs about a millisecond per strict write
 * transaction in Chromium, more than the write itself (200 single puts:
 * 540 ms of transactions through Dexie, 350 ms here), and 0.1 to 0.25 ms
 * per single read (1,000 random gets of 16 KiB rows: 385 to 529 ms through
 * Dexie, 251 to 258 ms here). The schema and everything else stay on Dexie.
 */

/**
 * A strict read-write transaction. The body issues requests at once or from the callbacks of earlier reads,
 * never after awaiting anything else (the transaction would commit). IndexedDB
 * runs a transaction's requests in the order issued, so a read issued
 * before the writes sees the state before them; a callback that calls
 * `fail` aborts every write of the transaction.
 */
export interface WriteTx {
  get(store: string, key: IDBValidKey, then: (value: unknown) => void): void;
  put(store: string, value: unknown): void;
  add(store: string, value: unknown): void;
  delete(store: string, key: IDBValidKey): void;
  /** Aborts the transaction; the promise rejects with `reason`. */
  fail(reason: unknown): void;
}

/** The open IndexedDB database, opened the way Dexie would open it on first use; one closed on purpose (lock, wipe) stays closed. */
async function backend(db: Dexie): Promise<IDBDatabase> {
  if (!db.isOpen()) {
    if (db.hasBeenClosed()) throw new Dexie.DatabaseClosedError('Database has been closed');
    await db.open();
  }
  return db.backendDB();
}

export async function strictWrite(db: Dexie, stores: readonly string[], body: (tx: WriteTx) => void): Promise<void> {
  const idb = await backend(db);
  return new Promise<void>((resolve, reject) => {
    const t = idb.transaction([...new Set(stores)], 'readwrite', { durability: 'strict' });
    let reason: { value: unknown } | undefined;
    const fail = (value: unknown) => {
      if (reason) return;
      reason = { value };
      try {
        t.abort();
      } catch {
        // already finishing: onabort or onerror reports it
      }
    };
    // A request that fails (a full disk: QuotaExceededError) aborts the transaction with that error.
    t.oncomplete = () => resolve();
    t.onabort = () => reject(reason ? reason.value : (t.error ?? new DOMException('The write was aborted.', 'AbortError')));
    const guarded = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        fail(e);
      }
    };
    const tx: WriteTx = {
      get(store, key, then) {
        const r = t.objectStore(store).get(key);
        r.onsuccess = () => guarded(() => then(r.result));
      },
      put: (store, value) => void t.objectStore(store).put(value),
      add: (store, value) => void t.objectStore(store).add(value),
      delete: (store, key) => void t.objectStore(store).delete(key),
      fail,
    };
    guarded(() => body(tx));
  });
}

/** The rows under `keys` (undefined where there is none), in one read-only transaction. */
export async function getRows<T>(db: Dexie, store: string, keys: readonly IDBValidKey[]): Promise<(T | undefined)[]> {
  const t = (await backend(db)).transaction(store, 'readonly');
  const s = t.objectStore(store);
  return Promise.all(
    keys.map(
      (key) =>
        new Promise<T | undefined>((resolve, reject) => {
          const r = s.get(key);
          r.onsuccess = () => resolve(r.result as T | undefined);
          r.onerror = () => reject(r.error);
        }),
    ),
  );
}
