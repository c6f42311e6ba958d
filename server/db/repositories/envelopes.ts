import type { EnvelopeWire } from '../../../src/protocol/auth';
import type { Db } from '../database';

/** Group key envelopes (DESIGN §3): opaque JSON, routed by group, epoch and recipient kid. */
export async function insertEnvelopes(db: Db, envelopes: EnvelopeWire[], createdBy: string, now: number): Promise<void> {
  for (const e of envelopes) {
    await db
      .insertInto('envelopes')
      .values({ group_id: e.group, epoch: e.epoch, kid: e.kid, envelope: JSON.stringify(e.envelope), created_by: createdBy, created_at: now })
      .onConflict((oc) => oc.columns(['group_id', 'epoch', 'kid']).doNothing())
      .execute();
  }
}

/** Envelopes addressed to `kid` in the groups `userId` is a member of: what that user can open. */
export async function envelopesFor(db: Db, userId: string, kid: string): Promise<EnvelopeWire[]> {
  const rows = await db
    .selectFrom('envelopes')
    .innerJoin('memberships', 'memberships.group_id', 'envelopes.group_id')
    .select(['envelopes.group_id', 'envelopes.epoch', 'envelopes.kid', 'envelopes.envelope'])
    .where('memberships.user_id', '=', userId)
    .where('envelopes.kid', '=', kid)
    .orderBy('envelopes.group_id')
    .orderBy('envelopes.epoch')
    .execute();
  return rows.map((r) => ({ group: r.group_id, epoch: Number(r.epoch), kid: r.kid, envelope: JSON.parse(r.envelope) as Record<string, unknown> }));
}
