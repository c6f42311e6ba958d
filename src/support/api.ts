import { z } from 'zod';
import { AdminSessionResponse, UserDetailResponse, UserSearchResponse } from '../protocol/admin';
import { API_PREFIX } from '../protocol/common';
import { RevealCodeResponse } from '../protocol/unlock-codes';

/** A failed call: the HTTP status (0 when the server was not reached) and a sentence to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Every non-2xx answer of the API. */
const ErrorBody = z.object({ error: z.string(), message: z.string() });

async function call<T extends z.ZodType>(schema: T | null, method: 'GET' | 'POST', path: string, body?: unknown): Promise<z.infer<T>> {
  let res: Response;
  try {
    // Same-origin: the browser sends the session cookie and the Origin header the server checks on POSTs.
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
    throw new ApiError(res.status, err.success ? err.data.message : `The server could not answer (HTTP ${res.status}). Please try again.`);
  }
  if (!schema) return undefined as z.infer<T>;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(res.status, 'The server’s answer was not understood. Reload the page and try again.');
  return parsed.data;
}

export const api = {
  session: () => call(AdminSessionResponse, 'GET', '/admin/session'),
  login: (username: string, password: string) => call(AdminSessionResponse, 'POST', '/admin/login', { username, password }),
  logout: () => call(null, 'POST', '/admin/logout'),
  searchUsers: (q: string) => call(UserSearchResponse, 'GET', `/admin/users?q=${encodeURIComponent(q)}`),
  user: (id: string) => call(UserDetailResponse, 'GET', `/admin/users/${encodeURIComponent(id)}`),
  revealCode: (id: string, reason: string) => call(RevealCodeResponse, 'POST', `/admin/users/${encodeURIComponent(id)}/unlock-code`, { reason }),
};
