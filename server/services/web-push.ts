import { createECDH } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import webPush from 'web-push';
import type { PushMessage, PushSubscriptionRequest } from '../../src/protocol/push';
import type { DatabaseHandle } from '../db/database';
import { pushTargets, setPushSubscription, type PushTarget } from '../db/repositories/devices';
import { badRequest } from '../errors';
import { hmac } from './secrets';
import type { DeviceAuth } from './sync';

/**
 * Web Push with VAPID (RFC 8292): when a command is queued, the server wakes
 * the devices it is for. The VAPID key pair is derived from the server
 * secret (made on first start), like the policy key, so every process of a
 * deployment sends as the same application server and nothing new is
 * stored. The `web-push` library builds the encrypted request (RFC 8291);
 * sending it is ours, so it has a timeout and never follows redirects.
 */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
/** How long a push service keeps trying to deliver (seconds): a command is still worth a wake-up a day later. */
const PUSH_TTL_SECONDS = 24 * 3600;
const PUSH_CONCURRENCY = 10;

export interface PushOptions {
  /** mailto: or https: contact for push services (RFC 8292 `sub`). */
  subject: string;
  /** Hosts an endpoint may name: exact, or `*.domain` for its subdomains. */
  hosts: string[];
  /** Accept http:// endpoints (tests with a local push service only). */
  allowHttp: boolean;
}

export class PushService {
  /** Uncompressed P-256 point, base64url: the devices' `applicationServerKey`. */
  readonly publicKey: string;
  private readonly privateKey: string;

  constructor(
    private readonly dbh: DatabaseHandle,
    secret: Buffer,
    private readonly opts: PushOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    const d = vapidScalar(secret);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    this.privateKey = d.toString('base64url');
    this.publicKey = ecdh.getPublicKey().toString('base64url');
  }

  async subscribe(auth: DeviceAuth, sub: PushSubscriptionRequest): Promise<void> {
    if (!this.endpointAllowed(sub.endpoint)) throw badRequest('body.endpoint: not an https URL of a known push service');
    await setPushSubscription(this.dbh.db, auth.deviceId, { endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth });
  }

  async unsubscribe(auth: DeviceAuth): Promise<void> {
    await setPushSubscription(this.dbh.db, auth.deviceId, null);
  }

  /**
   * Wakes these devices. Never throws: a push is only a shortcut, the
   * devices fetch their commands at their next contact anyway. A
   * subscription the push service says is gone (404, 410) is dropped.
   */
  async wake(deviceIds: string[]): Promise<void> {
    const targets = await pushTargets(this.dbh.db, deviceIds).catch((e: unknown) => (this.log.warn({ err: e }, 'push: could not read subscriptions'), []));
    // A few at a time: a command to a large device group must not open a socket per device at once.
    for (let i = 0; i < targets.length; i += PUSH_CONCURRENCY) await Promise.all(targets.slice(i, i + PUSH_CONCURRENCY).map((t) => this.send(t)));
  }

  private async send(t: PushTarget): Promise<void> {
    const host = URL.canParse(t.endpoint) ? new URL(t.endpoint).host : '?';
    try {
      if (!this.endpointAllowed(t.endpoint)) throw new Error('endpoint not allowed');
      const message: PushMessage = { v: 1, type: 'sync' };
      const req = webPush.generateRequestDetails({ endpoint: t.endpoint, keys: { p256dh: t.p256dh, auth: t.auth } }, JSON.stringify(message), {
        vapidDetails: { subject: this.opts.subject, publicKey: this.publicKey, privateKey: this.privateKey },
        TTL: PUSH_TTL_SECONDS,
        urgency: 'high',
      });
      const res = await fetch(req.endpoint, { method: req.method, headers: req.headers as Record<string, string>, body: new Uint8Array(req.body), redirect: 'error', signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      if (res.status === 404 || res.status === 410) {
        await setPushSubscription(this.dbh.db, t.deviceId, null);
        this.log.info({ device: t.deviceId, host }, 'push: subscription gone, dropped');
      } else if (!res.ok) this.log.warn({ device: t.deviceId, host, status: res.status }, 'push: refused by the push service');
    } catch (e) {
      // The endpoint itself is a capability: log its host only.
      this.log.warn({ device: t.deviceId, host, err: e instanceof Error ? e.message : String(e) }, 'push: not sent');
    }
  }

  /** Only the push services' own hosts: a device must not make the server POST to any URL it likes (SSRF). */
  private endpointAllowed(endpoint: string): boolean {
    const u = URL.canParse(endpoint) ? new URL(endpoint) : null;
    if (!u || !(u.protocol === 'https:' || (this.opts.allowHttp && u.protocol === 'http:'))) return false;
    const host = u.hostname.toLowerCase();
    return this.opts.hosts.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h));
  }
}

/** A valid P-256 private scalar from the server secret (1 ≤ d < n; the loop practically never turns twice). */
function vapidScalar(secret: Buffer): Buffer {
  for (let i = 0; ; i++) {
    const d = hmac(secret, 'vapid-key', String(i));
    const n = BigInt(`0x${d.toString('hex')}`);
    if (n > 0n && n < P256_ORDER) return d;
  }
}
