import type { Db } from '../database';
import type { EnrollmentCodesTable } from '../schema';

/** Single-use enrollment codes, stored only as SHA-256 hashes. */
export async function insertCode(db: Db, row: EnrollmentCodesTable): Promise<void> {
  await db.insertInto('enrollment_codes').values(row).execute();
}

/** The code row if it is usable now (unused, unexpired). */
export const findUsableCode = (db: Db, codeHash: string, now: number): Promise<EnrollmentCodesTable | undefined> =>
  db.selectFrom('enrollment_codes').selectAll().where('code_hash', '=', codeHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();

/**
 * Spends a code for one user. The condition and the write are one statement,
 * so two enrollments racing with the same code cannot both succeed.
 */
export async function spendCode(db: Db, codeHash: string, userId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('enrollment_codes')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Retires a user's unused codes (when a new one is issued). */
export async function retireCodes(db: Db, userId: string, now: number): Promise<void> {
  await db.updateTable('enrollment_codes').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}
