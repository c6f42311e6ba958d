import type { GroupRow, InboxRow } from './db';
import type { WriteTx } from './raw-idb';

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
 * must include the inbox and groups stores). Nothing is retired while the
 * group waits for a full-sync rebuild ('pulling' or 'pulled'): the rebuild
 * empties the pages and rebuilds them from the inbox alone, so a row
 * applied before it must still be there after it (an apply pass that began
 * before the full sync started would otherwise consume the re-pulled rows).
 * A row the service worker stored again meanwhile under the same key (a
 * full sync pulling the page again, with the same changes or more) is left
 * alone too: any new changes in it were not applied.
 */
export function retireInboxRows(tx: WriteTx, outcome: InboxOutcome): void {
  const group = outcome.rows[0]?.group;
  if (group === undefined) return;
  tx.get('groups', group, (g) => {
    if ((g as GroupRow | undefined)?.rebuild) return;
    for (const read of outcome.rows)
      tx.get('inbox', read.seq, (now) => {
        if (!now || !same(now as InboxRow, read)) return;
        const left = outcome.keep.get(read.seq);
        if (left) tx.put('inbox', left);
        else tx.delete('inbox', read.seq);
      });
  });
}
