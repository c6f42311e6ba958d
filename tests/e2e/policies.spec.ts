import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, enroll, logIn, syncUntilLocked } from './support/app';
import { serverAndDevices } from './support/devices';
import type { TestServer } from './support/server';

/**
 * Policies from the admin API reach the device signed, through the service
 * worker, and the vault enforces them: an open session locks and says why,
 * login is refused outside business hours, and it works again once the
 * admin lifts the rule and the device has synced.
 */
const ADMIN_PASSWORD = 'admin console password';

async function setUserPolicy(server: TestServer, username: string, policy: unknown) {
  const headers = { 'content-type': 'application/json', origin: server.url };
  const login = await fetch(`${server.url}/api/v1/admin/login`, { method: 'POST', headers, body: JSON.stringify({ username: 'root', password: ADMIN_PASSWORD }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { users } = await (await fetch(`${server.url}/api/v1/admin/users?q=${username}`, { headers: { cookie } })).json();
  const res = await fetch(`${server.url}/api/v1/admin/users/${users[0].id}/policy`, { method: 'PUT', headers: { ...headers, cookie }, body: JSON.stringify({ policy }) });
  expect(res.status).toBe(204);
}

test.describe('policies', () => {
  test.describe.configure({ mode: 'serial' });
  let server: TestServer;
  let page: Page;
  serverAndDevices(1, async (d) => {
    server = d.server;
    page = d.pages[0]!;
    await server.createStaff('root', 'admin', ADMIN_PASSWORD);
  });

  test('outside business hours: the open session locks with the reason, login is refused; lifted, it works again', async () => {
    await enroll(page, (await server.createUser('paula')).link);
    // Closed every day: no window at all.
    await setUserPolicy(server, 'paula', { businessHours: { timeZone: 'Europe/Berlin', days: {} } });

    await syncUntilLocked(page, 'The app can be used only during working hours.');
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();

    await logIn(page, 'paula', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('The app can be used only during working hours.');

    // The admin lifts it; the app syncs when it is opened again, and the login goes through.
    await setUserPolicy(server, 'paula', null);
    await expect(async () => {
      await page.reload();
      await page.waitForTimeout(500);
      await logIn(page, 'paula', PASSWORD);
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 3_000 });
    }).toPass({ timeout: 60_000 });
  });
});
