import type { Db } from '../database';
import type { UnlockCodesTable } from '../schema';

/** Unlock codes (DESIGN §8) and which device was handed which. */
export type UnlockCodeRow = UnlockCodesTable;

export const activeCodes = (db: Db, userId: string): Promise<UnlockCodeRow[]> =>
  db.selectFrom('unlock_codes').selectAll().where('user_id', '=', userId).where('spent_at', 'is', null).orderBy('created_at').orderBy('id').execute();

export async function insertCodes(db: Db, rows: UnlockCodeRow[]): Promise<void> {
  if (rows.length) await db.insertInto('unlock_codes').values(rows).execute();
}

export const findActiveCodeByHash = (db: Db, codeHash: string): Promise<UnlockCodeRow | undefined> =>
  db.selectFrom('unlock_codes').selectAll().where('code_hash', '=', codeHash).where('spent_at', 'is', null).executeTakeFirst();

/** Ids among `codeIds` already handed to a device. */
export async function handedTo(db: Db, deviceId: string, codeIds: string[]): Promise<Set<string>> {
  if (!codeIds.length) return new Set();
  const rows = await db.selectFrom('unlock_code_handoffs').select('code_id').where('device_id', '=', deviceId).where('code_id', 'in', codeIds).execute();
  return new Set(rows.map((r) => r.code_id));
}

export async function recordHandoffs(db: Db, deviceId: string, codeIds: string[], now: number): Promise<void> {
  if (!codeIds.length) return;
  await db
    .insertInto('unlock_code_handoffs')
    .values(codeIds.map((code_id) => ({ code_id, device_id: deviceId, at: now })))
    .onConflict((oc) => oc.columns(['code_id', 'device_id']).doNothing())
    .execute();
}

/** Keeps the first wrap a device uploads for a code of this user (the code, not the device, decides what it opens). */
export async function setWrapIfMissing(db: Db, userId: string, codeId: string, wrap: string): Promise<void> {
  await db.updateTable('unlock_codes').set({ wrap }).where('id', '=', codeId).where('user_id', '=', userId).where('wrap', 'is', null).execute();
}

export async function markRevealed(db: Db, codeId: string, now: number): Promise<void> {
  await db.updateTable('unlock_codes').set({ revealed_at: now }).where('id', '=', codeId).execute();
}

/** Spends codes of one user; returns how many were still active. */
export async function spendCodes(db: Db, userId: string, codeIds: string[], now: number): Promise<number> {
  if (!codeIds.length) return 0;
  const r = await db.updateTable('unlock_codes').set({ spent_at: now }).where('user_id', '=', userId).where('id', 'in', codeIds).where('spent_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
