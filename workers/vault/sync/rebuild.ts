import type { VaultDb } from '../../common/db';
import type { PageStore } from '../storage/page-store';

/**
 * Force full sync, vault half (see workers/common/full-sync.ts). While a
 * group is being pulled again ('pulling') its inbox must not be applied: a
 * re-pull cut half-way would otherwise have its first part applied and
 * deleted before the rebuild, and lost with the pages. Once everything is
 * in ('pulled') and none of the group's changes wait to be sent, its pages
 * are emptied (the log truncated, its generations and page numbers going
 * on, so no old page or cached copy can pass for a new one) so the inbox
 * rebuilds them from the server's copy. The inbox is untouched, and the
 * group row is cleared last: a rebuild cut off half-way is done again, then
 * the inbox applied, at the next pass. All of it under the partition lock.
 */
export type RebuildState = { state: 'none' | 'pulling' } | { state: 'rebuilt'; collections: string[] };

export async function rebuildIfPulled(db: VaultDb, group: string, pages: PageStore): Promise<RebuildState> {
  return pages.exclusive(async () => {
    const due = await db.transaction('r', [db.groups, db.outbox, db.manifests], async (): Promise<RebuildState | string[]> => {
      const g = await db.groups.get(group);
      if (g?.rebuild === 'pulling') return { state: 'pulling' };
      if (g?.rebuild !== 'pulled' || (await db.outbox.where('group').equals(group).count()) > 0) return { state: 'none' };
      return (await db.manifests.where('[partition+collection]').between([group], [group, []]).primaryKeys()).map(([, c]) => c);
    });
    if (!Array.isArray(due)) return due;
    await pages.truncate(due);
    await db.groups.update(group, { rebuild: undefined, appliedSeq: 0 });
    return { state: 'rebuilt', collections: due };
  });
}
