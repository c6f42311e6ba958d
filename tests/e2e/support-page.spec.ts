import { expect, test } from '@playwright/test';
import { enroll } from './support/app';
import { testServer, type TestServer } from './support/server';

/**
 * The support page (/support) against the real server: a support person
 * signs in, finds a field user, sees their device and reveals one unlock
 * code with a reason; errors from the server show in an alert.
 */
const USER = 'field.hannah';
const NOT_ENROLLED = 'field.ivan';
const STAFF_PASSWORD = 'help desk password 1';
const GROUPED_CODE = /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/;

test.describe('support page', () => {
  let server: TestServer;

  test.beforeAll(async () => {
    server = await testServer();
    await server.start();
    await server.createStaff('helpdesk', 'support', STAFF_PASSWORD);
  });
  test.afterAll(async () => {
    await server?.stop();
    server?.remove();
  });

  test('support signs in, finds a user, sees the device and reveals one code', async ({ browser }) => {
    // A field user with one enrolled device that has received its unlock codes.
    const field = await browser.newContext();
    const fieldPage = await field.newPage();
    const { link } = await server.createUser(USER);
    await server.createUser(NOT_ENROLLED);
    await enroll(fieldPage, link);
    await fieldPage.getByRole('link', { name: 'Settings' }).click();
    await expect(fieldPage.getByTestId('unlock-codes')).toContainText('8 unlock codes are ready', { timeout: 30_000 });
    await field.close();

    const staff = await browser.newContext();
    const page = await staff.newPage();
    const res = await page.goto(`${server.url}/support`);
    expect(res?.headers()['cache-control']).toBe('no-cache');
    await expect(page).toHaveTitle('FieldVault support');

    // A wrong password is refused in an alert.
    await page.getByLabel('Username').fill('helpdesk');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

    await page.getByLabel('Username').fill('helpdesk');
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Signed in as')).toContainText('helpdesk (support)');
    await expect(page.getByRole('alert')).toHaveCount(0);

    // Search by part of the username; both field users are listed.
    await page.getByLabel('Find a user').fill('field.');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('button', { name: new RegExp(USER) })).toContainText('Enrolled: yes');
    await expect(page.getByRole('button', { name: new RegExp(NOT_ENROLLED) })).toContainText('Enrolled: no');

    // A user with no device yet: the server's reason shows in an alert (409).
    await page.getByRole('button', { name: new RegExp(NOT_ENROLLED) }).click();
    await expect(page.getByRole('heading', { name: NOT_ENROLLED })).toBeVisible();
    await expect(page.getByText('No devices yet.')).toBeVisible();
    await page.getByLabel('Reason (goes to the audit log)').fill('checking the page');
    await page.getByRole('button', { name: 'Reveal one code' }).click();
    await expect(page.getByRole('alert')).toContainText('has not enrolled a device yet');
    await expect(page.getByTestId('revealed-code')).toHaveCount(0);

    // The enrolled user: one device, readable dates.
    await page.getByRole('button', { name: new RegExp(USER) }).click();
    await expect(page.getByRole('heading', { name: USER })).toBeVisible();
    const rows = page.getByRole('table').locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows.first().locator('td').nth(4)).not.toHaveText(/^$|\d{4}-\d\d-\d\dT/);

    // No reason: the required field blocks the reveal.
    const reason = page.getByLabel('Reason (goes to the audit log)');
    await expect(reason).toHaveValue('');
    await page.getByRole('button', { name: 'Reveal one code' }).click();
    expect(await reason.evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
    await expect(page.getByTestId('revealed-code')).toHaveCount(0);

    await reason.fill('forgot the password; identity checked by phone');
    await page.getByRole('button', { name: 'Reveal one code' }).click();
    const code = page.getByTestId('revealed-code');
    await expect(code).toHaveText(GROUPED_CODE);
    expect((await code.textContent())!.trim()).toMatch(GROUPED_CODE);
    await expect(page.getByText('Read it out to the user. It works once; they set a new password with it. This reveal is in the audit log.')).toBeVisible();

    // Sign out: the sign-in form is back, and so after a reload.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByTestId('revealed-code')).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await staff.close();
  });
});
