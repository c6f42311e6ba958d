import { test } from '@playwright/test';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/postgres';
import { spawnTs } from '../../support/spawn-ts';

/**
 * The real sync server as a child process (tsx server/main.ts), on SQLite
 * in a temp dir or on the PostgreSQL of TEST_DATABASE_URL, serving the
 * built PWA. Tests kill and restart it to cut sync mid-way.
 */
const ROOT = new URL('../../..', import.meta.url).pathname;

export interface TestServer {
  url: string;
  dataDir: string;
  databaseUrl?: string;
  start(): Promise<void>;
  /** SIGKILL: no graceful shutdown, as a crash or a pulled plug. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  createUser(username: string): Promise<{ code: string; link: string }>;
  /** Serves another build from the next start() on (a new app version on the same server). */
  serveDist(dir: string): void;
  /** A support (or admin) user with a console password, through the admin CLI. */
  createStaff(username: string, role: 'support' | 'admin', password: string): Promise<void>;
  /** Turns on authenticator codes for a console user (admin CLI); returns the base32 secret. */
  enableTotp(username: string): Promise<string>;
  remove(): void;
}

export async function testServer(opts: { databaseUrl?: string; distDir?: string; env?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fv-server-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl ?? '',
    PUBLIC_URL: url,
    FV_RATE_LIMIT_AUTH: '1000',
    FV_SERVER_SECRET: 'e2e-secret-e2e-secret-e2e-secret-00',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const args = ['--port', String(port), '--data-dir', dataDir, '--dist-dir', opts.distDir ?? process.env.FV_E2E_DIST ?? join(ROOT, 'dist')];
  let proc: ChildProcess | null = null;

  const server: TestServer = {
    url,
    dataDir,
    databaseUrl: opts.databaseUrl,
    async start() {
      proc = spawnTs(join(ROOT, 'server/main.ts'), args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
      let log = '';
      proc.stdout!.on('data', (d: Buffer) => (log += d));
      proc.stderr!.on('data', (d: Buffer) => (log += d));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`server exited: ${log.slice(-2000)}`);
        const ok = await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`server did not start: ${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async kill() {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      const force = setTimeout(() => proc?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    },
    async createUser(username) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli.ts'), 'create-user', username, ...args], { env, cwd: ROOT });
      const link = /(http\S+#\/enroll\S+)/.exec(stdout)?.[1];
      const code = link ? new URL(link.replace('#/', '')).searchParams.get('code') : null;
      if (!link || !code) throw new Error(`no enrollment link in: ${stdout}`);
      return { code, link };
    },
    async createStaff(username, role, password) {
      await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli.ts'), 'create-user', username, '--role', role, ...args], {
        env: { ...env, FV_CONSOLE_PASSWORD: password },
        cwd: ROOT,
      });
    },
    async enableTotp(username) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli.ts'), 'totp-enable', username, ...args], { env, cwd: ROOT });
      const secret = /secret for \S+: ([A-Z2-7]+)/.exec(stdout)?.[1];
      if (!secret) throw new Error(`no authenticator secret in: ${stdout}`);
      return secret;
    },
    serveDist(dir) {
      args[args.indexOf('--dist-dir') + 1] = dir;
    },
    remove() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Console passwords of the staff serverWithStaff() creates. */
export const ADMIN_PASSWORD = 'admin console password';
export const STAFF_PASSWORD = 'help desk password 1';

/**
 * Registers beforeAll/afterAll for a spec: a started server (SQLite) with
 * the admin "root" and the support user "helpdesk", handed to `ready`.
 */
export function serverWithStaff(ready: (s: TestServer) => void): void {
  let server: TestServer | undefined;
  test.beforeAll(async () => {
    server = await testServer();
    await server.start();
    await server.createStaff('root', 'admin', ADMIN_PASSWORD);
    await server.createStaff('helpdesk', 'support', STAFF_PASSWORD);
    ready(server);
  });
  test.afterAll(async () => {
    await server?.stop();
    server?.remove();
  });
}
