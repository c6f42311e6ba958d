import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateUserResponse } from '../../src/protocol/admin';
import { SECRET_FILE } from '../../server/services/server-secret';
import { TestDevice } from './support/device';
import { DB_KINDS, expectOk, newAccountMaterial, startTestServer, type TestServer } from './support/harness';

const ORIGIN = 'http://localhost:80';

describe.each(DB_KINDS)('admin (%s)', (kind) => {
  let s: TestServer;
  let cookie: string;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.close());

  const form = (fields: Record<string, string>) => ({
    method: 'POST' as const,
    url: '/setup',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

  it('first start: a one-time token creates the first admin through the no-JS form', async () => {
    const { app } = s;
    const page = await app.inject({ method: 'GET', url: '/setup' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<form method="post" action="/setup"');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");

    const token = (await app.services.admin.setupTokenIfNeeded())!;
    expect(token.length).toBeGreaterThanOrEqual(43);
    const bad = await app.inject(form({ token: 'x'.repeat(43), username: 'root', password: 'correct horse battery', password2: 'correct horse battery' }));
    expect(bad.statusCode).toBe(403);
    // Everything echoed back is escaped.
    const invalid = await app.inject(form({ token, username: '<script>alert(1)</script>', password: 'short', password2: 'short' }));
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).not.toContain('<script>alert(1)</script>');
    expect(invalid.body).toContain('&lt;script&gt;');

    const ok = await app.inject(form({ token, username: 'root', password: 'correct horse battery', password2: 'correct horse battery' }));
    expect(ok.statusCode).toBe(201);
    expect(ok.body).toContain('root');
    // Spent: the same token, or any other, cannot make a second admin.
    const again = await app.inject(form({ token, username: 'root2', password: 'correct horse battery', password2: 'correct horse battery' }));
    expect(again.statusCode).toBe(403);
    expect(await app.services.admin.setupTokenIfNeeded()).toBeNull();
    const stored = await app.services.dbh.db.selectFrom('users').select(['role', 'password_hash']).where('username', '=', 'root').executeTakeFirstOrThrow();
    expect(stored.role).toBe('admin');
    expect(stored.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(stored.password_hash).not.toContain('correct horse');
  });

  it('admin login sets an HttpOnly SameSite=Strict cookie; a wrong password is the usual 401', async () => {
    const { app } = s;
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/admin/login', payload: { username: 'root', password: 'wrong password!' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: 'Unauthorized', message: 'The username or password is not right.' });
    const res = await app.inject({ method: 'POST', url: '/api/v1/admin/login', headers: { origin: ORIGIN }, payload: { username: 'root', password: 'correct horse battery' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'root', role: 'admin' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^fv_admin=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    cookie = setCookie.split(';')[0]!;
    const me = await app.inject({ method: 'GET', url: '/api/v1/admin/session', headers: { cookie } });
    expect(me.json()).toMatchObject({ username: 'root', role: 'admin' });
  });

  it('creating a user over HTTP needs the admin cookie and a same-origin Origin header', async () => {
    const { app } = s;
    const req = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/v1/admin/users', headers, payload: { username: 'dana' } });
    expect((await req({ origin: ORIGIN })).statusCode).toBe(401);
    expect((await req({ cookie })).statusCode).toBe(403);
    expect((await req({ cookie, origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await req({ cookie: 'fv_admin=forged', origin: ORIGIN })).statusCode).toBe(401);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/admin/users', headers: { cookie, origin: ORIGIN }, payload: { username: 'no spaces' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('body.username');

    const res = await req({ cookie, origin: ORIGIN });
    expect(res.statusCode).toBe(201);
    const created = CreateUserResponse.parse(res.json());
    expect(created.username).toBe('dana');
    expect(created.enrollmentCode).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(created.enrollmentLink).toBe(`${ORIGIN}/#/enroll?u=dana&code=${created.enrollmentCode.replace(/-/g, '')}`);
    expect(new Date(created.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect((await req({ cookie, origin: ORIGIN })).statusCode).toBe(409);
    // Only the hash is stored.
    const codes = await app.services.dbh.db.selectFrom('enrollment_codes').select('code_hash').where('user_id', '=', created.userId).execute();
    expect(codes).toHaveLength(1);
    expect(codes[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);

    // The code works for enrollment.
    const d = await TestDevice.create();
    const m = await newAccountMaterial();
    expectOk(
      await d.inject(app, 'POST', '/enroll/complete', {
        body: { username: 'dana', code: created.enrollmentCode, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: d.info() },
      }),
      200,
    );
  });

  it('an admin issues a new enrollment code from the console: the old one stops working, the new one enrolls; not once enrolled', async () => {
    const { app } = s;
    const post = (url: string) => app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie, origin: ORIGIN }, payload: url.endsWith('/users') ? { username: 'erin' } : {} });
    const first = CreateUserResponse.parse((await post('/admin/users')).json());
    const res = await post(`/admin/users/${first.userId}/enrollment-code`);
    expect(res.statusCode).toBe(201);
    const second = CreateUserResponse.parse(res.json());
    expect(second.enrollmentCode).not.toBe(first.enrollmentCode);
    expect(second.enrollmentLink).toContain('u=erin');
    expect((await post(`/admin/users/${crypto.randomUUID()}/enrollment-code`)).statusCode).toBe(404);
    const enroll = async (code: string) => {
      const d = await TestDevice.create();
      const m = await newAccountMaterial();
      return d.inject(app, 'POST', '/enroll/complete', { body: { username: 'erin', code, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: d.info() } });
    };
    expect((await enroll(first.enrollmentCode)).status).toBe(400);
    expectOk(await enroll(second.enrollmentCode), 200);
    expect((await post(`/admin/users/${first.userId}/enrollment-code`)).statusCode).toBe(409);
  });

  it('a field user cannot sign in to the console', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/admin/login', payload: { username: 'dana', password: 'anything at all' } });
    expect(res.statusCode).toBe(401);
  });

  it('writes the audit log for setup, admin login and user creation, with no secrets', async () => {
    const rows = await s.app.services.dbh.db.selectFrom('audit_log').selectAll().orderBy('at').execute();
    const actions = rows.map((r) => `${r.actor}:${r.action}:${r.target}`);
    expect(actions).toEqual(expect.arrayContaining(['setup:admin.setup:root', 'root:admin.login:root', 'root:admin.login.failed:root', 'root:user.create:dana']));
    expect(JSON.stringify(rows)).not.toMatch(/correct horse|scrypt\$/);
  });

  it('logout ends the console session', async () => {
    const out = await s.app.inject({ method: 'POST', url: '/api/v1/admin/logout', headers: { cookie, origin: ORIGIN } });
    expect(out.statusCode).toBe(204);
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/admin/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('keeps the server secret in a 0600 file in the data directory', () => {
    expect(statSync(join(s.dataDir, SECRET_FILE)).mode & 0o777).toBe(0o600);
  });
});
