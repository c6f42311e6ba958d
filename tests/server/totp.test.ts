import { describe, expect, it } from 'vitest';
import { base32Decode } from '../support/base32';
import { base32, totpAt, totpStep, verifyTotp } from '../../server/services/totp';
import { CONSOLE_ORIGIN, DB_KINDS, serverWithUsers, staffSessions, STAFF_PASSWORD, type TestServer } from './support/harness';

describe('TOTP (RFC 6238, RFC 4648 vectors)', () => {
  const rfcSecret = Buffer.from('12345678901234567890');
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('at %i s the 8-digit SHA-1 code is %s', (t, code) => expect(totpAt(rfcSecret, totpStep(t * 1000), 8)).toBe(code));

  it('base32 as authenticator apps take it', () => {
    expect(base32(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32(Buffer.from('f'))).toBe('MY');
  });

  it('accepts one step of drift, refuses two, and a code only once', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    expect(verifyTotp(rfcSecret, totpAt(rfcSecret, step - 1), now, null)).toBe(step - 1);
    expect(verifyTotp(rfcSecret, totpAt(rfcSecret, step + 1), now, null)).toBe(step + 1);
    expect(verifyTotp(rfcSecret, totpAt(rfcSecret, step - 2), now, null)).toBeNull();
    expect(verifyTotp(rfcSecret, totpAt(rfcSecret, step), now, step)).toBeNull();
    expect(verifyTotp(rfcSecret, '12345', now, null)).toBeNull();
  });
});

describe.each(DB_KINDS)('console sign-in with an authenticator (%s)', (kind) => {
  let s: TestServer;
  serverWithUsers(kind, [], async (server) => {
    s = server;
    await staffSessions(s.app);
  });
  const login = (totp?: string) =>
    s.app.inject({ method: 'POST', url: '/api/v1/admin/login', headers: { origin: CONSOLE_ORIGIN }, payload: { username: 'helpdesk', password: STAFF_PASSWORD, ...(totp ? { totp } : {}) } });

  it('asks for the code after the password, takes the current one once, and is audited', async () => {
    const before = await login();
    const cookie = String(before.headers['set-cookie']).split(';')[0]!;
    const { secret } = await s.app.services.admin.enableTotp('helpdesk', { userId: null, name: 'test' });
    // A session opened before the second factor was required ends with it.
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/admin/session', headers: { cookie } })).statusCode).toBe(401);
    const key = Buffer.from(base32Decode(secret));
    // Stored sealed under the server secret, never as the secret itself.
    const sealed = (await s.app.services.dbh.db.selectFrom('users').select(['totp_sealed']).where('username', '=', 'helpdesk').executeTakeFirstOrThrow()).totp_sealed!;
    expect(Buffer.from(sealed, 'base64').includes(key.toString('base64'))).toBe(false);
    expect(sealed).not.toContain(secret);
    const noCode = await login();
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json()).toMatchObject({ error: 'TotpRequired' });
    expect(noCode.headers['set-cookie']).toBeUndefined();
    const wrongPassword = await s.app.inject({ method: 'POST', url: '/api/v1/admin/login', headers: { origin: CONSOLE_ORIGIN }, payload: { username: 'helpdesk', password: 'not the password', totp: '123456' } });
    expect(wrongPassword.json()).toMatchObject({ error: 'Unauthorized' });

    const code = totpAt(key, totpStep(Date.now()));
    const wrong = code === '000000' ? '000001' : '000000';
    expect((await login(wrong)).statusCode).toBe(401);
    const ok = await login(code);
    expect(ok.statusCode).toBe(200);
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly/);
    // The same code again (a shoulder-surfer's replay) is refused.
    expect((await login(code)).json()).toMatchObject({ error: 'TotpRequired' });
    expect((await login('12ab56')).statusCode).toBe(400);

    await s.app.services.admin.disableTotp('helpdesk', { userId: null, name: 'test' });
    expect((await login()).statusCode).toBe(200);
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['action', 'detail']).where('target', '=', 'helpdesk').where('action', 'like', 'admin.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['admin.totp.enable', 'admin.totp.disable', 'admin.login']));
    expect(audit.filter((a) => a.action === 'admin.login.failed' && a.detail?.includes('totp'))).toHaveLength(2);
    const row = await s.app.services.dbh.db.selectFrom('users').select(['totp_sealed']).where('username', '=', 'helpdesk').executeTakeFirstOrThrow();
    expect(row.totp_sealed).toBeNull();
  });
});
