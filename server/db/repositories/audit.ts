import { randomUUID } from 'node:crypto';
import type { Db } from '../database';
import type { AuditLogTable } from '../schema';

/** The audit log: every admin and support action, who, what, on what, when. Never a secret. */
export interface AuditEntry {
  actorUserId: string | null;
  actor: string;
  action: string;
  target: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

export async function writeAudit(db: Db, e: AuditEntry, now = Date.now()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: randomUUID(), at: now, actor_user_id: e.actorUserId, actor: e.actor, action: e.action, target: e.target, ip: e.ip ?? null, detail: e.detail ? JSON.stringify(e.detail) : null })
    .execute();
}

/**
 * A page of the audit log, newest first, strictly older than `before`
 * (the `at` and `id` of the last entry of the previous page), with the
 * model of the device an entry targets when it is still listed.
 */
export const listAudit = (db: Db, limit: number, before?: { at: number; id: string }): Promise<(AuditLogTable & { device_model: string | null })[]> => {
  let q = db.selectFrom('audit_log').leftJoin('devices', 'devices.id', 'audit_log.target').selectAll('audit_log').select('devices.model as device_model');
  if (before) q = q.where((eb) => eb.or([eb('audit_log.at', '<', before.at), eb.and([eb('audit_log.at', '=', before.at), eb('audit_log.id', '<', before.id)])]));
  return q.orderBy('audit_log.at', 'desc').orderBy('audit_log.id', 'desc').limit(limit).execute();
};
