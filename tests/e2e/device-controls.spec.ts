import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, addContact, enroll, logIn, syncUntilLocked, syncUntilSent, syncUntilWiped, logInOnceAdmitted } from './support/app';
import { NOTHING_LEFT, appStores, storedPolicies } from './support/app-stores';
import { consoleSession } from './support/console';
import { serverAndDevices } from './support/devices';
import { ADMIN_PASSWORD, type TestServer } from './support/server';

/**
 * What admins control on a device (issue 5), against the real server and
 * service worker. Policies from the admin API reach the device signed and
 * the vault enforces them: an open session locks and says why, login is
 * refused outside business hours, and works again once the rule is lifted
 * and the device has synced. Commands reach the device at its next sync:
 * lock (the session locks, login is refused), unlock, and wipe (keys
 * shredded, every store of the app deleted, the console shows "wiped").
 */

/** The admin's view of the one device in this spec (two users share it). */
async function adminApi(server: TestServer) {
  const admin = await consoleSession(server, 'root', ADMIN_PASSWORD);
  const device = async () => {
    const { devices } = (await (await admin.call('GET', '/admin/devices')).json()) as { devices: { id: string; state: string }[] };
    expect(devices).toHaveLength(1);
    return devices[0]!;
  };
  return {
    device,
    async command(kind: string) {
      expect((await admin.call('POST', `/admin/devices/${(await device()).id}/commands`, { kind })).status).toBe(201);
    },
  };
}

async function setUserPolicy(server: TestServer, username: string, policy: unknown) {
  const admin = await consoleSession(server, 'root', ADMIN_PASSWORD);
  expect((await admin.call('PUT', `/admin/users/${await admin.userId(username)}/policy`, { policy })).status).toBe(204);
}

