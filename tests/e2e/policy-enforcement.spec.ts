import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { PASSWORD, addContact, enroll, logIn, waitForOfflineReady, logInOnceAdmitted, syncUntilWiped } from './support/app';
import { NOTHING_LEFT, appStores, storedPolicies } from './support/app-stores';
import { launchProfile, tempProfile } from './support/browser';
import { consoleSession } from './support/console';
import { deviceClock } from './support/device-clock';
import { scanProfile } from './support/profile-scan';
import { ADMIN_PASSWORD, STAFF_PASSWORD, serverWithStaff, type TestServer } from './support/server';

/**
 * Device policies enforced in a real Chromium against the real server
 * (issue 5): wrong passwords lock the app (an unlock code from support is
 * the way back) or wipe it; too long without server contact wipes the
 * device at its next start, or refuses login (a clock set back does not
 * help, a sync does); an idle session locks. Time is moved with Playwright's
 * clock in the page and, since that does not reach workers, with the same
 * offset in the vault worker and the service worker, where the decisions
 * are made (support/device-clock.ts).
 */
const NEW_PASSWORD = 'a brand new passphrase';
const HOUR = 3_600_000;

const WRONG = 'The username or password is not right.';
const TOO_MANY = 'Too many wrong passwords or unlock codes: the app is locked. Contact support.';
const NO_CONTACT = 'This device has not reached the server for too long. Connect it to the network and reload the app so it can sync, then log in.';
const TIMED_OUT = 'Locked after a period without activity.';

async function setUserPolicy(server: TestServer, username: string, policy: unknown) {
  const admin = await consoleSession(server, 'root', ADMIN_PASSWORD);
  expect((await admin.call('PUT', `/admin/users/${await admin.userId(username)}/policy`, { policy })).status).toBe(204);
}

async function revealCode(server: TestServer, username: string): Promise<string> {
  const support = await consoleSession(server, 'helpdesk', STAFF_PASSWORD);
  const res = await support.call('POST', `/admin/users/${await support.userId(username)}/unlock-code`, { reason: 'locked out after wrong passwords, identity checked by phone' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { code: string }).code;
}

/** Syncs from Settings until the device holds `policy` (server contact is recorded by the same sync). */
async function syncUntilPolicy(page: Page, policy: unknown) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(async () => {
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(async () => (await storedPolicies(page))[0] ?? null, { timeout: 2_000 }).toEqual(policy);
  }).toPass({ timeout: 60_000 });
}

/** One login attempt, waiting until it is answered (the form clears the password then). */
async function attempt(page: Page, username: string, password: string) {
  await logIn(page, username, password);
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('', { timeout: 30_000 });
}

async function lock(page: Page) {
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
}

