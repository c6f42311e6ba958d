import { openVaultDb, type VaultDb } from '../../../workers/common/db';
import { brand, type PageKey } from '../../../workers/vault/crypto/keys';
import { createMutex } from '../../../workers/vault/storage/mutex';
import { PageStore, DEFAULT_PAGE_STORE_OPTIONS, type PageStoreOptions } from '../../../workers/vault/storage/page-store';
import type { StoredRecord } from '../../../src/domain/record';

let dbCounter = 0;
/** A fresh, uniquely named vault database (fake-indexeddb in unit tests). */
export function freshDb(): VaultDb {
  return openVaultDb(`test-${process.pid}-${++dbCounter}-${Math.random().toString(36).slice(2)}`);
}

export async function randomPageKey(): Promise<PageKey> {
  return brand<'page'>(await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']));
}

export async function makePageStore(db: VaultDb, opts: Partial<PageStoreOptions> = {}, partition = 'p1') {
  const key = await randomPageKey();
  const store = new PageStore(db, partition, { current: 1, byEpoch: new Map([[1, key]]) }, createMutex(), {
    ...DEFAULT_PAGE_STORE_OPTIONS,
    ...opts,
  });
  return { store, key };
}

/** Another store over the same database and key: another tab, or the same vault after unlock. */
export function reopenPageStore(db: VaultDb, key: PageKey, partition = 'p1', opts: Partial<PageStoreOptions> = {}) {
  return new PageStore(db, partition, { current: 1, byEpoch: new Map([[1, key]]) }, createMutex(), { ...DEFAULT_PAGE_STORE_OPTIONS, ...opts });
}

export function rec(id: string, text: string): StoredRecord {
  return { id, f: { name: [text, '0000000000001' + '0000' + 'dev'] }, c: '00', u: '00', by: 'u1' };
}

/** Puts or replaces records through the store's read-modify-write path. */
export function putAll(store: PageStore, records: StoredRecord[], collection = 'contact') {
  return store.mutate(collection, records.map((r) => r.id), () => ({ put: records, result: undefined }));
}

/** Deletes records the way the vault does: a tombstone each. */
export function tombstoneIds(store: PageStore, ids: string[], collection = 'contact') {
  return store.mutate(collection, ids, (existing) => ({
    put: ids.flatMap((id) => {
      const r = existing.get(id);
      return r ? [{ id, f: {}, c: r.c, u: r.u, d: r.u, by: r.by }] : [];
    }),
    result: undefined,
  }));
}

/**
 * What enrollment leaves on a device, for tests without a server: a server
 * session for the user, so the vault keeps an outbox for it (a purely local
 * account keeps none). The vault reads it when a session starts (unlock).
 */
export async function enrolledOffline(db: VaultDb, userId: string, groups: string[]): Promise<void> {
  await db.serverSessions.put({ userId, deviceId: crypto.randomUUID(), token: 'offline', groups, cursor: 0, blobCursor: 0 });
}

/**
 * Until the returned function is called, every put into IndexedDB store
 * `store` throws `error`, aborting its transaction with the writes issued
 * before it (the page store commits on raw IndexedDB: workers/common/raw-idb.ts).
 */
export function failPutsInto(store: string, error: DOMException): () => void {
  const proto = IDBObjectStore.prototype;
  const real = proto.put;
  proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (this.name === store) throw error;
    return real.apply(this, args);
  };
  return () => void (proto.put = real);
}
