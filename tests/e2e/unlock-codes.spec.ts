import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { PASSWORD, addContact, enroll, logIn, signInOnline, syncUntilSent } from './support/app';
import { consoleSession } from './support/console';
import { serverAndDevices } from './support/devices';
import { STAFF_PASSWORD, type TestServer } from './support/server';

/**
 * A forgotten password, end to end against the real server: support reveals
 * an unlock code through the API, the user types it with the network off,
 * sets a new password and carries on; the next sync retires the code and
 * moves the server to the new password; a revealed code also opens the
 * account on a brand-new device.
 */
const USER = 'frank';
const NEW_PASSWORD = 'a brand new passphrase';
const NEWER_PASSWORD = 'the third passphrase';

async function revealCode(server: TestServer, reason: string): Promise<string> {
  const support = await consoleSession(server, 'helpdesk', STAFF_PASSWORD);
  const res = await support.call('POST', `/admin/users/${await support.userId(USER)}/unlock-code`, { reason });
  expect(res.status).toBe(200);
  return ((await res.json()) as { code: string }).code;
}

async function resetWithCode(page: Page, code: string, password: string) {
  await page.getByRole('button', { name: /Forgot your password/ }).click();
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Unlock code').fill(code);
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Set new password' }).click();
}

async function lock(page: Page) {
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
}

test.describe('unlock codes', () => {
  test.describe.configure({ mode: 'serial' });
  let server: TestServer;
  let a: BrowserContext;
  let pageA: Page;
  serverAndDevices(1, async (d) => {
    ({ server, contexts: [a], pages: [pageA] } = d as { server: TestServer; contexts: [BrowserContext]; pages: [Page] });
    await server.createStaff('helpdesk', 'support', STAFF_PASSWORD);
  });

  test('a code read out by support resets the password offline; the next sync retires it', async ({ browser }) => {
    const { link } = await server.createUser(USER);
    await enroll(pageA, link);
    await addContact(pageA, { name: 'Before the reset', notes: 'kept' });
    await syncUntilSent(pageA);
    await expect(pageA.getByTestId('unlock-codes')).toContainText('8 unlock codes are ready', { timeout: 30_000 });

    const code = await revealCode(server, 'user forgot the password, identity checked by phone');
    await lock(pageA);
    // Offline for real: the server is down and the page has no network.
    await server.kill();
    await a.setOffline(true);
    // Typed as people type it: lower case, spaces instead of dashes.
    await resetWithCode(pageA, 'QQQQ QQQQ QQQQ QQQQ QQQQ QQQQ QQQQ', NEW_PASSWORD);
    await expect(pageA.getByRole('alert')).toContainText('unlock code is not right');
    await pageA.getByLabel('Unlock code').fill(code.toLowerCase().replace(/-/g, ' '));
    await pageA.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await pageA.getByLabel('Repeat password').fill(NEW_PASSWORD);
    await pageA.getByRole('button', { name: 'Set new password' }).click();
    await expect(pageA.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 30_000 });
    await pageA.getByRole('link', { name: 'Contacts' }).click();
    await expect(pageA.getByRole('link', { name: /Before the reset/ })).toBeVisible();

    // The new password works offline, the old one does not.
    await lock(pageA);
    await logIn(pageA, USER, PASSWORD);
    await expect(pageA.getByRole('alert')).toContainText('not right');
    await logIn(pageA, USER, NEW_PASSWORD);
    await expect(pageA.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 30_000 });
    await pageA.getByRole('link', { name: 'Settings' }).click();
    await expect(pageA.getByTestId('unlock-codes')).toContainText('7 unlock codes are ready');
    await expect(pageA.getByTestId('unlock-codes')).toContainText('reaches the server at the next sync');

    // Back online: the server takes the new password, retires the code and sends a replacement.
    await server.start();
    await a.setOffline(false);
    await expect(async () => {
      await pageA.getByRole('button', { name: 'Sync now' }).click();
      await expect(pageA.getByTestId('unlock-codes')).toContainText('8 unlock codes are ready', { timeout: 2_000 });
      await expect(pageA.getByTestId('unlock-codes')).not.toContainText('reaches the server', { timeout: 2_000 });
    }).toPass({ timeout: 60_000 });

    // Another device: the old password no longer signs in online, the new one does.
    const b = await browser.newContext();
    const pageB = await b.newPage();
    await pageB.goto(server.url);
    await pageB.getByRole('button', { name: /First time on this device/ }).click();
    await pageB.getByLabel('Username').fill(USER);
    await pageB.getByLabel('Password').fill(PASSWORD);
    await pageB.getByRole('button', { name: 'Sign in' }).click();
    await expect(pageB.getByRole('alert')).toContainText('not right');
    await signInOnline(pageB, server.url, USER, NEW_PASSWORD);
    await b.close();

    // The spent code is refused, also on a device that never held the account.
    const c = await browser.newContext();
    const pageC = await c.newPage();
    await pageC.goto(server.url);
    await resetWithCode(pageC, code, NEWER_PASSWORD);
    await expect(pageC.getByRole('alert')).toContainText('unlock code is not right');
    await c.close();
  });

  test('a revealed code opens the account on a brand-new device, online', async ({ browser }) => {
    const code = await revealCode(server, 'new tablet, password forgotten');
    const d = await browser.newContext();
    const pageD = await d.newPage();
    await pageD.goto(server.url);
    await resetWithCode(pageD, code, NEWER_PASSWORD);
    await expect(pageD.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 30_000 });
    await syncUntilSent(pageD);
    await pageD.getByRole('link', { name: 'Contacts' }).click();
    await expect(pageD.getByRole('link', { name: /Before the reset/ })).toBeVisible({ timeout: 30_000 });
    await pageD.getByRole('link', { name: 'Settings' }).click();
    await expect(pageD.getByTestId('unlock-codes')).not.toContainText('reaches the server', { timeout: 30_000 });
    await d.close();

    // The first device still has the previous password until it hears otherwise; online the newest one counts.
    const e = await browser.newContext();
    await signInOnline(await e.newPage(), server.url, USER, NEWER_PASSWORD);
    await e.close();
  });
});
