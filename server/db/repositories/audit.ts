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

export const listAudit = (db: Db, limit = 100): Promise<AuditLogTable[]> => db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(limit).execute();
