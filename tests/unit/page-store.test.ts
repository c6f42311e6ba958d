import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { failPutsInto, freshDb, makePageStore, putAll, rec, reopenPageStore, tombstoneIds } from './helpers/vault-fixtures';
import { brand, type PageKey } from '../../workers/vault/crypto/keys';
import { decodeManifest, encodeManifest } from '../../workers/vault/storage/manifest';
import { PageStore } from '../../workers/vault/storage/page-store';
import { HEADER_BYTES, openJson, readHeader, sealJson } from '../../workers/vault/storage/sealed-item';
import type { StoredRecord } from '../../src/domain/record';
import type { VaultDb } from '../../workers/common/db';
import { VaultError } from '../../src/lib/errors';
import { entityType } from '../../src/domain/entity-types';
import { compileMatcher, matchable } from '../../src/domain/query-match';

const SMALL = { pageBytes: 4096 };
const records = (n: number, text = 'x'.repeat(200)) => Array.from({ length: n }, () => rec(crypto.randomUUID(), text));

async function everything(store: PageStore, collection = 'contact'): Promise<Map<string, StoredRecord>> {
  const out = new Map<string, StoredRecord>();
  await store.scan(collection, (rs) => {
    for (const r of rs) {
      expect(out.has(r.id)).toBe(false); // one current version per record
      out.set(r.id, r);
    }
  });
  return out;
}

/** Re-seals a collection's manifest with `edit` applied (what only a key holder could do: the tests' way to build states). */
async function editManifest(db: VaultDb, key: PageKey, edit: (m: ReturnType<typeof decodeManifest>) => void, collection = 'contact') {
  const row = (await db.manifests.get(['p1', collection]))!;
  const slot = { partition: 'p1', collection, kind: 'manifest' as const };
  const { header, value } = await openJson<unknown>(() => key, slot, row.data as Uint8Array<ArrayBuffer>);
  const m = decodeManifest(value);
  edit(m);
  await db.manifests.put({ ...row, data: await sealJson(key, slot, header.epoch, header.generation, encodeManifest(m)) });
}

