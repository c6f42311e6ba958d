import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, addContact, enroll, logIn, syncUntilLocked, syncUntilSent } from './support/app';
import { serverAndDevices } from './support/devices';
import type { TestServer } from './support/server';

/**
 * Admin commands reach the device at its next sync, signed, through the
 * service worker: lock (the open session locks and says why; login is
 * refused), unlock, and wipe (keys shredded, every store of the app
 * deleted, the console shows "wiped").
 */
const ADMIN_PASSWORD = 'admin console password';

async function adminApi(server: TestServer) {
  const headers = { 'content-type': 'application/json', origin: server.url };
  const login = await fetch(`${server.url}/api/v1/admin/login`, { method: 'POST', headers, body: JSON.stringify({ username: 'root', password: ADMIN_PASSWORD }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const device = async (user: string) => ((await (await fetch(`${server.url}/api/v1/admin/devices`, { headers: { cookie } })).json()).devices as { id: string; user: string; state: string }[]).find((d) => d.user === user)!;
  return {
    device,
    async command(user: string, kind: string) {
      const res = await fetch(`${server.url}/api/v1/admin/devices/${(await device(user)).id}/commands`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ kind }) });
      expect(res.status).toBe(201);
    },
  };
}

async function syncNow(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
}

test.describe('admin commands', () => {
  test.describe.configure({ mode: 'serial' });
  let server: TestServer;
  let page: Page;
  serverAndDevices(1, async (d) => {
    server = d.server;
    page = d.pages[0]!;
    await server.createStaff('root', 'admin', ADMIN_PASSWORD);
  });

  test('lock reaches the device at its next sync; unlock lets the user back in', async () => {
    await enroll(page, (await server.createUser('cora')).link);
    const admin = await adminApi(server);
    await admin.command('cora', 'lock');
    expect((await admin.device('cora')).state).toBe('lock pending');
    await syncUntilLocked(page, 'An administrator has locked this app on this device.');
    expect((await admin.device('cora')).state).toBe('locked');
    await logIn(page, 'cora', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('An administrator has locked this app on this device.');

    await admin.command('cora', 'unlock');
    await expect(async () => {
      await page.reload(); // opening the app syncs
      await page.waitForTimeout(500);
      await logIn(page, 'cora', PASSWORD);
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 3_000 });
    }).toPass({ timeout: 60_000 });
    expect((await admin.device('cora')).state).toBe('active');
  });

  test('wipe: keys and every store of the app are gone, and the console says so', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    await addContact(page, { name: 'About to be wiped' });
    await syncUntilSent(page);
    const admin = await adminApi(server);
    await admin.command('cora', 'wipe');
    await expect(async () => {
      await syncNow(page);
      // The page reloads into an app with no account.
      await expect(page.getByRole('heading', { name: 'Set up your account' })).toBeVisible({ timeout: 3_000 });
    }).toPass({ timeout: 60_000 });
    expect((await admin.device('cora')).state).toBe('wiped');
    const left = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('fieldvault');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const count = (store: string) =>
        new Promise<number>((resolve) => {
          if (!db.objectStoreNames.contains(store)) return resolve(0);
          const r = db.transaction(store).objectStore(store).count();
          r.onsuccess = () => resolve(r.result);
        });
      const out = { accounts: await count('accounts'), envelopes: await count('envelopes'), pages: await count('pages'), sessions: await count('serverSessions'), caches: (await caches.keys()).length };
      db.close();
      return out;
    });
    expect(left).toEqual({ accounts: 0, envelopes: 0, pages: 0, sessions: 0, caches: 0 });
  });
});
