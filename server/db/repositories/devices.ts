import { randomUUID } from 'node:crypto';
import type { DeviceInfo } from '../../../src/protocol/auth';
import type { Db } from '../database';
import type { DevicesTable } from '../schema';

/** Devices, one row per device key (a shared tablet is one device whichever user is on it). */
export async function upsertDevice(db: Db, info: DeviceInfo, jkt: string, userId: string, now: number): Promise<string> {
  const row = await db
    .insertInto('devices')
    .values({
      id: randomUUID(),
      jkt,
      public_jwk: JSON.stringify({ kty: info.publicKey.kty, crv: info.publicKey.crv, x: info.publicKey.x, y: info.publicKey.y }),
      model: info.model,
      os: info.os,
      browser: info.browser,
      app_version: info.appVersion,
      last_user_id: userId,
      created_at: now,
      last_seen_at: now,
      last_sync_at: null,
    })
    .onConflict((oc) =>
      oc.column('jkt').doUpdateSet({ model: info.model, os: info.os, browser: info.browser, app_version: info.appVersion, last_user_id: userId, last_seen_at: now }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export const findDevice = (db: Db, id: string): Promise<DevicesTable | undefined> => db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();

/** Server contact time (what "force server connection" policies measure). */
export async function touchDevice(db: Db, id: string, userId: string, now: number): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: now, last_user_id: userId }).where('id', '=', id).execute();
}

/** Devices a user was last active on, most recent first. */
export const devicesOfUser = (db: Db, userId: string): Promise<DevicesTable[]> =>
  db.selectFrom('devices').selectAll().where('last_user_id', '=', userId).orderBy('last_seen_at', 'desc').execute();

export interface PushTarget {
  deviceId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Stores (or, with null, drops) a device's push subscription. */
export async function setPushSubscription(db: Db, deviceId: string, sub: Omit<PushTarget, 'deviceId'> | null): Promise<void> {
  await db
    .updateTable('devices')
    .set({ push_endpoint: sub?.endpoint ?? null, push_p256dh: sub?.p256dh ?? null, push_auth: sub?.auth ?? null })
    .where('id', '=', deviceId)
    .execute();
}

/** The push subscriptions of these devices (those that have one). */
export async function pushTargets(db: Db, deviceIds: string[]): Promise<PushTarget[]> {
  if (!deviceIds.length) return [];
  const rows = await db
    .selectFrom('devices')
    .select(['id', 'push_endpoint', 'push_p256dh', 'push_auth'])
    .where('id', 'in', deviceIds)
    .where('push_endpoint', 'is not', null)
    .execute();
  return rows.map((r) => ({ deviceId: r.id, endpoint: r.push_endpoint!, p256dh: r.push_p256dh!, auth: r.push_auth! }));
}

/** Removes a device from the index; its sessions and commands go with it (foreign keys). True if there was one. */
export async function deleteDevice(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
