import type { Db } from '../database';
import type { BlobsTable } from '../schema';

/** Attachment blobs and their encrypted chunks (DESIGN §5). */
export type BlobRow = BlobsTable;

export const findBlob = (db: Db, id: string): Promise<BlobRow | undefined> => db.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();

/** Declares a blob; false if the id exists already. */
export async function insertBlob(db: Db, row: BlobRow): Promise<boolean> {
  const r = await db.insertInto('blobs').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function presentChunks(db: Db, blobId: string): Promise<number[]> {
  return (await db.selectFrom('blob_chunks').select('idx').where('blob_id', '=', blobId).orderBy('idx').execute()).map((r) => Number(r.idx));
}

export const getChunk = (db: Db, blobId: string, idx: number) =>
  db.selectFrom('blob_chunks').select(['data', 'size']).where('blob_id', '=', blobId).where('idx', '=', idx).executeTakeFirst();

export async function putChunk(db: Db, blobId: string, idx: number, data: Buffer, now: number): Promise<void> {
  await db
    .insertInto('blob_chunks')
    .values({ blob_id: blobId, idx, data, size: data.length, created_at: now })
    .onConflict((oc) => oc.columns(['blob_id', 'idx']).doUpdateSet({ data, size: data.length, created_at: now }))
    .execute();
}

export async function countChunks(db: Db, blobId: string): Promise<number> {
  const r = await db.selectFrom('blob_chunks').select((eb) => eb.fn.countAll<number | string>().as('n')).where('blob_id', '=', blobId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function markComplete(db: Db, blobId: string, seq: number): Promise<void> {
  await db.updateTable('blobs').set({ complete_seq: seq }).where('id', '=', blobId).where('complete_seq', 'is', null).execute();
}

/** Complete blobs of the groups `userId` belongs to, after `after`, in completion order; `limit + 1` rows. */
export const completeBlobsAfter = (db: Db, userId: string, after: number, limit: number) =>
  db
    .selectFrom('blobs')
    .innerJoin('memberships', (j) => j.onRef('memberships.group_id', '=', 'blobs.group_id').on('memberships.user_id', '=', userId))
    .select(['blobs.id', 'blobs.group_id', 'blobs.epoch', 'blobs.chunks', 'blobs.complete_seq'])
    .where('blobs.complete_seq', '>', after)
    .orderBy('blobs.complete_seq')
    .limit(limit + 1)
    .execute();
