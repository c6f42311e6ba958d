import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './database';

/**
 * The one set of migrations for both drivers. Column types are the portable
 * subset (text, bigint, binary); the only per-dialect difference is the name
 * of the binary type. Migrations are code, listed here in order, so nothing
 * depends on reading a directory at run time. Never edit a shipped
 * migration: add the next one.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text')
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('auth_hash', 'text')
          .addColumn('bundle', 'text')
          .addColumn('ecdh_kid', 'text')
          .addColumn('enrolled_at', 'bigint')
          .addColumn('password_hash', 'text')
          .execute();
        await db.schema.createIndex('users_role').on('users').column('role').execute();

        await db.schema
          .createTable('enrollment_codes')
          .addColumn('code_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .execute();
        await db.schema.createIndex('enrollment_codes_user').on('enrollment_codes').column('user_id').execute();

        await db.schema
          .createTable('groups')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('memberships')
          .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('memberships_pk', ['group_id', 'user_id'])
          .execute();
        await db.schema.createIndex('memberships_user').on('memberships').columns(['user_id', 'group_id']).execute();

        await db.schema
          .createTable('envelopes')
          .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
          .addColumn('epoch', 'bigint', (c) => c.notNull())
          .addColumn('kid', 'text', (c) => c.notNull())
          .addColumn('envelope', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('envelopes_pk', ['group_id', 'epoch', 'kid'])
          .execute();
        await db.schema.createIndex('envelopes_kid').on('envelopes').column('kid').execute();

        await db.schema
          .createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('jkt', 'text', (c) => c.notNull().unique())
          .addColumn('public_jwk', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('os', 'text', (c) => c.notNull())
          .addColumn('browser', 'text', (c) => c.notNull())
          .addColumn('app_version', 'text', (c) => c.notNull())
          .addColumn('last_user_id', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('last_sync_at', 'bigint')
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user_device').on('sessions').columns(['user_id', 'device_id']).execute();

        await db.schema
          .createTable('dpop_jtis')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('dpop_jtis_expiry').on('dpop_jtis').column('expires_at').execute();

        await db.schema
          .createTable('counters')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'bigint', (c) => c.notNull())
          .execute();
        await sql`insert into counters (name, value) values ('change', 0), ('blob', 0)`.execute(db);

        await db.schema
          .createTable('changes')
          .addColumn('seq', 'bigint', (c) => c.primaryKey())
          .addColumn('change_id', 'text', (c) => c.notNull().unique())
          .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('epoch', 'bigint', (c) => c.notNull())
          .addColumn('base_seq', 'bigint', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('data', binary)
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('superseded_by', 'bigint')
          .execute();
        await db.schema.createIndex('changes_group_seq').on('changes').columns(['group_id', 'seq']).execute();
        await db.schema.createIndex('changes_record').on('changes').columns(['group_id', 'record_id', 'seq']).execute();

        await db.schema
          .createTable('blobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
          .addColumn('epoch', 'bigint', (c) => c.notNull())
          .addColumn('chunks', 'bigint', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('complete_seq', 'bigint', (c) => c.unique())
          .execute();
        await db.schema.createIndex('blobs_group_complete').on('blobs').columns(['group_id', 'complete_seq']).execute();

        await db.schema
          .createTable('blob_chunks')
          .addColumn('blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('cascade'))
          .addColumn('idx', 'bigint', (c) => c.notNull())
          .addColumn('data', binary, (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('blob_chunks_pk', ['blob_id', 'idx'])
          .execute();

        await db.schema
          .createTable('audit_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor_user_id', 'text')
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('ip', 'text')
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();

        await db.schema
          .createTable('sync_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('changes', 'bigint', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sync_log_device_at').on('sync_log').columns(['device_id', 'at']).execute();

        await db.schema
          .createTable('setup_tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .execute();

        await db.schema
          .createTable('admin_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0002_unlock_codes': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('users').addColumn('credentials_at', 'bigint').execute();
        await db.schema
          .createTable('unlock_codes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('code_hash', 'text', (c) => c.notNull().unique())
          .addColumn('code_enc', 'text', (c) => c.notNull())
          .addColumn('wrap', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('revealed_at', 'bigint')
          .addColumn('spent_at', 'bigint')
          .execute();
        await db.schema.createIndex('unlock_codes_user').on('unlock_codes').columns(['user_id', 'spent_at']).execute();

        await db.schema
          .createTable('unlock_code_handoffs')
          .addColumn('code_id', 'text', (c) => c.notNull().references('unlock_codes.id').onDelete('cascade'))
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('unlock_code_handoffs_pk', ['code_id', 'device_id'])
          .execute();
      },
    },
    '0003_group_epochs': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('groups').addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(1)).execute();
      },
    },
    '0004_policies': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('device_groups')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('policy', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.alterTable('devices').addColumn('group_id', 'text').execute();
        await db.schema.alterTable('users').addColumn('policy', 'text').execute();
      },
    },
    '0005_commands': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('commands')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('acked_at', 'bigint')
          .addColumn('result', 'text')
          .execute();
        await db.schema.createIndex('commands_device').on('commands').columns(['device_id', 'acked_at']).execute();
      },
    },
    '0006_push_subscriptions': {
      async up(db: Kysely<unknown>) {
        // One Web Push subscription per device (its service worker's), null when it has none.
        await db.schema.alterTable('devices').addColumn('push_endpoint', 'text').execute();
        await db.schema.alterTable('devices').addColumn('push_p256dh', 'text').execute();
        await db.schema.alterTable('devices').addColumn('push_auth', 'text').execute();
      },
    },
    '0007_console_totp': {
      async up(db: Kysely<unknown>) {
        // Optional second factor of console sign-in: the TOTP secret sealed under the server secret, and the last step used (no replay).
        await db.schema.alterTable('users').addColumn('totp_sealed', 'text').execute();
        await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();
      },
    },
    '0008_sync_log_errors': {
      async up(db: Kysely<unknown>) {
        // A refused push or pull is logged too, with the error the device was given.
        await db.schema.alterTable('sync_log').addColumn('error', 'text').execute();
      },
    },
  };
}

/**
 * Brings the schema up to date. Safe to run from several processes at once:
 * Kysely's migrator takes a lock (an advisory lock on PostgreSQL; SQLite
 * writes are serialized by the file lock).
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
