import { sql } from 'kysely';
import type { Db } from '../database';
import type { UsersTable } from '../schema';

/** Users, their groups and memberships. */
export type UserRow = UsersTable;

export const findUserByUsername = (db: Db, username: string): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();

export const findUserById = (db: Db, id: string): Promise<UserRow | undefined> => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

/** Inserts a user; false when the username is taken. */
export async function insertUser(db: Db, row: UserRow): Promise<boolean> {
  const r = await db.insertInto('users').values(row).onConflict((oc) => oc.column('username').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function adminExists(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('role', '=', 'admin').where('password_hash', 'is not', null).limit(1).executeTakeFirst()) !== undefined;
}

/** Stores what enrollment registers; false if the user was enrolled already (the check and the write are one statement). */
export async function setEnrolled(db: Db, userId: string, v: { auth_hash: string; bundle: string; ecdh_kid: string; enrolled_at: number }): Promise<boolean> {
  const r = await db.updateTable('users').set(v).where('id', '=', userId).where('auth_hash', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Ids of the groups a user is a member of. */
export async function groupIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await db.selectFrom('memberships').select('group_id').where('user_id', '=', userId).execute()).map((r) => r.group_id);
}

/** Inserts a group; false if the id exists already. */
export async function insertGroup(db: Db, row: { id: string; owner_user_id: string; kind: string; created_at: number }): Promise<boolean> {
  const r = await db.insertInto('groups').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function insertMembership(db: Db, row: { group_id: string; user_id: string; role: 'owner' | 'member'; created_at: number }): Promise<void> {
  await db.insertInto('memberships').values(row).onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing()).execute();
}

/** Users whose username contains `q` (case-insensitive; usernames are stored lower-case), by username. */
export const searchUsers = (db: Db, q: string, limit = 50): Promise<UserRow[]> =>
  db
    .selectFrom('users')
    .selectAll()
    .where(sql<boolean>`username like ${`%${q.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`} escape '!'`)
    .orderBy('username')
    .limit(limit)
    .execute();

/** Sets (or, with null, removes) a console user's TOTP secret; the replay guard starts over. */
export async function setTotp(db: Db, userId: string, sealed: string | null): Promise<void> {
  await db.updateTable('users').set({ totp_sealed: sealed, totp_last_step: null }).where('id', '=', userId).execute();
}

/** Records the step of an accepted code, unless a concurrent sign-in used this step or a later one first. */
export async function spendTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
