import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyBundle } from '../../src/protocol/auth';
import { UnlockCodesResponse, credentialsSignedText, type CredentialsUpdate } from '../../src/protocol/unlock-codes';
import { TestDevice } from './support/device';
import { CONSOLE_ORIGIN, DB_KINDS, enrollUser, expectOk, serverWithUsers, staffSessions, startTestServer, type EnrolledUser, type TestServer } from './support/harness';

const ORIGIN = CONSOLE_ORIGIN;
const b64 = (n: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('base64');
const wrap = () => ({ salt: b64(16), wrappedEcdh: b64(80), wrappedEcdsa: b64(80) });

/** A credentials update as the device sends it; by default proven with the auth key the server knows now. */
async function signed(u: EnrolledUser, over: Partial<Omit<CredentialsUpdate, 'sig'>> = {}, key = u.signingKey): Promise<CredentialsUpdate> {
  const body = { username: u.username, authKey: b64(32), bundle: { ...u.bundle, verifier: b64(32) }, proof: { oldAuthKey: u.authKey }, iat: Date.now(), ...over };
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(credentialsSignedText(body))));
  return { ...body, sig: Buffer.from(sig).toString('base64') };
}

describe.each(DB_KINDS)('unlock codes (%s)', (kind) => {
  let s: TestServer;
  let alice: EnrolledUser;
  let admin: string;
  let support: string;

  const reveal = (cookie: string | undefined, userId: string, reason = 'user called the help desk, ticket 42') =>
    s.app.inject({ method: 'POST', url: `/api/v1/admin/users/${userId}/unlock-code`, headers: { origin: ORIGIN, ...(cookie ? { cookie } : {}) }, payload: { reason } });
  const codesFor = async (u: EnrolledUser, device = u.device, token = u.token) => {
    const res = await device.inject(s.app, 'GET', '/account/unlock-codes', { token });
    expectOk(res, 200);
    return UnlockCodesResponse.parse(res.json);
  };

  serverWithUsers(kind, ['alice'], async (server, [a]) => {
    [s, alice] = [server, a!];
    const staff = await staffSessions(s.app);
    [admin, support] = [staff.admin!, staff.support];
  });

  it('hands each device 8 codes of 140 bits once, stored only hashed and encrypted', async () => {
    const first = await codesFor(alice);
    expect(first.fresh).toHaveLength(8);
    expect(first.active).toEqual(first.fresh.map((c) => c.id));
    for (const c of first.fresh) expect(c.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{28}$/);
    // Not acknowledged yet (say the tab died while wrapping): handed again.
    expect((await codesFor(alice)).fresh.map((c) => c.id)).toEqual(first.active);
    const ack = await alice.device.inject(s.app, 'POST', '/account/unlock-codes/ack', { token: alice.token, body: { codes: first.fresh.map((c) => ({ id: c.id, wrap: wrap() })) } });
    expectOk(ack, 204);
    const after = await codesFor(alice);
    expect(after.fresh).toEqual([]);
    expect(after.active).toEqual(first.active);

    const rows = await s.app.services.dbh.db.selectFrom('unlock_codes').selectAll().where('user_id', '=', alice.userId).execute();
    expect(rows).toHaveLength(8);
    const dump = JSON.stringify(rows);
    for (const c of first.fresh) {
      expect(dump).not.toContain(c.code);
      expect(rows.some((r) => r.code_hash === createHash('sha256').update(c.code).digest('hex'))).toBe(true);
    }
  });

  it('support reveals one code (audited with the reason); without a console session it is refused', async () => {
    expect((await reveal(undefined, alice.userId)).statusCode).toBe(401);
    // A plain user, even signed in on a device, gets 403.
    const asDevice = await alice.device.inject(s.app, 'POST', `/admin/users/${alice.userId}/unlock-code`, { token: alice.token, body: { reason: 'let me in' } });
    expect(asDevice.status).toBe(403);
    const withOrigin = await alice.device.inject(s.app, 'POST', `/admin/users/${alice.userId}/unlock-code`, { token: alice.token, body: { reason: 'let me in' }, headers: { origin: ORIGIN } });
    expect(withOrigin.status).toBe(401);
    expect((await reveal(support, alice.userId, '')).statusCode).toBe(400);

    const res = await reveal(support, alice.userId);
    expect(res.statusCode).toBe(200);
    const { code, codeId } = res.json() as { code: string; codeId: string };
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').selectAll().where('action', '=', 'unlock-code.reveal').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'helpdesk', target: 'alice' });
    expect(JSON.parse(audit[0]!.detail!)).toEqual({ reason: 'user called the help desk, ticket 42', codeId });
    expect(JSON.stringify(audit)).not.toContain(code.replace(/-/g, ''));
  });

  it('escrow is for field users: support cannot reveal staff codes, nobody their own', async () => {
    const users = await s.app.services.dbh.db.selectFrom('users').select(['id', 'username']).execute();
    const id = (name: string) => users.find((u) => u.username === name)!.id;
    expect((await reveal(support, id('root'))).statusCode).toBe(403);
    expect((await reveal(support, id('helpdesk'))).statusCode).toBe(403);
    expect((await reveal(admin, id('root'))).statusCode).toBe(403);
  });

  it('support looks users up and sees their devices, but cannot create users', async () => {
    const found = await s.app.inject({ method: 'GET', url: '/api/v1/admin/users?q=ALI', headers: { cookie: support } });
    expect(found.statusCode).toBe(200);
    expect(found.json().users).toEqual([expect.objectContaining({ username: 'alice', enrolled: true, role: 'user' })]);
    const detail = await s.app.inject({ method: 'GET', url: `/api/v1/admin/users/${alice.userId}`, headers: { cookie: support } });
    expect(detail.json().devices).toEqual([expect.objectContaining({ model: 'Test tablet', browser: 'Chrome/130' })]);
    const create = await s.app.inject({ method: 'POST', url: '/api/v1/admin/users', headers: { cookie: support, origin: ORIGIN }, payload: { username: 'mallory' } });
    expect(create.statusCode).toBe(403);
    const unknown = await s.app.inject({ method: 'GET', url: `/api/v1/admin/users/${crypto.randomUUID()}`, headers: { cookie: admin } });
    expect(unknown.statusCode).toBe(404);
  });

  it('a revealed code logs in on a new device with the wrapped keys; a wrong code is the usual 401', async () => {
    const { code, codeId } = (await reveal(admin, alice.userId)).json() as { code: string; codeId: string };
    const d = await TestDevice.create();
    const wrong = await d.inject(s.app, 'POST', '/auth/code-login', { body: { username: 'alice', code: 'A'.repeat(28), device: d.info() } });
    expect(wrong.status).toBe(401);
    const otherUser = await d.inject(s.app, 'POST', '/auth/code-login', { body: { username: 'bob', code, device: d.info() } });
    expect(otherUser.status).toBe(401);
    // Typed with spaces and lower case: accepted.
    const typed = code.toLowerCase().replace(/-/g, ' ');
    const ok = await d.inject(s.app, 'POST', '/auth/code-login', { body: { username: 'alice', code: typed, device: d.info() } });
    expectOk(ok, 200);
    expect(ok.json).toMatchObject({ userId: alice.userId, codeId, bundle: alice.bundle });
    expect(ok.json.wrap).toEqual(expect.objectContaining({ salt: expect.any(String) }));
  });

  it('a credentials update proven with an active code changes the verifier, spends the code and replaces it', async () => {
    const { code, codeId } = (await reveal(support, alice.userId)).json() as { code: string; codeId: string };
    const newAuthKey = b64(32);
    const update = await signed(alice, { authKey: newAuthKey, proof: { code: code.replace(/-/g, '') } });
    const d = await TestDevice.create();
    expectOk(await d.inject(s.app, 'POST', '/auth/credentials', { body: update }), 204);

    // The old auth key no longer logs in; the new one does.
    const oldLogin = await d.inject(s.app, 'POST', '/auth/login', { body: { username: 'alice', authKey: alice.authKey, device: d.info() } });
    expect(oldLogin.status).toBe(401);
    const newLogin = await d.inject(s.app, 'POST', '/auth/login', { body: { username: 'alice', authKey: newAuthKey, device: d.info() } });
    expectOk(newLogin, 200);
    expect((newLogin.json.bundle as KeyBundle).verifier).toBe(update.bundle.verifier);
    alice.authKey = newAuthKey;
    // The change ended alice's session on her other device: it signs in again, with the new password.
    expect((await alice.device.inject(s.app, 'GET', '/account/unlock-codes', { token: alice.token })).status).toBe(401);
    const again = await alice.device.inject(s.app, 'POST', '/auth/login', { body: { username: 'alice', authKey: newAuthKey, device: alice.device.info() } });
    expectOk(again, 200);
    alice.token = again.json.token as string;

    // The spent code is gone from the active set and refused online; a replacement is handed out.
    const after = await codesFor(alice);
    expect(after.active).not.toContain(codeId);
    expect(after.active).toHaveLength(8);
    expect(after.fresh).toHaveLength(1);
    expect((await d.inject(s.app, 'POST', '/auth/code-login', { body: { username: 'alice', code, device: d.info() } })).status).toBe(401);
    expect((await d.inject(s.app, 'POST', '/auth/credentials', { body: await signed(alice, { proof: { code: code.replace(/-/g, '') } }) })).status).toBe(401);
  });

  it('refuses updates that are replayed, stale, unproven, signed by another key or change the account keys', async () => {
    const d = await TestDevice.create();
    const post = (body: unknown) => d.inject(s.app, 'POST', '/auth/credentials', { body });
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    expect((await post(await signed(alice, {}, other.privateKey))).status).toBe(401);
    const tampered = await signed(alice);
    expect((await post({ ...tampered, authKey: b64(32) })).status).toBe(401);
    expect((await post(await signed(alice, { iat: Date.now() - 3600_000 }))).status).toBe(400);
    expect((await post(await signed(alice, { bundle: { ...alice.bundle, personalGroup: crypto.randomUUID() } }))).status).toBe(400);
    // The account key alone is not enough: the current auth key, or an active code, must come with it.
    expect((await post(await signed(alice, { proof: { oldAuthKey: b64(32) } }))).status).toBe(401);
    expect((await post(await signed(alice, { proof: { code: 'Q'.repeat(28) } }))).status).toBe(401);
    const first = await signed(alice, { iat: Date.now() - 1000 });
    const newer = await signed(alice, { iat: Date.now() });
    expectOk(await post(newer), 204);
    alice.authKey = newer.authKey;
    // An older update sent later (or the same one replayed) cannot roll the password back.
    expect((await post(first)).status).not.toBe(204);
    expect((await post(newer)).status).not.toBe(204);
    expect((await post(await signed(alice, { iat: Date.now() - 5000 }))).status).toBe(409);
    expect((await post({ ...newer, sig: 'not base64!' })).status).toBe(400);
  });

  it('a code used in an update that lost to a newer one is spent all the same', async () => {
    const { code, codeId } = (await reveal(support, alice.userId)).json() as { code: string; codeId: string };
    const late = await signed(alice, { proof: { code: code.replace(/-/g, '') }, iat: Date.now() - 60_000 });
    const d = await TestDevice.create();
    expect((await d.inject(s.app, 'POST', '/auth/credentials', { body: late })).status).toBe(409);
    const row = await s.app.services.dbh.db.selectFrom('unlock_codes').select('spent_at').where('id', '=', codeId).executeTakeFirstOrThrow();
    expect(row.spent_at).not.toBeNull();
  });
});

describe('unlock code reveal rate limit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { rateLimits: { auth: { max: 100, windowMs: 60_000 }, admin: { max: 100, windowMs: 60_000 }, reveal: { max: 2, windowMs: 60_000 } } });
  });
  afterAll(async () => s?.close());

  it('answers 429 after the limit', async () => {
    const cookie = (await staffSessions(s.app)).support;
    const u = await enrollUser(s.app, 'carol');
    const codes = await u.device.inject(s.app, 'GET', '/account/unlock-codes', { token: u.token });
    await u.device.inject(s.app, 'POST', '/account/unlock-codes/ack', { token: u.token, body: { codes: codes.json.fresh.map((c: { id: string }) => ({ id: c.id, wrap: wrap() })) } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await s.app.inject({ method: 'POST', url: `/api/v1/admin/users/${u.userId}/unlock-code`, headers: { cookie, origin: ORIGIN }, payload: { reason: 'locked out' } })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
