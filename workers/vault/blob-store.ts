import type { AttachmentMeta } from '../../src/domain/attachment';
import { VaultError, isQuotaError } from '../../src/lib/errors';
import { utf8 } from '../../src/lib/bytes';
import type { VaultDb } from '../common/db';
import { open, seal } from './crypto/aead';
import type { BlobKey } from './crypto/keys';

/**
 * Attachments as IV-prefixed encrypted chunks (DESIGN §5). Each chunk is an
 * IndexedDB Blob = IV ‖ AES-256-GCM(chunk); the AAD binds partition, blob
 * id, chunk index and a last-chunk flag, so chunks cannot be reordered,
 * moved to another attachment, or the attachment truncated unnoticed.
 * Name, type, size and chunk count live in the encrypted record.
 */
export const CHUNK_BYTES = 256 * 1024;
/** One attachment is written in one transaction, so its ciphertext is held in memory once. */
export const MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024;
/** Chunks encrypted or decrypted concurrently (WebCrypto runs them on a thread pool). */
const PARALLEL = 4;

export interface BlobKeys {
  current: number;
  byEpoch: ReadonlyMap<number, BlobKey>;
}

const chunkAad = (partition: string, blob: string, index: number, last: boolean) =>
  utf8(`fv1/chunk|${partition}|${blob}|${index}|${last ? 1 : 0}`);

export class BlobStore {
  constructor(
    private readonly db: VaultDb,
    readonly partition: string,
    private readonly keys: BlobKeys,
  ) {}

  /** Encrypts and stores `file`; all chunks commit together or not at all. */
  async put(file: Blob, name: string): Promise<AttachmentMeta> {
    if (file.size > MAX_ATTACHMENT_BYTES)
      throw new VaultError('InvalidArgument', `attachments are limited to ${MAX_ATTACHMENT_BYTES >> 20} MiB`);
    const id = crypto.randomUUID();
    const epoch = this.keys.current;
    const key = this.keys.byEpoch.get(epoch);
    if (!key) throw new VaultError('Locked');
    const count = Math.max(1, Math.ceil(file.size / CHUNK_BYTES));
    const chunks: Blob[] = new Array(count);
    let bytes = 0;
    // One read per PARALLEL chunks (each Blob read is a round trip to the
    // browser's blob store), and the next group is read while this one is
    // sealed. At most two groups of plaintext are in memory.
    const readGroup = (start: number) => {
      const r = file.slice(start * CHUNK_BYTES, (start + PARALLEL) * CHUNK_BYTES).arrayBuffer();
      r.catch(() => undefined); // surfaced when its turn comes
      return r;
    };
    let next = readGroup(0);
    for (let start = 0; start < count; start += PARALLEL) {
      const group = new Uint8Array(await next);
      if (start + PARALLEL < count) next = readGroup(start + PARALLEL);
      const batch = [];
      for (let i = start; i < Math.min(count, start + PARALLEL); i++) {
        const plain = group.subarray((i - start) * CHUNK_BYTES, (i - start + 1) * CHUNK_BYTES);
        batch.push(
          seal(key, plain, chunkAad(this.partition, id, i, i === count - 1)).then((sealed) => {
            chunks[i] = new Blob([sealed]);
            bytes += sealed.length;
          }),
        );
      }
      await Promise.all(batch);
    }
    try {
      // The upload queue entry commits with the chunks: the service worker sends exactly what is stored.
      await this.db.transaction('rw', [this.db.chunks, this.db.blobs, this.db.blobUploads], async () => {
        await this.db.chunks.bulkPut(chunks.map((data, index) => ({ blob: id, index, data })));
        await this.db.blobs.put({ id, partition: this.partition, chunks: count, epoch, bytes });
        await this.db.blobUploads.put({ id, group: this.partition, epoch, chunks: count });
      });
    } catch (e) {
      if (isQuotaError(e)) throw new VaultError('QuotaExceeded', `attachment ${name}`);
      throw e;
    }
    return { id, name: name.slice(0, 255), type: file.type.slice(0, 255) || 'application/octet-stream', size: file.size, chunks: count };
  }

  /**
   * Decrypted bytes as a stream, chunk by chunk (the next PARALLEL chunks are
   * fetched and decrypted while the current one is consumed). A damaged or
   * missing chunk errors the stream with Tampered naming it.
   */
  read(meta: AttachmentMeta): ReadableStream<Uint8Array> {
    let index = 0;
    let epochKey: Promise<BlobKey> | undefined;
    const keyOf = () =>
      (epochKey ??= this.db.blobs.get(meta.id).then((row) => {
        const k = row && this.keys.byEpoch.get(row.epoch);
        if (!k) throw new VaultError('Tampered', `attachment ${meta.id} is missing`);
        return k;
      }));
    const fetchChunk = async (i: number): Promise<Uint8Array> => {
      const what = `chunk ${meta.id}/${i}`;
      const [key, row] = await Promise.all([keyOf(), this.db.chunks.get([meta.id, i])]);
      if (!row) throw new VaultError('Tampered', `${what} is missing`);
      const sealed = new Uint8Array(await row.data.arrayBuffer());
      return open(key, sealed, chunkAad(this.partition, meta.id, i, i === meta.chunks - 1), what);
    };
    const ahead: Promise<Uint8Array>[] = [];
    let fetched = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          while (fetched < meta.chunks && ahead.length <= PARALLEL) {
            const p = fetchChunk(fetched++);
            p.catch(() => undefined); // surfaced when its turn comes
            ahead.push(p);
          }
          controller.enqueue(await ahead.shift()!);
          index++;
          if (index >= meta.chunks) controller.close();
        } catch (e) {
          controller.error(e);
        }
      },
    });
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction('rw', [this.db.chunks, this.db.blobs, this.db.blobUploads], async () => {
      await this.db.chunks.where('[blob+index]').between([id, 0], [id, Infinity]).delete();
      await this.db.blobs.delete(id);
      await this.db.blobUploads.delete(id);
    });
  }

  async count(): Promise<number> {
    return this.db.blobs.where('partition').equals(this.partition).count();
  }
}
