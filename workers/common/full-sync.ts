import type { VaultDb } from './db';

/**
 * Force full sync (DESIGN §8), keyless half: the cursors go back to the
 * start so everything is pulled again, and every group is marked to have
 * its local pages rebuilt from what arrives. The vault rebuilds a group
 * only once the pull has reached the end ('pulled') and nothing of it waits
 * in the outbox, so a rebuild never drops a change the server lacks.
 */
export async function startFullSync(db: VaultDb): Promise<void> {
  await db.transaction('rw', db.serverSessions, db.groups, async () => {
    await db.serverSessions.toCollection().modify({ cursor: 0, blobCursor: 0 });
    await db.groups.toCollection().modify({ rebuild: 'pulling' });
  });
}

/** The pull reached the end for these groups (call inside the pull's transaction): a pending rebuild may go ahead. */
export async function pulledToEnd(db: VaultDb, groups: readonly string[]): Promise<void> {
  await db.groups
    .where('id')
    .anyOf([...groups])
    .filter((g) => g.rebuild === 'pulling')
    .modify({ rebuild: 'pulled' });
}

/** Changes of these groups were just sent: a rebuild that was ready waits for the pull that brings them back (call inside the push's transaction). */
export async function resumePulling(db: VaultDb, groups: readonly string[]): Promise<void> {
  await db.groups
    .where('id')
    .anyOf([...groups])
    .filter((g) => g.rebuild === 'pulled')
    .modify({ rebuild: 'pulling' });
}
