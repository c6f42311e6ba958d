import { expect, test, type Page } from '@playwright/test';
import { createAccount, logIn } from './support/app';
import { serveStatic, type StaticServer } from '../support/static-server.mjs';

const DIST = new URL('../../dist', import.meta.url).pathname;
let server: StaticServer;
test.beforeAll(async () => void (server = await serveStatic(DIST)));
test.afterAll(async () => server.close());

async function addMany(page: Page, prefix: string, n: number) {
  for (let i = 0; i < n; i++) {
    await page.getByRole('button', { name: 'New contact' }).click();
    await page.getByLabel('Name (required)').fill(`${prefix} ${i}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
  }
}

test('two tabs writing at once lose nothing, and each sees the other’s changes without reloading', async ({ context }) => {
  const a = await context.newPage();
  await a.goto(server.url);
  await createAccount(a, 'tabs-user');
  const b = await context.newPage();
  await b.goto(server.url);
  await logIn(b, 'tabs-user');
  await expect(b.getByRole('heading', { name: 'Contacts' })).toBeVisible({ timeout: 30_000 });

  await Promise.all([addMany(a, 'Alpha', 8), addMany(b, 'Bravo', 8)]);

  for (const page of [a, b]) {
    await expect(page.getByText('16 contacts')).toBeVisible();
    await page.getByRole('searchbox').fill('alpha');
    await expect(page.getByText('8 contacts')).toBeVisible();
    await page.getByRole('searchbox').fill('');
  }
  // An edit in one tab shows up in the other's list.
  await a.getByRole('link', { name: /Alpha 3/ }).click();
  await a.getByLabel('Name (required)').fill('Alpha renamed');
  await a.getByRole('button', { name: 'Save' }).click();
  await expect(b.getByRole('link', { name: /Alpha renamed/ })).toBeVisible();
});
