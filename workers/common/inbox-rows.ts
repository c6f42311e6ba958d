import type { InboxRow, VaultDb } from './db';

/** What an inbox apply did with the rows it read: each is deleted, or stored again with only `keep`'s changes. */
export interface InboxOutcome {
  /** The rows as the apply read them. */
  rows: readonly InboxRow[];
  /** By row key: what is left of a row whose changes could not all be applied. */
  keep: ReadonlyMap<number, InboxRow>;
}

const same = (a: InboxRow, b: InboxRow): boolean =>
  a.pull === b.pull && a.n === b.n && a.changes[0]?.changeId === b.changes[0]?.changeId && a.changes[a.n - 1]?.changeId === b.changes[b.n - 1]?.changeId;

/**
 * Retires the rows an apply read, inside the caller's transaction (which
 * must include db.inbox). A row the service worker stored again meanwhile
 * under the same key (a full sync pulling the page again, with the same
 * changes or more) is left alone: a rebuild about to drop the pages needs
 * it, and any new changes in it were not applied.
 */
export function retireInboxRows(db: VaultDb, outcome: InboxOutcome): Promise<unknown> {
  if (!outcome.rows.length) return Promise.resolve();
  return db.inbox.bulkGet(outcome.rows.map((r) => r.seq)).then((stored) => {
    const put: InboxRow[] = [];
    const del: number[] = [];
    outcome.rows.forEach((read, i) => {
      const now = stored[i];
      if (!now || !same(now, read)) return;
      const left = outcome.keep.get(read.seq);
      if (left) put.push(left);
      else del.push(read.seq);
    });
    return Promise.all([del.length ? db.inbox.bulkDelete(del) : undefined, put.length ? db.inbox.bulkPut(put) : undefined]);
  });
}
