import Dexie from 'dexie';
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

/** Deletes every store of the app in this origin. Closes `db` first. */
export async function eraseAll(db: VaultDb): Promise<void> {
  db.close();
  await Dexie.delete(db.name);
  const others = (await indexedDB.databases?.().catch(() => [])) ?? [];
  for (const d of others) if (d.name) await Dexie.delete(d.name);
  if (typeof caches !== 'undefined') for (const k of await caches.keys()) await caches.delete(k);
  const root = typeof navigator === 'undefined' ? undefined : await navigator.storage?.getDirectory?.().catch(() => undefined);
  if (root) for await (const name of (root as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
}

/** Finishes a wipe a crash interrupted (the marker commits with the shred, so the keys are gone already): true if there was one. */
export async function finishPendingWipe(db: VaultDb): Promise<boolean> {
  if ((await db.meta.get(MARK).catch(() => undefined))?.value !== 'pending') return false;
  await eraseAll(db);
  return true;
}
