import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';

/**
 * A fresh database on the PostgreSQL that TEST_DATABASE_URL points at
 * (.ci/run starts a throwaway cluster), or null when there is none here.
 */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return null;
  const name = `fv_e2e_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** pg_dump of a database, as text: what a stolen server backup would hold. */
export function pgDump(url: string): string {
  return execFileSync(pgBin('pg_dump'), ['--dbname', url, '--no-owner'], { encoding: 'latin1', maxBuffer: 1 << 30 });
}

function pgBin(name: string): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  } catch {
    // no pg_config; look where Debian puts the server binaries
  }
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  for (const v of versions.reverse()) if (existsSync(`/usr/lib/postgresql/${v}/bin/${name}`)) return `/usr/lib/postgresql/${v}/bin/${name}`;
  return name;
}
