import { expect, test, type Locator, type Page } from '@playwright/test';
import { base32Decode } from '../support/base32';
import { totpAt, totpStep } from '../../server/services/totp';
import { enroll } from './support/app';
import { ADMIN_PASSWORD, STAFF_PASSWORD, serverWithStaff, type TestServer } from './support/server';

/**
 * The console (/admin) against the real server, one enrolled device for
 * the whole file. An admin creates a device group with a policy (a wrong
 * value is caught on its field and nothing typed is lost), creates a field
 * user and enrolls a device with the link shown, finds the device in the
 * devices table, moves it into the group, locks it and reads the audit log.
 * Support (through the old /support address) sees only Users: finds that
 * user, sees the device and reveals one unlock code with a reason; errors
 * from the server show in an alert.
 */
const USER = 'field.hannah';
const NOT_ENROLLED = 'field.ivan';
const GROUP = 'Field tablets';
const GROUPED_CODE = /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/;

async function signIn(page: Page, url: string, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Signed in as')).toBeVisible();
  expect(page.url().startsWith(`${url}/admin`)).toBe(true);
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Console' });
const rowsOf = (table: Locator) => table.locator('tbody tr');

test.describe('console', () => {
  test.describe.configure({ mode: 'serial' });
  let server: TestServer;

  serverWithStaff((s) => (server = s));

  test('admin: a group with a policy, a new user and their device, group, lock, audit log', async ({ browser }) => {
    const staff = await browser.newContext();
    const page = await staff.newPage();
    const res = await page.goto(`${server.url}/admin`);
    expect(res?.headers()['cache-control']).toBe('no-cache');
    await expect(page).toHaveTitle('FieldVault console');
    await signIn(page, server.url, 'root', ADMIN_PASSWORD);
    await expect(page.getByText('Signed in as')).toContainText('root (admin)');
    await expect(nav(page).getByRole('link')).toHaveText(['Devices', 'Groups', 'Users', 'Audit log']);
    await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
    await expect(page.getByText('No device has enrolled yet.')).toBeVisible();

    // A group with a policy. Session timeout 0 is refused on its field before anything is sent; the rest stays as typed.
    await nav(page).getByRole('link', { name: 'Groups' }).click();
    const create = page.locator('form').filter({ has: page.getByLabel('Group name') });
    await create.getByLabel('Group name').fill(GROUP);
    await create.getByLabel('Session timeout (minutes idle)').fill('0');
    await create.getByLabel('Wrong passwords allowed').fill('5');
    await create.getByLabel('At the limit').selectOption('wipe');
    await create.getByLabel('Time zone').fill('Europe/Berlin');
    await create.getByLabel('Monday from').fill('08:00');
    await create.getByLabel('Monday to').fill('17:00');
    await create.getByLabel('Minimum app version').fill('0.1');
    await create.getByRole('button', { name: 'Create group' }).click();
    const timeout = create.getByLabel('Session timeout (minutes idle)');
    await expect(timeout).toHaveAttribute('aria-invalid', 'true');
    await expect(create.locator('#new-group-sessionTimeoutMinutes-error')).toHaveText(/Too small/);
    await expect(create.getByRole('alert').first()).toBeVisible();
    await expect(create.getByLabel('Group name')).toHaveValue(GROUP);
    await expect(create.getByLabel('Wrong passwords allowed')).toHaveValue('5');
    await expect(create.getByLabel('At the limit')).toHaveValue('wipe');
    await expect(create.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
    await expect(create.getByLabel('Monday from')).toHaveValue('08:00');
    await expect(create.getByLabel('Minimum app version')).toHaveValue('0.1');
    await expect(page.getByTestId('groups')).toHaveCount(0);

    await timeout.fill('15');
    await create.getByRole('button', { name: 'Create group' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Group ${GROUP} created.` })).toBeVisible();
    const groupRow = rowsOf(page.getByTestId('groups')).filter({ hasText: GROUP });
    await expect(groupRow).toContainText('Locks after 15 min idle · Wipes after 5 wrong passwords');
    await expect(groupRow).toContainText('Mon 08:00–17:00');
    // The new group is open with its own editor, filled with what was saved.
    await expect(page.getByRole('heading', { level: 2, name: GROUP })).toBeVisible();
    await expect(page.locator('#group-sessionTimeoutMinutes')).toHaveValue('15');
    await expect(create.getByLabel('Group name')).toHaveValue('');

    // The server's refusal (same name again) shows next to the form, and the form keeps what was typed.
    await create.getByLabel('Group name').fill(GROUP);
    await create.getByRole('button', { name: 'Create group' }).click();
    await expect(create.getByRole('alert')).toHaveText('A device group with that name exists.');
    await expect(create.getByLabel('Group name')).toHaveValue(GROUP);

    // A field user: no console password for that role; the enrollment code, its expiry and link are shown once.
    await nav(page).getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Role').selectOption('support');
    await expect(page.getByLabel('Console password')).toBeVisible();
    await page.getByLabel('Role').selectOption('user');
    await expect(page.getByLabel('Console password')).toHaveCount(0);
    await page.getByLabel('Username', { exact: true }).fill(USER);
    await page.getByLabel('Display name (optional)').fill('Hannah Field');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect(page.getByTestId('enrollment-code')).toHaveText(/^[0-9A-Z]{5}(-[0-9A-Z]{5})+$/);
    await expect(page.getByTestId('enrollment')).toContainText('Expires');
    await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
    const firstLink = (await page.getByTestId('enrollment-link').getAttribute('href'))!;
    expect(firstLink).toContain(`#/enroll?u=${USER}&code=`);
    await expect(page.getByRole('link', { name: new RegExp(`^${USER}`) })).toContainText('Enrolled: no');
    // The code got lost: the user's page issues a new one, and the first stops working.
    await page.getByRole('link', { name: new RegExp(`^${USER}`) }).click();
    await page.getByRole('button', { name: 'New enrollment code' }).click();
    await expect(page.getByTestId('enrollment')).toContainText('has a new enrollment code (earlier ones no longer work)');
    const link = (await page.getByTestId('enrollment-link').getAttribute('href'))!;
    expect(link).not.toBe(firstLink);

    // The user enrolls a device with that link; it syncs (and receives its unlock codes) before it is closed.
    const field = await browser.newContext();
    const fieldPage = await field.newPage();
    await enroll(fieldPage, link);
    await fieldPage.getByRole('link', { name: 'Settings' }).click();
    await expect(fieldPage.getByTestId('unlock-codes')).toContainText('8 unlock codes are ready', { timeout: 30_000 });
    await field.close();

    // The device in the table: search matches any column; filters by state and group.
    await nav(page).getByRole('link', { name: 'Devices' }).click();
    const devices = page.getByTestId('devices');
    await expect(rowsOf(devices)).toHaveCount(1);
    await expect(rowsOf(devices).first()).toContainText(USER);
    await expect(rowsOf(devices).first()).toContainText('active');
    const search = page.getByLabel('Search devices');
    await search.fill('hannah');
    await expect(page.getByText('1 of 1 device shown.')).toBeVisible();
    await search.fill('nobody-has-this');
    await expect(page.getByText('0 of 1 device shown.')).toBeVisible();
    await search.fill('');
    await page.getByLabel('State').selectOption('locked');
    await expect(rowsOf(devices)).toHaveCount(0);
    await page.getByLabel('State').selectOption('active');
    await page.getByLabel('Group').selectOption({ label: 'No group' });
    await expect(rowsOf(devices)).toHaveCount(1);
    await page.getByRole('button', { name: 'Current user' }).click();
    await expect(page.getByRole('columnheader', { name: 'Current user' })).toHaveAttribute('aria-sort', 'ascending');
    await page.getByRole('button', { name: 'Current user' }).click();
    await expect(page.getByRole('columnheader', { name: 'Current user' })).toHaveAttribute('aria-sort', 'descending');

    // Its page: move it into the group, lock it; the lock waits for the device's next contact.
    await rowsOf(devices).first().getByRole('link').click();
    await expect(page.getByTestId('device-state')).toHaveText('active');
    await page.getByLabel('Group', { exact: true }).selectOption({ label: GROUP });
    await page.getByRole('button', { name: 'Save group' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Moved to ${GROUP}` })).toBeVisible();
    await expect(page.locator('dl.stats')).toContainText(GROUP);
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Sent — reaches the device at its next contact.' })).toBeVisible();
    await expect(page.getByTestId('device-state')).toHaveText('lock pending');
    await page.getByRole('button', { name: 'Refresh state' }).click();
    await expect(page.getByTestId('device-state')).toHaveText('lock pending');
    // Wipe asks first, in the page.
    await page.getByRole('button', { name: 'Wipe…' }).click();
    await expect(page.getByRole('button', { name: 'Wipe now' })).toBeDisabled();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'Wipe now' })).toHaveCount(0);
    // So does removing it, saying that its data stays (the server test removes one).
    await page.getByRole('button', { name: 'Remove device…' }).click();
    await expect(page.getByRole('group', { name: 'Remove this device' })).toContainText('leaves the data on it: wipe it first');
    await page.getByRole('group', { name: 'Remove this device' }).getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'Remove', exact: true })).toHaveCount(0);
    const syncLog = page.getByRole('table', { name: /Sync log/ });
    await expect(rowsOf(syncLog).first()).toContainText(USER);

    // Back in the table, filtered by the group.
    await page.getByRole('link', { name: '← All devices' }).click();
    await page.getByLabel('State').selectOption({ label: 'All but wiped' });
    await page.getByLabel('Group').selectOption({ label: GROUP });
    await expect(rowsOf(devices)).toHaveCount(1);
    await expect(rowsOf(devices).first()).toContainText('lock pending');

    // The audit log lists what was done, newest first, and filters.
    await nav(page).getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByTestId('audit');
    for (const action of ['Signed in to the console', 'Created a device group', 'Created a user', 'Issued a new enrollment code', 'Moved a device to a group', 'Sent lock to a device'])
      await expect(audit).toContainText(action);
    // In plain words, the device by its model, details as name: value.
    await expect(rowsOf(audit).first()).toContainText('Sent lock to a device');
    await expect(rowsOf(audit).first().getByRole('cell').nth(2)).not.toHaveText(/^[0-9a-f-]{36}$/);
    await page.getByLabel('Filter').fill('Created a device group');
    await expect(rowsOf(audit)).toHaveCount(1);
    await expect(rowsOf(audit).first()).toContainText('policy.sessionTimeoutMinutes: 15');
    await staff.close();
  });

  test('support: /support leads to the console; only Users; finds a user, sees the device and reveals one code', async ({ browser }) => {
    await server.createUser(NOT_ENROLLED);
    const staff = await browser.newContext();
    const page = await staff.newPage();
    await page.goto(`${server.url}/support`);
    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page).toHaveTitle('FieldVault console');

    // A wrong password is refused in an alert.
    await page.getByLabel('Username').fill('helpdesk');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

    await signIn(page, server.url, 'helpdesk', STAFF_PASSWORD);
    await expect(page.getByText('Signed in as')).toContainText('helpdesk (support)');
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(nav(page).getByRole('link')).toHaveText(['Users']);
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    // An admin page by address: support lands on Users instead, and no user form.
    await page.goto(`${server.url}/admin#/devices`);
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    expect(new URL(page.url()).hash).toBe('#/users');
    await expect(page.getByRole('button', { name: 'Create user' })).toHaveCount(0);

    // Search by part of the username; both field users are listed.
    await page.getByLabel('Find a user').fill('field.');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('2 users found.')).toBeVisible();
    await expect(page.getByRole('link', { name: new RegExp(USER) })).toContainText('Enrolled: yes');
    await expect(page.getByRole('link', { name: new RegExp(NOT_ENROLLED) })).toContainText('Enrolled: no');

    // A user with no device yet: the server's reason shows in an alert (409).
    await page.getByRole('link', { name: new RegExp(NOT_ENROLLED) }).click();
    await expect(page.getByRole('heading', { name: NOT_ENROLLED })).toBeVisible();
    await expect(page.getByText('No devices yet.')).toBeVisible();
    await page.getByLabel('Reason (goes to the audit log)').fill('checking the page');
    await page.getByRole('button', { name: 'Reveal one code' }).click();
    await expect(page.getByRole('alert')).toContainText('has not enrolled a device yet');
    await expect(page.getByTestId('revealed-code')).toHaveCount(0);

    // The enrolled user (back to the list, which kept the search): one device, readable dates, no policy editor for support.
    await page.getByRole('link', { name: '← All users' }).click();
    await page.getByRole('link', { name: new RegExp(USER) }).click();
    await expect(page.getByRole('heading', { name: USER })).toBeVisible();
    const rows = rowsOf(page.getByRole('table'));
    await expect(rows).toHaveCount(1);
    await expect(rows.first().locator('td').nth(3)).not.toHaveText(/^$|\d{4}-\d\d-\d\dT/);
    await expect(page.getByRole('button', { name: 'Save policy' })).toHaveCount(0);

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

  test('with authenticator codes on, sign-in asks for the code after the password and lets the current one in', async ({ browser }) => {
    await server.createStaff('secops', 'admin', ADMIN_PASSWORD);
    const secret = Buffer.from(base32Decode(await server.enableTotp('secops')));
    const staff = await browser.newContext();
    const page = await staff.newPage();
    await page.goto(`${server.url}/admin`);
    await page.getByLabel('Username').fill('secops');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel('Authentication code');
    await expect(code).toBeFocused();
    await expect(code).toHaveAttribute('inputmode', 'numeric');
    await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    await expect(page.getByLabel('Password')).toHaveValue(ADMIN_PASSWORD);
    const current = totpAt(secret, totpStep(Date.now()));
    await code.fill(current === '000000' ? '000001' : '000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('authenticator code is not right');
    await code.fill(current);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Signed in as')).toContainText('secops (admin)');
    await staff.close();
  });
});
