import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { PASSWORD, enroll, signInOnline, syncUntilSent } from './support/app';
import { photoWithRandomPayload } from './support/photo';
import { listFiles } from './support/profile-scan';
import { freshDatabase, pgDump } from '../support/postgres';
import { serverAndDevices } from './support/devices';
import type { TestServer } from './support/server';

/**
 * Two browser contexts are two devices of one user, against the real server
 * and the real service worker. Run on SQLite, and on PostgreSQL when
 * TEST_DATABASE_URL is set (CI). Afterwards the server's storage is searched
 * for the record text and photo bytes: it must hold ciphertext only.
 */
const photoPayloads: Buffer[] = [];
const MARKER = `SRVMARK${Math.random().toString(36).slice(2, 10)}`;

async function addContact(page: Page, values: Record<string, string>) {
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'New contact' }).click();
  for (const [label, v] of Object.entries(values)) await page.getByLabel(label).fill(v);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
}

async function edit(page: Page, name: string, values: Record<string, string>) {
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('link', { name: new RegExp(name) }).click();
  for (const [label, v] of Object.entries(values)) await page.getByLabel(label).fill(v);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
}

async function fieldOf(page: Page, name: string, label: string): Promise<string> {
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('link', { name: new RegExp(name) }).click();
  const v = await page.getByLabel(label).inputValue();
  await page.getByRole('button', { name: 'Cancel' }).click();
  return v;
}

/** Runs in the page: resolves with the outbox size once it is between 0 and `n` (a push is under way). */
async function outboxShrinks(n: number): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('fieldvault');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      const c = await new Promise<number>((resolve) => {
        const r = db.transaction('outbox').objectStore('outbox').count();
        r.onsuccess = () => resolve(r.result);
      });
      if (c > 0 && c < n) return c;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('the outbox never shrank');
  } finally {
    db.close();
  }
}

