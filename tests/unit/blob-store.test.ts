import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { freshDb } from './helpers/vault-fixtures';
import { BlobStore, CHUNK_BYTES } from '../../workers/vault/blob-store';
import { brand } from '../../workers/vault/crypto/keys';

async function blobStore() {
  const db = freshDb();
  const key = brand<'blob'>(await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']));
  return { db, store: new BlobStore(db, 'p1', { current: 1, byEpoch: new Map([[1, key]]) }) };
}

const readAll = async (s: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(s).arrayBuffer());

function photoBytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

describe('blob store (IV-prefixed encrypted chunks)', () => {
  it('round-trips a multi-chunk file and stores only ciphertext', async () => {
    const { db, store } = await blobStore();
    const bytes = photoBytes(CHUNK_BYTES * 2 + 1234);
    const meta = await store.put(new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
    expect(meta).toMatchObject({ name: 'photo.jpg', type: 'image/jpeg', size: bytes.length, chunks: 3 });
    expect(await readAll(store.read(meta))).toEqual(bytes);
    const rows = await db.chunks.toArray();
    expect(rows.length).toBe(3);
    const stored = Buffer.from(await rows[0]!.data.arrayBuffer());
    expect(stored.includes(Buffer.from(bytes.subarray(100, 132)))).toBe(false);
    expect(stored.length).toBe(12 + CHUNK_BYTES + 16);
  });

  it('round-trips an empty file', async () => {
    const { store } = await blobStore();
    const meta = await store.put(new Blob([]), 'empty.txt');
    expect((await readAll(store.read(meta))).length).toBe(0);
  });

  it('reports a flipped byte as Tampered naming the chunk', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES + 10)]), 'a.bin');
    const row = (await db.chunks.get([meta.id, 1]))!;
    const data = new Uint8Array(await row.data.arrayBuffer());
    data[20]! ^= 1;
    await db.chunks.put({ ...row, data: new Blob([data]) });
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/1` });
  });

  it('detects reordered and truncated chunks', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES * 3)]), 'a.bin');
    const [c0, c1] = [await db.chunks.get([meta.id, 0]), await db.chunks.get([meta.id, 1])];
    await db.chunks.put({ ...c0!, data: c1!.data });
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/0` });
    await db.chunks.put(c0!);
    await db.chunks.delete([meta.id, 2]);
    await expect(readAll(store.read(meta))).rejects.toMatchObject({ code: 'Tampered', detail: `chunk ${meta.id}/2 is missing` });
    // Claiming the file ends earlier fails too: chunk 1 was not sealed as the last one.
    await expect(readAll(store.read({ ...meta, chunks: 2 }))).rejects.toMatchObject({ code: 'Tampered' });
  });

  it('deletes every chunk', async () => {
    const { db, store } = await blobStore();
    const meta = await store.put(new Blob([photoBytes(CHUNK_BYTES * 2)]), 'a.bin');
    await store.delete(meta.id);
    expect(await db.chunks.count()).toBe(0);
    expect(await db.blobs.count()).toBe(0);
  });
});
