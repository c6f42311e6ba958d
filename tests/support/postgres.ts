import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * PostgreSQL for the server and e2e tests: TEST_DATABASE_URL when set (CI
 * starts a cluster), else (server suite) a throwaway cluster in a temp dir on
 * a free port, started here and removed at the end. Each suite gets a fresh
 * database in it.
 */
export const PG_MISSING = 'PostgreSQL server binaries not found: install them with `sudo apt-get install -y postgresql`.';

export interface Cluster {
  url: string;
  stop(): void;
}

function pgBinDir(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    /* no pg_config: look in Debian's place */
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    /* none there */
  }
  return candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** pg_dump of a database as text: what a stolen server backup would hold. */
export function pgDump(url: string): string {
  const bin = pgBinDir();
  return execFileSync(bin ? join(bin, 'pg_dump') : 'pg_dump', ['--dbname', url, '--no-owner'], { encoding: 'latin1', maxBuffer: 1 << 30 });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a throwaway cluster (as user postgres when running as root, since initdb refuses root). Throws PG_MISSING without binaries. */
export async function startCluster(): Promise<Cluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error(PG_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'fv-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const port = await freePort();
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const run = (cmd: string) => {
    const r = asRoot ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { encoding: 'utf8' }) : spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run(`${q(join(bin, 'initdb'))} -D ${q(join(dir, 'data'))} -U fieldvault --auth=trust -E UTF8 >/dev/null`);
  run(`${q(join(bin, 'pg_ctl'))} -D ${q(join(dir, 'data'))} -o "-p ${port} -k ${q(dir)} -c listen_addresses=127.0.0.1 -c fsync=off" -l ${q(join(dir, 'log'))} -w start >/dev/null`);
  return {
    url: `postgres://fieldvault@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(`${q(join(bin, 'pg_ctl'))} -D ${q(join(dir, 'data'))} -m immediate stop >/dev/null 2>&1`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh, empty database on the cluster at `baseUrl`; drop() removes it. */
export async function freshDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fv_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