/** Business hours that are closed all of today (open only on a day three days off, Berlin time). */
function closedToday() {
  const names = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const today = names.indexOf(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', weekday: 'short' }).format(new Date()));
  return { timeZone: 'Europe/Berlin', days: { [String((today + 3) % 7)]: [{ from: '00:00', to: '24:00' }] } };
}

async function syncNow(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
}

test.describe('policies and commands', () => {
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
    await setUserPolicy(server, 'paula', { businessHours: closedToday() });

    await syncUntilLocked(page, 'The app can be used only during working hours.');
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();

    await logIn(page, 'paula', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('The app can be used only during working hours.');

    // The admin lifts it; the app syncs when it is opened again, and the login goes through.
    await setUserPolicy(server, 'paula', null);
    await logInOnceAdmitted(page, 'paula');
  });

  test('check policy on login: a login while online fetches the current policy first', async () => {
    await setUserPolicy(server, 'paula', { checkPolicyOnLogin: true });
    await expect(async () => {
      await syncNow(page);
      expect(await storedPolicies(page)).toEqual([{ checkPolicyOnLogin: true }]);
    }).toPass({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    // Changed on the server after the device's last sync: the device still holds the old policy...
    await setUserPolicy(server, 'paula', { checkPolicyOnLogin: true, businessHours: closedToday() });
    expect(await storedPolicies(page)).toEqual([{ checkPolicyOnLogin: true }]);
    // ...and the login asks the server before it decides.
    await logIn(page, 'paula', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('The app can be used only during working hours.');
    await setUserPolicy(server, 'paula', null);
    await logInOnceAdmitted(page, 'paula');
  });

  test('lock reaches the device at its next sync; unlock lets the user back in', async () => {
    // A second user of the same device (paula is signed in from the test before).
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await enroll(page, (await server.createUser('cora')).link);
    const admin = await adminApi(server);
    await admin.command('lock');
    expect((await admin.device()).state).toBe('lock pending');
    await syncUntilLocked(page, 'An administrator has locked this app on this device.');
    expect((await admin.device()).state).toBe('locked');
    await logIn(page, 'cora', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('An administrator has locked this app on this device.');

    await admin.command('unlock');
    await logInOnceAdmitted(page, 'cora');
    expect((await admin.device()).state).toBe('active');
  });

  test('Web Push wakes the service worker with no tab open: a garbled push is ignored and logged, a real one carries out the lock', async () => {
    const admin = await adminApi(server);
    // The push service is out of reach here, so the push is delivered the way DevTools does it.
    const cdp = await page.context().newCDPSession(page);
    const registration = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; scopeURL: string }[] }) => {
        const r = e.registrations.find((x) => x.scopeURL.startsWith(server.url));
        if (r) resolve(r.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registration;
    const worker = page.context().serviceWorkers().find((w) => w.url().startsWith(server.url))!;
    const logged: string[] = [];
    worker.on('console', (m) => logged.push(m.text()));
    const deliver = (data: string) => cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data });

    await page.goto('about:blank'); // no page of the app is open from here on
    await admin.command('lock');
    await deliver('{"v":1,"type":"wipe-everything"}');
    await expect.poll(() => logged.join('\n')).toContain('ignored a push message');
    await page.waitForTimeout(1_000);
    expect((await admin.device()).state).toBe('lock pending');

    await deliver(JSON.stringify({ v: 1, type: 'sync' }));
    await expect.poll(async () => (await admin.device()).state, { timeout: 30_000 }).toBe('locked');
    await page.goto(server.url);
    await logIn(page, 'cora', PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('An administrator has locked this app on this device.');
    await cdp.detach();

    await admin.command('unlock');
    await logInOnceAdmitted(page, 'cora');
  });

  test('full sync: everything is pulled again and the pages rebuilt; the records are all there', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    await addContact(page, { name: 'About to be wiped' });
    await syncUntilSent(page);
    const admin = await adminApi(server);
    await admin.command('full-sync');
    await expect(async () => {
      await syncNow(page);
      expect((await admin.device()).state).toBe('active');
    }).toPass({ timeout: 60_000 });
    // Cora's pages are rebuilt from the server's copy once the pull reached the end; paula's wait, pulled, for her next login.
    const rebuilds = () =>
      page.evaluate(
        () =>
          new Promise<string[]>((resolve) => {
            const r = indexedDB.open('fieldvault');
            r.onsuccess = () => {
              const all = r.result.transaction('groups').objectStore('groups').getAll();
              all.onsuccess = () => {
                r.result.close(); // left open, it would hold back the wipe's deletion of the database
                resolve((all.result as { rebuild?: string }[]).map((g) => g.rebuild ?? 'rebuilt').sort());
              };
            };
          }),
      );
    await expect.poll(rebuilds).toEqual(['pulled', 'rebuilt']);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await expect(page.getByText('About to be wiped')).toBeVisible();
  });

  test('with no push and nothing clicked, a lock reaches the open app within a minute; the unlock lifts the lock screen in place', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    const admin = await adminApi(server);
    const banner = page.getByTestId('lock-reason');
    await admin.command('lock');
    // The open tab asks for commands every minute (COMMAND_CHECK_MS), on any screen.
    await expect(banner).toHaveText('An administrator has locked this app on this device.', { timeout: 75_000 });
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    expect((await admin.device()).state).toBe('locked');
    await admin.command('unlock');
    await expect(banner).toBeHidden({ timeout: 75_000 });
    await logIn(page, 'cora', PASSWORD);
    await expect(page.getByRole('link', { name: 'Contacts' })).toBeVisible();
    expect((await admin.device()).state).toBe('active');
  });

  test('wipe: keys and every store of the app are gone, and the console says so', async () => {
    const admin = await adminApi(server);
    await admin.command('wipe');
    await syncUntilWiped(page);
    await expect(page.getByTestId('wipe-notice')).toHaveText(/^Your organisation removed this app’s data from this device on /);
    expect((await admin.device()).state).toBe('wiped');
    expect(await appStores(page)).toEqual(NOTHING_LEFT);
  });
});
