import type { VaultDb } from '../../common/db';
import { deletePages } from './forget-group';

/**
 * Force full sync, vault half (see workers/common/full-sync.ts). While a
 * group is being pulled again ('pulling') its inbox must not be applied: a
 * re-pull cut half-way would otherwise have its first part applied and
 * deleted before the rebuild, and lost with the pages. Once everything is
 * in ('pulled') and none of the group's changes wait to be sent, its pages
 * are dropped so the inbox rebuilds them from the server's copy, in one
 * transaction with the inbox untouched: an interrupted rebuild simply goes
 * on applying the inbox. The caller holds the partition's write lock.
 */
export type RebuildState = { state: 'none' | 'pulling' } | { state: 'rebuilt'; collections: string[] };

export async function rebuildIfPulled(db: VaultDb, group: string): Promise<RebuildState> {
  return db.transaction('rw', [db.pages, db.directory, db.manifests, db.groups, db.outbox], async () => {
    const g = await db.groups.get(group);
    if (g?.rebuild === 'pulling') return { state: 'pulling' };
    if (g?.rebuild !== 'pulled' || (await db.outbox.where('group').equals(group).count()) > 0) return { state: 'none' };
    const collections = (await db.manifests.where('[partition+collection]').between([group], [group, []]).primaryKeys()).map(([, c]) => c);
    await deletePages(db, group);
    await db.groups.update(group, { rebuild: undefined, appliedSeq: 0 });
    return { state: 'rebuilt', collections };
  });
}
