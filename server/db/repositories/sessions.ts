import type { Db } from '../database';
import type { DeviceInfo } from '../../../src/protocol/auth';
import { newToken, sha256Hex } from '../../services/secrets';
import type { SessionsTable } from '../schema';
import { upsertDevice } from './devices';

/** Device sessions: opaque tokens stored as SHA-256 hashes, each bound to one device key. */
export const SESSION_IDLE_MS = 30 * 24 * 3600_000;

export async function insertSession(db: Db, row: SessionsTable): Promise<void> {
  // One live session per user and device: a new login replaces the old one.
  await db.deleteFrom('sessions').where('user_id', '=', row.user_id).where('device_id', '=', row.device_id).execute();
  await db.insertInto('sessions').values(row).execute();
}

/** Registers (or refreshes) the device and opens a session for it; returns the device id and the token. */
export async function openSession(db: Db, device: DeviceInfo, jkt: string, userId: string, now: number): Promise<{ deviceId: string; token: string }> {
  const token = newToken();
  const deviceId = await upsertDevice(db, device, jkt, userId, now);
  await insertSession(db, { token_hash: sha256Hex(token), user_id: userId, device_id: deviceId, created_at: now, last_used_at: now, expires_at: now + SESSION_IDLE_MS });
  return { deviceId, token };
}

/**
 * A live session with its device's key, and whether a wipe was issued to
 * that device and not yet acknowledged, expired or not (such a device gets
 * nothing but its commands: device-auth.ts). One query per device request.
 */
export async function findLiveSession(db: Db, tokenHash: string, now: number) {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select(['sessions.token_hash', 'sessions.user_id', 'sessions.device_id', 'devices.jkt'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('commands').select('commands.id').whereRef('commands.device_id', '=', 'sessions.device_id').where('commands.acked_at', 'is', null).where('commands.kind', '=', 'wipe'))
        .as('wipe_issued'),
    )
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return row && { ...row, wipe_issued: Boolean(row.wipe_issued) };
}

/** Sliding expiry: each use keeps the session for another SESSION_IDLE_MS. */
export async function touchSession(db: Db, tokenHash: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_used_at: now, expires_at: now + SESSION_IDLE_MS }).where('token_hash', '=', tokenHash).execute();
}

/** Ends every session of a device (it was wiped): its tokens stop working at once. */
export async function deleteDeviceSessions(db: Db, deviceId: string): Promise<void> {
  await db.deleteFrom('sessions').where('device_id', '=', deviceId).execute();
}

/** Ends the user's sessions on every device but the one with key `jkt` (a credentials change). */
export async function deleteOtherSessions(db: Db, userId: string, jkt: string): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('device_id', 'not in', db.selectFrom('devices').select('id').where('jkt', '=', jkt))
    .execute();
}
