import type { FastifyInstance } from 'fastify';
import type { DeviceInfo } from '../../../src/protocol/auth';
import type { EcPublicJwk } from '../../../src/protocol/common';
import { API_PREFIX } from '../../../src/protocol/common';
import { createDpopProof, type DpopRequest } from '../../../src/protocol/dpop';

/**
 * A device as a browser would be one: an ECDSA P-256 key made with
 * WebCrypto (private half non-extractable), signing every request with the
 * same createDpopProof the app uses. Requests go through app.inject() or
 * real HTTP (fetch) against a running server.
 */
export interface CallOptions {
  token?: string | undefined;
  /** JSON-serialized unless it is a Uint8Array (sent as octets). */
  body?: unknown;
  query?: Record<string, string | number>;
  /** Override the proof: a string is sent as is, null sends none. */
  proof?: string | null;
  /** Change what the proof claims, to test that the server refuses it. */
  sign?: Partial<DpopRequest>;
  headers?: Record<string, string>;
  /** Origin the proof's htu names (inject only; default http://localhost:80). */
  origin?: string;
}

export interface Answer {
  status: number;
  json: any;
  body: Buffer;
  headers: Record<string, string | string[] | number | undefined>;
}

export class TestDevice {
  private constructor(
    readonly privateKey: CryptoKey,
    readonly jwk: EcPublicJwk,
  ) {}

  static async create(): Promise<TestDevice> {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const j = await crypto.subtle.exportKey('jwk', pair.publicKey);
    return new TestDevice(pair.privateKey, { kty: 'EC', crv: 'P-256', x: j.x!, y: j.y! });
  }

  info(): DeviceInfo {
    return { publicKey: this.jwk, model: 'Test tablet', os: 'Linux', browser: 'Chrome/130', appVersion: '0.1.0' };
  }

  /** What would be sent: URL, headers and body bytes, with a proof signed now. */
  async prepare(origin: string, method: string, path: string, opts: CallOptions = {}) {
    const url = new URL(API_PREFIX + path, origin);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
    const raw = opts.body instanceof Uint8Array;
    const payload: string | Uint8Array | undefined = opts.body === undefined ? undefined : raw ? (opts.body as Uint8Array) : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json';
    if (opts.token) headers.authorization = `DPoP ${opts.token}`;
    if (opts.proof !== null) {
      headers.dpop = opts.proof ?? (await createDpopProof(this.privateKey, this.jwk, { method, url: url.toString(), token: opts.token, body: payload, ...opts.sign }));
    }
    return { url, headers, payload };
  }

  /** A request through app.inject (host localhost:80). */
  async inject(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT', path: string, opts: CallOptions = {}): Promise<Answer> {
    const { url, headers, payload } = await this.prepare(opts.origin ?? 'http://localhost:80', method, path, opts);
    const res = await app.inject({ method, url: url.pathname + url.search, headers, ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : Buffer.from(payload) }) });
    let json: unknown;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, body: res.rawPayload, headers: res.headers };
  }

  /** A real HTTP request to a running server at `origin`. */
  async fetch(origin: string, method: 'GET' | 'POST' | 'PUT', path: string, opts: CallOptions = {}): Promise<Answer> {
    const { url, headers, payload } = await this.prepare(origin, method, path, opts);
    const res = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload as BodyInit }) });
    const body = Buffer.from(await res.arrayBuffer());
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: res.status, json, body, headers: Object.fromEntries(res.headers) };
  }
}
