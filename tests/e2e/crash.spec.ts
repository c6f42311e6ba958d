import { expect, test, type Page } from '@playwright/test';
import { createAccount, logIn } from './support/app';
import { launchProfile, tempProfile } from './support/browser';
import { serveStatic } from '../support/static-server.mjs';

const DIST = new URL('../../dist', import.meta.url).pathname;
const N = 3000;

function csv(ids: string[], word: string): Buffer {
  const rows = ids.map((id, i) => `${id},Person ${i},${word} note for person ${i} ${'x'.repeat(200)}`);
  return Buffer.from(['id,name,notes', ...rows].join('\n'));
}

async function importCsv(page: Page, data: Buffer) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.locator('#import-csv').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: data });
}

async function countFor(page: Page, search: string): Promise<number> {
  await page.getByRole('searchbox').fill(search);
  const text = await page.locator(`p.count[data-search="${search}"]`).textContent({ timeout: 30_000 });
  await page.getByRole('searchbox').fill('');
  const m = /^(\d+)/.exec(text ?? '');
  return m ? Number(m[1]) : 0;
}

test('killing the browser in the middle of a bulk write leaves every record old or new, never a broken page', async () => {
  const profile = tempProfile();
  const server = await serveStatic(DIST);
  let b = await launchProfile(profile.dir);
  try {
    let page = await b.context.newPage();
    await page.goto(server.url);
    await createAccount(page, 'crash-user');
    const ids = Array.from({ length: N }, () => crypto.randomUUID());
    await importCsv(page, csv(ids, 'oldstate'));
    await expect(page.getByText(`Imported ${N} contacts.`)).toBeVisible({ timeout: 120_000 });

    // Rewrite every record, and SIGKILL the browser as soon as the first batches have committed.
    await importCsv(page, csv(ids, 'newstate'));
    await expect(page.getByText(/Imported (2|4|6)00 of/)).toBeVisible({ timeout: 60_000 });
    await b.kill();

    b = await launchProfile(profile.dir);
    page = await b.context.newPage();
    await page.goto(server.url);
    await logIn(page, 'crash-user');
    await expect(page.getByText(`${N} contacts`)).toBeVisible({ timeout: 60_000 });
    const fresh = await countFor(page, 'newstate');
    const old = await countFor(page, 'oldstate');
    expect(fresh + old).toBe(N);
    expect(fresh).toBeGreaterThan(0); // the kill came after some commits...
    expect(fresh).toBeLessThan(N); // ...and before the last
    await expect(page.getByText(/failed their integrity check/)).toHaveCount(0);
  } finally {
    await b.close().catch(() => undefined);
    await server.close();
    profile.remove();
  }
});
