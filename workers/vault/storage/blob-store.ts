import Dexie from 'dexie';
import type { AttachmentMeta } from '../../../src/domain/attachment';
import { VaultError, isQuotaError } from '../../../src/lib/errors';
import { randomBytes, utf8 } from '../../../src/lib/bytes';
import type { ChunkRow, VaultDb } from '../../common/db';
import { IV_BYTES, open } from '../crypto/aead';
import type { BlobKey } from '../crypto/keys';

/**
 * Attachments as IV-prefixed encrypted chunks (DESIGN §5). Each chunk is an
 * IndexedDB Blob = IV ‖ AES-256-GCM(chunk); the AAD binds partition, blob
 * id, chunk index and a last-chunk flag, so chunks cannot be reordered,
 * moved to another attachment, or the attachment truncated unnoticed.
 * Name, type, size and chunk count live in the encrypted record.
 *
 * Sealing and IndexedDB I/O are pipelined. put() reads the file a group of
 * chunks at a time, seals the next groups while a transaction of earlier
 * chunks commits, and writes the `blobs` row and the `blobUploads` row last,
 * in the transaction that carries the final chunks: until that commits the
 * attachment does not exist. Chunks of a put that fails are deleted at once; those of a put cut
 * short by a crash (chunks whose blob id has no `blobs` row) are removed by
 * sweepOrphans(), which the first put of a session starts in the background.
 */
export const CHUNK_BYTES = 256 * 1024;
/** An upper bound for one attachment (memory use does not grow with it: both directions are streamed). */
export const MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024;
/** Chunks read from the file at once and sealed concurrently (4 MiB). */
const GROUP = 16;
/**
 * Chunks per write transaction (12 MiB). Each strict commit costs a flush to
 * disk, so fewer, larger transactions beat many small ones: with IndexedDB
 * on disk, 20 MiB in 4 MiB transactions was slower than in one; two (12 +
 * 8 MiB) were fastest, the first committing while the rest is sealed.
 */
export const TX_CHUNKS = 48;
/** File reads in flight during a put, in groups. */
const READ_AHEAD_GROUPS = 2;
/** Chunk transactions in flight during a put (each holds TX_CHUNKS chunks of ciphertext). */
const TX_AHEAD = 2;
/** Chunks fetched and decrypted ahead of the reader; each fetch of READ_GROUP rows is one transaction. */
const READ_AHEAD = 16;
const READ_GROUP = 8;
/** Blob ids the orphan sweep looks at per session, and chunk keys per step. */
const SWEEP_MAX_BLOBS = 10_000;
const SWEEP_STEP_KEYS = 256;

export interface BlobKeys {
  current: number;
  byEpoch: ReadonlyMap<number, BlobKey>;
}

const chunkAad = (partition: string, blob: string, index: number, last: boolean) =>
  utf8(`fv1/chunk|${partition}|${blob}|${index}|${last ? 1 : 0}`);

/**
 * One stored chunk: aead.seal()'s IV ‖ ciphertext+tag with a fresh random IV,
 * but handed to the Blob as two parts instead of being copied into one
 * buffer first (a 256 KiB copy per chunk is a tenth of a put's CPU time).
 */
async function sealChunk(key: BlobKey, plain: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>): Promise<Blob> {
  const iv = randomBytes(IV_BYTES);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, plain);
  return new Blob([iv, ct]);
}

/** Every chunk key of one blob. */
const chunkRange = (db: VaultDb, id: string) => db.chunks.where('[blob+index]').between([id, Dexie.minKey], [id, Dexie.maxKey]);

/**
 * Marks a blob id as being written, for every tab: a Web Lock held for the
 * whole put (released by the browser if the tab dies), so the orphan sweep
 * never removes the chunks of a put still in progress. In Node (unit tests)
 * an in-process set.
 */
const writing = new Set<string>();
const lockName = (id: string) => `fv:blob-put:${id}`;
const webLocks = (): LockManager | undefined =>
  typeof navigator !== 'undefined' && 'locks' in navigator ? navigator.locks : undefined;

/**
 * Takes that mark for `id` until release() is called. `held` settles once it
 * is taken: a lock request is a round trip to the browser (tens of ms when it
 * is busy), so a put asks first and reads and seals meanwhile.
 */
function markWriting(id: string): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  const locks = webLocks();
  if (!locks) {
    writing.add(id);
    void done.then(() => writing.delete(id));
    return { held: Promise.resolve(), release };
  }
  const held = new Promise<void>((granted, failed) => {
    locks.request(lockName(id), { mode: 'exclusive' }, () => (granted(), done)).catch(failed);
  });
  held.catch(() => undefined); // awaited before the first write
  return { held, release };
}

