#!/usr/bin/env node
/**
 * `npm run bench:sync`: a new device's first sync of a big account, against
 * the real sync server. Builds the bench page, starts server/main.ts (tsx,
 * SQLite in a temp dir, a free port on 127.0.0.1, serving the bench page so
 * the page, its workers and the API share one origin, as in the app),
 * enrolls a user with the admin CLI, seeds the server through a seeding
 * device (Vault.enroll, putRecords, runSync; untimed), then times a FRESH
 * device: loginOnline, runSync and applyInbox until every record is
 * queryable. Against it: plain Dexie bulkPut of the same records. Prints a
 * table and writes bench/sync-results.json. See tests/bench/README.md.
 *
 *   node tests/bench/run-bench-sync.mjs [--records 100000] [--batch 1000] [--reps 1]
 *                                       [--timeout-min 60] [--out bench/sync-results.json]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { CHROMIUM_ARGS, chromiumPath } from '../support/chromium.mjs';
import { label, logger, median, round, withTimeout } from './runner-util.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '../..');

const { values: opt } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '1' },
    'timeout-min': { type: 'string', default: '60' },
    out: { type: 'string', default: 'bench/sync-results.json' },
  },
});
const N = Math.max(1, Number(opt.records) || 100_000);
const BATCH = Math.max(1, Number(opt.batch) || 1000);
const REPS = Math.max(1, Number(opt.reps) || 1);
const TIMEOUT_MS = Number(opt['timeout-min']) * 60_000;
/** Seeding 100k records through the vault takes minutes with the hashed page store: its own, longer limit. */
const SEED_TIMEOUT_MS = 30 * 60_000;
const STEP_TIMEOUT_MS = 10 * 60_000;
const USER = 'bench-sync-user';
const PASSWORD = 'correct horse battery staple';
const TARGET = 1.5;

const { started, log } = logger();

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// ---------------------------------------------------------------- what this run started

/** Everything to undo, newest first; the hard stop and the normal end both run it. */
const cleanups = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => log(`cleanup: ${e?.message ?? e}`));
}

