import { randomUUID } from 'node:crypto';
import type { Db } from '../database';

export interface SyncLogEntry {
  deviceId: string;
  userId: string;
  kind: 'push' | 'pull';
  changes: number;
  bytes: number;
}

/** One row per push or pull, per device, with counts (the console's sync log). Also stamps the device's last sync. */
export async function writeSyncLog(db: Db, e: SyncLogEntry, now: number): Promise<void> {
  await db.insertInto('sync_log').values({ id: randomUUID(), at: now, device_id: e.deviceId, user_id: e.userId, kind: e.kind, changes: e.changes, bytes: e.bytes }).execute();
  await db.updateTable('devices').set({ last_sync_at: now }).where('id', '=', e.deviceId).execute();
}

/** A push or pull the server refused (the device's last sync time stays as it was). */
export async function writeSyncError(db: Db, e: Omit<SyncLogEntry, 'changes' | 'bytes'>, error: string, now: number): Promise<void> {
  await db.insertInto('sync_log').values({ id: randomUUID(), at: now, device_id: e.deviceId, user_id: e.userId, kind: e.kind, changes: 0, bytes: 0, error: error.slice(0, 500) }).execute();
}

/** A device's syncs, newest first. */
export const syncLogOf = (db: Db, deviceId: string, limit = 200) =>
  db.selectFrom('sync_log').leftJoin('users', 'users.id', 'sync_log.user_id').select(['sync_log.at', 'sync_log.kind', 'sync_log.changes', 'sync_log.bytes', 'sync_log.error', 'users.username']).where('sync_log.device_id', '=', deviceId).orderBy('sync_log.at', 'desc').limit(limit).execute();