/** A fresh browser context (one device) for one test, closed after it. */
async function device<T>(browser: Browser, run: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    return await run(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

test.describe('device policies', () => {
  let server: TestServer;
  serverWithStaff((s) => (server = s));
  // The no-contact tests stop the server; whatever happened there, the next test has it back.
  test.beforeEach(async () => {
    if (!(await fetch(`${server.url}/api/v1/health`).then((r) => r.ok, () => false))) await server.start();
  });

  test('3 wrong passwords lock the app and it says why; even the right one is refused; an unlock code from support lets the user in with a new password', async ({ browser }) => {
    const policy = { passwordAttempts: { max: 3, action: 'lock' } };
    await device(browser, async (page) => {
      await enroll(page, (await server.createUser('lena')).link);
      await setUserPolicy(server, 'lena', policy);
      await syncUntilPolicy(page, policy);
      // The device holds its unlock codes (the one support reveals must be among them).
      await expect(page.getByTestId('unlock-codes')).toContainText('8 unlock codes are ready', { timeout: 30_000 });
      await lock(page);

      // Warned before the rule acts.
      for (const [wrong, left] of [['not the password', '2 attempts'], ['nor this one', '1 attempt']] as const) {
        await attempt(page, 'lena', wrong);
        await expect(page.getByRole('alert')).toHaveText(`${WRONG} ${left} left before your organisation’s policy locks the app.`);
      }
      await attempt(page, 'lena', 'third time unlucky');
      await expect(page.getByRole('alert')).toHaveText(TOO_MANY);
      await attempt(page, 'lena', PASSWORD);
      await expect(page.getByRole('alert')).toHaveText(TOO_MANY);
      // Reopening the app changes nothing.
      await page.reload();
      await attempt(page, 'lena', PASSWORD);
      await expect(page.getByRole('alert')).toHaveText(TOO_MANY);

      // Support reads out a code; with it the user chooses a new password and is in.
      const code = await revealCode(server, 'lena');
      await page.getByRole('button', { name: /Forgot your password/ }).click();
      await page.getByLabel('Username').fill('lena');
      await page.getByLabel('Unlock code').fill(code);
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('Repeat password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 30_000 });
      // The count starts again: the new password opens the app normally.
      await lock(page);
      await logIn(page, 'lena', NEW_PASSWORD);
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 30_000 });
    });
  });

  /**
   * A device with a persistent profile holding a contact with a marker;
   * `wipe` wipes it somehow. Then: the app is empty, the console shows the
   * device wiped, and no file of the profile holds the marker.
   */
  async function wipedProfile(username: string, notice: RegExp, wipe: (page: Page, deviceState: () => Promise<{ id: string; state: string }>) => Promise<void>) {
    const marker = `MARKER-${crypto.randomUUID()}`;
    const profile = tempProfile();
    const b = await launchProfile(profile.dir);
    try {
      const page = await b.context.newPage();
      await enroll(page, (await server.createUser(username)).link);
      await waitForOfflineReady(page);
      await addContact(page, { name: `${username} ${marker}`, notes: `Met about ${marker}` });
      const admin = await consoleSession(server, 'root', ADMIN_PASSWORD);
      const deviceState = async () =>
        ((await (await admin.call('GET', '/admin/devices')).json()) as { devices: { id: string; user: string | null; state: string }[] }).devices.find((d) => d.user === username)!;
      await wipe(page, deviceState);
      // The page reloads into an app with no account.
      await expect(page.getByRole('heading', { name: 'Set up your account' })).toBeVisible({ timeout: 30_000 });
      // It says what happened, not just a blank setup screen.
      await expect(page.getByTestId('wipe-notice')).toHaveText(notice);
      expect(await appStores(page)).toEqual(NOTHING_LEFT);
      expect((await deviceState()).state).toBe('wiped');
      await page.close();
      await b.close();
      expect(scanProfile(profile.dir, [marker])).toEqual([]);
    } finally {
      await b.close().catch(() => undefined);
      profile.remove();
    }
  }

  test('2 wrong passwords wipe the app: the account is gone, the server was told, the browser profile holds no app data', async () => {
    const policy = { passwordAttempts: { max: 2, action: 'wipe' } };
    await wipedProfile('wanda', /^This app’s data was removed from this device on .+, after too many wrong passwords/, async (page) => {
      await setUserPolicy(server, 'wanda', policy);
      await syncUntilPolicy(page, policy);
      await lock(page);
      await attempt(page, 'wanda', 'not the password');
      await expect(page.getByRole('alert')).toHaveText(`${WRONG} 1 attempt left before your organisation’s policy removes this app’s data from this device.`);
      await logIn(page, 'wanda', 'nor this one'); // the second wrong password wipes
    });
  });

  test('a wipe command from the console: the profile holds no app data afterwards, and the console says wiped', async () => {
    const admin = await consoleSession(server, 'root', ADMIN_PASSWORD);
    await wipedProfile('wilma', /^Your organisation removed this app’s data from this device on .+\.$/, async (page, deviceState) => {
      expect((await admin.call('POST', `/admin/devices/${(await deviceState()).id}/commands`, { kind: 'wipe' })).status).toBe(201);
      await syncUntilWiped(page);
    });
  });

  test('wipe after 1 hour without server contact: at the next start after the hour (not before) the app wipes itself', async ({ browser }) => {
    const policy = { wipeAfterNoContactHours: 1 };
    await device(browser, async (page, context) => {
      const clock = await deviceClock(page);
      await enroll(page, (await server.createUser('nora')).link);
      await waitForOfflineReady(page);
      await setUserPolicy(server, 'nora', policy);
      await syncUntilPolicy(page, policy); // contact recorded now
      await lock(page);

      // The app is closed and the server is out of reach.
      await page.goto('about:blank');
      await server.stop();
      await clock.advance(HOUR / 2);
      // Half an hour on, the app opens (from the service worker's cache) with the account still there.
      await page.goto(server.url);
      await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
      await page.waitForTimeout(1_000); // its start-up checks and the sync attempt have run
      await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();

      await page.goto('about:blank');
      await clock.advance(HOUR / 2 + 60_000);
      await page.goto(server.url);
      // Past the hour, the start wipes everything, the shell's cache included: with no server the
      // page that reloads after the wipe has nothing to load, so the origin's storage is read from
      // the service worker, which is still running.
      const sw = context.serviceWorkers().find((w) => w.url().startsWith(server.url))!;
      await expect.poll(() => appStores(sw), { timeout: 30_000 }).toEqual(NOTHING_LEFT);

      // Back in reach of the server, the app opens with no account.
      await server.start();
      await page.goto(server.url);
      await expect(page.getByRole('heading', { name: 'Set up your account' })).toBeVisible();
      await expect(page.getByTestId('wipe-notice')).toHaveText(/because it had not reached the server for too long/);
      expect(await appStores(page)).toEqual(NOTHING_LEFT);
    });
  });

  test('force server contact after 1 hour: login is refused and says why, setting the clock back does not help, a sync does', async ({ browser }) => {
    const policy = { forceServerContactHours: 1 };
    await device(browser, async (page) => {
      const clock = await deviceClock(page);
      await enroll(page, (await server.createUser('otto')).link);
      await setUserPolicy(server, 'otto', policy);
      await syncUntilPolicy(page, policy);
      await lock(page);

      await server.stop();
      await clock.advance(HOUR + 60_000);
      await attempt(page, 'otto', PASSWORD);
      await expect(page.getByRole('alert')).toHaveText(NO_CONTACT);

      // The device has seen the later time: a clock set back two hours does not buy any.
      await clock.setBack(2 * HOUR);
      await attempt(page, 'otto', PASSWORD);
      await expect(page.getByRole('alert')).toHaveText(NO_CONTACT);

      // Connected again (the clock still set back), the app syncs when reopened and lets the user in.
      await server.start();
      await logInOnceAdmitted(page, 'otto');
    });
  });

  test('session timeout of 1 minute: an idle session stays open before the minute and locks after it, saying why', async ({ browser }) => {
    const policy = { sessionTimeoutMinutes: 1 };
    await device(browser, async (page) => {
      const clock = await deviceClock(page);
      await enroll(page, (await server.createUser('ida')).link);
      await setUserPolicy(server, 'ida', policy);
      await syncUntilPolicy(page, policy);
      await page.getByRole('link', { name: 'Contacts' }).click(); // the last activity

      // 40 seconds idle: the half-minute check runs and the session stays open.
      await clock.advance(40_000);
      await page.waitForTimeout(1_000);
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible();
      await expect(page.getByTestId('lock-reason')).toHaveCount(0);

      // 80 seconds idle: the next check locks it, and the lock screen says why.
      await clock.advance(40_000);
      await expect(page.getByTestId('lock-reason')).toHaveText(TIMED_OUT);
      await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
      // It is a lock, not a refusal: the password opens the app again.
      await logIn(page, 'ida', PASSWORD);
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 30_000 });
    });
  });
});
