import { z } from 'zod';
import { AdminPolicy, Policy } from '../domain/policy';
import { Base64, Uuid } from './common';

/**
 * Policies on the wire (issue 5). The server signs what applies to one
 * device and user with its policy key (Ed25519), which devices pin at
 * enrollment or login; a local copy that does not verify is treated as the
 * strictest state (no login until a fresh one arrives).
 */
export const PolicyStatement = z.object({
  v: z.literal(1),
  deviceId: Uuid,
  userId: Uuid,
  /** Server time of signing (ms): a device keeps the newest it has seen. */
  issuedAt: z.number().int(),
  policy: Policy,
});
export type PolicyStatement = z.infer<typeof PolicyStatement>;

/** GET /device/policy — `statement` is the exact JSON text signed; `sig` is Ed25519 over its UTF-8 bytes. */
export const SignedPolicy = z.object({ statement: z.string().max(100_000), sig: Base64 });
export type SignedPolicy = z.infer<typeof SignedPolicy>;

/** Admin API: device groups and the policies of groups and users. */
export const DeviceGroupRequest = z.object({ name: z.string().trim().min(1).max(100), policy: AdminPolicy.optional() });
export const DeviceGroup = z.object({ id: Uuid, name: z.string(), policy: Policy.nullable() });
export const DeviceGroupsResponse = z.object({ groups: z.array(DeviceGroup) });
export const PolicyRequest = z.object({ policy: AdminPolicy.nullable() });
export const DeviceGroupAssignment = z.object({ groupId: Uuid.nullable() });

/** Remote commands (DESIGN §8): lock, unlock, wipe, full sync of one device or a whole device group. */
export const CommandKind = z.enum(['lock', 'unlock', 'wipe', 'full-sync']);
export type CommandKind = z.infer<typeof CommandKind>;
export const CommandRequest = z.object({ kind: CommandKind });

/** One command as the server signs it: for one device, with a unique id (the nonce) and an expiry. */
export const CommandStatement = z.object({ v: z.literal(1), id: Uuid, deviceId: Uuid, kind: CommandKind, issuedAt: z.number().int(), expiresAt: z.number().int() });
export type CommandStatement = z.infer<typeof CommandStatement>;

/**
 * GET /device/commands — pending commands, each signed like a policy
 * (SignedPolicy's shape), at most MAX_COMMANDS_PER_FETCH: a wipe first, then
 * locks and unlocks in the order sent, then full syncs. `more`: others wait;
 * they come once these are acknowledged.
 */
export const MAX_COMMANDS_PER_FETCH = 100;
export const PendingCommands = z.object({ commands: z.array(SignedPolicy).max(MAX_COMMANDS_PER_FETCH), more: z.boolean().optional() });
export const CommandAck = z.object({ result: z.string().max(500) });
/** POST /device/wiped — the device wiped itself as its policy demanded (reported before its stores go). */
export const WipedReport = z.object({ reason: z.enum(['NoServerContact', 'TooManyAttempts']) });

/** GET /admin/devices — the device index. */
export const DeviceRow = z.object({
  id: Uuid,
  model: z.string(),
  os: z.string(),
  browser: z.string(),
  appVersion: z.string(),
  user: z.string().nullable(),
  groupId: Uuid.nullable(),
  lastSeenAt: z.string(),
  lastSyncAt: z.string().nullable(),
  /** active, locked, wiped, or a command still waiting for the device. */
  state: z.enum(['active', 'locked', 'wiped', 'lock pending', 'unlock pending', 'wipe pending', 'full-sync pending']),
});
export const DevicesResponse = z.object({ devices: z.array(DeviceRow) });

/** GET /admin/devices/:id/sync-log — every sync of one device, newest first. */
export const SyncLogResponse = z.object({
  entries: z.array(
    z.object({ at: z.string(), kind: z.enum(['push', 'pull']), changes: z.number().int(), bytes: z.number().int(), user: z.string().nullable(), error: z.string().nullable() }),
  ),
});

/** GET /admin/audit — every admin and support action (and sign-ins), newest first. */
/** GET /admin/audit?before=<cursor>: a page of AUDIT_PAGE entries, newest first; `next` is the cursor of the page after it, if any. */
export const AUDIT_PAGE = 100;
export const AuditQuery = z.object({ before: z.string().regex(/^\d{1,16}:[0-9a-f-]{36}$/).optional() });
export const AuditResponse = z.object({
  entries: z.array(
    z.object({
      at: z.string(),
      actor: z.string(),
      action: z.string(),
      target: z.string().nullable(),
      /** The model of the device the entry is about, while it is listed (targets are device ids). */
      targetDevice: z.string().nullable().optional(),
      ip: z.string().nullable(),
      detail: z.unknown(),
    }),
  ),
  next: z.string().nullable().optional(),
});
