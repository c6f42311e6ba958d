import type { Db } from '../database';

/** First-admin setup tokens and console sessions, both stored as SHA-256 hashes. */
export async function insertSetupToken(db: Db, tokenHash: string, now: number, expiresAt: number): Promise<void> {
  await db.insertInto('setup_tokens').values({ token_hash: tokenHash, created_at: now, expires_at: expiresAt, used_at: null }).execute();
}

/** Spends a setup token; every other outstanding token is retired with it. */
export async function spendSetupToken(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const r = await db.updateTable('setup_tokens').set({ used_at: now }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  await db.updateTable('setup_tokens').set({ used_at: now }).where('used_at', 'is', null).execute();
  return true;
}

export async function insertAdminSession(db: Db, row: { token_hash: string; user_id: string; created_at: number; expires_at: number }): Promise<void> {
  await db.insertInto('admin_sessions').values(row).execute();
}

export const findAdminSession = (db: Db, tokenHash: string, now: number) =>
  db
    .selectFrom('admin_sessions')
    .innerJoin('users', 'users.id', 'admin_sessions.user_id')
    .select(['users.id', 'users.username', 'users.role'])
    .where('admin_sessions.token_hash', '=', tokenHash)
    .where('admin_sessions.expires_at', '>', now)
    .executeTakeFirst();

export async function deleteAdminSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Signs a console user out everywhere (their sign-in factors changed). */
export async function deleteAdminSessionsOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('user_id', '=', userId).execute();
}
