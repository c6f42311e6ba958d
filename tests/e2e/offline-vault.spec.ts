import { expect, test } from '@playwright/test';
import { addContact, createAccount, logIn, waitForOfflineReady } from './support/app';
import { launchProfile, tempProfile } from './support/browser';
import { photoWithRandomPayload } from './support/photo';
import { scanProfile } from './support/profile-scan';
import { serveStatic } from '../support/static-server.mjs';

const DIST = new URL('../../dist', import.meta.url).pathname;

test('offline: account, contact with a photo, reload with no server, log in, data is there; the profile holds no plaintext', async () => {
  const marker = `MARKER-${crypto.randomUUID()}`;
  const username = `fielduser-${Math.random().toString(36).slice(2, 8)}`;
  const photo = photoWithRandomPayload();
  const profile = tempProfile();
  const server = await serveStatic(DIST);
  const b = await launchProfile(profile.dir);
  try {
    const page = await b.context.newPage();
    await page.goto(server.url);
    await createAccount(page, username);
    await waitForOfflineReady(page);

    // A contact whose name and notes carry the marker, and a visit with a photo.
    await addContact(page, { name: `Ada ${marker}`, notes: `Visited about ${marker} on site` });
    await page.getByRole('link', { name: 'Visits' }).click();
    await page.getByRole('button', { name: 'New visit' }).click();
    await page.getByLabel('Contact (required)').selectOption({ label: `Ada ${marker}` });
    await page.getByLabel('Date (required)').fill('2026-11-20');
    await page.getByLabel('Status (required)').selectOption('done');
    await page.locator('input[type=file]').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: photo.png });
    await expect(page.getByRole('img', { name: 'site.png' })).toBeVisible();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('1 visit')).toBeVisible();

    // The network goes away: the server is stopped and the browser is offline.
    await server.close();
    await b.context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();

    await logIn(page, username, 'not the password');
    await expect(page.getByRole('alert')).toHaveText('The username or password is not right.');
    await logIn(page, username);
    await expect(page.getByText('1 visit')).toBeVisible({ timeout: 30_000 }); // the page reopened where it was
    await page.getByRole('link', { name: 'Contacts' }).click();
    await expect(page.getByText('1 contact')).toBeVisible();
    await page.getByRole('searchbox').fill(marker.slice(0, 20));
    await expect(page.getByRole('link', { name: new RegExp(`Ada ${marker}`) })).toBeVisible();
    await page.getByRole('link', { name: 'Visits' }).click();
    await page.getByRole('link', { name: /2026-11-20/ }).click();
    const img = page.getByRole('img', { name: 'site.png' });
    await expect(img).toBeVisible();
    expect(await img.evaluate((el: HTMLImageElement) => el.decode().then(() => el.naturalWidth))).toBe(64);
    await page.getByRole('button', { name: 'View photo site.png' }).click();
    await expect(page.getByRole('dialog', { name: 'Photo site.png' }).getByRole('img')).toBeVisible();
    await page.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await b.close();

    // What a thief copying the profile gets: no marker, no 32-byte run of the photo, no username
    // (except in the browser password manager's own "Login Data", see README).
    const findings = scanProfile(profile.dir, [marker, username], photo.payload).filter(
      (f) => !(f.file.endsWith('Login Data') && f.what.includes(username)),
    );
    expect(findings).toEqual([]);
  } finally {
    await b.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    profile.remove();
  }
});
