import { rmSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { PASSWORD, enroll, logIn, syncUntilLocked } from './support/app';
import { buildApp } from './support/build';
import { consoleSession } from './support/console';
import { ADMIN_PASSWORD, testServer, type TestServer } from './support/server';

/**
 * Minimum app version (issue 5): a device whose version is below the
 * organisation's minimum locks and says so, asks the server for a newer
 * service worker (workbox-window), and says when there is none yet. Once
 * the server serves the new build, the next attempt installs it, reloads
 * into it, and the user gets in.
 */
const TOO_OLD = 'This version of the app is older than your organisation allows. It updates itself from the server; log in once it has reloaded.';

test.describe('minimum app version', () => {
  let server: TestServer;
  let next: string;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    next = await buildApp({ FV_APP_VERSION: '0.2.0' });
    server = await testServer();
    await server.start();
    await server.createStaff('root', 'admin', ADMIN_PASSWORD);
  });
  test.afterAll(async () => {
    await server?.stop();
    server?.remove();
    rmSync(next, { recursive: true, force: true });
  });

  test('an old version is told to update, and the service worker update flow takes it to the new one', async ({ page }) => {
    await enroll(page, (await server.createUser('olga')).link);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByText('App version 0.1.0')).toBeVisible();

    const admin = await consoleSession(server, 'root', ADMIN_PASSWORD);
    expect((await admin.call('PUT', `/admin/users/${await admin.userId('olga')}/policy`, { policy: { minAppVersion: '0.2.0' } })).status).toBe(204);
    await syncUntilLocked(page, TOO_OLD);
    await expect(page.getByTestId('update-state')).toHaveText('The server has no newer version yet. The app tries again at the next check.');
    await logIn(page, 'olga', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText(TOO_OLD);

    // The new release is deployed: same server and database, new build.
    await server.stop();
    server.serveDist(next);
    await server.start();
    const reloaded = page.waitForEvent('load');
    await logIn(page, 'olga', PASSWORD);
    await reloaded;
    await logIn(page, 'olga', PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByText('App version 0.2.0')).toBeVisible();
  });
});
