import type { Db } from '../database';
import type { DeviceGroupsTable } from '../schema';

/** Device groups (policies, bulk commands) and which group a device is in. */
export const listDeviceGroups = (db: Db): Promise<DeviceGroupsTable[]> => db.selectFrom('device_groups').selectAll().orderBy('name').execute();

export const findDeviceGroup = (db: Db, id: string) => db.selectFrom('device_groups').selectAll().where('id', '=', id).executeTakeFirst();

/** Inserts a group; false if the name is taken. */
export async function insertDeviceGroup(db: Db, row: DeviceGroupsTable): Promise<boolean> {
  const r = await db.insertInto('device_groups').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function setDeviceGroupPolicy(db: Db, id: string, policy: string | null): Promise<boolean> {
  const r = await db.updateTable('device_groups').set({ policy }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setDeviceGroupOf(db: Db, deviceId: string, groupId: string | null): Promise<boolean> {
  const r = await db.updateTable('devices').set({ group_id: groupId }).where('id', '=', deviceId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setUserPolicy(db: Db, userId: string, policy: string | null): Promise<boolean> {
  const r = await db.updateTable('users').set({ policy }).where('id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
