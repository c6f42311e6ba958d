import type { HlcClock } from '../../../src/domain/hlc';
import { mergeRecords } from '../../../src/domain/merge';
import type { StoredRecord } from '../../../src/domain/record';
import { isVaultError } from '../../../src/lib/errors';
import type { InboxChange, InboxRow, VaultDb } from '../../common/db';
import { retireInboxRows, type InboxOutcome } from '../../common/inbox-rows';
import { strictWrite } from '../../common/raw-idb';
import type { RecordKeys } from './outbox';
import type { PageStore } from '../storage/page-store';
import { openRecord } from './record-format';

/** Changes applied per pass: one bulk write per collection each. */
const BATCH_CHANGES = 5000;

export interface ApplyResult {
  /** Collections that changed, for the change feed. */
  changed: Map<string, string[]>;
  /** Changes merged into pages. */
  applied: number;
  /** Changes that failed their integrity check; dropped from the inbox and reported. */
  rejected: string[];
}

/**
 * Applies pulled changes of one group to its pages (DESIGN §6): decrypt,
 * merge per field with the local record, write the merged records through
 * the page store's bulk path. The inbox rows go in the same transaction as
 * the pages of the batch's last collection: a crash re-applies the batch's
 * earlier collections (merging is idempotent) but never loses a change.
 *
 * Changes this member cannot apply yet (an epoch whose key it does not hold,
 * a format from a newer app version) stay in the inbox, their row stored
 * again with only them. The group's applied sequence, which new local
 * changes send as "seen up to here", stops below the first change that was
 * not merged: a device must never let the server compact away a change it
 * did not incorporate.
 */
export async function applyInbox(db: VaultDb, group: string, pages: PageStore, keys: RecordKeys, clock: HlcClock): Promise<ApplyResult> {
  const result: ApplyResult = { changed: new Map(), applied: 0, rejected: [] };
  let after = -1;
  let firstUnmerged = Infinity;
  let top = 0;
  for (;;) {
    const rows = await nextBatch(db, group, after);
    if (!rows.length) break;
    after = rows[rows.length - 1]!.seq;

    const opened = await Promise.all(rows.flatMap((row) => row.changes.map((c) => open(c))));
    const byCollection = new Map<string, StoredRecord[]>();
    const keptBySeq = new Set<number>();
    let i = 0;
    for (const row of rows)
      for (const c of row.changes) {
        const o = opened[i++]!;
        top = Math.max(top, c.seq);
        if (o.kind === 'ok') {
          const list = byCollection.get(o.collection) ?? [];
          list.push(o.record);
          byCollection.set(o.collection, list);
          continue;
        }
        firstUnmerged = Math.min(firstUnmerged, c.seq);
        if (o.kind === 'keep') keptBySeq.add(c.seq);
        else result.rejected.push(o.why);
      }
    const keep = new Map<number, InboxRow>();
    for (const row of rows) {
      const left = row.changes.filter((c) => keptBySeq.has(c.seq));
      if (left.length) keep.set(row.seq, { ...row, n: left.length, changes: left });
    }
    const outcome: InboxOutcome = { rows, keep };

    const collections = [...byCollection];
    for (const [k, [collection, records]] of collections.entries()) {
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
        k === collections.length - 1 ? { inbox: outcome } : {},
      );
      result.changed.set(collection, ids);
      result.applied += records.length;
    }
    if (!collections.length) await strictWrite(db, ['inbox', 'groups'], (tx) => retireInboxRows(tx, outcome));
  }
  // Rows kept from earlier passes cap the applied sequence as well.
  const kept = await db.inbox.where('group').equals(group).first();
  if (kept) firstUnmerged = Math.min(firstUnmerged, ...kept.changes.map((c) => c.seq));
  const applied = Math.min(top, firstUnmerged - 1);
  await db.transaction('rw', db.groups, async () => {
    const g = await db.groups.get(group);
    if (g && (g.appliedSeq ?? 0) < applied) await db.groups.update(group, { appliedSeq: applied });
  });
  return result;

  type Opened = { kind: 'ok'; collection: string; record: StoredRecord } | { kind: 'keep' } | { kind: 'rejected'; why: string };
  async function open(c: InboxChange): Promise<Opened> {
    const key = keys.byEpoch.get(c.epoch);
    if (!key) return { kind: 'keep' }; // its envelope may arrive later
    try {
      const { collection, record } = await openRecord(key, group, c.recordId, c.epoch, c.data as Uint8Array<ArrayBuffer>);
      return { kind: 'ok', collection, record };
    } catch (e) {
      if (!isVaultError(e)) throw e;
      if (e.code === 'UnsupportedVersion') return { kind: 'keep' }; // for a newer app version
      return { kind: 'rejected', why: e.detail ?? `change ${c.changeId}` };
    }
  }
}

/** The group's next inbox rows after `after`, up to about BATCH_CHANGES changes. */
async function nextBatch(db: VaultDb, group: string, after: number): Promise<InboxRow[]> {
  const rows: InboxRow[] = [];
  let n = 0;
  await db.inbox
    .where('seq')
    .above(after)
    .until(() => n >= BATCH_CHANGES)
    .each((r) => {
      if (r.group !== group) return;
      rows.push(r);
      n += r.n;
    });
  return rows;
}
