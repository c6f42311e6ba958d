import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// http_ece comes with web-push: the receiving side of RFC 8291, as a browser's push service client does it.
import ece from 'http_ece';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushMessage } from '../../src/protocol/push';
import { CONSOLE_ORIGIN, DB_KINDS, expectOk, serverWithUsers, staffSessions, type EnrolledUser, type TestServer } from './support/harness';

/** A local stand-in for a browser vendor's push service: records what the sync server sends and answers with `status`. */
function fakePushService() {
  const received: { url: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  let status = 201;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status).end();
    });
  });
  return {
    received,
    answerWith: (s: number) => void (status = s),
    start: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    stop: () => new Promise<void>((r) => server.close(() => r())),
    async next(count: number) {
      for (let i = 0; i < 100 && received.length < count; i++) await new Promise((r) => setTimeout(r, 50));
      expect(received.length).toBe(count);
      return received[count - 1]!;
    },
  };
}

describe.each(DB_KINDS)('web push (%s)', (kind) => {
  let s: TestServer;
  let admin: string;
  let support: string;
  let alice: EnrolledUser;
  const service = fakePushService();
  let serviceUrl: string;
  // The browser side of a subscription: its ECDH key and auth secret.
  const browserKey = createECDH('prime256v1');
  browserKey.generateKeys();
  const authSecret = randomBytes(16);

  beforeAll(async () => void (serviceUrl = await service.start()));
  afterAll(() => service.stop());
  serverWithUsers(kind, ['alice'], async (server, [a]) => {
    [s, alice] = [server, a!];
    ({ admin: admin!, support } = (await staffSessions(s.app)) as { admin: string; support: string });
  });

  const pushInfo = async () => {
    const res = await alice.device.inject(s.app, 'GET', '/device/push', { token: alice.token });
    expectOk(res, 200);
    return res.json as { publicKey: string; endpoint: string | null };
  };
  const subscribe = (body: unknown) => alice.device.inject(s.app, 'PUT', '/device/push-subscription', { token: alice.token, body });
  const command = (cookie: string, kindOf: string) =>
    s.app.inject({ method: 'POST', url: `/api/v1/admin/devices/${alice.session.deviceId}/commands`, headers: { cookie, origin: CONSOLE_ORIGIN }, payload: { kind: kindOf } });
  const keys = { p256dh: browserKey.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') };

  it('a device learns the VAPID key, and a bad subscription is refused with the field named', async () => {
    const info = await pushInfo();
    expect(Buffer.from(info.publicKey, 'base64url')).toHaveLength(65);
    expect(info.endpoint).toBeNull();
    const bad = await subscribe({ endpoint: 'ftp://push.example/1', keys });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/body\.endpoint/);
    expect((await subscribe({ endpoint: `${serviceUrl}/x`, keys: { p256dh: 'not base64!' } })).status).toBe(400);
    // Only the push services' hosts: not an internal address the server would then POST to.
    const internal = await subscribe({ endpoint: 'http://localhost:5432/admin', keys });
    expect(internal.status).toBe(400);
    expect(internal.json.message).toMatch(/known push service/);
    expect((await alice.device.inject(s.app, 'PUT', '/device/push-subscription', { body: { endpoint: `${serviceUrl}/x`, keys } })).status).toBe(401);
  });

  it('a queued command wakes the device: VAPID-signed, encrypted for the subscription, saying only "sync"', async () => {
    expectOk(await subscribe({ endpoint: `${serviceUrl}/push/alice-tablet`, keys }), 204);
    expect((await pushInfo()).endpoint).toBe(`${serviceUrl}/push/alice-tablet`);
    const before = service.received.length;
    expect((await command(support, 'lock')).statusCode).toBe(403);
    expect((await command(admin, 'lock')).statusCode).toBe(201);
    const got = await service.next(before + 1);

    expect(got.url).toBe('/push/alice-tablet');
    expect(got.headers['content-encoding']).toBe('aes128gcm');
    expect(got.headers.ttl).toBe('86400');
    expect(got.headers.urgency).toBe('high');
    // Authorization: vapid t=<JWT signed ES256 by the server's key>, k=<that key>
    const m = /^vapid t=([^,]+), k=(.+)$/.exec(got.headers.authorization ?? '');
    expect(m?.[2]).toBe((await pushInfo()).publicKey);
    const [h, p, sig] = m![1]!.split('.') as [string, string, string];
    const point = Buffer.from(m![2]!, 'base64url');
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(true);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud: string; sub: string; exp: number };
    expect(claims.aud).toBe(serviceUrl);
    expect(claims.sub).toMatch(/^mailto:/);

    const plain = ece.decrypt(got.body, { version: 'aes128gcm', privateKey: browserKey, authSecret }) as Buffer;
    expect(PushMessage.parse(JSON.parse(plain.toString()))).toEqual({ v: 1, type: 'sync' });
    expect(got.body.includes(Buffer.from('sync'))).toBe(false);
  });

  it('a subscription the push service says is gone (410) is dropped; the command still waits for the device', async () => {
    service.answerWith(410);
    const before = service.received.length;
    expect((await command(admin, 'unlock')).statusCode).toBe(201);
    await service.next(before + 1);
    for (let i = 0; i < 50 && (await pushInfo()).endpoint !== null; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await pushInfo()).endpoint).toBeNull();
    const pending = await alice.device.inject(s.app, 'GET', '/device/commands', { token: alice.token });
    expect((pending.json.commands as unknown[]).length).toBe(2);
    service.answerWith(201);
  });
});