describe('page store (log-structured)', () => {
  it('round-trips records through encrypted pages and a fresh store instance', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const all = records(500);
    await putAll(store, all);
    const m = await store.manifest('contact');
    expect(m.count).toBe(500);
    expect(m.pages.length).toBeGreaterThan(4);
    expect(await db.pages.count()).toBe(m.pages.length);
    // A second store (another tab, or after unlock) reads the same data from disk.
    const other = reopenPageStore(db, key);
    for (const r of all.slice(0, 50)) expect(await other.get('contact', r.id)).toEqual(r);
    expect((await everything(other)).size).toBe(500);
  });

  it('appends: a write of new records rewrites only the tail, in place; single puts keep one open tail', async () => {
    const db = freshDb();
    const { store } = await makePageStore(db, SMALL);
    await putAll(store, records(200));
    const before = new Map((await db.pages.toArray()).map((r) => [r.page, Buffer.from(r.data).toString('base64')]));
    const { pages } = await store.manifest('contact');
    for (let i = 0; i < 3; i++) await putAll(store, records(1, 'single'));
    const after = new Map((await db.pages.toArray()).map((r) => [r.page, Buffer.from(r.data).toString('base64')]));
    // Every page but the tail is untouched, byte for byte; the tail keeps its seq with a new generation.
    for (const p of pages.slice(0, -1)) expect(after.get(p.seq)).toBe(before.get(p.seq));
    const tail = pages[pages.length - 1]!;
    expect(after.get(tail.seq)).not.toBe(before.get(tail.seq));
    const m = await store.manifest('contact');
    expect(m.pages.find((p) => p.seq === tail.seq)!.gen).toBeGreaterThan(tail.gen);
    for (let i = 0; i < 30; i++) await putAll(store, records(1, 'single'));
    expect((await store.manifest('contact')).count).toBe(233);
    expect((await store.manifest('contact')).pages.length).toBeLessThanOrEqual(pages.length + 2);
  });

  it('pads every page to a multiple of 4 KiB and stores no plaintext', async () => {
    const db = freshDb();
    const { store } = await makePageStore(db);
    await putAll(store, [rec(crypto.randomUUID(), 'MARKER-plaintext-never-stored')]);
    await store.settle();
    const rows = [...(await db.pages.toArray()), ...(await db.manifests.toArray()), ...(await db.directory.toArray())];
    for (const row of rows) {
      expect((row.data.length - HEADER_BYTES - 12 - 16) % 4096).toBe(0);
      expect(Buffer.from(row.data).includes('MARKER')).toBe(false);
    }
  });

  for (const snapshot of [true, false])
    it(`reports a flipped byte as Tampered naming the page, and other pages stay readable (${snapshot ? 'directory from its snapshot' : 'directory replayed from every page'})`, async () => {
      const db = freshDb();
      const { store, key } = await makePageStore(db, SMALL);
      const all = records(300);
      await putAll(store, all);
      if (snapshot) await putAll(store, records(1500));
      await store.settle();
      expect((await store.manifest('contact')).snap !== null).toBe(snapshot);
      const row = (await db.pages.toArray())[1]!;
      row.data[row.data.length - 5]! ^= 0x01;
      await db.pages.put(row);
      const fresh = reopenPageStore(db, key, 'p1', SMALL);
      const results = await Promise.allSettled(all.map((r) => fresh.get('contact', r.id)));
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.length).toBeLessThan(all.length);
      expect(results.every((r) => r.status === 'rejected' || r.value !== undefined)).toBe(true);
      const err = (failed[0] as PromiseRejectedResult).reason as VaultError;
      expect(err.code).toBe('Tampered');
      expect(err.detail).toBe(`page contact/${row.page}`);
      const { damaged } = await fresh.scan('contact', () => {});
      expect(damaged).toEqual([`page contact/${row.page}`]);
      // Writes still work; upkeep leaves a damaged collection alone (a snapshot or a compaction would hide the damage).
      const before = await fresh.manifest('contact');
      await putAll(fresh, records(2000));
      await fresh.settle();
      const after = await fresh.manifest('contact');
      expect(after.snap).toEqual(before.snap);
      expect(await db.pages.get(['p1', 'contact', row.page])).toBeDefined();
      expect((await fresh.scan('contact', () => {})).damaged).toEqual([`page contact/${row.page}`]);
    });

  it('detects a page moved to another slot (AAD binds the page seq)', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db, SMALL);
    await putAll(store, records(300));
    const [a, b] = await db.pages.toArray();
    await db.pages.put({ ...b!, data: a!.data });
    const { damaged } = await reopenPageStore(db, key, 'p1', SMALL).scan('contact', () => {});
    expect(damaged).toEqual([`page contact/${b!.page}`]);
  });

  it('flags a tampered manifest, and a manifest put back from an older copy', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    await putAll(store, records(1));
    const old = (await db.manifests.toArray())[0]!;
    await putAll(store, records(1));
    // Rolled back: the older manifest no longer matches the pages committed with the newer one.
    await db.manifests.put(old);
    await expect(reopenPageStore(db, key).manifest('contact')).rejects.toMatchObject({ code: 'Tampered', detail: 'page contact/0 generation 2, expected 1' });
    const m = { ...old, data: new Uint8Array(old.data) };
    m.data[40]! ^= 0x80;
    await db.manifests.put(m);
    await expect(reopenPageStore(db, key).manifest('contact')).rejects.toMatchObject({ code: 'Tampered', detail: 'manifest contact' });
  });

  it('a manifest put back from before later pages were written is Tampered (pages past its end exist)', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db, SMALL);
    await putAll(store, records(100));
    const old = (await db.manifests.toArray())[0]!;
    await putAll(store, records(100));
    await db.manifests.put(old);
    await expect(reopenPageStore(db, key, 'p1', SMALL).manifest('contact')).rejects.toMatchObject({ code: 'Tampered', detail: 'manifest contact is older than its pages' });
  });

  it('an older copy of the tail put back (rollback) is Tampered, as is a missing page', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const a = rec(crypto.randomUUID(), 'v1');
    await putAll(store, [a]);
    const oldTail = (await db.pages.toArray())[0]!;
    await putAll(store, [{ ...a, f: { name: ['v2', 'x'] } }]);
    await db.pages.put(oldTail);
    await expect(reopenPageStore(db, key).get('contact', a.id)).rejects.toMatchObject({ code: 'Tampered', detail: 'page contact/0 generation 1, expected 2' });
    await db.pages.delete(['p1', 'contact', 0]);
    await expect(reopenPageStore(db, key).get('contact', a.id)).rejects.toMatchObject({ code: 'Tampered', detail: 'page contact/0 is missing' });
  });

  it('a directory snapshot plus replay gives what a full replay gives; a directory page put back from an older snapshot is Tampered', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db, SMALL);
    const model = new Map<string, StoredRecord>();
    const write = async (rs: StoredRecord[]) => {
      await putAll(store, rs);
      for (const r of rs) model.set(r.id, r);
    };
    await write(records(1500, 'y'.repeat(150)));
    await store.settle();
    const first = await store.manifest('contact');
    expect(first.snap).not.toBeNull();
    const oldDir = await db.directory.toArray();
    // Updates of old records and new ones, after the snapshot: they are found by replay.
    const ids = [...model.keys()];
    await write(ids.slice(0, 300).map((id) => rec(id, 'updated')));
    await write(records(200, 'new'));
    // The store's own upkeep (a snapshot 250 ms after the last write) must not run while the test edits the manifest behind its back.
    await store.settle();
    const withSnapshot = reopenPageStore(db, key, 'p1', SMALL);
    expect(await everything(withSnapshot)).toEqual(model);
    for (const id of ids.slice(0, 400)) expect(await withSnapshot.get('contact', id)).toEqual(model.get(id));
    // The same store with the snapshot taken away: every page replayed.
    await editManifest(db, key, (m) => void (m.snap = null));
    const fullReplay = reopenPageStore(db, key, 'p1', SMALL);
    expect(await everything(fullReplay)).toEqual(model);
    for (const id of ids.slice(0, 400)) expect(await fullReplay.get('contact', id)).toEqual(model.get(id));

    // A second snapshot, then the first one's page 0 put back.
    await editManifest(db, key, (m) => void (m.snap = first.snap));
    const again = reopenPageStore(db, key, 'p1', SMALL);
    await putAll(again, records(1500, 'z'.repeat(150)));
    await again.settle();
    expect((await again.manifest('contact')).snap!.gen).toBeGreaterThan(first.snap!.gen);
    await db.directory.put(oldDir[0]!);
    await expect(reopenPageStore(db, key, 'p1', SMALL).manifest('contact')).rejects.toMatchObject({ code: 'Tampered', detail: expect.stringContaining('directory page contact/0 generation') });
  });

  it('compaction rewrites mostly-dead pages in the background, keeps every record, and bounds the disk', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db, SMALL);
    const model = new Map<string, StoredRecord>();
    const all = records(2000, 'c'.repeat(150));
    await putAll(store, all);
    for (const r of all) model.set(r.id, r);
    await store.settle();
    const pagesBefore = await db.pages.count();
    // Rewrite 30% of the records, in random order, in calls of 100.
    const ids = all.map((r) => r.id).sort(() => Math.random() - 0.5).slice(0, 600);
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100).map((id) => rec(id, 'u'.repeat(150)));
      await putAll(store, batch);
      for (const r of batch) model.set(r.id, r);
    }
    await store.settle();
    const m = await store.manifest('contact');
    for (const p of m.pages.slice(0, -1)) expect(p.cur).toBeGreaterThanOrEqual(p.n / 2);
    const live = m.pages.reduce((n, p) => n + p.cur, 0);
    const stored = m.pages.reduce((n, p) => n + p.n, 0);
    expect(live).toBe(2000);
    expect(stored / live).toBeLessThan(1.5);
    expect(await db.pages.count()).toBeLessThan(pagesBefore * 1.5);
    expect(await everything(reopenPageStore(db, key, 'p1', SMALL))).toEqual(model);
  });

  it('a scan with a matcher returns what matching every current record returns: on stored rows, on pages in memory, past dead copies and tombstones', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db, SMALL);
    const type = entityType('contact')!;
    const all = Array.from({ length: 600 }, (_, i) => ({ ...rec(crypto.randomUUID(), `Person ${i} ${i % 7 === 0 ? 'Kestrel' : ''}`), f: { name: [`Person ${i}${i % 7 === 0 ? ' Kestrel' : ''}`, 'x'] as [string, string], organisation: [`Org ${i % 5}`, 'x'] as [string, string] } }));
    await putAll(store, all);
    // Updates (dead copies on older pages) and tombstones.
    await putAll(store, all.slice(0, 100).map((r) => ({ ...r, f: { ...r.f, organisation: ['Org 9', 'y'] as [string, string] } })));
    await tombstoneIds(store, all.slice(100, 130).map((r) => r.id));
    for (const m of [compileMatcher(type, [], 'kestrel'), compileMatcher(type, [{ field: 'organisation', op: 'eq', value: 'org 9' }], undefined), compileMatcher(type, [{ field: 'organisation', op: 'eq', value: 'Org 1' }], 'person')]) {
      for (const s2 of [store, reopenPageStore(db, key, 'p1', SMALL)]) {
        const want = [...(await everything(s2)).values()].filter((r) => m(matchable(r))).map((r) => r.id).sort();
        const got: string[] = [];
        await s2.scan('contact', (rs) => { for (const r of rs) got.push(r.id); }, m);
        expect(got.sort()).toEqual(want);
        expect(want.length).toBeGreaterThan(0);
      }
    }
  });

