import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, addContact, enroll, logIn, syncUntilSent } from './support/app';
import { serverAndDevices } from './support/devices';
import type { TestServer } from './support/server';

/**
 * Surrogates across devices against the real server: alice lets bob act for
 * her, bob reads and writes alice's records from his own device, alice
 * removes him, and bob's device drops her partition and never receives
 * what she writes afterwards. Then a shared tablet with two users.
 */

/** What the vault database of a page holds per group (ids only): groups, envelopes, pages, inbox rows. */
async function localGroups(page: Page): Promise<{ groups: string[]; envelopes: string[]; pages: string[]; inbox: string[] }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('fieldvault');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const all = (store: string) =>
      new Promise<Record<string, unknown>[]>((resolve) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => resolve(r.result as Record<string, unknown>[]);
      });
    const uniq = (xs: unknown[]) => [...new Set(xs.map(String))].sort();
    const out = {
      groups: uniq((await all('groups')).map((g) => g.id)),
      envelopes: uniq((await all('envelopes')).map((e) => e.group)),
      pages: uniq((await all('pages')).map((p) => p.partition)),
      inbox: uniq((await all('inbox')).map((i) => i.group)),
    };
    db.close();
    return out;
  });
}

async function syncNow(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
}

test.describe('surrogates', () => {
  test.describe.configure({ mode: 'serial' });
  let server: TestServer;
  let pageA: Page;
  let pageB: Page;
  serverAndDevices(2, (d) => void ({ server, pages: [pageA, pageB] } = d));

  test('alice adds bob as surrogate; bob reads and writes her records; removed, he loses them', async () => {
    await enroll(pageA, (await server.createUser('alice')).link);
    await enroll(pageB, (await server.createUser('bob')).link);
    await addContact(pageA, { name: 'Client of alice', notes: 'only alice and her surrogates' });
    await syncUntilSent(pageA);

    // Bad input first: oneself, and someone who does not exist.
    await pageA.getByLabel('Add a surrogate (username)').fill('nobody');
    await pageA.getByRole('button', { name: 'Check' }).click();
    await expect(pageA.getByRole('alert')).toContainText('There is no user with that name');
    await pageA.getByLabel('Add a surrogate (username)').fill('alice');
    await pageA.getByRole('button', { name: 'Check' }).click();
    await pageA.getByRole('button', { name: 'Add alice as surrogate' }).click();
    await expect(pageA.getByRole('alert')).toContainText('You cannot be your own surrogate');

    await pageA.getByLabel('Add a surrogate (username)').fill('bob');
    await pageA.getByRole('button', { name: 'Check' }).click();
    await expect(pageA.getByTestId('surrogate-check')).toContainText('bob’s key');
    await pageA.getByRole('button', { name: 'Add bob as surrogate' }).click();
    await expect(pageA.getByRole('status').filter({ hasText: 'bob can now act for you' })).toBeVisible();
    await expect(pageA.getByRole('button', { name: 'Remove bob' })).toBeVisible();

    // Bob's device learns of it at its next sync and can switch to alice's records.
    const whose = pageB.getByRole('combobox', { name: 'Whose records' });
    await expect(async () => {
      await syncNow(pageB);
      await expect(whose).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    await whose.selectOption({ label: 'Acting for alice' });
    await expect(pageB.getByRole('status').filter({ hasText: 'Acting for alice' })).toBeVisible();
    await pageB.getByRole('link', { name: 'Contacts' }).click();
    await expect(pageB.getByRole('link', { name: /Client of alice/ })).toBeVisible({ timeout: 30_000 });
    await addContact(pageB, { name: 'Added by bob for alice' });
    await syncUntilSent(pageB);
    const before = await localGroups(pageB);
    expect(before.groups).toHaveLength(2);
    // Bob's own records do not show it.
    await whose.selectOption({ label: 'My records' });
    await pageB.getByRole('link', { name: 'Contacts' }).click();
    await expect(pageB.getByText('No contacts yet')).toBeVisible();

    // Alice sees bob's record, marked as his.
    await expect(async () => {
      await syncNow(pageA);
      await pageA.getByRole('link', { name: 'Contacts' }).click();
      await expect(pageA.getByRole('link', { name: /Added by bob for alice/ })).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    await pageA.getByRole('link', { name: /Added by bob for alice/ }).click();
    await expect(pageA.getByTestId('author')).toHaveText('Last changed by bob.');
    await pageA.getByRole('button', { name: 'Cancel' }).click();

    // Alice removes bob, then writes something new.
    await pageA.getByRole('link', { name: 'Settings' }).click();
    pageA.once('dialog', (d) => void d.accept());
    await pageA.getByRole('button', { name: 'Remove bob' }).click();
    await expect(pageA.getByRole('status').filter({ hasText: 'bob can no longer act for you' })).toBeVisible();
    await pageA.getByRole('link', { name: 'Contacts' }).click();
    await addContact(pageA, { name: 'Written after bob left' });
    await syncUntilSent(pageA);

    // Bob's device drops alice's partition at its next sync: no group, no envelope, no page, no inbox row of hers.
    await expect(async () => {
      await syncNow(pageB);
      await expect(whose).toBeHidden({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    const after = await localGroups(pageB);
    expect(after.groups).toHaveLength(1);
    const aliceGroup = before.groups.find((g) => !after.groups.includes(g))!;
    expect(before.pages).toContain(aliceGroup); // bob's device did hold her records
    for (const list of [after.envelopes, after.pages, after.inbox]) expect(list).not.toContain(aliceGroup);
    await pageB.getByRole('link', { name: 'Contacts' }).click();
    await expect(pageB.getByText('No contacts yet')).toBeVisible();
  });

  test('a shared tablet: two users, each sees only their own records', async ({ browser }) => {
    const tablet = await browser.newContext();
    const page = await tablet.newPage();
    await enroll(page, (await server.createUser('carol')).link);
    await addContact(page, { name: 'Carol private' });
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await enroll(page, (await server.createUser('dave')).link);
    await expect(page.getByText('No contacts yet')).toBeVisible();
    await addContact(page, { name: 'Dave private' });
    await expect(page.getByRole('link', { name: /Carol private/ })).toBeHidden();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await logIn(page, 'carol', PASSWORD);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await expect(page.getByRole('link', { name: /Carol private/ })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('link', { name: /Dave private/ })).toBeHidden();
    await expect(page.getByRole('combobox', { name: 'Whose records' })).toBeHidden();
    await tablet.close();
  });

  test('an envelope altered on its way from the server is refused by the device, which says so', async ({ browser }) => {
    const erinCtx = await browser.newContext();
    // Every group listing erin's device receives has the envelopes of groups she does not own altered.
    let altered = 0;
    await erinCtx.route('**/api/v1/account/groups', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { groups: { id: string; members: { username: string; role: string }[] }[]; envelopes: { group: string; envelope: { wrapped: string } }[] };
      const foreign = new Set(body.groups.filter((g) => g.members.some((m) => m.username === 'erin' && m.role === 'member')).map((g) => g.id));
      for (const e of body.envelopes) {
        if (!foreign.has(e.group)) continue;
        e.envelope.wrapped = (e.envelope.wrapped[0] === 'A' ? 'B' : 'A') + e.envelope.wrapped.slice(1);
        altered++;
      }
      await route.fulfill({ response: res, json: body });
    });
    const pageE = await erinCtx.newPage();
    await enroll(pageE, (await server.createUser('erin')).link);
    await pageA.getByRole('link', { name: 'Settings' }).click();
    await pageA.getByLabel('Add a surrogate (username)').fill('erin');
    await pageA.getByRole('button', { name: 'Check' }).click();
    await pageA.getByRole('button', { name: 'Add erin as surrogate' }).click();
    await expect(pageA.getByRole('status').filter({ hasText: 'erin can now act for you' })).toBeVisible();

    await expect(async () => {
      await syncNow(pageE);
      await expect(pageE.getByRole('alert').filter({ hasText: 'failed verification' })).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    expect(altered).toBeGreaterThan(0);
    await expect(pageE.getByRole('combobox', { name: 'Whose records' })).toBeHidden();
    const local = await localGroups(pageE);
    expect(local.envelopes).toHaveLength(1); // her own group's only
    await erinCtx.close();
  });
});
