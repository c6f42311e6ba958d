import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { SQLITE_FILE } from '../../server/db/database';
import { openEnvelope } from '../../workers/vault/crypto/envelope';
import { deriveGroupKeys } from '../../workers/vault/crypto/group-keys';
import { openRecord } from '../../workers/vault/sync/record-format';
import { addContact, enroll, syncUntilSent } from './support/app';
import { buildApp } from './support/build';
import { testServer, type TestServer } from './support/server';

/**
 * The optional organisation recovery key, end to end: an app built with
 * FV_RECOVERY_KID pinned and a server announcing that key make every group
 * key reach it too; with the private key (kept offline by the organisation)
 * and the server's database, a record can be read without the user. A
 * server announcing some other key gets nothing.
 */
const MARKER = `RECOVER${Math.random().toString(36).slice(2, 10)}`;

async function ecdhPair() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return { privateKey: pair.privateKey, spki, b64: Buffer.from(spki).toString('base64'), kid: createHash('sha256').update(spki).digest('hex') };
}

test.describe('organisation recovery key', () => {
  test.describe.configure({ mode: 'serial', timeout: 180_000 });
  let dist: string;
  let org: Awaited<ReturnType<typeof ecdhPair>>;
  const servers: TestServer[] = [];

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    org = await ecdhPair();
    dist = await buildApp({ FV_RECOVERY_KID: org.kid });
  });
  test.afterAll(async () => {
    for (const s of servers) {
      await s.stop();
      s.remove();
    }
    rmSync(dist, { recursive: true, force: true });
  });

  async function start(recoveryPublicKey: string) {
    const s = await testServer({ distDir: dist, env: { FV_RECOVERY_PUBLIC_KEY: recoveryPublicKey } });
    servers.push(s);
    await s.start();
    return s;
  }
  async function userWithRecord(page: Page, server: TestServer, username: string) {
    await enroll(page, (await server.createUser(username)).link);
    await addContact(page, { name: 'Recoverable', notes: MARKER });
    await syncUntilSent(page);
    // The account sync that would wrap for recovery runs before the codes arrive.
    await expect(page.getByTestId('unlock-codes')).toContainText('8 unlock codes are ready', { timeout: 30_000 });
  }
  function recoveryEnvelopes(server: TestServer, kid: string): { group_id: string; epoch: number; envelope: string }[] {
    const db = new Database(join(server.dataDir, SQLITE_FILE), { readonly: true });
    try {
      return db.prepare('select group_id, epoch, envelope from envelopes where kid = ?').all(kid) as { group_id: string; epoch: number; envelope: string }[];
    } finally {
      db.close();
    }
  }

  test('every group key reaches the pinned recovery key, which opens the records on the server', async ({ browser }) => {
    const server = await start(org.b64);
    const ctx = await browser.newContext();
    await userWithRecord(await ctx.newPage(), server, 'rita');
    await expect.poll(() => recoveryEnvelopes(server, org.kid).length, { timeout: 30_000 }).toBe(1);

    // What the organisation's offline recovery does: its private key, the server's database.
    const db = new Database(join(server.dataDir, SQLITE_FILE), { readonly: true });
    const [row] = recoveryEnvelopes(server, org.kid);
    const bundle = JSON.parse((db.prepare("select bundle from users where username = 'rita'").get() as { bundle: string }).bundle) as { ecdsaSpki: string };
    const changes = db.prepare('select record_id, epoch, data from changes where group_id = ? and data is not null').all(row!.group_id) as { record_id: string; epoch: number; data: Buffer }[];
    db.close();
    const signer = await crypto.subtle.importKey('spki', Buffer.from(bundle.ecdsaSpki, 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const gdk = await openEnvelope(JSON.parse(row!.envelope), { privateKey: org.privateKey, spki: org.spki }, signer);
    const keys = await deriveGroupKeys(gdk, row!.group_id, row!.epoch);
    const opened = await Promise.all(changes.map((c) => openRecord(keys.record, row!.group_id, c.record_id, c.epoch, new Uint8Array(c.data))));
    expect(JSON.stringify(opened.map((o) => o.record))).toContain(MARKER);
    expect(changes[0]!.data.toString('latin1')).not.toContain(MARKER);
    await ctx.close();
  });

  test('a server announcing a key the app does not pin gets no envelope for it', async ({ browser }) => {
    const other = await ecdhPair();
    const server = await start(other.b64);
    const ctx = await browser.newContext();
    await userWithRecord(await ctx.newPage(), server, 'sam');
    expect(recoveryEnvelopes(server, other.kid)).toEqual([]);
    await ctx.close();
  });
});
