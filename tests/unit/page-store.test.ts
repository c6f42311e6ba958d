import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { freshDb, makePageStore, putAll, rec, removeIds, reopenPageStore } from './helpers/vault-fixtures';
import { pageCount } from '../../workers/vault/linear-hash';
import { HEADER_BYTES } from '../../workers/vault/page-format';
import { VaultError } from '../../src/lib/errors';

describe('page store', () => {
  it('round-trips records through encrypted pages and a fresh store instance', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const records = Array.from({ length: 500 }, () => rec(crypto.randomUUID(), 'x'.repeat(200)));
    await putAll(store, records);
    const m = await store.manifest('contact');
    expect(m.count).toBe(500);
    expect(pageCount(m)).toBeGreaterThan(4);

    // A second store (another tab, or after unlock) reads the same data from disk.
    const other = reopenPageStore(db, key);
    for (const r of records.slice(0, 50)) expect(await other.get('contact', r.id)).toEqual(r);
    let n = 0;
    await other.scan('contact', (rs) => {
      for (const _ of rs) n++;
    });
    expect(n).toBe(500);
  });

  it('pads every page to a multiple of 4 KiB and stores no plaintext', async () => {
    const db = freshDb();
    const { store } = await makePageStore(db);
    await putAll(store, [rec(crypto.randomUUID(), 'MARKER-plaintext-never-stored')]);
    const rows = await db.pages.toArray();
    expect(rows.length).toBe(1);
    const data = rows[0]!.data;
    expect((data.length - HEADER_BYTES - 12 - 16) % 4096).toBe(0);
    expect(Buffer.from(data).includes('MARKER')).toBe(false);
  });

  it('reports a flipped byte as Tampered naming the page, and other pages stay readable', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const records = Array.from({ length: 300 }, () => rec(crypto.randomUUID(), 'y'.repeat(200)));
    await putAll(store, records);
    const row = (await db.pages.toArray())[1]!;
    row.data[row.data.length - 5]! ^= 0x01;
    await db.pages.put(row);
    const fresh = reopenPageStore(db, key);
    const results = await Promise.allSettled(records.map((r) => fresh.get('contact', r.id)));
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(records.length);
    const err = (failed[0] as PromiseRejectedResult).reason as VaultError;
    expect(err.code).toBe('Tampered');
    expect(err.detail).toBe(`page contact/${row.page}`);
    const { damaged } = await fresh.scan('contact', () => {});
    expect(damaged).toEqual([`page contact/${row.page}`]);
  });

  it('detects a page moved to another slot (AAD binds the page number)', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    await putAll(store, Array.from({ length: 300 }, () => rec(crypto.randomUUID(), 'z'.repeat(200))));
    const [a, b] = await db.pages.toArray();
    await db.pages.put({ ...b!, data: a!.data });
    const fresh = reopenPageStore(db, key);
    const { damaged } = await fresh.scan('contact', () => {});
    expect(damaged.length).toBe(1);
  });

  it('flags a tampered manifest', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    await putAll(store, [rec(crypto.randomUUID(), 'a')]);
    const m = (await db.manifests.toArray())[0]!;
    m.data[40]! ^= 0x80;
    await db.manifests.put(m);
    const fresh = reopenPageStore(db, key);
    await expect(fresh.manifest('contact')).rejects.toMatchObject({ code: 'Tampered', detail: 'manifest contact' });
  });

  it('refuses an unknown format version with UnsupportedVersion', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const r = rec(crypto.randomUUID(), 'a');
    await putAll(store, [r]);
    const row = (await db.pages.toArray())[0]!;
    row.data[0] = 9;
    await db.pages.put(row);
    const fresh = reopenPageStore(db, key);
    await expect(fresh.get('contact', r.id)).rejects.toMatchObject({ code: 'UnsupportedVersion' });
  });

  it('notices another writer and retries instead of overwriting its pages', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const other = reopenPageStore(db, key);
    const a = rec(crypto.randomUUID(), 'a');
    const b = rec(crypto.randomUUID(), 'b');
    await putAll(store, [a]);
    await other.get('contact', a.id); // warms other's cache
    await putAll(store, [b]);
    const c = rec(crypto.randomUUID(), 'c');
    await putAll(other, [c]); // stale cache: must detect and retry
    store.invalidate('contact'); // what the change feed does when another tab commits
    for (const r of [a, b, c]) expect(await store.get('contact', r.id)).toBeTruthy();
    expect((await other.manifest('contact')).count).toBe(3);
  });

  it('turns a full disk into QuotaExceeded and keeps the old state, in memory and on disk', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const a = rec(crypto.randomUUID(), 'before');
    await putAll(store, [a]);
    const realPut = db.manifests.put.bind(db.manifests);
    db.manifests.put = (() => Promise.reject(new DOMException("disk full", "QuotaExceededError"))) as unknown as typeof db.manifests.put;
    const many = Array.from({ length: 400 }, () => rec(crypto.randomUUID(), 'x'.repeat(300)));
    await expect(putAll(store, [{ ...a, f: { name: ['after', 'x'] } }, ...many])).rejects.toMatchObject({ code: 'QuotaExceeded' });
    db.manifests.put = realPut;
    expect((await store.get('contact', a.id))?.f.name?.[0]).toBe('before');
    expect((await store.manifest('contact')).count).toBe(1);
    const fresh = reopenPageStore(db, key);
    expect((await fresh.get('contact', a.id))?.f.name?.[0]).toBe('before');
    expect(await fresh.get('contact', many[0]!.id)).toBeUndefined();
    await putAll(store, many); // and the store still works afterwards
    expect((await store.manifest('contact')).count).toBe(401);
  });

  it('model test: 10,000 random puts, deletes and gets agree with a Map, with splits', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db, { pageBytes: 4096 });
    const model = new Map<string, string>();
    const ids: string[] = [];
    let seed = 42;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 10_000; i++) {
      const op = rand();
      if (op < 0.5 || ids.length === 0) {
        const id = rand() < 0.2 && ids.length ? ids[Math.floor(rand() * ids.length)]! : crypto.randomUUID();
        const text = `v${i}-` + 'q'.repeat(Math.floor(rand() * 300));
        if (!model.has(id)) ids.push(id);
        model.set(id, text);
        await putAll(store, [rec(id, text)]);
      } else if (op < 0.65) {
        const id = ids[Math.floor(rand() * ids.length)]!;
        model.delete(id);
        await removeIds(store, [id]);
      } else {
        const id = ids[Math.floor(rand() * ids.length)]!;
        const got = await store.get('contact', id);
        expect(got?.f.name?.[0]).toBe(model.get(id));
      }
    }
    const m = await store.manifest('contact');
    expect(pageCount(m)).toBeGreaterThan(50);
    expect(m.count).toBe(model.size);
    // Everything again, from disk, through a fresh instance.
    const fresh = reopenPageStore(db, key);
    const seen = new Map<string, string>();
    await fresh.scan('contact', (rs) => {
      for (const r of rs) seen.set(r.id, r.f.name![0] as string);
    });
    expect(seen).toEqual(model);
  }, 120_000);
});