/** Runs `fn` unless a put of `id` is under way somewhere; returns whether it ran. */
async function ifNotWriting(id: string, fn: () => Promise<void>): Promise<boolean> {
  const locks = webLocks();
  if (!locks) {
    if (writing.has(id)) return false;
    await fn();
    return true;
  }
  return (await locks.request(lockName(id), { mode: 'exclusive', ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await fn();
    return true;
  })) as boolean;
}

/** Databases whose orphan sweep has been started in this realm. */
const swept = new WeakSet<VaultDb>();

export class BlobStore {
  constructor(
    private readonly db: VaultDb,
    readonly partition: string,
    private readonly keys: BlobKeys,
  ) {}

  /**
   * Encrypts and stores `file`. The attachment becomes visible (a `blobs` row
   * and its upload entry) only in the last transaction, after every chunk is
   * stored; on failure its chunks are deleted before this rejects.
   */
  async put(file: Blob, name: string): Promise<AttachmentMeta> {
    if (file.size > MAX_ATTACHMENT_BYTES)
      throw new VaultError('InvalidArgument', `attachments are limited to ${MAX_ATTACHMENT_BYTES >> 20} MiB`);
    const id = crypto.randomUUID();
    const epoch = this.keys.current;
    const key = this.keys.byEpoch.get(epoch);
    if (!key) throw new VaultError('Locked');
    const count = Math.max(1, Math.ceil(file.size / CHUNK_BYTES));
    const mark = markWriting(id);
    const pending: Promise<unknown>[] = [];
    try {
      await this.write(file, id, epoch, key, count, mark.held, pending);
    } catch (e) {
      // Nothing of a failed put stays behind: wait for chunk transactions still running, then drop what they stored.
      await Promise.allSettled(pending);
      await this.dropChunks(id).catch(() => undefined);
      if (isQuotaError(e)) throw new VaultError('QuotaExceeded', `attachment ${name}`);
      throw e;
    } finally {
      mark.release();
    }
    if (!swept.has(this.db)) {
      swept.add(this.db);
      void this.sweepOrphans().catch(() => undefined);
    }
    return { id, name: name.slice(0, 255), type: file.type.slice(0, 255) || 'application/octet-stream', size: file.size, chunks: count };
  }

  private async write(
    file: Blob,
    id: string,
    epoch: number,
    key: BlobKey,
    count: number,
    marked: Promise<void>,
    pending: Promise<unknown>[],
  ): Promise<void> {
    const { db } = this;
    // One read per group (each Blob read is a round trip to the browser's
    // blob store, and a slow one while it is busy storing chunks): the next
    // READ_AHEAD_GROUPS groups are being read while this one is sealed.
    const readGroup = (g: number) => {
      const r = file.slice(g * CHUNK_BYTES, (g + GROUP) * CHUNK_BYTES).arrayBuffer();
      r.catch(() => undefined); // surfaced when its turn comes
      return r;
    };
    let bytes = 0;
    let failed: { error: unknown } | undefined;
    const batch: ChunkRow[] = [];
    const reads: Promise<ArrayBuffer>[] = [];
    for (let k = 0; k < READ_AHEAD_GROUPS && k * GROUP < count; k++) reads.push(readGroup(k * GROUP));
    for (let g = 0; g < count; g += GROUP) {
      // A chunk transaction that failed stops the put before more is read, sealed or written.
      if (failed) throw failed.error;
      const plain = new Uint8Array(await reads.shift()!);
      const end = Math.min(count, g + GROUP);
      const ahead = g + READ_AHEAD_GROUPS * GROUP;
      if (ahead < count) reads.push(readGroup(ahead));
      const rows = await Promise.all(
        Array.from({ length: end - g }, async (_, k): Promise<ChunkRow> => {
          const index = g + k;
          const data = await sealChunk(key, plain.subarray(k * CHUNK_BYTES, (k + 1) * CHUNK_BYTES), chunkAad(this.partition, id, index, index === count - 1));
          bytes += data.size;
          return { blob: id, index, data };
        }),
      );
      batch.push(...rows);
      if (end < count) {
        if (batch.length < TX_CHUNKS) continue; // GROUP divides TX_CHUNKS
        // Nothing is written before this put is marked as under way (see sweepOrphans).
        await marked;
        // A chunk transaction commits while the next groups are sealed; at most TX_AHEAD are outstanding.
        const tx = db.chunks.bulkPut(batch.splice(0));
        tx.catch((error: unknown) => (failed ??= { error }));
        pending.push(tx);
        if (pending.length >= TX_AHEAD) await pending[pending.length - TX_AHEAD];
        continue;
      }
      await marked;
      // Every earlier chunk must be stored before the attachment is announced.
      await Promise.all(pending);
      // The upload queue entry commits with the last chunks: the service worker sends exactly what is stored.
      await db.transaction('rw', [db.chunks, db.blobs, db.blobUploads], async () => {
        await db.chunks.bulkPut(batch);
        await db.blobs.put({ id, partition: this.partition, chunks: count, epoch, bytes });
        await db.blobUploads.put({ id, group: this.partition, epoch, chunks: count });
      });
    }
  }

