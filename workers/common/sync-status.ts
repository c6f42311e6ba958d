import type { SyncStateRow, VaultDb } from './db';

/** Merges `patch` into the sync status row, in one transaction so concurrent writers (service worker, vault) lose nothing. */
export async function updateStatus(db: VaultDb, patch: Omit<SyncStateRow, 'key'>): Promise<void> {
  await db.transaction('rw', db.syncState, async () => {
    await db.syncState.put({ ...(await db.syncState.get('status')), ...patch, key: 'status' });
  });
}
