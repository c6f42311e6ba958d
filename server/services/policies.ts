import { randomUUID } from 'node:crypto';
import { Policy, strictest } from '../../src/domain/policy';
import type { SignedPolicy } from '../../src/protocol/policy';
import type { DatabaseHandle } from '../db/database';
import { writeAudit } from '../db/repositories/audit';
import { findDeviceGroup, insertDeviceGroup, listDeviceGroups, setDeviceGroupOf, setDeviceGroupPolicy, setUserPolicy } from '../db/repositories/device-groups';
import { findDevice } from '../db/repositories/devices';
import { findUserById } from '../db/repositories/users';
import { conflict, notFound } from '../errors';
import type { Actor } from './admin';
import type { PolicySigner } from './policy-signer';
import type { DeviceAuth } from './sync';

/**
 * Policies (issue 5): admins set them per device group and per user; what
 * applies to a device and its user is the strictest of both, signed for
 * that pair so the device can tell a tampered local copy. Every change is
 * audited.
 */
export class PolicyService {
  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly signer: PolicySigner,
  ) {}

  /** The policy for this device and user, signed. */
  async signedFor(auth: DeviceAuth, now = Date.now()): Promise<SignedPolicy> {
    const [device, user] = await Promise.all([findDevice(this.dbh.db, auth.deviceId), findUserById(this.dbh.db, auth.userId)]);
    const group = device?.group_id ? await findDeviceGroup(this.dbh.db, device.group_id) : undefined;
    const policy = strictest(parse(group?.policy), parse(user?.policy));
    const statement = JSON.stringify({ v: 1, deviceId: auth.deviceId, userId: auth.userId, issuedAt: now, policy });
    return { statement, sig: this.signer.sign(statement) };
  }

  async listGroups() {
    return (await listDeviceGroups(this.dbh.db)).map((g) => ({ id: g.id, name: g.name, policy: g.policy === null ? null : parse(g.policy) }));
  }

  async createGroup(req: { name: string; policy?: Policy | undefined }, actor: Actor, now = Date.now()) {
    const row = { id: randomUUID(), name: req.name, policy: req.policy ? JSON.stringify(req.policy) : null, created_at: now };
    await this.dbh.db.transaction().execute(async (trx) => {
      if (!(await insertDeviceGroup(trx, row))) throw conflict('A device group with that name exists.');
      await writeAudit(trx, { ...who(actor), action: 'device-group.create', target: req.name, detail: { policy: req.policy ?? null } }, now);
    });
    return { id: row.id, name: row.name, policy: req.policy ?? null };
  }

  async setGroupPolicy(id: string, policy: Policy | null, actor: Actor, now = Date.now()): Promise<void> {
    const group = await findDeviceGroup(this.dbh.db, id);
    if (!group) throw notFound('That device group');
    await this.dbh.db.transaction().execute(async (trx) => {
      await setDeviceGroupPolicy(trx, id, policy ? JSON.stringify(policy) : null);
      await writeAudit(trx, { ...who(actor), action: 'device-group.policy', target: group.name, detail: { policy } }, now);
    });
  }

  async assignDevice(deviceId: string, groupId: string | null, actor: Actor, now = Date.now()): Promise<void> {
    if (groupId !== null && !(await findDeviceGroup(this.dbh.db, groupId))) throw notFound('That device group');
    await this.dbh.db.transaction().execute(async (trx) => {
      if (!(await setDeviceGroupOf(trx, deviceId, groupId))) throw notFound('That device');
      await writeAudit(trx, { ...who(actor), action: 'device.group', target: deviceId, detail: { groupId } }, now);
    });
  }

  async setUserPolicy(userId: string, policy: Policy | null, actor: Actor, now = Date.now()): Promise<void> {
    const user = await findUserById(this.dbh.db, userId);
    if (!user) throw notFound('That user');
    await this.dbh.db.transaction().execute(async (trx) => {
      await setUserPolicy(trx, userId, policy ? JSON.stringify(policy) : null);
      await writeAudit(trx, { ...who(actor), action: 'user.policy', target: user.username, detail: { policy } }, now);
    });
  }
}

/** A stored policy; one that no longer validates (a newer rule set) counts as none rather than failing every device. */
function parse(json: string | null | undefined): Policy {
  if (!json) return {};
  const r = Policy.safeParse(JSON.parse(json));
  return r.success ? r.data : {};
}

const who = (a: Actor) => ({ actorUserId: a.userId, actor: a.name, target: null, ip: a.ip ?? null });
