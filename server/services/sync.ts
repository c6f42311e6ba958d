import type { ChangeIn, PullResponse, PushResponse } from '../../src/protocol/sync';
import type { DatabaseHandle } from '../db/database';
import { allocate, changesAfter, findByChangeIds, insertChange, lastAllocated, supersede } from '../db/repositories/changes';
import { writeSyncLog } from '../db/repositories/sync-log';
import { groupIdsOf } from '../db/repositories/users';
import { conflict, forbidden } from '../errors';

/**
 * The change log (DESIGN §6). The server relays ciphertext: it checks group
 * membership, orders, deduplicates and compacts, and never reads a record.
 */
export interface DeviceAuth {
  userId: string;
  deviceId: string;
}

export class SyncService {
  constructor(private readonly dbh: DatabaseHandle) {}

  /**
   * Stores a batch of changes, all or nothing. Idempotent by changeId: a
   * change already stored answers with its original seq. A change for a
   * group the user is not a member of refuses the whole batch (403).
   */
  async push(auth: DeviceAuth, changes: ChangeIn[], now = Date.now()): Promise<PushResponse> {
    const groups = new Set(await groupIdsOf(this.dbh.db, auth.userId));
    // Tenant check before anything is written (DESIGN §7).
    if (changes.some((c) => !groups.has(c.group))) throw forbidden('You are not a member of a group in this push.');

    const accepted = await this.dbh.db.transaction().execute(async (trx) => {
      await this.dbh.serialize(trx, 'change');
      // Read under the lock: a concurrent retry of the same batch waits and then sees our rows.
      const known = new Map((await findByChangeIds(trx, [...new Set(changes.map((c) => c.changeId))])).map((r) => [r.change_id, r]));
      // A device cannot compact what it could not have seen: baseSeq is capped at the log's end before this push.
      const logEnd = await lastAllocated(trx, 'change');
      const fresh = changes.filter((c, i) => !known.has(c.changeId) && changes.findIndex((d) => d.changeId === c.changeId) === i);
      let next = fresh.length ? await allocate(trx, 'change', fresh.length) : 0;
      const seqOf = new Map<string, number>();
      for (const c of fresh) {
        const seq = next++;
        const data = Buffer.from(c.data, 'base64');
        await insertChange(trx, {
          seq,
          change_id: c.changeId,
          group_id: c.group,
          record_id: c.recordId,
          epoch: c.epoch,
          base_seq: c.baseSeq,
          user_id: auth.userId,
          device_id: auth.deviceId,
          data,
          size: data.length,
          created_at: now,
          superseded_by: null,
        });
        if (c.baseSeq > 0) await supersede(trx, c.group, c.recordId, Math.min(c.baseSeq, logEnd), seq);
        seqOf.set(c.changeId, seq);
      }
      for (const c of changes) {
        const k = known.get(c.changeId);
        if (!k) continue;
        // Same id, different routing: a client bug or a collision, never a retry.
        if (k.group_id !== c.group || k.record_id !== c.recordId) throw conflict(`body.changes: changeId ${c.changeId} was already used for another record.`);
        seqOf.set(c.changeId, Number(k.seq));
      }
      await writeSyncLog(trx, { deviceId: auth.deviceId, userId: auth.userId, kind: 'push', changes: fresh.length, bytes: fresh.reduce((n, c) => n + c.data.length, 0) }, now);
      return changes.map((c) => ({ changeId: c.changeId, seq: seqOf.get(c.changeId)! }));
    });
    return { accepted };
  }

  /** Live changes of the user's groups after `after`, in sequence order, at most `limit`. */
  async pull(auth: DeviceAuth, after: number, limit: number, now = Date.now()): Promise<PullResponse> {
    const rows = await changesAfter(this.dbh.db, auth.userId, after, limit);
    const page = rows.slice(0, limit);
    const changes = page.map((r) => ({
      changeId: r.change_id,
      group: r.group_id,
      recordId: r.record_id,
      epoch: Number(r.epoch),
      seq: Number(r.seq),
      deviceId: r.device_id,
      data: r.data!.toString('base64'),
    }));
    await writeSyncLog(this.dbh.db, { deviceId: auth.deviceId, userId: auth.userId, kind: 'pull', changes: changes.length, bytes: changes.reduce((n, c) => n + c.data.length, 0) }, now);
    return { changes, cursor: changes.length ? changes[changes.length - 1]!.seq : after, more: rows.length > limit, serverTime: now };
  }
}
