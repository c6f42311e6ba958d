import { z } from 'zod';
import type { Policy } from '../domain/policy';
import { AdminSessionResponse, CreateUserResponse, UserDetailResponse, UserSearchResponse } from '../protocol/admin';
import { API_PREFIX, Uuid } from '../protocol/common';
import { AuditResponse, DeviceGroup, DeviceGroupsResponse, DevicesResponse, SyncLogResponse, type CommandKind } from '../protocol/policy';
import { RevealCodeResponse } from '../protocol/unlock-codes';

/**
 * The console's one way to the admin API: same-origin fetch with the
 * session cookie, answers checked against their wire schemas, failures as
 * ApiError. Nothing else in src/console calls fetch.
 */

/** A failed call: the HTTP status (0 when the server was not reached), the server's error code if any, and a sentence to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** Every non-2xx answer of the API. */
const ErrorBody = z.object({ error: z.string(), message: z.string() });
/** What a command to a device or a group answers: one command id per device it was sent to. */
const CommandsSent = z.object({ ids: z.array(Uuid) });

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** Calls the API and checks the answer against `schema` (null: no body expected, e.g. 204). Throws ApiError. */
function call(schema: null, method: Method, path: string, body?: unknown): Promise<void>;
function call<T extends z.ZodType>(schema: T, method: Method, path: string, body?: unknown): Promise<z.infer<T>>;
async function call<T extends z.ZodType>(schema: T | null, method: Method, path: string, body?: unknown): Promise<z.infer<T> | void> {
  let res: Response;
  try {
    // Same-origin: the browser sends the session cookie and the Origin header the server checks on every change.
    res = await fetch(`${API_PREFIX}${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'Could not reach the server. Check the connection and try again.');
  }
  const json: unknown = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = ErrorBody.safeParse(json);
    throw err.success ? new ApiError(res.status, err.data.message, err.data.error) : new ApiError(res.status, `The server could not answer (HTTP ${res.status}). Please try again.`);
  }
  if (!schema) return;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(res.status, 'The server’s answer was not understood. Reload the page and try again.');
  return parsed.data;
}

const id = encodeURIComponent;

export const api = {
  session: () => call(AdminSessionResponse, 'GET', '/admin/session'),
  /** `totp` only when the server asked for it (401 TotpRequired). */
  login: (username: string, password: string, totp?: string) => call(AdminSessionResponse, 'POST', '/admin/login', totp ? { username, password, totp } : { username, password }),
  logout: () => call(null, 'POST', '/admin/logout'),

  searchUsers: (q: string) => call(UserSearchResponse, 'GET', `/admin/users?q=${encodeURIComponent(q)}`),
  user: (userId: string) => call(UserDetailResponse, 'GET', `/admin/users/${id(userId)}`),
  revealCode: (userId: string, reason: string) => call(RevealCodeResponse, 'POST', `/admin/users/${id(userId)}/unlock-code`, { reason }),
  createUser: (req: { username: string; displayName?: string; role: 'user' | 'support' | 'admin'; password?: string }) => call(CreateUserResponse, 'POST', '/admin/users', req),
  newEnrollmentCode: (userId: string) => call(CreateUserResponse, 'POST', `/admin/users/${id(userId)}/enrollment-code`, {}),
  setUserPolicy: (userId: string, policy: Policy | null) => call(null, 'PUT', `/admin/users/${id(userId)}/policy`, { policy }),

  devices: () => call(DevicesResponse, 'GET', '/admin/devices'),
  syncLog: (deviceId: string) => call(SyncLogResponse, 'GET', `/admin/devices/${id(deviceId)}/sync-log`),
  setDeviceGroup: (deviceId: string, groupId: string | null) => call(null, 'PUT', `/admin/devices/${id(deviceId)}/group`, { groupId }),
  deviceCommand: (deviceId: string, kind: CommandKind) => call(CommandsSent, 'POST', `/admin/devices/${id(deviceId)}/commands`, { kind }),
  removeDevice: (deviceId: string) => call(null, 'DELETE', `/admin/devices/${id(deviceId)}`),

  groups: () => call(DeviceGroupsResponse, 'GET', '/admin/device-groups'),
  createGroup: (name: string, policy: Policy | undefined) => call(DeviceGroup, 'POST', '/admin/device-groups', policy ? { name, policy } : { name }),
  setGroupPolicy: (groupId: string, policy: Policy | null) => call(null, 'PUT', `/admin/device-groups/${id(groupId)}/policy`, { policy }),
  groupCommand: (groupId: string, kind: CommandKind) => call(CommandsSent, 'POST', `/admin/device-groups/${id(groupId)}/commands`, { kind }),

  audit: (before?: string | null) => call(AuditResponse, 'GET', `/admin/audit${before ? `?before=${encodeURIComponent(before)}` : ''}`),
};
