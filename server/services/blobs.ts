import type { BlobList, BlobStatus } from '../../src/protocol/blobs';
import type { DatabaseHandle } from '../db/database';
import { completeBlobsAfter, countChunks, findBlob, getChunk, insertBlob, markComplete, presentChunks, putChunk, type BlobRow } from '../db/repositories/blobs';
import { allocate } from '../db/repositories/changes';
import { groupIdsOf } from '../db/repositories/users';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { DeviceAuth } from './sync';

/**
 * Attachment ciphertext (DESIGN §5): declared, uploaded chunk by chunk
 * (resumable: the device asks which chunks are here), listed once complete.
 * Every call checks that the user is a member of the blob's group.
 */
export class BlobService {
  constructor(private readonly dbh: DatabaseHandle) {}

  /** Declares a blob; repeating the same declaration is a no-op, a different one is a conflict. */
  async declare(auth: DeviceAuth, id: string, d: { group: string; chunks: number; epoch: number }, now = Date.now()): Promise<BlobStatus> {
    await this.requireMember(auth, d.group);
    const inserted = await insertBlob(this.dbh.db, {
      id,
      group_id: d.group,
      epoch: d.epoch,
      chunks: d.chunks,
      user_id: auth.userId,
      device_id: auth.deviceId,
      created_at: now,
      complete_seq: null,
    });
    if (!inserted) {
      const b = await this.memberBlob(auth, id);
      if (b.group_id !== d.group || Number(b.chunks) !== d.chunks || Number(b.epoch) !== d.epoch) throw conflict('That blob id was declared with other values.');
    }
    return this.status(auth, id);
  }

  async status(auth: DeviceAuth, id: string): Promise<BlobStatus> {
    const b = await this.memberBlob(auth, id);
    return { id, group: b.group_id, epoch: Number(b.epoch), chunks: Number(b.chunks), present: await presentChunks(this.dbh.db, id) };
  }

  /**
   * Stores one chunk (a retry overwrites it while the blob is incomplete).
   * The chunk that completes the blob gives it its list sequence, in the
   * same transaction, so listing by cursor never skips a blob.
   */
  async putChunk(auth: DeviceAuth, id: string, index: number, data: Buffer, now = Date.now()): Promise<void> {
    const b = await this.memberBlob(auth, id);
    if (index >= Number(b.chunks)) throw badRequest(`params.index: the blob has ${b.chunks} chunks`);
    if (data.length === 0) throw badRequest('body: expected the chunk bytes');
    await this.dbh.db.transaction().execute(async (trx) => {
      await this.dbh.serialize(trx, 'blob');
      const current = await findBlob(trx, id);
      if (current?.complete_seq != null) {
        // Complete blobs are immutable: a retry of the same bytes is fine, anything else is refused.
        const old = await getChunk(trx, id, index);
        if (old && Buffer.from(old.data).equals(data)) return;
        throw conflict('That blob is complete and cannot change.');
      }
      await putChunk(trx, id, index, data, now);
      if ((await countChunks(trx, id)) === Number(b.chunks)) await markComplete(trx, id, await allocate(trx, 'blob', 1));
    });
  }

  async getChunk(auth: DeviceAuth, id: string, index: number): Promise<Buffer> {
    await this.memberBlob(auth, id);
    const c = await getChunk(this.dbh.db, id, index);
    if (!c) throw notFound('That chunk');
    return Buffer.from(c.data);
  }

  async list(auth: DeviceAuth, after: number, limit: number): Promise<BlobList> {
    const rows = await completeBlobsAfter(this.dbh.db, auth.userId, after, limit);
    const blobs = rows.slice(0, limit).map((r) => ({ seq: Number(r.complete_seq), id: r.id, group: r.group_id, epoch: Number(r.epoch), chunks: Number(r.chunks) }));
    return { blobs, cursor: blobs.length ? blobs[blobs.length - 1]!.seq : after, more: rows.length > limit };
  }

  private async requireMember(auth: DeviceAuth, group: string): Promise<void> {
    if (!(await groupIdsOf(this.dbh.db, auth.userId)).includes(group)) throw forbidden();
  }

  /** The blob if it exists (404) and the user is a member of its group (403). */
  private async memberBlob(auth: DeviceAuth, id: string): Promise<BlobRow> {
    const b = await findBlob(this.dbh.db, id);
    if (!b) throw notFound('That blob');
    await this.requireMember(auth, b.group_id);
    return b;
  }
}
