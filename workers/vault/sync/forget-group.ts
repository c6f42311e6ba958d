import Dexie from 'dexie';
import type { VaultDb } from '../../common/db';

/**
 * Removes one group's data from this device: pages, manifests, outbox,
 * inbox, attachments and their upload queue, envelopes and the group row,
 * in one transaction. Used when a user is no longer a member and no other
 * local account can open the group.
 */
export async function forgetGroup(db: VaultDb, group: string): Promise<void> {
  const tables = [db.pages, db.directory, db.manifests, db.outbox, db.inbox, db.blobs, db.chunks, db.blobUploads, db.envelopes, db.groups];
  await db.transaction('rw', tables, async () => {
    await deletePages(db, group);
    await db.outbox.where('group').equals(group).delete();
    await db.inbox.where('group').equals(group).delete();
    const blobs = await db.blobs.where('partition').equals(group).primaryKeys();
    for (const id of blobs) await db.chunks.where('[blob+index]').between([id, Dexie.minKey], [id, Dexie.maxKey]).delete();
    await db.blobs.bulkDelete(blobs);
    await db.blobUploads.bulkDelete(blobs);
    await db.envelopes.where('[group+epoch+kid]').between([group, Dexie.minKey, Dexie.minKey], [group, Dexie.maxKey, Dexie.maxKey]).delete();
    await db.groups.delete(group);
  });
}

/**
 * Deletes a group's encrypted pages, directory pages and manifests (inside the
 * caller's transaction). [group] … [group, []] spans every key that starts
 * with the group: arrays sort after strings and numbers.
 */
async function deletePages(db: VaultDb, group: string): Promise<void> {
  await db.pages.where('[partition+collection+page]').between([group], [group, []]).delete();
  await db.directory.where('[partition+collection+page]').between([group], [group, []]).delete();
  await db.manifests.where('[partition+collection]').between([group], [group, []]).delete();
}
