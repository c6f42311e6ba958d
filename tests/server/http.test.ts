import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from './support/device';
import { enrollUser, startTestServer, type TestServer } from './support/harness';

/** HTTP surface that does not depend on the database kind: static files, headers, limits. */
describe('serving the PWA', () => {
  let s: TestServer;
  let dist: string;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'fv-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>FieldVault</title>');
    writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("install", () => {});');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    s = await startTestServer('sqlite', { distDir: dist });
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves sw.js uncached with Service-Worker-Allowed: /', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/sw.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['service-worker-allowed']).toBe('/');
    expect(res.headers['content-type']).toContain('javascript');
  });

  it('serves hashed assets as immutable and the shell as no-cache', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/assets/index-abc123.js' })).headers['cache-control']).toContain('immutable');
    const root = await s.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('FieldVault');
    expect(root.headers['cache-control']).toBe('no-cache');
  });

  it('falls back to index.html for app paths, not for the API or missing files', async () => {
    const deep = await s.app.inject({ method: 'GET', url: '/contacts/123?x=1' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>FieldVault</title>');
    const api = await s.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'NotFound', message: 'Nothing here.' });
    expect((await s.app.inject({ method: 'GET', url: '/missing.js' })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'POST', url: '/contacts' })).statusCode).toBe(404);
  });

  it('sets security headers and never caches API answers', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.json()).toEqual({ ok: true });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('rate limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { rateLimits: { auth: { max: 3, windowMs: 60_000 }, admin: { max: 2, windowMs: 60_000 }, reveal: { max: 2, windowMs: 60_000 } } });
  });
  afterAll(async () => s?.close());

  it('answers 429 RateLimited after the limit on prelogin', async () => {
    const d = await TestDevice.create();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await d.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'x' } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.json).toEqual({ error: 'RateLimited', message: expect.any(String) });
  });

  it('limits console sign-in and setup attempts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await s.app.inject({ method: 'POST', url: '/api/v1/admin/login', payload: { username: 'x', password: 'y' } })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
  });
});

describe('logs', () => {
  it('hold no token, proof, cookie, auth key, password or enrollment code, even at trace level', async () => {
    const lines: string[] = [];
    const s = await startTestServer('sqlite', { logLevel: 'trace' }, { write: (l) => void lines.push(l) });
    try {
      const u = await enrollUser(s.app, 'logan');
      const proof = await u.device.prepare('http://localhost:80', 'GET', '/sync/pull', { token: u.token });
      const res = await s.app.inject({ method: 'GET', url: '/api/v1/sync/pull', headers: proof.headers });
      expect(res.statusCode).toBe(200);
      // A failing request is logged too.
      await s.app.inject({ method: 'GET', url: '/api/v1/sync/pull', headers: { ...proof.headers } });
      const token = (await s.app.services.admin.setupTokenIfNeeded())!;
      await s.app.inject({ method: 'POST', url: '/api/v1/admin/setup', payload: { token, username: 'root', password: 'correct horse battery' } });
      const login = await s.app.inject({ method: 'POST', url: '/api/v1/admin/login', payload: { username: 'root', password: 'correct horse battery' } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const created = await s.app.inject({ method: 'POST', url: '/api/v1/admin/users', headers: { cookie, origin: 'http://localhost:80' }, payload: { username: 'newbie' } });
      expect(created.statusCode).toBe(201);
      const log = lines.join('');
      expect(log).toContain('incoming request');
      for (const secret of [u.token, proof.headers.dpop!, u.authKey, token, 'correct horse battery', cookie.split('=')[1]!, created.json().enrollmentCode, created.json().enrollmentCode.replace(/-/g, '')]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await s.close();
    }
  });
});
