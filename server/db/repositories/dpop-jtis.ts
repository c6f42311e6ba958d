import type { Db } from '../database';

/**
 * The DPoP replay cache, in the database so every server process sees every
 * proof id. Rows outlive the iat window and are then purged.
 */
export async function rememberJti(db: Db, key: string, expiresAt: number): Promise<boolean> {
  const r = await db.insertInto('dpop_jtis').values({ key, expires_at: expiresAt }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function purgeJtis(db: Db, now: number): Promise<void> {
  await db.deleteFrom('dpop_jtis').where('expires_at', '<', now).execute();
}
