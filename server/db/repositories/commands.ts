import { sql } from 'kysely';
import type { Db } from '../database';
import type { CommandsTable } from '../schema';

/** The command queue: what admins sent each device, and what the devices acknowledged. */
export async function insertCommands(db: Db, rows: CommandsTable[]): Promise<void> {
  if (rows.length) await db.insertInto('commands').values(rows).execute();
}

/**
 * Up to `limit` pending commands of a device: a wipe before anything else,
 * then locks and unlocks in the order they were sent (their order decides
 * the outcome), then full syncs.
 */
export const pendingCommands = (db: Db, deviceId: string, now: number, limit: number): Promise<CommandsTable[]> =>
  db
    .selectFrom('commands')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('acked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy(sql`case kind when 'wipe' then 0 when 'full-sync' then 2 else 1 end`)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();

/** Marks a pending command done; returns its kind, or null if there was no such pending command. */
export async function ackCommand(db: Db, deviceId: string, id: string, result: string, now: number): Promise<CommandsTable['kind'] | null> {
  const r = await db
    .updateTable('commands')
    .set({ acked_at: now, result })
    .where('id', '=', id)
    .where('device_id', '=', deviceId)
    .where('acked_at', 'is', null)
    .returning('kind')
    .executeTakeFirst();
  return r?.kind ?? null;
}

/** Every command of every device, newest first (for the device index's state). */
export const allCommands = (db: Db): Promise<CommandsTable[]> => db.selectFrom('commands').selectAll().orderBy('created_at', 'desc').execute();

export const devicesInGroup = async (db: Db, groupId: string): Promise<string[]> =>
  (await db.selectFrom('devices').select('id').where('group_id', '=', groupId).execute()).map((r) => r.id);

export const allDevices = (db: Db) =>
  db.selectFrom('devices').leftJoin('users', 'users.id', 'devices.last_user_id').selectAll('devices').select('users.username').orderBy('devices.last_seen_at', 'desc').execute();
