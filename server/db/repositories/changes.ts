import type { Db } from '../database';
import type { ChangesTable } from '../schema';

/**
 * The change log (DESIGN §6): append-only, one global sequence. Callers that
 * insert must hold `serialize(trx, 'change')` (see database.ts) so sequence
 * order is commit order.
 */
export type ChangeRow = ChangesTable;

/** Hands out `n` consecutive numbers of a counter; returns the first. */
export async function allocate(db: Db, name: 'change' | 'blob', n: number): Promise<number> {
  const row = await db
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', n) }))
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - n + 1;
}

/** The last number a counter handed out. */
export async function lastAllocated(db: Db, name: 'change' | 'blob'): Promise<number> {
  return Number((await db.selectFrom('counters').select('value').where('name', '=', name).executeTakeFirstOrThrow()).value);
}

export const findByChangeIds = (db: Db, ids: string[]) =>
  ids.length ? db.selectFrom('changes').select(['change_id', 'seq', 'group_id', 'record_id']).where('change_id', 'in', ids).execute() : Promise.resolve([]);

export async function insertChange(db: Db, row: ChangeRow): Promise<void> {
  await db.insertInto('changes').values(row).execute();
}

/**
 * Compaction: a change of (group, record) made by a device that had seen the
 * log up to `upTo` carries the merged state of every earlier change of that
 * record up to there, so their payloads can go. The rows stay (without data)
 * so a late retry of a superseded push is still recognized by its id and
 * not stored again. Never touches other records or later changes.
 */
export async function supersede(db: Db, group: string, record: string, upTo: number, bySeq: number): Promise<number> {
  const r = await db
    .updateTable('changes')
    .set({ data: null, superseded_by: bySeq })
    .where('group_id', '=', group)
    .where('record_id', '=', record)
    .where('seq', '<=', upTo)
    .where('seq', '<', bySeq)
    .where('data', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Live changes of every group `userId` belongs to, after `after`, in sequence order; `limit + 1` rows to tell if there are more. */
export const changesAfter = (db: Db, userId: string, after: number, limit: number) =>
  db
    .selectFrom('changes')
    .innerJoin('memberships', (j) => j.onRef('memberships.group_id', '=', 'changes.group_id').on('memberships.user_id', '=', userId))
    .select(['changes.seq', 'changes.change_id', 'changes.group_id', 'changes.record_id', 'changes.epoch', 'changes.device_id', 'changes.data'])
    .where('changes.seq', '>', after)
    .where('changes.data', 'is not', null)
    .orderBy('changes.seq')
    .limit(limit + 1)
    .execute();
