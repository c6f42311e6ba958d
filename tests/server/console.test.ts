import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserDetailResponse } from '../../src/protocol/admin';
import { CONSOLE_ORIGIN, DB_KINDS, serverWithUsers, staffSessions, startTestServer, type EnrolledUser, type TestServer } from './support/harness';

/** What the console page (/admin) needs from the server: its page, the old /support link, and a user's own policy for the editor. */
describe('serving the console', () => {
  let s: TestServer;
  let dist: string;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'fv-dist-'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>FieldVault</title>');
    writeFileSync(join(dist, 'admin.html'), '<!doctype html><title>FieldVault console</title>');
    s = await startTestServer('sqlite', { distDir: dist });
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves /admin as the console page, revalidated on every load', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/admin' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>FieldVault console</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('redirects the old support page to the console', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/support' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/admin');
  });
});

describe.each(DB_KINDS)('user detail for the console (%s)', (kind) => {
  let s: TestServer;
  let admin: string;
  let support: string;
  let alice: EnrolledUser;
  serverWithUsers(kind, ['alice'], async (server, [a]) => {
    [s, alice] = [server, a!];
    const staff = await staffSessions(s.app);
    [admin, support] = [staff.admin!, staff.support];
  });
  const detail = async (cookie: string) => {
    const res = await s.app.inject({ method: 'GET', url: `/api/v1/admin/users/${alice.userId}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    return UserDetailResponse.parse(res.json());
  };

  it('includes the user’s own policy (null when none), as set', async () => {
    expect((await detail(admin)).policy).toBeNull();
    const policy = { sessionTimeoutMinutes: 15, businessHours: { timeZone: 'Europe/Berlin', days: { '1': [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '17:00' }] } } };
    const put = await s.app.inject({ method: 'PUT', url: `/api/v1/admin/users/${alice.userId}/policy`, headers: { cookie: admin, origin: CONSOLE_ORIGIN }, payload: { policy } });
    expect(put.statusCode).toBe(204);
    expect((await detail(admin)).policy).toEqual(policy);
    // Support sees it too (read only: setting it is 403, as policies.test.ts checks).
    expect((await detail(support)).policy).toEqual(policy);
  });
});
