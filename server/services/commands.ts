import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { MAX_COMMANDS_PER_FETCH, type CommandKind, type DeviceRow, type SignedPolicy } from '../../src/protocol/policy';
import type { DatabaseHandle, Db } from '../db/database';
import { writeAudit } from '../db/repositories/audit';
import { ackCommand, allCommands, allDevices, devicesInGroup, insertCommands, pendingCommands } from '../db/repositories/commands';
import { findDeviceGroup } from '../db/repositories/device-groups';
import { deleteDevice, findDevice, setPushSubscription } from '../db/repositories/devices';
import { deleteDeviceSessions } from '../db/repositories/sessions';
import type { CommandsTable } from '../db/schema';
import { notFound } from '../errors';
import type { Actor } from './admin';
import type { PolicySigner } from './policy-signer';
import type { PushService } from './web-push';
import type { DeviceAuth } from './sync';

/**
 * Remote commands (DESIGN §8): admins queue lock, unlock, wipe or full sync
 * for a device or a whole device group; a device fetches its pending ones
 * at every contact, each signed for that device with a unique id and an
 * expiry (so unsigned, replayed or stale ones are ignored), and
 * acknowledges what it did. Every command is audited.
 */
export const COMMAND_TTL_MS = 7 * 24 * 3600_000;

export class CommandService {
  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly signer: PolicySigner,
    private readonly push: PushService,
  ) {}

  async send(target: { deviceId: string } | { groupId: string }, kind: CommandKind, actor: Actor, now = Date.now()): Promise<string[]> {
    let devices: string[];
    if ('deviceId' in target) {
      if (!(await findDevice(this.dbh.db, target.deviceId))) throw notFound('That device');
      devices = [target.deviceId];
    } else {
      if (!(await findDeviceGroup(this.dbh.db, target.groupId))) throw notFound('That device group');
      devices = await devicesInGroup(this.dbh.db, target.groupId);
    }
    const rows: CommandsTable[] = devices.map((device_id) => ({ id: randomUUID(), device_id, kind, created_at: now, created_by: actor.name, expires_at: now + COMMAND_TTL_MS, acked_at: null, result: null }));
    await this.dbh.db.transaction().execute(async (trx) => {
      await insertCommands(trx, rows);
      for (const r of rows) await writeAudit(trx, { actorUserId: actor.userId, actor: actor.name, action: `device.${kind}`, target: r.device_id, ip: actor.ip ?? null, detail: { command: r.id } }, now);
    });
    // Wakes the devices now where they allow it; the rest fetch the command at their next contact.
    void this.push.wake(devices);
    return rows.map((r) => r.id);
  }

  async pendingFor(auth: DeviceAuth, now = Date.now()): Promise<{ commands: SignedPolicy[]; more: boolean }> {
    const rows = await pendingCommands(this.dbh.db, auth.deviceId, now, MAX_COMMANDS_PER_FETCH + 1);
    return {
      more: rows.length > MAX_COMMANDS_PER_FETCH,
      commands: rows.slice(0, MAX_COMMANDS_PER_FETCH).map((r) => {
        const statement = JSON.stringify({ v: 1, id: r.id, deviceId: r.device_id, kind: r.kind, issuedAt: Number(r.created_at), expiresAt: Number(r.expires_at) });
        return { statement, sig: this.signer.sign(statement) };
      }),
    };
  }

  /**
   * Retires a device (admins): it leaves the index with its sessions and
   * pending commands, so a token on it stops working at once. Its data is
   * not touched: wipe it first for that. If it signs in again it is listed
   * again, as a new entry.
   */
  async remove(deviceId: string, actor: Actor, now = Date.now()): Promise<void> {
    await this.dbh.db.transaction().execute(async (trx) => {
      if (!(await deleteDevice(trx, deviceId))) throw notFound('That device');
      await writeAudit(trx, { actorUserId: actor.userId, actor: actor.name, action: 'device.remove', target: deviceId, ip: actor.ip ?? null }, now);
    });
  }

  /** A device reports a command done (after a wipe: see endWipedDevice). */
  async ack(auth: DeviceAuth, id: string, result: string, now = Date.now()): Promise<void> {
    await this.dbh.db.transaction().execute(async (trx) => {
      const kind = await ackCommand(trx, auth.deviceId, id, result, now);
      if (!kind) throw notFound('That pending command');
      if (kind === 'wipe') await endWipedDevice(trx, auth.deviceId, { command: id }, now);
    });
  }

  /**
   * A device wiped itself as its policy demanded (too many wrong passwords,
   * too long without contact). Recorded as a wipe carried out, so the
   * device index says "wiped", and handled as an acknowledged wipe.
   */
  async wipedByPolicy(auth: DeviceAuth, reason: string, now = Date.now()): Promise<void> {
    await this.dbh.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      await insertCommands(trx, [{ id, device_id: auth.deviceId, kind: 'wipe', created_at: now, created_by: 'device policy', expires_at: now, acked_at: now, result: reason }]);
      await endWipedDevice(trx, auth.deviceId, { policy: reason }, now);
    });
  }

  /** The device index with each device's state from its commands. */
  async devices(now = Date.now()): Promise<z.infer<typeof DeviceRow>[]> {
    const [devices, commands] = await Promise.all([allDevices(this.dbh.db), allCommands(this.dbh.db)]);
    return devices.map((d) => ({
      id: d.id,
      model: d.model,
      os: d.os,
      browser: d.browser,
      appVersion: d.app_version,
      user: d.username ?? null,
      groupId: d.group_id ?? null,
      lastSeenAt: new Date(Number(d.last_seen_at)).toISOString(),
      lastSyncAt: d.last_sync_at === null ? null : new Date(Number(d.last_sync_at)).toISOString(),
      state: stateOf(commands.filter((c) => c.device_id === d.id), now),
    }));
  }
}

/** After a wipe the device holds nothing: its sessions end (a token copied off it before is useless) and its push subscription goes. */
async function endWipedDevice(trx: Db, deviceId: string, detail: Record<string, unknown>, now: number): Promise<void> {
  await deleteDeviceSessions(trx, deviceId);
  await setPushSubscription(trx, deviceId, null);
  await writeAudit(trx, { actorUserId: null, actor: 'device', action: 'device.wiped', target: deviceId, ip: null, detail }, now);
}

/** From a device's commands, newest first: a pending one says so; else the last lock, unlock or wipe it carried out. */
function stateOf(commands: CommandsTable[], now: number): z.infer<typeof DeviceRow>['state'] {
  const pending = commands.find((c) => c.acked_at === null && Number(c.expires_at) > now);
  if (pending) return `${pending.kind} pending`;
  const last = commands.find((c) => c.acked_at !== null && c.kind !== 'full-sync');
  return last?.kind === 'wipe' ? 'wiped' : last?.kind === 'lock' ? 'locked' : 'active';
}