/** The real server as ONE Node process (tsx as a loader, as tests/support/spawn-ts.ts does), so a kill reaches it. */
async function startServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'fv-bench-sync-server-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: '',
    PUBLIC_URL: url,
    FV_RATE_LIMIT_AUTH: '1000',
    FV_SERVER_SECRET: 'bench-secret-bench-secret-bench-000',
    LOG_LEVEL: 'warn',
  };
  const args = ['--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--dist-dir', resolve(REPO, 'dist-bench')];
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server/main.ts'), ...args], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out = (out + d).slice(-4000)));
  proc.stderr.on('data', (d) => (out = (out + d).slice(-4000)));
  const exited = new Promise((r) => proc.once('exit', r));
  cleanups.push(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${out}`);
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const createUser = async (username) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO, 'server/cli.ts'), 'create-user', username, ...args], { env, cwd: REPO, timeout: 60_000 });
    const link = /(http\S+#\/enroll\S+)/.exec(stdout)?.[1];
    const code = link ? new URL(link.replace('#/', '')).searchParams.get('code') : null;
    if (!code) throw new Error(`no enrollment link in: ${stdout}`);
    return code;
  };
  return { url, createUser, kill: () => proc.kill('SIGKILL') };
}

/** A Chromium with IndexedDB on disk (a persistent context on a fresh temp profile), as an installed app's. */
async function startBrowser(what) {
  const profile = await mkdtemp(join(tmpdir(), `fv-bench-sync-${what}-`));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  const close = async () => {
    await context.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  };
  cleanups.push(close);
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  const version = String((await cdp.send('Browser.getVersion')).product).replace(/^[^/]*\//, '');
  await cdp.detach();
  page.on('console', (m) => m.type() === 'error' && log(`page (${what}): ${m.text()}`));
  page.on('pageerror', (e) => log(`page error (${what}): ${e.message}`));
  return { page, version, close };
}

/** Runs `fn(call)` with a fresh worker of `kind` on database `db`; the worker is always terminated after. */
async function withWorker(page, kind, db, fn, timeoutMs = STEP_TIMEOUT_MS) {
  const evaluate = (f, arg, what) => withTimeout(page.evaluate(f, arg), timeoutMs, what);
  const handle = await evaluate(([k, i]) => window.bench.spawn(k, i), [kind, { dbName: db }], 'spawn');
  const call = (method, ...args) => evaluate(([h, m, a]) => window.bench.call(h, m, a), [handle, method, args], `${kind}.${method}`);
  try {
    return await fn(call);
  } finally {
    await page.evaluate((h) => window.bench.terminate(h), handle).catch(() => undefined);
  }
}

async function openBench(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'bench ready', undefined, { timeout: 30_000 });
}

// ---------------------------------------------------------------- main

async function main() {
  log('building tests/bench with Vite');
  await build({ configFile: resolve(HERE, 'vite.config.ts'), logLevel: 'warn' });
  const server = await startServer();
  log(`sync server (SQLite) at ${server.url}`);
  const code = await server.createUser(USER);

  // Seeding device: enroll, write every record, push them all. Untimed; its own browser profile.
  const seeder = await startBrowser('seed');
  await openBench(seeder.page, server.url);
  log(`seeding ${N} records through a seeding device (Vault.enroll, putRecords × ${BATCH}, runSync)`);
  const seed = await withWorker(seeder.page, 'sync', 'bench-seed-device', (call) => call('seed', USER, code, PASSWORD, N, BATCH), SEED_TIMEOUT_MS);
  // The outbox is empty (the worker checks); whether all N arrived, the fresh device's count proves.
  if (seed.pushed < N) log(`note: runSync reported ${seed.pushed} changes pushed for ${N} records`);
  log(`seeded: ${seed.pushed} changes pushed (write ${(seed.write_ms / 1000).toFixed(1)} s, push ${(seed.push_ms / 1000).toFixed(1)} s)`);
  await seeder.close();

  // The fresh device and the Dexie baseline: a new profile, new databases, each rep from fresh workers.
  const device = await startBrowser('device');
  await openBench(device.page, server.url);
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) {
    const dexie = await withWorker(device.page, 'dexie', `bench-sync-dexie-${rep}`, async (call) => {
      await call('open');
      return call('bulkPut', N, BATCH);
    });
    log(`dexie bulkPut ${N} rep ${rep + 1}/${REPS}: ${dexie.ms.toFixed(0)} ms`);
    const vault = await withWorker(device.page, 'sync', `bench-sync-device-${rep}`, (call) => call('firstSync', USER, PASSWORD, N, STEP_TIMEOUT_MS - 30_000));
    if (vault.total !== N) throw new Error(`fresh device: ${vault.total} of ${N} records queryable`);
    log(`vault first sync rep ${rep + 1}/${REPS}: ${vault.ms.toFixed(0)} ms (login ${vault.login_ms.toFixed(0)}, runSync ${vault.pull_ms.toFixed(0)}, applyInbox+query ${vault.apply_ms.toFixed(0)}; ${vault.pulled} pulled, ${vault.rounds} rounds)`);
    runs.push({ vault, dexie });
  }
  await device.close();

  const m = (f) => round(median(runs.map(f)));
  const name = `first_sync_${label(N)}`;
  const vault_ms = median(runs.map((r) => r.vault.ms));
  const dexie_ms = median(runs.map((r) => r.dexie.ms));
  const first = {
    vault_ms: round(vault_ms),
    dexie_ms: round(dexie_ms),
    ratio: round(vault_ms / dexie_ms, 3),
    login_ms: m((r) => r.vault.login_ms),
    pull_ms: m((r) => r.vault.pull_ms),
    apply_ms: m((r) => r.vault.apply_ms),
    pulled: runs[0].vault.pulled,
    rounds: runs[0].vault.rounds,
    records: N,
  };
  const results = {
    chromium: device.version,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', platform: process.platform },
    config: { records: N, batch: BATCH, reps: REPS, database: 'sqlite', storage: 'disk' },
    [name]: first,
    // Part (a), the server's push/pull throughput under load, comes with the next server issue.
    server_throughput: null,
    seed: { pushed: seed.pushed, write_ms: round(seed.write_ms), push_ms: round(seed.push_ms) },
    targets: [{ case: name, field: 'ratio', op: '<=', limit: TARGET, value: first.ratio, met: first.ratio !== null && first.ratio <= TARGET }],
    elapsed_s: Math.round((Date.now() - started) / 1000),
  };
  const out = resolve(REPO, opt.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);

  const rows = [
    ['case', 'vault ms', 'dexie ms', 'ratio', 'login', 'runSync', 'apply+query', 'target'],
    [name, first.vault_ms, first.dexie_ms, first.ratio, first.login_ms, first.pull_ms, first.apply_ms, `<= ${TARGET} ${results.targets[0].met ? 'met' : 'MISSED'}`],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  console.log(`\nChromium ${results.chromium}, ${results.machine.cpus} CPUs; sync server on SQLite; median of ${REPS}`);
  console.log(`\n${rows.map((r) => r.map((x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]))).join('  ')).join('\n')}`);
  console.log(`\nserver_throughput: not measured yet (part (a))\nWrote ${opt.out} in ${results.elapsed_s} s`);
}

// Hard stop: whatever hangs, the server is killed, Chromium closed, and the runner exits.
const deadline = setTimeout(() => {
  log(`timeout after ${opt['timeout-min']} min: stopping everything this run started`);
  void cleanup().finally(() => process.exit(2));
  setTimeout(() => process.exit(2), 15_000).unref();
}, TIMEOUT_MS);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, () => {
    log(`${sig}: stopping everything this run started`);
    void cleanup().finally(() => process.exit(130));
  });

main()
  .then(async () => {
    clearTimeout(deadline);
    await cleanup();
  })
  .catch(async (e) => {
    console.error(e?.stack ?? e);
    clearTimeout(deadline);
    await cleanup();
    process.exit(1);
  });
