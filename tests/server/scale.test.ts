import type { ChildProcess } from 'node:child_process';
import { spawnTs } from '../support/spawn-ts';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { PullResponse, type ChangeOut } from '../../src/protocol/sync';
import { TestDevice, type Answer } from './support/device';
import { change, newAccountMaterial } from './support/harness';
import { freePort, freshDatabase } from '../support/postgres';

/**
 * The scale path (DESIGN §7): two stateless server processes on one
 * PostgreSQL. A device pushes to each at the same time; both converge on
 * the same change set, and a device pulling while the pushes run misses
 * nothing (sequence order equals commit order across processes).
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Proc {
  const [script, ...rest] = args;
  const child = spawnTs(script!, rest, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function waitFor(p: Proc, pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if (p.child.exitCode !== null) throw new Error(`process exited ${p.child.exitCode}: ${p.output()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exited = (p: Proc) => new Promise<number | null>((resolve) => (p.child.exitCode !== null ? resolve(p.child.exitCode) : p.child.once('exit', (code) => resolve(code))));

describe('two server processes on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dataDir: string;
  const servers: { proc: Proc; origin: string }[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await freshDatabase(inject('pgUrl'));
    dataDir = mkdtempSync(join(tmpdir(), 'fv-scale-'));
    env = { DATABASE_URL: db.url, FV_SERVER_SECRET: 's'.repeat(43), FV_SCRYPT_N: '16384', LOG_LEVEL: 'warn', DATA_DIR: dataDir };
    // Started together: both run the migrations at once (Kysely's lock serializes them).
    const ports = [await freePort(), await freePort()];
    const procs = ports.map((port) => run(['server/main.ts', '--port', String(port), '--no-static'], env));
    for (const [i, proc] of procs.entries()) {
      await waitFor(proc, /listening on/);
      servers.push({ proc, origin: `http://127.0.0.1:${ports[i]}` });
    }
  }, 60_000);

  afterAll(async () => {
    for (const s of servers) if (s.proc.child.exitCode === null) s.proc.child.kill('SIGKILL');
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('devices pushing to different processes converge on the same change set', async () => {
    const [one, two] = servers as [(typeof servers)[0], (typeof servers)[0]];
    // Only one setup line between them? Each process with no admin prints its own token.
    expect(one.proc.output()).toMatch(/First-admin setup: http:\/\/localhost:\d+\/setup#[A-Za-z0-9_-]{43}/);

    // The admin CLI, on the same database.
    const cli = run(['server/cli.ts', 'create-user', 'alice'], env);
    expect(await exited(cli)).toBe(0);
    const code = (await waitFor(cli, /Enrollment code: (\S+)/))[1]!;
    expect(cli.output()).toMatch(/Link: +http:\/\/localhost:8080\/#\/enroll\?u=alice&code=[0-9A-Z]{25}/);

    // Enroll on process one, log in a second device on process two.
    const a = await TestDevice.create();
    const b = await TestDevice.create();
    const m = await newAccountMaterial();
    const enrolled = await a.fetch(one.origin, 'POST', '/enroll/complete', {
      body: { username: 'alice', code, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: a.info() },
    });
    expect(enrolled.status, enrolled.body.toString()).toBe(200);
    const loggedIn = await b.fetch(two.origin, 'POST', '/auth/login', { body: { username: 'alice', authKey: m.authKey, device: b.info() } });
    expect(loggedIn.status, loggedIn.body.toString()).toBe(200);
    const ta = enrolled.json.token as string;
    const tb = loggedIn.json.token as string;
    const group = m.bundle.personalGroup;

    const pullAll = async (d: TestDevice, origin: string, token: string, after = 0) => {
      const out: ChangeOut[] = [];
      for (;;) {
        const res: Answer = await d.fetch(origin, 'GET', '/sync/pull', { token, query: { after, limit: 50 } });
        expect(res.status, res.body.toString()).toBe(200);
        const page = PullResponse.parse(res.json);
        out.push(...page.changes);
        after = page.cursor;
        if (!page.more) return { changes: out, cursor: after };
      }
    };

    // Both devices push 20 batches of 5 at the same time, each to its own process,
    // while a third reader pulls incrementally through process one.
    const pushes = (d: TestDevice, origin: string, token: string) =>
      (async () => {
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const batch = Array.from({ length: 5 }, () => change(group, randomUUID()));
          const res = await d.fetch(origin, 'POST', '/sync/push', { token, body: { changes: batch } });
          expect(res.status, res.body.toString()).toBe(200);
          ids.push(...batch.map((c) => c.changeId));
        }
        return ids;
      })();
    let done = false;
    const seen = new Set<string>();
    const reader = (async () => {
      let cursor = 0;
      while (!done) {
        const page = await pullAll(a, one.origin, ta, cursor);
        page.changes.forEach((c) => seen.add(c.changeId));
        cursor = page.cursor;
      }
      (await pullAll(a, one.origin, ta, cursor)).changes.forEach((c) => seen.add(c.changeId));
    })();
    const [idsA, idsB] = await Promise.all([pushes(a, one.origin, ta), pushes(b, two.origin, tb)]);
    done = true;
    await reader;

    const everything = [...idsA, ...idsB].sort();
    const viaTwo = await pullAll(a, two.origin, ta);
    const viaOne = await pullAll(b, one.origin, tb);
    expect(viaTwo.changes.map((c) => c.changeId).sort()).toEqual(everything);
    expect(viaOne.changes.map((c) => c.seq)).toEqual(viaTwo.changes.map((c) => c.seq));
    const seqs = viaOne.changes.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    // The incremental reader, racing the writers, skipped nothing.
    expect([...seen].sort()).toEqual(everything);

    // A proof used on one process is refused on the other (shared jti cache).
    const proofd = await a.prepare(one.origin, 'GET', '/sync/pull', { token: ta });
    const first = await fetch(proofd.url, { headers: proofd.headers });
    expect(first.status).toBe(200);
    const replay = await fetch(new URL(proofd.url.pathname, two.origin), { headers: proofd.headers });
    expect(replay.status).toBe(401);
  }, 120_000);

  it('shuts down gracefully on SIGTERM', async () => {
    for (const s of servers) {
      s.proc.child.kill('SIGTERM');
      expect(await exited(s.proc)).toBe(0);
    }
  }, 30_000);
});