describe('page store model test', () => {
  it('random puts, updates, tombstones, gets, restarts, failed commits and compaction agree with a Map', async () => {
    const db = freshDb();
    const { store: first, key } = await makePageStore(db, SMALL);
    let store = first;
    const model = new Map<string, StoredRecord>();
    const ids: string[] = [];
    let seed = 42;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = () => ids[Math.floor(rand() * ids.length)]!;
    for (let i = 0; i < 4000; i++) {
      const op = rand();
      if (op < 0.45 || ids.length === 0) {
        // A batch of new records and updates.
        const batch: StoredRecord[] = [];
        const n = 1 + Math.floor(rand() * (rand() < 0.1 ? 200 : 5));
        const seen = new Set<string>();
        for (let k = 0; k < n; k++) {
          const id = rand() < 0.3 && ids.length ? pick() : crypto.randomUUID();
          if (seen.has(id)) continue;
          seen.add(id);
          batch.push(rec(id, `v${i}-` + 'q'.repeat(Math.floor(rand() * 300))));
        }
        // Now and then the commit fails half-way, its pages written (a tab killed, a full disk): it must leave no trace.
        const fail = rand() < 0.05;
        const restore = fail ? failPutsInto('manifests', new DOMException('killed', 'AbortError')) : () => undefined;
        try {
          await putAll(store, batch);
          expect(fail).toBe(false);
          for (const r of batch) {
            if (!model.has(r.id)) ids.push(r.id);
            model.set(r.id, r);
          }
        } catch (e) {
          if (!fail) throw e;
        } finally {
          restore();
        }
      } else if (op < 0.6) {
        const id = pick();
        await tombstoneIds(store, [id]);
        const old = model.get(id)!;
        model.set(id, { id, f: {}, c: old.c, u: old.u, d: old.u, by: old.by });
      } else if (op < 0.95) {
        const id = pick();
        expect(await store.get('contact', id)).toEqual(model.get(id));
      } else if (op < 0.98) {
        await store.settle(); // snapshot and compaction steps, interleaved with the writes
      } else {
        store.close();
        store = reopenPageStore(db, key, 'p1', SMALL); // a restart: everything from disk
      }
    }
    await store.settle();
    const m = await store.manifest('contact');
    expect(m.count).toBe([...model.values()].filter((r) => !r.d).length);
    expect(await everything(reopenPageStore(db, key, 'p1', SMALL))).toEqual(model);
  }, 120_000);
});

