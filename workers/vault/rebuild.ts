import type { VaultDb } from '../common/db';
import { deletePages } from './forget-group';

/**
 * Force full sync, vault half (see workers/common/full-sync.ts): once
 * everything of a group has been pulled again and none of its changes wait
 * to be sent, its pages are dropped so the inbox rebuilds them from the
 * server's copy. One transaction, with the inbox untouched: an interrupted
 * rebuild simply goes on applying the inbox. Returns whether it happened
 * (the caller then forgets its cached pages).
 */
export async function rebuildIfPulled(db: VaultDb, group: string): Promise<boolean> {
  return db.transaction('rw', db.pages, db.manifests, db.groups, db.outbox, async () => {
    const g = await db.groups.get(group);
    if (g?.rebuild !== 'pulled' || (await db.outbox.where('group').equals(group).count()) > 0) return false;
    await deletePages(db, group);
    await db.groups.update(group, { rebuild: undefined, appliedSeq: 0 });
    return true;
  });
}