  private dropChunks(id: string): Promise<number> {
    return chunkRange(this.db, id).delete();
  }

  /**
   * Decrypted bytes as a stream, chunk by chunk. Up to READ_AHEAD chunks are
   * fetched (READ_GROUP rows per transaction) and decrypted while the reader
   * consumes earlier ones, so memory stays bounded whatever the size. A
   * damaged or missing chunk errors the stream with Tampered naming it, once
   * the chunks before it have been delivered.
   */
  read(meta: AttachmentMeta): ReadableStream<Uint8Array> {
    const { db, partition } = this;
    const keyOf = db.blobs.get(meta.id).then((row) => {
      const k = row && this.keys.byEpoch.get(row.epoch);
      if (!k) throw new VaultError('Tampered', `attachment ${meta.id} is missing`);
      return k;
    });
    keyOf.catch(() => undefined); // surfaced through the first chunk
    const opened = async (i: number, row: ChunkRow | undefined): Promise<Uint8Array> => {
      const what = `chunk ${meta.id}/${i}`;
      if (!row) throw new VaultError('Tampered', `${what} is missing`);
      const [key, sealed] = await Promise.all([keyOf, row.data.arrayBuffer()]);
      return open(key, new Uint8Array(sealed), chunkAad(partition, meta.id, i, i === meta.chunks - 1), what);
    };
    /** Fetches rows [from, to) in one transaction; one promise per chunk. */
    const fetchGroup = (from: number, to: number): Promise<Uint8Array>[] => {
      const rows = db.chunks.where('[blob+index]').between([meta.id, from], [meta.id, to]).toArray();
      return Array.from({ length: to - from }, (_, k) => {
        const p = rows.then((rs) => opened(from + k, rs.find((r) => r.index === from + k)));
        p.catch(() => undefined); // surfaced when its turn comes
        return p;
      });
    };
    const ahead: Promise<Uint8Array>[] = [];
    let fetched = 0;
    let delivered = 0;
    const fill = () => {
      while (fetched < meta.chunks && ahead.length < READ_AHEAD) {
        const to = Math.min(meta.chunks, fetched + READ_GROUP);
        ahead.push(...fetchGroup(fetched, to));
        fetched = to;
      }
    };
    return new ReadableStream<Uint8Array>({
      start: fill,
      pull: async (controller) => {
        try {
          const chunk = await ahead.shift()!;
          fill();
          controller.enqueue(chunk);
          if (++delivered >= meta.chunks) controller.close();
        } catch (e) {
          controller.error(e);
        }
      },
      cancel: () => {
        fetched = meta.chunks;
        ahead.length = 0;
      },
    });
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction('rw', [this.db.chunks, this.db.blobs, this.db.blobUploads], async () => {
      await chunkRange(this.db, id).delete();
      await this.db.blobs.delete(id);
      await this.db.blobUploads.delete(id);
    });
  }

  async count(): Promise<number> {
    return this.db.blobs.where('partition').equals(this.partition).count();
  }

  /**
   * Removes chunks whose blob id has no `blobs` row (what a put cut short by a
   * crash or a closed tab leaves), skipping puts still under way in any tab.
   * Walks the chunk keys in bounded steps (SWEEP_STEP_KEYS keys, one lookup
   * of their blob ids), at most SWEEP_MAX_BLOBS blob ids. Such chunks are
   * ciphertext nobody references, in every partition; returns how many blob
   * ids were cleaned.
   */
  async sweepOrphans(): Promise<number> {
    const { db } = this;
    let after: [string, unknown] | undefined;
    let seen = 0;
    let cleaned = 0;
    while (seen < SWEEP_MAX_BLOBS) {
      const from = after ? db.chunks.where(':id').above(after) : db.chunks.toCollection();
      const keys = await from.limit(SWEEP_STEP_KEYS).primaryKeys();
      if (!keys.length) break;
      const ids = [...new Set(keys.map(([blob]) => blob))];
      seen += ids.length;
      // The last id may have more chunks past this step: continue after all of them.
      after = [ids.at(-1)!, Dexie.maxKey];
      const rows = await db.blobs.bulkGet(ids);
      for (const [k, blob] of ids.entries()) {
        if (rows[k]) continue;
        const ran = await ifNotWriting(blob, () =>
          db.transaction('rw', db.chunks, db.blobs, async () => {
            if (!(await db.blobs.get(blob))) await chunkRange(db, blob).delete();
          }),
        );
        if (ran) cleaned++;
      }
    }
    return cleaned;
  }
}