describe('migration from the v2 (hashed) page store', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/vault-v2-pages.json', import.meta.url), 'utf8')) as {
    pageKeyRaw: string;
    pages: { partition: string; collection: string; page: number; data: string }[];
    manifests: { partition: string; collection: string; data: string }[];
    records: Record<string, StoredRecord[]>;
  };
  const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

  async function load(damage?: number) {
    const db = freshDb();
    await db.pages.bulkPut(fixture.pages.map((p, i) => ({ ...p, data: b64(p.data).map((x, j) => (i === damage && j === 60 ? x ^ 1 : x)) })));
    await db.manifests.bulkPut(fixture.manifests.map((m) => ({ ...m, data: b64(m.data) })));
    const key = brand<'page'>(await crypto.subtle.importKey('raw', b64(fixture.pageKeyRaw), 'AES-GCM', false, ['encrypt', 'decrypt']));
    const store = new PageStore(db, 'g1', { current: 1, byEpoch: new Map([[1, key]]) }, (await import('../../workers/vault/storage/mutex')).createMutex());
    return { db, key, store };
  }

  it('opens a vault written by the v2 release with every record, migrated once to the log', async () => {
    const { db, key, store } = await load();
    expect(readHeader((await db.manifests.get(['g1', 'contact']))!.data, { partition: 'g1', collection: 'contact', kind: 'manifest' }).version).toBe(2);
    for (const [collection, want] of Object.entries(fixture.records)) {
      const got = await everything(store, collection);
      expect(got).toEqual(new Map(want.map((r) => [r.id, r])));
      for (const r of want.slice(0, 20)) expect(await store.get(collection, r.id)).toEqual(r);
      expect((await store.manifest(collection)).count).toBe(want.filter((r) => !r.d).length);
    }
    for (const row of [...(await db.pages.toArray()), ...(await db.manifests.toArray())]) expect(row.data[0]).toBe(3);
    // And again from disk, now in the new format.
    const fresh = new PageStore(db, 'g1', { current: 1, byEpoch: new Map([[1, key]]) }, (await import('../../workers/vault/storage/mutex')).createMutex());
    expect((await everything(fresh)).size).toBe(fixture.records.contact!.length);
  });

  it('a reader and a writer arriving together migrate once, without waiting on each other', async () => {
    const { store } = await load();
    const extra = rec(crypto.randomUUID(), 'written during migration');
    const [seen] = await Promise.all([everything(store), putAll(store, [extra])]);
    expect(seen.size).toBeGreaterThanOrEqual(fixture.records.contact!.length);
    expect((await everything(store)).size).toBe(fixture.records.contact!.length + 1);
  });

  it('a pre-migration manifest put back over a migrated log is Tampered, and nothing is dropped', async () => {
    const { db, key, store } = await load();
    await everything(store);
    const pagesBefore = await db.pages.count();
    await db.manifests.put({ ...fixture.manifests.find((m) => m.collection === 'contact')!, data: b64(fixture.manifests.find((m) => m.collection === 'contact')!.data) });
    const again = new PageStore(db, 'g1', { current: 1, byEpoch: new Map([[1, key]]) }, (await import('../../workers/vault/storage/mutex')).createMutex());
    await expect(again.manifest('contact')).rejects.toMatchObject({ code: 'Tampered' });
    expect(await db.pages.count()).toBe(pagesBefore);
  });

  it('a damaged old page is named and the rest migrates', async () => {
    const { store } = await load(3);
    const name = `page contact/${fixture.pages[3]!.page}`;
    const { damaged } = await store.scan(fixture.pages[3]!.collection, () => {});
    expect(damaged).toEqual([name]);
    expect((await everything(store)).size).toBeGreaterThan(fixture.records.contact!.length * 0.8);
  });
});
  it('a rebuild empties the log without reusing generations or page numbers: another tab reloads and writes nothing stale back', async () => {
    const db = freshDb();
    const { store: a, key } = await makePageStore(db, SMALL);
    const b = reopenPageStore(db, key, 'p1', SMALL);
    const old = records(3, 'before the rebuild');
    await putAll(a, old);
    expect((await b.get('contact', old[0]!.id))?.f.name?.[0]).toBe('before the rebuild'); // b's state and cache are warm
    const before = await a.manifest('contact');
    await a.exclusive(() => a.truncate(['contact']));
    const fresh = records(3, 'after');
    await putAll(a, fresh);
    const after = await a.manifest('contact');
    expect(after.pages[0]!.seq).toBeGreaterThanOrEqual(before.next);
    expect(after.pages[0]!.gen).toBeGreaterThan(before.pages[0]!.gen);
    b.invalidate('contact'); // the change feed
    const mine = rec(crypto.randomUUID(), 'from b');
    await putAll(b, [mine]);
    const reader = reopenPageStore(db, key, 'p1', SMALL);
    expect([...(await everything(reader)).keys()].sort()).toEqual([...fresh.map((r) => r.id), mine.id].sort());
    expect(await reader.get('contact', old[0]!.id)).toBeUndefined();
  });

  it('refuses an unknown format version with UnsupportedVersion', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const r = rec(crypto.randomUUID(), 'a');
    await putAll(store, [r]);
    const row = (await db.pages.toArray())[0]!;
    row.data[0] = 9;
    await db.pages.put(row);
    await expect(reopenPageStore(db, key).get('contact', r.id)).rejects.toMatchObject({ code: 'UnsupportedVersion' });
  });

  it('notices another writer and retries instead of overwriting its pages', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const other = reopenPageStore(db, key);
    const a = rec(crypto.randomUUID(), 'a');
    const b = rec(crypto.randomUUID(), 'b');
    await putAll(store, [a]);
    await other.get('contact', a.id); // warms other's state
    await putAll(store, [b]);
    const c = rec(crypto.randomUUID(), 'c');
    await putAll(other, [c]); // stale state: must detect and retry
    store.invalidate('contact'); // what the change feed does when another tab commits
    for (const r of [a, b, c]) expect(await store.get('contact', r.id)).toBeTruthy();
    expect((await other.manifest('contact')).count).toBe(3);
    expect((await store.manifest('contact')).count).toBe(3);
  });

  it('turns a full disk into QuotaExceeded and keeps the old state, in memory and on disk', async () => {
    const db = freshDb();
    const { store, key } = await makePageStore(db);
    const a = rec(crypto.randomUUID(), 'before');
    await putAll(store, [a]);
    const restore = failPutsInto('manifests', new DOMException('disk full', 'QuotaExceededError'));
    const many = records(400, 'x'.repeat(300));
    await expect(putAll(store, [{ ...a, f: { name: ['after', 'x'] } }, ...many])).rejects.toMatchObject({ code: 'QuotaExceeded' });
    restore();
    expect((await store.get('contact', a.id))?.f.name?.[0]).toBe('before');
    expect((await store.manifest('contact')).count).toBe(1);
    const fresh = reopenPageStore(db, key);
    expect((await fresh.get('contact', a.id))?.f.name?.[0]).toBe('before');
    expect(await fresh.get('contact', many[0]!.id)).toBeUndefined();
    await putAll(store, many); // and the store still works afterwards
    expect((await store.manifest('contact')).count).toBe(401);
  });
});
