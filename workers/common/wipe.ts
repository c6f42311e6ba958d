import type { VaultDb } from './db';

/**
 * Remote wipe (DESIGN §8), keyless, so the service worker can do it with no
 * tab open. First the crypto-shred: every wrapped account key and group key
 * envelope deleted in one strict transaction, which makes everything else
 * unreadable at once, with a marker that survives a crash. Then, once the
 * server has been told if it can be, every IndexedDB database, Cache
 * Storage entry and OPFS entry of the app. A wipe interrupted half-way is
 * finished by finishPendingWipe at the next start.
 */
const MARK = 'wipe';

export async function shred(db: VaultDb): Promise<void> {
  await db.transaction('rw', [db.accounts, db.envelopes, db.meta], async () => {
    await db.accounts.clear();
    await db.envelopes.clear();
    await db.meta.put({ key: MARK, value: 'pending' });
  });
}

/** Why the device was wiped, as the setup screen tells the next person (`Interrupted`: finished after a crash, the cause unknown). */
export type WipeReason = 'Command' | 'NoServerContact' | 'TooManyAttempts' | 'Interrupted';
export interface WipeNotice {
  at: number;
  reason: WipeReason;
}

/** The one thing a wipe leaves: when and why it happened, with no data, so the app can say so instead of looking new. */
const NOTICE_DB = 'fieldvault-notice';
const NOTICE_STORE = 'notice';

/**
 * Deletes every store of the app in this origin; closes `db`; then leaves
 * the wipe notice (readWipeNotice). The vault
 * database is emptied through `db` before it is deleted: a deletion waits
 * for every other connection to close, and one that does not (a page of
 * an old version, a debugger, a script that never closes it) would
 * otherwise leave the ciphertext in place and this wipe waiting for ever,
 * with the open pages never told. The browser completes such a deletion
 * once that connection closes.
 */
export async function eraseAll(db: VaultDb, reason: WipeReason): Promise<void> {
  await db.transaction('rw', db.tables, () => Promise.all(db.tables.map((t) => t.clear())));
  db.close();
  await deleteDatabase(db.name);
  const others = (await indexedDB.databases?.().catch(() => [])) ?? [];
  for (const d of others) if (d.name && d.name !== db.name) await deleteDatabase(d.name);
  if (typeof caches !== 'undefined') for (const k of await caches.keys()) await caches.delete(k);
  const root = typeof navigator === 'undefined' ? undefined : await navigator.storage?.getDirectory?.().catch(() => undefined);
  if (root) for await (const name of (root as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
  await withNoticeStore('readwrite', (s) => s.put({ at: Date.now(), reason } satisfies WipeNotice, 'wipe')).catch(() => undefined); // the wipe is done either way
}

/** When and why this device was last wiped, if it was. */
export async function readWipeNotice(): Promise<WipeNotice | null> {
  const v = await withNoticeStore('readonly', (s) => s.get('wipe')).catch(() => undefined);
  const n = v as Partial<WipeNotice> | undefined;
  return typeof n?.at === 'number' && typeof n.reason === 'string' ? (n as WipeNotice) : null;
}

function withNoticeStore(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(NOTICE_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(NOTICE_STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const conn = open.result;
      const r = op(conn.transaction(NOTICE_STORE, mode).objectStore(NOTICE_STORE));
      r.onsuccess = () => (conn.close(), resolve(r.result));
      r.onerror = () => (conn.close(), reject(r.error));
    };
  });
}

/** Resolves once the database is deleted, or once another connection holds the deletion back (it completes when that one closes). */
function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onblocked = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

/** Finishes a wipe a crash interrupted (the marker commits with the shred, so the keys are gone already): true if there was one. */
export async function finishPendingWipe(db: VaultDb): Promise<boolean> {
  if ((await db.meta.get(MARK).catch(() => undefined))?.value !== 'pending') return false;
  await eraseAll(db, 'Interrupted');
  return true;
}
