import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations';
import type { Database } from './schema';

/**
 * The database behind one of two drivers (DESIGN §7): SQLite through
 * better-sqlite3 (the embedded default, one file under the data directory)
 * or PostgreSQL through `pg` when a postgres:// URL is given (several
 * stateless server processes share it).
 */
export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  /**
   * Serializes the transactions that call it with the same name, until they
   * commit. Sequences handed out under it follow commit order, which is what
   * lets a puller read "everything after my cursor" without skipping a row
   * that a slower transaction commits later with a smaller number. PostgreSQL:
   * a transaction-scoped advisory lock. SQLite: nothing to do, a single
   * connection already runs one transaction at a time.
   */
  serialize(trx: Tx, name: 'change' | 'blob' | 'setup' | 'unlock-codes'): Promise<void>;
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Pool size per process (PostgreSQL). */
  poolSize?: number;
}

export const SQLITE_FILE = 'fieldvault.sqlite';

/** Opens the database and runs the migrations. */
export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  const handle = opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openSqlite(opts.dataDir);
  try {
    await migrateToLatest(handle.db as Kysely<unknown>, handle.dialect);
  } catch (e) {
    await handle.destroy();
    throw e;
  }
  return handle;
}

function openSqlite(dataDir: string): DatabaseHandle {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = new BetterSqlite3(join(dataDir, SQLITE_FILE));
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  // The admin CLI may write while a server runs: wait for the lock instead of failing.
  file.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  return { db, dialect: 'sqlite', serialize: async () => {}, destroy: () => db.destroy() };
}

/** Lock ids for pg_advisory_xact_lock: fixed, distinct from Kysely's migration lock. */
const PG_LOCKS = { change: 0x46560001, blob: 0x46560002, setup: 0x46560003, 'unlock-codes': 0x46560004 } as const;

function openPostgres(url: string, max: number): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // bigint (int8) columns hold epoch milliseconds and sequences: well inside 2^53.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  // An idle connection the database drops (restart, failover, an admin's
  // pg_terminate_backend) emits 'error' on the pool; unhandled, that would
  // crash the process. The pool discards the client and the next query
  // connects anew; a query that was running fails on its own.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    serialize: async (trx, name) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCKS[name])})`.execute(trx);
    },
    destroy: () => db.destroy(),
  };
}
