import type { z } from 'zod';
import { VaultError, type ErrorCode } from '../../src/lib/errors';
import { API_PREFIX, ApiError } from '../../src/protocol/common';
import { DPOP_MAX_SKEW_SECONDS, createDpopProof } from '../../src/protocol/dpop';
import type { DeviceKey } from './device-key';

/**
 * The one way the vault worker and the service worker talk to the sync
 * server: every request is signed with the device key (DPoP, DESIGN §7),
 * every answer is checked against its zod schema, and every failure becomes
 * a VaultError with a stable code (Offline, SessionExpired, …).
 */
export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT';
  query?: Record<string, string | number>;
  /** JSON body, or raw bytes (sent as application/octet-stream). */
  body?: unknown;
}

/**
 * Server time minus this device's clock, learned from a refused proof: a
 * field tablet whose clock drifted must still be able to sign requests the
 * server accepts (DPoP proofs carry the time they were made).
 */
let clockOffsetMs = 0;
const MAX_SKEW_MS = DPOP_MAX_SKEW_SECONDS * 1000;

/** This device's best guess of the server's clock (what signed, timed statements should carry). */
export const serverNow = (): number => Date.now() + clockOffsetMs;

const SERVER_CODES: Partial<Record<z.infer<typeof ApiError>['error'], ErrorCode>> = {
  EnrollmentInvalid: 'EnrollmentInvalid',
  RateLimited: 'RateLimited',
  Forbidden: 'PolicyDenied',
  NotFound: 'NotFound',
  BadRequest: 'InvalidArgument',
  Conflict: 'Conflict',
};

/**
 * Runs a server call that may help but must not hold anything up (a wipe's
 * report, a login's policy check): waits at most `ms`, and a failure counts
 * as no answer.
 */
export async function bestEffort(call: () => Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.resolve().then(call).catch(() => undefined), expired]);
  clearTimeout(timer);
}

export class ApiClient {
  constructor(
    private readonly origin: string,
    private readonly device: DeviceKey,
    private readonly token?: string,
  ) {}

  async json<S extends z.ZodType>(path: string, schema: S, opts: CallOptions = {}): Promise<z.infer<S>> {
    const res = await this.send(path, opts);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new VaultError('ServerError', `unexpected answer from ${path}`);
    return parsed.data;
  }

  /** Raw bytes (attachment chunks). */
  async bytes(path: string, opts: CallOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await (await this.send(path, opts)).arrayBuffer());
  }

  async send(path: string, opts: CallOptions = {}, retried = false): Promise<Response> {
    const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
    const url = new URL(API_PREFIX + path, this.origin);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
    const raw = opts.body instanceof Uint8Array;
    const body: Uint8Array<ArrayBuffer> | string | undefined =
      opts.body === undefined ? undefined : raw ? (opts.body as Uint8Array<ArrayBuffer>) : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      DPoP: await createDpopProof(this.device.privateKey, this.device.jwk, {
        method,
        url: url.origin + url.pathname,
        token: this.token,
        body,
        now: serverNow(),
      }),
    };
    if (this.token) headers.Authorization = `DPoP ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' });
    } catch {
      throw new VaultError('Offline');
    }
    if (res.ok) return res;
    const err = ApiError.safeParse(await res.json().catch(() => undefined));
    const serverDate = Date.parse(res.headers.get('Date') ?? '');
    if (res.status === 401 && err.success && err.data.error === 'ProofInvalid' && !retried && Number.isFinite(serverDate)) {
      const offset = serverDate - Date.now();
      if (Math.abs(offset - clockOffsetMs) > MAX_SKEW_MS / 2) {
        clockOffsetMs = offset;
        return this.send(path, opts, true);
      }
    }
    if (res.status === 401) throw new VaultError(this.token ? 'SessionExpired' : 'WrongPassword');
    if (res.status === 429) throw new VaultError('RateLimited');
    const code = err.success ? SERVER_CODES[err.data.error] : undefined;
    throw new VaultError(code ?? (res.status >= 500 ? 'ServerError' : 'InvalidArgument'), `${method} ${path}: ${res.status}${err.success ? ` ${err.data.message}` : ''}`);
  }
}
