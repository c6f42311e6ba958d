import type { EnvelopeWire, KeyBundle } from '../../src/protocol/auth';
import type { AccountGroupsResponse, DirectoryEntry, GroupInfo } from '../../src/protocol/groups';
import type { DatabaseHandle } from '../db/database';
import { writeAudit } from '../db/repositories/audit';
import { envelopesFor, insertEnvelopes } from '../db/repositories/envelopes';
import { advanceEpoch, envelopeSigners, epochsWrappedTo, findGroup, groupsOfUser, membersOf, removeMember } from '../db/repositories/groups';
import { findUserById, findUserByUsername, insertMembership, type UserRow } from '../db/repositories/users';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { sha256Hex } from './secrets';
import type { DeviceAuth } from './sync';

/**
 * Groups and surrogates (DESIGN §2, §3) and the key directory. The server
 * cannot read a group key; it keeps who may fetch which envelope, accepts
 * envelope changes only from a group's owner, and checks that each
 * envelope names the right group, epoch, recipient and signer. Devices
 * verify signatures themselves against the directory.
 */
export class GroupService {
  /** The organisation's recovery key and its kid, when configured. */
  private readonly recovery: { ecdhSpki: string; kid: string } | null;

  constructor(
    private readonly dbh: DatabaseHandle,
    recoveryPublicKey?: string,
  ) {
    this.recovery = recoveryPublicKey ? { ecdhSpki: recoveryPublicKey, kid: sha256Hex(Buffer.from(recoveryPublicKey, 'base64')) } : null;
  }

  /** An enrolled user's public keys. 404 for unknown or not yet enrolled usernames. */
  async directory(username: string): Promise<DirectoryEntry> {
    const user = await findUserByUsername(this.dbh.db, username);
    if (!user?.bundle) throw notFound('That user');
    return entry(user);
  }

  async accountGroups(auth: DeviceAuth): Promise<AccountGroupsResponse> {
    const me = await enrolled(this.dbh, auth.userId);
    const groups = await groupsOfUser(this.dbh.db, auth.userId);
    const ids = groups.map((g) => g.id);
    const members = await membersOf(this.dbh.db, ids);
    const recovered = this.recovery ? await epochsWrappedTo(this.dbh.db, ids, this.recovery.kid) : [];
    const infos: GroupInfo[] = groups.map((g) => ({
      id: g.id,
      kind: g.kind,
      epoch: Number(g.epoch ?? 1),
      members: members.filter((m) => m.group_id === g.id).map((m) => ({ userId: m.user_id, username: m.username, role: m.role })),
      recoveryEpochs: recovered.filter((r) => r.group === g.id).map((r) => r.epoch),
    }));
    const signerIds = await envelopeSigners(this.dbh.db, ids, me.ecdh_kid!);
    const signers = (await Promise.all(signerIds.map((id) => findUserById(this.dbh.db, id)))).filter((u): u is UserRow => !!u?.bundle).map(entry);
    return { groups: infos, envelopes: await envelopesFor(this.dbh.db, auth.userId, me.ecdh_kid!), signers, recovery: this.recovery };
  }

  /** The owner wraps epochs' keys to the organisation's recovery key. 409 when none is configured. */
  async addRecovery(auth: DeviceAuth, groupId: string, envelopes: EnvelopeWire[], ip: string | null, now = Date.now()): Promise<void> {
    if (!this.recovery) throw conflict('This server has no recovery key configured.');
    const { owner, group } = await this.ownerOf(auth, groupId);
    const epoch = Number(group.epoch ?? 1);
    checkEnvelopes(envelopes, { group: groupId, kids: new Set([this.recovery.kid]), signer: owner, epochs: (e) => e >= 1 && e <= epoch });
    await this.dbh.db.transaction().execute(async (trx) => {
      await insertEnvelopes(trx, envelopes, owner.id, now);
      await writeAudit(trx, { actorUserId: owner.id, actor: owner.username, action: 'group.recovery.add', target: owner.username, ip, detail: { group: groupId, epochs: envelopes.map((e) => e.epoch) } }, now);
    });
  }

  /** The owner wraps the group key of every epoch to a new member. */
  async addMember(auth: DeviceAuth, groupId: string, req: { username: string; envelopes: EnvelopeWire[] }, ip: string | null, now = Date.now()): Promise<void> {
    const { owner, group } = await this.ownerOf(auth, groupId);
    const target = await findUserByUsername(this.dbh.db, req.username);
    if (!target?.bundle || !target.ecdh_kid) throw notFound('That user');
    if (target.id === owner.id) throw badRequest('You cannot add yourself as your own surrogate.');
    const epoch = Number(group.epoch ?? 1);
    checkEnvelopes(req.envelopes, { group: groupId, kids: new Set([target.ecdh_kid]), signer: owner, epochs: (e) => e >= 1 && e <= epoch });
    if (!req.envelopes.some((e) => e.epoch === epoch)) throw badRequest(`body.envelopes: the current epoch ${epoch} is missing.`);
    await this.dbh.db.transaction().execute(async (trx) => {
      // A rotation committed meanwhile would leave the new member without the new epoch's key.
      if (Number((await findGroup(trx, groupId))?.epoch ?? 1) !== epoch) throw conflict('The group changed meanwhile; try again.');
      await insertMembership(trx, { group_id: groupId, user_id: target.id, role: 'member', created_at: now });
      await insertEnvelopes(trx, req.envelopes, owner.id, now);
      await writeAudit(trx, { actorUserId: owner.id, actor: owner.username, action: 'group.member.add', target: target.username, ip, detail: { group: groupId } }, now);
    });
  }

