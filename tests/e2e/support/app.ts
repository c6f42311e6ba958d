import { expect, type Page } from '@playwright/test';

/** UI steps shared by the e2e specs, written against the accessible names people see. */
export const PASSWORD = 'correct horse battery';

export async function createAccount(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByRole('button', { name: 'Create a local account (no server)' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Choose a password').fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible({ timeout: 30_000 });
}

export async function logIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function addContact(page: Page, values: { name: string; notes?: string }): Promise<void> {
  await page.getByRole('button', { name: 'New contact' }).click();
  await page.getByLabel('Name (required)').fill(values.name);
  if (values.notes) await page.getByLabel('Notes').fill(values.notes);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
}

/** Waits until the service worker is active: it activates only after the whole shell is precached. */
export async function waitForOfflineReady(page: Page): Promise<void> {
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
}

export async function enroll(page: Page, link: string) {
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Set up your account' })).toBeVisible();
  await page.getByLabel('Choose a password').fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set up account' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible({ timeout: 30_000 });
}

export async function signInOnline(page: Page, url: string, username: string, password = PASSWORD) {
  await page.goto(url);
  await page.getByRole('button', { name: /First time on this device/ }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible({ timeout: 30_000 });
}

/** Asks for a sync until the outbox is empty and nothing received is waiting. */
export async function syncUntilSent(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(async () => {
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByTestId('sync-status')).toContainText('Everything is sent.', { timeout: 2_000 });
    await expect(page.getByTestId('sync-status')).not.toContainText('received', { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
}

/** Syncs (and asks for a policy check) until the app locks itself with `reason` on the lock screen. */
export async function syncUntilLocked(page: Page, reason: string) {
  const banner = page.getByTestId('lock-reason');
  await expect(async () => {
    if (!(await banner.isVisible())) {
      await page.getByRole('link', { name: 'Settings' }).click({ timeout: 2_000 });
      await page.getByRole('button', { name: 'Sync now' }).click({ timeout: 2_000 });
      await page.waitForTimeout(300);
      // What the half-minute timer does: the tab becoming visible triggers the same check.
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    }
    await expect(banner).toHaveText(reason, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
}

/**
 * Syncs until a wipe the server has queued is carried out: the page reloads
 * into an app with no account. A sync already under way may carry it out
 * first, and the reload may take a while: the loop only asks for a sync
 * while the app still shows its screens.
 */
export async function syncUntilWiped(page: Page) {
  const setup = page.getByRole('heading', { name: 'Set up your account' });
  await expect(async () => {
    if (!(await setup.isVisible())) {
      await page.getByRole('link', { name: 'Settings' }).click({ timeout: 2_000 });
      await page.getByRole('button', { name: 'Sync now' }).click({ timeout: 2_000 });
    }
    await expect(setup).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
}

/** Reopens the app (which syncs) and logs in until the device lets the user in (a lifted lock or policy has reached it). */
export async function logInOnceAdmitted(page: Page, username: string, password = PASSWORD) {
  await expect(async () => {
    await page.reload();
    await page.waitForTimeout(500);
    await logIn(page, username, password);
    await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
}
