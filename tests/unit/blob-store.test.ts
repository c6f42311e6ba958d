import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openVaultDb, type VaultDb } from '../../workers/common/db';
import { BlobStore, CHUNK_BYTES, TX_CHUNKS } from '../../workers/vault/storage/blob-store';
import { brand } from '../../workers/vault/crypto/keys';

let dbCounter = 0;
const freshDb = (): VaultDb => openVaultDb(`blob-test-${process.pid}-${++dbCounter}-${Math.random().toString(36).slice(2)}`);

async function blobStore(db = freshDb()) {
  const key = brand<'blob'>(await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']));
  return { db, key, store: new BlobStore(db, 'p1', { current: 1, byEpoch: new Map([[1, key]]) }) };
}

const readAll = async (s: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(s).arrayBuffer());
/** Byte equality without a deep compare (vitest's toEqual takes seconds per MiB). */
const expectSame = (got: Uint8Array, want: Uint8Array) => {
  expect(got.length).toBe(want.length);
  expect(Buffer.compare(got, want)).toBe(0);
};

function photoBytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

/** What is stored, all tables an attachment touches. */
async function stored(db: VaultDb) {
  return { chunks: await db.chunks.count(), blobs: await db.blobs.count(), uploads: await db.blobUploads.count() };
}

/**
 * Makes the `n`th put into the chunks store (counted from now, over every
 * transaction) fail as a full disk does. Returns how many chunk puts were tried.
 */
function quotaOnChunkPut(n: number): () => number {
  const proto = globalThis.IDBObjectStore.prototype;
  const real = proto.put;
  let seen = 0;
  vi.spyOn(proto, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (this.name === 'chunks' && ++seen === n) throw new DOMException('disk full', 'QuotaExceededError');
    return real.apply(this, args);
  });
  return () => seen;
}

