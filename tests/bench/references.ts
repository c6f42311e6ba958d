/**
 * Ceilings for the attachment case, measured in the same worker and run:
 * what bare WebCrypto and bare IndexedDB Blob storage can do with the
 * vault's chunking (256 KiB chunks, four in flight, one write transaction),
 * with nothing of the vault around them.
 */
import Dexie from 'dexie';
import { CHUNK_BYTES } from '../../workers/vault/storage/blob-store';
import { fileBytes } from './data';
import type { ThroughputTiming } from './protocol';
import { timed } from './timing';

/** The blob store's parallelism (workers/vault/blob-store.ts keeps it private). */
const IN_FLIGHT = 4;

/** Runs `fn` over [0, count) with at most `width` calls in flight. */
async function pooled(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

const chunkOf = (bytes: Uint8Array<ArrayBuffer>, i: number) => bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);

/** AES-256-GCM encrypt then decrypt of `mib` MiB, chunked; plus one call over the whole buffer. */
export async function webcryptoCeiling(mib: number): Promise<ThroughputTiming & { one_shot_ms: number }> {
  const bytes = fileBytes(mib << 20, 0xc0ffee);
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const n = Math.ceil(bytes.length / CHUNK_BYTES);
  const ivs = Array.from({ length: n }, () => crypto.getRandomValues(new Uint8Array(12)));
  const sealed: ArrayBuffer[] = new Array(n);
  const { ms: write_ms } = await timed(() =>
    pooled(n, IN_FLIGHT, async (i) => {
      sealed[i] = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ivs[i]! }, key, chunkOf(bytes, i));
    }),
  );
  const { ms: read_ms } = await timed(() =>
    pooled(n, IN_FLIGHT, async (i) => {
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ivs[i]! }, key, sealed[i]!);
    }),
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const { ms: one_shot_ms } = await timed(async () => {
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, bytes);
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, ct);
  });
  return { write_ms, read_ms, one_shot_ms };
}

/** `mib` MiB as IndexedDB Blob chunks, no crypto: written in one transaction, read back. */
export async function idbBlobCeiling(mib: number, dbName: string): Promise<ThroughputTiming> {
  const bytes = fileBytes(mib << 20, 0xb10b);
  const n = Math.ceil(bytes.length / CHUNK_BYTES);
  const db = new Dexie(dbName, { chromeTransactionDurability: 'strict' });
  db.version(1).stores({ chunks: 'index' });
  const chunks = db.table<{ index: number; data: Blob }, number>('chunks');
  try {
    const { ms: write_ms } = await timed(() => chunks.bulkPut(Array.from({ length: n }, (_, index) => ({ index, data: new Blob([chunkOf(bytes, index)]) }))));
    const { ms: read_ms } = await timed(() =>
      pooled(n, IN_FLIGHT, async (i) => {
        await (await chunks.get(i))!.data.arrayBuffer();
      }),
    );
    return { write_ms, read_ms };
  } finally {
    await db.delete();
  }
}
