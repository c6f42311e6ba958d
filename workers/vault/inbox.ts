import type { HlcClock } from '../../src/domain/hlc';
import { mergeRecords } from '../../src/domain/merge';
import { isVaultError } from '../../src/lib/errors';
import type { InboxRow, VaultDb } from '../common/db';
import type { RecordKeys } from './outbox';
import type { PageStore } from './page-store';
import { openRecord, type SyncedRecord } from './record-format';

const BATCH = 500;

export interface ApplyResult {
  /** Collections that changed, for the change feed. */
  changed: Map<string, string[]>;
  applied: number;
  /** Changes that failed their integrity check; dropped from the inbox and reported. */
  rejected: string[];
}

/**
 * Applies pulled changes of one group to its pages (DESIGN §6): decrypt,
 * merge per field with the local record, re-encrypt the pages. The inbox
 * rows are deleted in the same transaction as the pages, so a crash repeats
 * a batch (merging is idempotent) but never loses one.
 *
 * Changes this member cannot apply yet (an epoch whose key it does not hold,
 * a format from a newer app version) stay in the inbox. The group's applied
 * sequence, which new local changes send as "seen up to here", stops below
 * the first change that was not merged: a device must never let the server
 * compact away a change it did not incorporate.
 */
export async function applyInbox(db: VaultDb, group: string, pages: PageStore, keys: RecordKeys, clock: HlcClock): Promise<ApplyResult> {
  const result: ApplyResult = { changed: new Map(), applied: 0, rejected: [] };
  let after = -1;
  let firstUnmerged = Infinity;
  let top = 0;
  for (;;) {
    const rows: InboxRow[] = await db.inbox
      .where('group')
      .equals(group)
      .filter((r) => r.seq > after)
      .limit(BATCH)
      .toArray();
    if (!rows.length) break;
    after = rows[rows.length - 1]!.seq;
    top = Math.max(top, after);
    const byCollection = new Map<string, { rows: InboxRow[]; records: SyncedRecord['record'][] }>();
    const tampered: number[] = [];
    for (const row of rows) {
      const key = keys.byEpoch.get(row.epoch);
      if (!key) {
        firstUnmerged = Math.min(firstUnmerged, row.seq); // kept: its envelope may arrive later
        continue;
      }
      try {
        const { collection, record } = await openRecord(key, group, row.recordId, row.epoch, row.data as Uint8Array<ArrayBuffer>);
        const entry = byCollection.get(collection) ?? { rows: [], records: [] };
        entry.rows.push(row);
        entry.records.push(record);
        byCollection.set(collection, entry);
      } catch (e) {
        if (!isVaultError(e)) throw e;
        firstUnmerged = Math.min(firstUnmerged, row.seq);
        if (e.code === 'UnsupportedVersion') continue; // kept for a newer app version
        tampered.push(row.seq);
        result.rejected.push(e.detail ?? `change ${row.changeId}`);
      }
    }
    for (const [collection, { rows: done, records }] of byCollection) {
      const ids = [...new Set(records.map((r) => r.id))];
      await pages.mutate(
        collection,
        ids,
        (existing) => {
          const merged = new Map(existing);
          for (const r of records) {
            clock.observe(r.u);
            merged.set(r.id, mergeRecords(merged.get(r.id), r));
          }
          return { put: ids.map((id) => merged.get(id)!), result: undefined };
        },
        { inboxDone: done.map((r) => r.seq) },
      );
      result.changed.set(collection, ids);
      result.applied += done.length;
    }
    if (tampered.length) await db.inbox.bulkDelete(tampered);
  }
  // Rows kept from earlier passes cap the applied sequence as well.
  const kept = await db.inbox.where('group').equals(group).first();
  if (kept) firstUnmerged = Math.min(firstUnmerged, kept.seq);
  const applied = Math.min(top, firstUnmerged - 1);
  await db.transaction('rw', db.groups, async () => {
    const g = await db.groups.get(group);
    if (g && (g.appliedSeq ?? 0) < applied) await db.groups.update(group, { appliedSeq: applied });
  });
  return result;
}
