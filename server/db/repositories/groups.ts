import type { Db } from '../database';

/** Groups, their members and epochs (DESIGN §2). */
export interface MemberRow {
  group_id: string;
  user_id: string;
  username: string;
  role: 'owner' | 'member';
  ecdh_kid: string | null;
}

export const findGroup = (db: Db, id: string) => db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();

/** Members of the given groups, with what envelopes are addressed to (their ECDH key id). */
export async function membersOf(db: Db, groupIds: string[]): Promise<MemberRow[]> {
  if (!groupIds.length) return [];
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.group_id', 'memberships.user_id', 'users.username', 'memberships.role', 'users.ecdh_kid'])
    .where('memberships.group_id', 'in', groupIds)
    .orderBy('memberships.group_id')
    .orderBy('memberships.role', 'desc')
    .orderBy('users.username')
    .execute();
}

export async function groupsOfUser(db: Db, userId: string) {
  return db
    .selectFrom('groups')
    .innerJoin('memberships', 'memberships.group_id', 'groups.id')
    .select(['groups.id', 'groups.kind', 'groups.epoch', 'groups.owner_user_id'])
    .where('memberships.user_id', '=', userId)
    .orderBy('groups.created_at')
    .execute();
}

/** Removes a member and every envelope addressed to them in the group. */
export async function removeMember(db: Db, groupId: string, userId: string, kid: string | null): Promise<void> {
  await db.deleteFrom('memberships').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
  if (kid) await db.deleteFrom('envelopes').where('group_id', '=', groupId).where('kid', '=', kid).execute();
}

/** Moves a group to `next` only from `current`: two rotations racing cannot both win. */
export async function advanceEpoch(db: Db, groupId: string, current: number, next: number): Promise<boolean> {
  const r = await db.updateTable('groups').set({ epoch: next }).where('id', '=', groupId).where('epoch', '=', current).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Ids of the users who signed (created) these envelopes. */
export async function envelopeSigners(db: Db, groupIds: string[], kid: string): Promise<string[]> {
  if (!groupIds.length) return [];
  const rows = await db.selectFrom('envelopes').select('created_by').distinct().where('group_id', 'in', groupIds).where('kid', '=', kid).execute();
  return rows.map((r) => r.created_by);
}

/** (group, epoch) pairs among `groupIds` that have an envelope addressed to `kid`. */
export async function epochsWrappedTo(db: Db, groupIds: string[], kid: string): Promise<{ group: string; epoch: number }[]> {
  if (!groupIds.length) return [];
  const rows = await db.selectFrom('envelopes').select(['group_id', 'epoch']).where('group_id', 'in', groupIds).where('kid', '=', kid).orderBy('epoch').execute();
  return rows.map((r) => ({ group: r.group_id, epoch: Number(r.epoch) }));
}