  /**
   * The owner removes a member and starts the next epoch, wrapped to every
   * member who remains. The removed member's envelopes go with the
   * membership: their devices drop the group at their next sync, and
   * nothing written afterwards is readable with what they had.
   */
  async removeMember(auth: DeviceAuth, groupId: string, userId: string, req: { epoch: number; envelopes: EnvelopeWire[] }, ip: string | null, now = Date.now()): Promise<void> {
    const { owner, group } = await this.ownerOf(auth, groupId);
    if (userId === owner.id) throw badRequest('The owner cannot be removed from their own group.');
    const members = await membersOf(this.dbh.db, [groupId]);
    const target = members.find((m) => m.user_id === userId);
    if (!target) throw notFound('That member');
    const current = Number(group.epoch ?? 1);
    if (req.epoch !== current + 1) throw conflict(`The group is at epoch ${current}; the new epoch must be ${current + 1}.`);
    const remaining = members.filter((m) => m.user_id !== userId);
    const kids = new Set(remaining.map((m) => m.ecdh_kid).filter((k): k is string => !!k));
    // The recovery key may (and, where the organisation has one, should) be among the recipients.
    const allowed = new Set([...kids, ...(this.recovery ? [this.recovery.kid] : [])]);
    checkEnvelopes(req.envelopes, { group: groupId, kids: allowed, signer: owner, epochs: (e) => e === req.epoch });
    const missing = [...kids].filter((k) => !req.envelopes.some((e) => e.kid === k));
    if (missing.length) throw badRequest('body.envelopes: every remaining member needs the new epoch’s key.');
    await this.dbh.db.transaction().execute(async (trx) => {
      if (!(await advanceEpoch(trx, groupId, current, req.epoch))) throw conflict('The group changed meanwhile; try again.');
      // Members added since they were read would get no key for the new epoch.
      const stillThere = (await membersOf(trx, [groupId])).map((m) => m.user_id).sort();
      if (stillThere.join() !== members.map((m) => m.user_id).sort().join()) throw conflict('The group changed meanwhile; try again.');
      await removeMember(trx, groupId, userId, target.ecdh_kid);
      await insertEnvelopes(trx, req.envelopes, owner.id, now);
      await writeAudit(trx, { actorUserId: owner.id, actor: owner.username, action: 'group.member.remove', target: target.username, ip, detail: { group: groupId, epoch: req.epoch } }, now);
    });
  }

  private async ownerOf(auth: DeviceAuth, groupId: string) {
    const group = await findGroup(this.dbh.db, groupId);
    if (!group) throw notFound('That group');
    if (group.owner_user_id !== auth.userId) throw forbidden('Only the owner of a group can change who is in it.');
    return { owner: await enrolled(this.dbh, auth.userId), group };
  }
}

async function enrolled(dbh: DatabaseHandle, userId: string): Promise<UserRow> {
  const user = await findUserById(dbh.db, userId);
  if (!user?.bundle || !user.ecdh_kid) throw forbidden();
  return user;
}

function entry(u: UserRow): DirectoryEntry {
  const b = JSON.parse(u.bundle!) as KeyBundle;
  return { userId: u.id, username: u.username, ecdhSpki: b.ecdhSpki, ecdsaSpki: b.ecdsaSpki };
}

/**
 * What the server can check of an envelope without any key: routing fields
 * agree with the envelope's own, it is addressed to an expected key, and it
 * claims the expected signer (the device verifies the signature itself).
 */
function checkEnvelopes(envs: EnvelopeWire[], want: { group: string; kids: Set<string>; signer: UserRow; epochs: (e: number) => boolean }): void {
  const signerKid = sha256Hex(Buffer.from((JSON.parse(want.signer.bundle!) as KeyBundle).ecdsaSpki, 'base64'));
  envs.forEach((e, i) => {
    const inner = e.envelope as { kid?: unknown; group?: unknown; epoch?: unknown; by?: unknown };
    const where = `body.envelopes.${i}`;
    if (e.group !== want.group || inner.group !== e.group) throw badRequest(`${where}.group: expected ${want.group}`);
    if (!want.epochs(e.epoch) || inner.epoch !== e.epoch) throw badRequest(`${where}.epoch: not an epoch this change may carry`);
    if (!want.kids.has(e.kid) || inner.kid !== e.kid) throw badRequest(`${where}.kid: not addressed to a member of this change`);
    if (inner.by !== signerKid) throw badRequest(`${where}.by: must be signed by the group owner`);
  });
}
