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
 * a batch (merging is idempotent) but never loses one. The group's applied
 * sequence (the base of new local changes) moves only after a whole batch.
 */
export async function applyInbox(db: VaultDb, group: string, pages: PageStore, keys: RecordKeys, clock: HlcClock): Promise<ApplyResult> {
  const result: ApplyResult = { changed: new Map(), applied: 0, rejected: [] };
  for (;;) {
    const rows: InboxRow[] = await db.inbox.where('group').equals(group).limit(BATCH).toArray();
    if (!rows.length) return result;
    const byCollection = new Map<string, { rows: InboxRow[]; records: SyncedRecord['record'][] }>();
    const bad: number[] = [];
    for (const row of rows) {
      const key = keys.byEpoch.get(row.epoch);
      if (!key) {
        // An epoch this member cannot open (e.g. written after they were removed): not ours to apply.
        bad.push(row.seq);
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
        bad.push(row.seq);
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
    // Only now, with the whole batch in the pages, may new local changes claim to have seen it.
    const top = Math.max(...rows.map((r) => r.seq));
    await db.transaction('rw', db.inbox, db.groups, async () => {
      if (bad.length) await db.inbox.bulkDelete(bad);
      const g = await db.groups.get(group);
      if (g && (g.appliedSeq ?? 0) < top) await db.groups.update(group, { appliedSeq: top });
    });
  }
}