/** Chunks of a file that takes two chunk transactions and the final one. */
const BIG_CHUNKS = TX_CHUNKS * 2 + 5;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('blob store (IV-prefixed encrypted chunks)', () => {
  it('round-trips a multi-chunk file and stores only ciphertext', async () => {
    const { db, store } = await blobStore();
    const bytes = photoBytes(CHUNK_BYTES * 2 + 1234);
    const meta = await store.put(new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
    expect(meta).toMatchObject({ name: 'photo.jpg', type: 'image/jpeg', size: bytes.length, chunks: 3 });
    expectSame(await readAll(store.read(meta)), bytes);
    const rows = await db.chunks.toArray();
    expect(rows.length).toBe(3);
    const data = Buffer.from(await rows[0]!.data.arrayBuffer());
    expect(data.includes(Buffer.from(bytes.subarray(100, 132)))).toBe(false);
    expect(data.length).toBe(12 + CHUNK_BYTES + 16);
  });

  it('round-trips a file written in several chunk transactions, with its upload entry', async () => {
    const { db, store } = await blobStore();
    // Two chunk transactions and the final one; far more than the read-ahead window.
    const n = BIG_CHUNKS;
    const bytes = photoBytes(CHUNK_BYTES * (n - 1) + 777);
    const meta = await store.put(new Blob([bytes]), 'big.bin');
    expect(meta.chunks).toBe(n);
    expect(await stored(db)).toEqual({ chunks: n, blobs: 1, uploads: 1 });
    expect(await db.blobUploads.get(meta.id)).toEqual({ id: meta.id, group: 'p1', epoch: 1, chunks: n });
    expect((await db.blobs.get(meta.id))!.bytes).toBe(bytes.length + n * 28);
    expectSame(await readAll(store.read(meta)), bytes);
    // Exactly a chunk's multiple: the last chunk is full.
    const even = photoBytes(CHUNK_BYTES * TX_CHUNKS);
    const m2 = await store.put(new Blob([even]), 'even.bin');
    expect(m2.chunks).toBe(TX_CHUNKS);
    expectSame(await readAll(store.read(m2)), even);
  });

  it('round-trips an empty file', async () => {
    const { store } = await blobStore();
    const meta = await store.put(new Blob([]), 'empty.txt');
    expect(meta.chunks).toBe(1);
    expect((await readAll(store.read(meta))).length).toBe(0);
  });

  it('opens attachments of any chunk count and size already on disk (the format does not depend on CHUNK_BYTES)', async () => {
    const { db, key, store } = await blobStore();
    // As an older build with 64 KiB chunks would have written it.
    const id = crypto.randomUUID();
    const bytes = photoBytes(65536 * 3 + 5);
    const parts = [0, 1, 2, 3].map((i) => bytes.subarray(i * 65536, (i + 1) * 65536));
    const rows = await Promise.all(
      parts.map(async (p, index) => {
        const iv = crypto.getRandomValues(new Uint8Array(12));
        const aad = new TextEncoder().encode(`fv1/chunk|p1|${id}|${index}|${index === 3 ? 1 : 0}`);
        const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, p));
        return { blob: id, index, data: new Blob([iv, ct]) };
      }),
    );
    await db.chunks.bulkPut(rows);
    await db.blobs.put({ id, partition: 'p1', chunks: 4, epoch: 1, bytes: 0 });
    expectSame(await readAll(store.read({ id, name: 'old.bin', type: 'x', size: bytes.length, chunks: 4 })), bytes);
  });

  it.each([
    ['in the first chunk transaction', 3],
    ['after a chunk transaction committed', TX_CHUNKS + 3],
    ['in the last transaction', BIG_CHUNKS],
  ])('a full disk %s leaves nothing behind and reports QuotaExceeded', async (_, n) => {
    const { db, store } = await blobStore();
    const before = await store.put(new Blob([photoBytes(CHUNK_BYTES + 1)]), 'kept.bin');
    const tried = quotaOnChunkPut(n);
    await expect(store.put(new Blob([photoBytes(CHUNK_BYTES * (BIG_CHUNKS - 1) + 1)]), 'big.bin')).rejects.toMatchObject({ code: 'QuotaExceeded' });
    expect(tried()).toBeGreaterThanOrEqual(n);
    vi.restoreAllMocks();
    // Only the earlier attachment is left, whole.
    expect(await stored(db)).toEqual({ chunks: 2, blobs: 1, uploads: 1 });
    expect((await db.chunks.toArray()).every((c) => c.blob === before.id)).toBe(true);
    expect((await readAll(store.read(before))).length).toBe(CHUNK_BYTES + 1);
    // And the store still works.
    const after = await store.put(new Blob([photoBytes(100)]), 'after.bin');
    expect((await readAll(store.read(after))).length).toBe(100);
  });

  it.each([
    ['a bulk error', (e: DOMException) => new Dexie.BulkError('bulkPut failed', [e])],
    ['an abort', (e: DOMException) => new Dexie.AbortError('aborted', e)],
  ])('a full disk reported as %s on a later chunk transaction leaves nothing behind', async (_, wrap) => {
    const { db, store } = await blobStore();
    const real = db.chunks.bulkPut.bind(db.chunks);
    let calls = 0;
    vi.spyOn(db.chunks, 'bulkPut').mockImplementation(((...args: Parameters<typeof real>) => {
      if (++calls === 2) return Promise.reject(wrap(new DOMException('disk full', 'QuotaExceededError')));
      return real(...args);
    }) as typeof real);
    await expect(store.put(new Blob([photoBytes(CHUNK_BYTES * TX_CHUNKS * 4)]), 'big.bin')).rejects.toMatchObject({ code: 'QuotaExceeded' });
    // It stopped instead of sealing and writing the rest.
    expect(calls).toBeLessThanOrEqual(3);
    expect(await stored(db)).toEqual({ chunks: 0, blobs: 0, uploads: 0 });
  });

  it('a full disk when the attachment row is written leaves no chunks', async () => {
    const { db, store } = await blobStore();
    vi.spyOn(db.blobUploads, 'put').mockRejectedValue(new DOMException('disk full', 'QuotaExceededError'));
    await expect(store.put(new Blob([photoBytes(CHUNK_BYTES * 20)]), 'a.bin')).rejects.toMatchObject({ code: 'QuotaExceeded' });
    expect(await stored(db)).toEqual({ chunks: 0, blobs: 0, uploads: 0 });
  });

  it('a file that cannot be read leaves no chunks and rethrows', async () => {
    const { db, store } = await blobStore();
    const file = new Blob([photoBytes(CHUNK_BYTES * BIG_CHUNKS)]);
    let reads = 0;
    vi.spyOn(file, 'slice').mockImplementation((start, end) => {
      const part = Blob.prototype.slice.call(file, start, end);
      // A read after the first chunk transaction was sent.
      if (++reads === TX_CHUNKS / 16 + 2) vi.spyOn(part, 'arrayBuffer').mockRejectedValue(new DOMException('gone', 'NotReadableError'));
      return part;
    });
    await expect(store.put(file, 'a.bin')).rejects.toMatchObject({ name: 'NotReadableError' });
    expect(await stored(db)).toEqual({ chunks: 0, blobs: 0, uploads: 0 });
  });

  it('reports a flipped byte as Tampered naming the chunk, after delivering the chunks before it', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES * 30)]), 'a.bin');
    const row = (await db.chunks.get([meta.id, 21]))!;
    const data = new Uint8Array(await row.data.arrayBuffer());
    data[20]! ^= 1;
    await db.chunks.put({ ...row, data: new Blob([data]) });
    const reader = store.read(meta).getReader();
    for (let i = 0; i < 21; i++) expect((await reader.read()).value!.length).toBe(CHUNK_BYTES);
    await expect(reader.read()).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/21` });
  });

  it('detects reordered, moved and truncated chunks', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES * 3)]), 'a.bin');
    const [c0, c1] = [await db.chunks.get([meta.id, 0]), await db.chunks.get([meta.id, 1])];
    await db.chunks.put({ ...c0!, data: c1!.data });
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/0` });
    await db.chunks.put(c0!);
    // A chunk of another attachment, same index, same key.
    const other = await store.put(new Blob([photoBytes(CHUNK_BYTES * 3)]), 'b.bin');
    await db.chunks.put({ ...c1!, data: (await db.chunks.get([other.id, 1]))!.data });
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/1` });
    await db.chunks.put(c1!);
    expect((await readAll(store.read(meta))).length).toBe(CHUNK_BYTES * 3);
    await db.chunks.delete([meta.id, 2]);
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/2 is missing` });
    // Claiming the file ends earlier fails too: chunk 1 was not sealed as the last one.
    await expect(readAll(store.read({ ...meta, chunks: 2 }))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/1` });
    // A missing chunk in the middle of a long attachment is named too.
    const long = await store.put(new Blob([photoBytes(CHUNK_BYTES * 25)]), 'c.bin');
    await db.chunks.delete([long.id, 13]);
    await expect(readAll(store.read(long))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${long.id}/13 is missing` });
  });

  it('reports an attachment without its row as Tampered', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(10)]), 'a.bin');
    await db.blobs.delete(meta.id);
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `attachment ${meta.id} is missing` });
  });

  it('a reader may stop early', async () => {
    const { store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES * 30)]), 'a.bin');
    const reader = store.read(meta).getReader();
    expect((await reader.read()).value!.length).toBe(CHUNK_BYTES);
    await reader.cancel();
    expect(await readAll(store.read(meta))).toHaveLength(CHUNK_BYTES * 30);
  });

  it('deletes every chunk', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES * 2)]), 'a.bin');
    await store.delete(meta.id);
    expect(await stored(db)).toEqual({ chunks: 0, blobs: 0, uploads: 0 });
  });

  it('sweeps chunks a crash left without an attachment row, and nothing else', async () => {
    const { db, store } = await blobStore();
    // A whole attachment, as another tab or a download stores it (a put here would start a sweep of its own).
    const kept = { id: crypto.randomUUID() };
    await db.chunks.bulkPut([0, 1].map((index) => ({ blob: kept.id, index, data: new Blob([new Uint8Array(40)]) })));
    await db.blobs.put({ id: kept.id, partition: 'p1', chunks: 2, epoch: 1, bytes: 80 });
    await db.blobUploads.put({ id: kept.id, group: 'p1', epoch: 1, chunks: 2 });
    // What puts cut short by a crash leave: chunks, no blobs row, no upload entry (more than one sweep step of keys).
    const orphans = Array.from({ length: 300 }, () => crypto.randomUUID());
    await db.chunks.bulkPut(orphans.flatMap((blob) => [0, 1].map((index) => ({ blob, index, data: new Blob([new Uint8Array(40)]) }))));
    expect(await store.sweepOrphans()).toBe(300);
    expect(await stored(db)).toEqual({ chunks: 2, blobs: 1, uploads: 1 });
    expect((await db.chunks.toArray()).every((c) => c.blob === kept.id)).toBe(true);
    expect(await store.sweepOrphans()).toBe(0);
  });

  it('the first put of a session sweeps in the background', async () => {
    const db = freshDb();
    const orphan = crypto.randomUUID();
    await db.chunks.put({ blob: orphan, index: 0, data: new Blob([new Uint8Array(40)]) });
    const { store } = await blobStore(db);
    await store.put(new Blob([photoBytes(10)]), 'a.bin');
    await vi.waitFor(async () => expect(await db.chunks.where('[blob+index]').equals([orphan, 0]).count()).toBe(0));
  });

  it('the sweep leaves the chunks of a put still under way', async () => {
    const { db, store } = await blobStore();
    const bytes = photoBytes(CHUNK_BYTES * BIG_CHUNKS);
    const file = new Blob([bytes]);
    // Hold the put after its first chunk transaction was sent: a file read after it waits for `go`.
    let go!: () => void;
    const gate = new Promise<void>((r) => (go = r));
    let reads = 0;
    vi.spyOn(file, 'slice').mockImplementation((start, end) => {
      const part = Blob.prototype.slice.call(file, start, end);
      if (++reads === TX_CHUNKS / 16 + 2) {
        const real = part.arrayBuffer.bind(part);
        vi.spyOn(part, 'arrayBuffer').mockImplementation(async () => (await gate, real()));
      }
      return part;
    });
    const put = store.put(file, 'slow.bin');
    await vi.waitFor(async () => expect(await db.chunks.count()).toBe(TX_CHUNKS), { interval: 5, timeout: 10_000 });
    expect(await db.blobs.count()).toBe(0);
    expect(await store.sweepOrphans()).toBe(0);
    expect(await db.chunks.count()).toBe(TX_CHUNKS);
    go();
    const meta = await put;
    expectSame(await readAll(store.read(meta)), bytes);
  });

});