const backends = ['sqlite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])] as const;

for (const backend of backends) {
  test.describe(`sync on ${backend}`, () => {
    let server: TestServer;
    let a: BrowserContext;
    let b: BrowserContext;
    let pageA: Page;
    let pageB: Page;
    const username = `field-${backend}`;

    test.describe.configure({ mode: 'serial' });
    serverAndDevices(
      2,
      (d) => void ({ server, contexts: [a, b], pages: [pageA, pageB] } = d as { server: TestServer; contexts: [BrowserContext, BrowserContext]; pages: [Page, Page] }),
      backend === 'postgres' ? () => freshDatabase(process.env.TEST_DATABASE_URL!) : undefined,
    );

    test('two devices edit offline and converge per field; the later edit wins the shared field', async () => {
      const { link } = await server.createUser(username);
      await enroll(pageA, link);
      await addContact(pageA, { 'Name (required)': 'Shared record', Organisation: 'Org', Notes: `start ${MARKER}` });
      await addContact(pageA, { 'Name (required)': 'Second record', Notes: 'start' });
      await syncUntilSent(pageA);

      await signInOnline(pageB, server.url, username);
      await expect(pageB.getByText('2 contacts')).toBeVisible({ timeout: 30_000 });

      // Both offline for real: the server is gone (the service worker's fetches ignore context.setOffline).
      await server.kill();
      await a.setOffline(true);
      await b.setOffline(true);
      await edit(pageA, 'Shared record', { Organisation: 'Org from A' });
      await edit(pageB, 'Shared record', { Notes: 'notes from B' });
      await edit(pageA, 'Second record', { Notes: 'A wrote this' });
      await pageA.waitForTimeout(50);
      await edit(pageB, 'Second record', { Notes: 'B wrote this later' });
      for (const page of [pageA, pageB]) {
        await page.getByRole('link', { name: 'Settings' }).click();
        await expect(page.getByTestId('sync-status')).toContainText('2 change(s) waiting to be sent.');
      }
      await server.start();
      await a.setOffline(false);
      await b.setOffline(false);

      await syncUntilSent(pageA);
      await syncUntilSent(pageB);
      await syncUntilSent(pageA);
      for (const page of [pageA, pageB]) {
        expect(await fieldOf(page, 'Shared record', 'Organisation')).toBe('Org from A');
        expect(await fieldOf(page, 'Shared record', 'Notes')).toBe('notes from B');
        expect(await fieldOf(page, 'Second record', 'Notes')).toBe('B wrote this later');
      }
    });

    test('periodic sync fired by the browser pushes the outbox while the app is locked', async () => {
      await server.kill(); // the change below cannot leave the device yet
      await addContact(pageA, { 'Name (required)': `Periodic ${MARKER}` });
      // The app's own attempt (shortly after the change) fails while the server is down.
      await pageA.getByRole('link', { name: 'Settings' }).click();
      await expect(pageA.getByRole('alert')).toContainText('The server could not be reached', { timeout: 30_000 });
      await expect(pageA.getByTestId('sync-status')).toContainText('1 change(s) waiting to be sent.');
      await pageA.getByRole('button', { name: 'Lock', exact: true }).click();
      await expect(pageA.getByRole('heading', { name: 'Log in' })).toBeVisible();
      await server.start();

      // What Chromium does on its own schedule for an installed app, fired through the DevTools protocol.
      const cdp = await a.newCDPSession(pageA);
      const registrations = new Promise<{ registrationId: string; scopeURL: string }[]>((resolve) =>
        cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => resolve(e.registrations)),
      );
      await cdp.send('ServiceWorker.enable');
      const reg = (await registrations).find((r) => r.scopeURL.startsWith(server.url))!;
      await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', { origin: server.url, registrationId: reg.registrationId, tag: 'fv-periodic' });

      // Device B, never told, receives it from the server.
      await expect(async () => {
        await pageB.getByRole('link', { name: 'Settings' }).click();
        await pageB.getByRole('button', { name: 'Sync now' }).click();
        await pageB.getByRole('link', { name: 'Contacts' }).click();
        await expect(pageB.getByRole('link', { name: new RegExp(`Periodic ${MARKER}`) })).toBeVisible({ timeout: 3_000 });
      }).toPass({ timeout: 60_000 });
      // And A, unlocked again, has nothing left to send.
      await pageA.getByLabel('Username').fill(username);
      await pageA.getByLabel('Password').fill(PASSWORD);
      await pageA.getByRole('button', { name: 'Log in' }).click();
      await pageA.getByRole('link', { name: 'Settings' }).click();
      await expect(pageA.getByTestId('sync-status')).toContainText('Everything is sent.');
    });

    test('the server killed mid-sync and restarted: nothing lost, nothing duplicated', async () => {
      const n = 1500;
      const rows = Array.from({ length: n }, (_, i) => `Bulk ${i},bulk note ${i}`);
      await pageA.getByRole('link', { name: 'Settings' }).click();
      await pageA.locator('#import-csv').setInputFiles({ name: 'bulk.csv', mimeType: 'text/csv', buffer: Buffer.from(['name,notes', ...rows].join('\n')) });
      await expect(pageA.getByText(`Imported ${n} contacts.`)).toBeVisible({ timeout: 120_000 });
      // Cut the server as soon as the first pushed batch has been accepted (the outbox starts shrinking).
      const left = await pageA.evaluate(outboxShrinks, n);
      await server.kill();
      expect(left).toBeGreaterThan(0);
      await server.start();
      await syncUntilSent(pageA);
      await syncUntilSent(pageB);
      await pageB.getByRole('link', { name: 'Contacts' }).click();
      await pageB.getByRole('searchbox').fill('bulk');
      await expect(pageB.locator('p.count[data-search="bulk"]')).toHaveText(`${n} contacts`, { timeout: 60_000 });
      await pageA.getByRole('link', { name: 'Contacts' }).click();
      await expect(pageA.getByText(`${n + 3} contacts`)).toBeVisible();
      await expect(pageB.getByText(/failed their integrity check/)).toHaveCount(0);
    });

    test('a photo reaches the other device as encrypted chunks and opens there', async () => {
      const { png, payload } = photoWithRandomPayload(300 * 1024); // two chunks
      await pageA.getByRole('link', { name: 'Visits' }).click();
      await pageA.getByRole('button', { name: 'New visit' }).click();
      await pageA.getByLabel('Contact (required)').selectOption({ label: 'Second record' });
      await pageA.getByLabel('Date (required)').fill('2026-11-21');
      await pageA.getByLabel('Status (required)').selectOption('planned');
      await pageA.locator('input[type=file]').setInputFiles({ name: 'field.png', mimeType: 'image/png', buffer: png });
      await expect(pageA.getByRole('img', { name: 'field.png' })).toBeVisible();
      await pageA.getByRole('button', { name: 'Save' }).click();
      await syncUntilSent(pageA);
      await expect(async () => {
        await pageB.getByRole('link', { name: 'Settings' }).click();
        await pageB.getByRole('button', { name: 'Sync now' }).click();
        await pageB.getByRole('link', { name: 'Visits' }).click();
        await pageB.getByRole('link', { name: /2026-11-21/ }).click({ timeout: 3_000 });
        const img = pageB.getByRole('img', { name: 'field.png' });
        expect(await img.evaluate((el: HTMLImageElement) => el.decode().then(() => el.naturalWidth), undefined, { timeout: 3_000 })).toBe(64);
      }).toPass({ timeout: 60_000 });
      photoPayloads.push(payload);
    });

    test('the server stores only ciphertext', async () => {
      const stored =
        backend === 'postgres'
          ? pgDump(server.databaseUrl!)
          : listFiles(server.dataDir)
              .map((f) => readFileSync(f, 'latin1'))
              .join('\n');
      expect(stored.length).toBeGreaterThan(1000);
      expect(stored).not.toContain(MARKER);
      expect(stored).not.toContain('Shared record');
      expect(stored).not.toContain('notes from B');
      for (const p of photoPayloads) expect(stored.includes(p.subarray(1000, 1064).toString('latin1'))).toBe(false);
    });
  });
}
