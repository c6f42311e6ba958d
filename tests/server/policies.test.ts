import { describe, expect, it } from 'vitest';
import { CommandStatement, PendingCommands, PolicyStatement, SignedPolicy } from '../../src/protocol/policy';
import { CONSOLE_ORIGIN, DB_KINDS, enrollUser, expectOk, serverWithUsers, staffSessions, type EnrolledUser, type TestServer } from './support/harness';

const ORIGIN = CONSOLE_ORIGIN;

describe.each(DB_KINDS)('policies (%s)', (kind) => {
  let s: TestServer;
  let admin: string;
  let support: string;
  let alice: EnrolledUser;

  const as = (cookie: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    s.app.inject({ method, url: `/api/v1${url}`, headers: { cookie, origin: ORIGIN }, ...(payload === undefined ? {} : { payload: payload as object }) });
  const policyOf = async (u: EnrolledUser) => {
    const res = await u.device.inject(s.app, 'GET', '/device/policy', { token: u.token });
    expectOk(res, 200);
    return SignedPolicy.parse(res.json);
  };

  let bob: EnrolledUser;
  serverWithUsers(kind, ['alice', 'bob'], async (server, [a, b]) => {
    [s, alice, bob] = [server, a!, b!];
    const staff = await staffSessions(s.app);
    [admin, support] = [staff.admin!, staff.support];
  });

  it('a device with no policy gets an empty one, signed with the key its session pinned', async () => {
    const signed = await policyOf(alice);
    const statement = PolicyStatement.parse(JSON.parse(signed.statement));
    expect(statement).toMatchObject({ v: 1, userId: alice.userId, deviceId: alice.session.deviceId, policy: {} });
    const key = await crypto.subtle.importKey('spki', Buffer.from(alice.session.policyKey, 'base64'), { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, Buffer.from(signed.sig, 'base64'), new TextEncoder().encode(signed.statement))).toBe(true);
    const altered = signed.statement.replace('"policy":{}', '"policy":{"sessionTimeoutMinutes":999}');
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, Buffer.from(signed.sig, 'base64'), new TextEncoder().encode(altered))).toBe(false);
  });

  it('group and user policies combine, the stricter value of each rule winning', async () => {
    const bad = await as(admin, 'POST', '/admin/device-groups', { name: 'Field tablets', policy: { sessionTimeoutMinutes: 0, businessHours: { timeZone: 'Nowhere/City', days: {} } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/sessionTimeoutMinutes|timeZone/);
    const created = await as(admin, 'POST', '/admin/device-groups', { name: 'Field tablets', policy: { sessionTimeoutMinutes: 30, passwordAttempts: { max: 10, action: 'lock' } } });
    expect(created.statusCode).toBe(201);
    expect((await as(admin, 'POST', '/admin/device-groups', { name: 'Field tablets' })).statusCode).toBe(409);
    const groupId = created.json().id as string;
    expect((await as(admin, 'PUT', `/admin/devices/${alice.session.deviceId}/group`, { groupId })).statusCode).toBe(204);
    expect((await as(admin, 'PUT', `/admin/users/${alice.userId}/policy`, { policy: { sessionTimeoutMinutes: 60, passwordAttempts: { max: 5, action: 'wipe' }, forceServerContactHours: 48 } })).statusCode).toBe(204);
    const { policy } = PolicyStatement.parse(JSON.parse((await policyOf(alice)).statement));
    expect(policy).toEqual({ sessionTimeoutMinutes: 30, passwordAttempts: { max: 5, action: 'wipe' }, forceServerContactHours: 48 });
    expect((await as(admin, 'GET', '/admin/device-groups')).json().groups).toEqual([{ id: groupId, name: 'Field tablets', policy: { sessionTimeoutMinutes: 30, passwordAttempts: { max: 10, action: 'lock' } } }]);
    expect((await as(admin, 'PUT', `/admin/devices/${crypto.randomUUID()}/group`, { groupId })).statusCode).toBe(404);
  });

  it('business hours with a time zone and no opening hours are refused, naming the field', async () => {
    const res = await as(admin, 'PUT', `/admin/users/${bob.userId}/policy`, { policy: { businessHours: { timeZone: 'Europe/London', days: {} } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^body\.policy\.businessHours\.days: Give the opening hours of at least one day/);
  });

  it('support cannot change policies or groups (403); every change is in the audit log', async () => {
    expect((await as(support, 'POST', '/admin/device-groups', { name: 'Mine' })).statusCode).toBe(403);
    expect((await as(support, 'PUT', `/admin/users/${alice.userId}/policy`, { policy: null })).statusCode).toBe(403);
    expect((await as(support, 'PUT', `/admin/devices/${alice.session.deviceId}/group`, { groupId: null })).statusCode).toBe(403);
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['actor', 'action']).where('action', 'in', ['device-group.create', 'device.group', 'user.policy']).execute();
    expect(audit.map((a) => `${a.actor}:${a.action}`).sort()).toEqual(['root:device-group.create', 'root:device.group', 'root:user.policy']);
  });

  it('commands: signed per device, listed as pending, acknowledged once; support and unknown devices are refused', async () => {
    const deviceId = alice.session.deviceId;
    expect((await as(support, 'POST', `/admin/devices/${deviceId}/commands`, { kind: 'wipe' })).statusCode).toBe(403);
    expect((await as(admin, 'POST', `/admin/devices/${crypto.randomUUID()}/commands`, { kind: 'lock' })).statusCode).toBe(404);
    expect((await as(admin, 'POST', `/admin/devices/${deviceId}/commands`, { kind: 'explode' })).statusCode).toBe(400);
    expect((await as(admin, 'POST', `/admin/devices/${deviceId}/commands`, { kind: 'lock' })).statusCode).toBe(201);
    const state = async () => ((await as(admin, 'GET', '/admin/devices')).json().devices as { id: string; state: string; user: string }[]).find((d) => d.id === deviceId)!;
    expect(await state()).toMatchObject({ state: 'lock pending', user: 'alice' });

    const res = await alice.device.inject(s.app, 'GET', '/device/commands', { token: alice.token });
    expectOk(res, 200);
    const [cmd] = res.json.commands as { statement: string; sig: string }[];
    const key = await crypto.subtle.importKey('spki', Buffer.from(alice.session.policyKey, 'base64'), { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, Buffer.from(cmd!.sig, 'base64'), new TextEncoder().encode(cmd!.statement))).toBe(true);
    const statement = CommandStatement.parse(JSON.parse(cmd!.statement));
    expect(statement).toMatchObject({ kind: 'lock', deviceId });
    expect(statement.expiresAt).toBeGreaterThan(Date.now());

    const ack = (id: string) => alice.device.inject(s.app, 'POST', `/device/commands/${id}/ack`, { token: alice.token, body: { result: 'done' } });
    expectOk(await ack(statement.id), 204);
    expect((await ack(statement.id)).status).toBe(404);
    expect(await state()).toMatchObject({ state: 'locked' });

    // A whole device group at once.
    const groupId = ((await as(admin, 'GET', '/admin/device-groups')).json().groups as { id: string }[])[0]!.id;
    expect((await as(admin, 'POST', `/admin/device-groups/${groupId}/commands`, { kind: 'unlock' })).statusCode).toBe(201);
    expect(await state()).toMatchObject({ state: 'unlock pending' });
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['actor', 'action', 'target']).where('action', 'in', ['device.lock', 'device.unlock']).execute();
    expect(audit).toEqual([
      { actor: 'root', action: 'device.lock', target: deviceId },
      { actor: 'root', action: 'device.unlock', target: deviceId },
    ]);
  });

  it('150 commands queued: a page of 100 at a time, locks and unlocks in the order sent; then a wipe behind 150 more comes first', async () => {
    const carol = await enrollUser(s.app, `carol-${kind}`);
    const deviceId = carol.session.deviceId;
    const send = async (kinds: string[]) => {
      for (const k of kinds) expect((await as(admin, 'POST', `/admin/devices/${deviceId}/commands`, { kind: k })).statusCode).toBe(201);
    };
    const fetch = async () => {
      const res = await carol.device.inject(s.app, 'GET', '/device/commands', { token: carol.token });
      expectOk(res, 200);
      const page = PendingCommands.parse(res.json);
      return { more: page.more ?? false, commands: page.commands.map((c) => CommandStatement.parse(JSON.parse(c.statement))) };
    };
    const locks = Array.from({ length: 150 }, (_, i) => (i % 2 ? 'unlock' : 'lock'));
    await send(['full-sync', ...locks]);
    const done: string[] = [];
    for (let page = await fetch(), n = 0; page.commands.length; page = await fetch(), n++) {
      expect(page.commands.length).toBe(n === 0 ? 100 : 51);
      expect(page.more).toBe(n === 0);
      for (const c of page.commands) {
        expectOk(await carol.device.inject(s.app, 'POST', `/device/commands/${c.id}/ack`, { token: carol.token, body: { result: 'done' } }), 204);
        done.push(c.kind);
      }
    }
    // The order they were sent in decides the outcome of locks and unlocks; a full sync waits for them.
    expect(done).toEqual([...locks, 'full-sync']);

    await send([...locks, 'wipe']);
    const first = await fetch();
    expect(first.commands[0]!.kind).toBe('wipe');
    expect(first.more).toBe(true);
  });

  /** Every page of the audit log, following `next`; each full page has 100 entries. */
  const allAudit = async () => {
    const seen: { at: string; action: string; target: string | null; targetDevice?: string | null }[] = [];
    let url = '/admin/audit';
    for (let pages = 0; pages < 50; pages++) {
      const res = await as(admin, 'GET', url);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { entries: typeof seen; next: string | null };
      seen.push(...page.entries);
      if (!page.next) break;
      expect(page.entries).toHaveLength(100);
      url = `/admin/audit?before=${encodeURIComponent(page.next)}`;
    }
    return seen;
  };

  it('the audit log comes a page of 100 at a time, newest first, with no entry twice; device entries name the device', async () => {
    const seen = await allAudit();
    expect(seen.length).toBeGreaterThan(300); // the 300 commands of the test before, and more
    const total = await s.app.services.dbh.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(seen).toHaveLength(Number(total.n));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.at <= seen[i - 1]!.at).toBe(true);
    const lock = seen.find((e) => e.action === 'device.lock')!;
    expect(lock.targetDevice).toEqual(expect.any(String));
    expect((await as(admin, 'GET', '/admin/audit?before=nonsense')).statusCode).toBe(400);
  });

  it('an admin removes a device from the index: its sessions end at once, it is audited; support may not', async () => {
    const dave = await enrollUser(s.app, `dave-${kind}`);
    const deviceId = dave.session.deviceId;
    expect((await as(support, 'DELETE', `/admin/devices/${deviceId}`)).statusCode).toBe(403);
    expect((await as(admin, 'DELETE', `/admin/devices/${crypto.randomUUID()}`)).statusCode).toBe(404);
    expect((await as(admin, 'POST', `/admin/devices/${deviceId}/commands`, { kind: 'lock' })).statusCode).toBe(201);
    expect((await as(admin, 'DELETE', `/admin/devices/${deviceId}`)).statusCode).toBe(204);
    const listed = (await as(admin, 'GET', '/admin/devices')).json().devices as { id: string }[];
    expect(listed.map((d) => d.id)).not.toContain(deviceId);
    expect((await dave.device.inject(s.app, 'GET', '/sync/pull', { token: dave.token })).status).toBe(401);
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['actor', 'target']).where('action', '=', 'device.remove').execute();
    expect(audit).toEqual([{ actor: 'root', target: deviceId }]);
    expect((await as(admin, 'DELETE', `/admin/devices/${deviceId}`)).statusCode).toBe(404);
  });

  it('the sync log per device and the audit log, for admins only', async () => {
    const deviceId = alice.session.deviceId;
    expectOk(await alice.device.inject(s.app, 'GET', '/sync/pull', { token: alice.token }), 200);
    const log = await as(admin, 'GET', `/admin/devices/${deviceId}/sync-log`);
    expect(log.statusCode).toBe(200);
    expect(log.json().entries[0]).toMatchObject({ kind: 'pull', user: 'alice', changes: 0, error: null });
    // A refused push is in the log too, with what the device was told.
    expect((await alice.device.inject(s.app, 'POST', '/sync/push', { token: alice.token, body: { changes: [{ nonsense: true }] } })).status).toBe(400);
    const after = (await as(admin, 'GET', `/admin/devices/${deviceId}/sync-log`)).json().entries as { kind: string; error: string | null }[];
    expect(after[0]).toMatchObject({ kind: 'push', error: expect.stringMatching(/^BadRequest: body\.changes/) });
    expect((await allAudit()).map((e) => e.action)).toEqual(expect.arrayContaining(['device.lock', 'user.policy', 'admin.login']));
    expect((await as(support, 'GET', '/admin/audit')).statusCode).toBe(403);
    expect((await as(support, 'GET', `/admin/devices/${deviceId}/sync-log`)).statusCode).toBe(403);
  });

  it('a wipe issued cuts the device off at once but for the wipe itself; acknowledged, it ends the device’s sessions', async () => {
    const deviceId = alice.session.deviceId;
    expectOk(await alice.device.inject(s.app, 'GET', '/sync/pull', { token: alice.token }), 200);
    expect((await as(admin, 'POST', `/admin/devices/${deviceId}/commands`, { kind: 'wipe' })).statusCode).toBe(201);
    // Before the device has even heard of it: no more data in or out.
    for (const [method, url] of [['GET', '/sync/pull'], ['POST', '/sync/push'], ['GET', '/device/policy'], ['GET', '/account/unlock-codes']] as const) {
      const refused = await alice.device.inject(s.app, method, url, { token: alice.token, ...(method === 'POST' ? { body: { changes: [] } } : {}) });
      expect(refused.status, url).toBe(401);
      expect(refused.json.message).toBe('Your organisation is removing this app’s data from this device.');
    }
    const res = await alice.device.inject(s.app, 'GET', '/device/commands', { token: alice.token });
    const wipe = (res.json.commands as { statement: string }[]).map((c) => CommandStatement.parse(JSON.parse(c.statement))).find((c) => c.kind === 'wipe')!;
    expectOk(await alice.device.inject(s.app, 'POST', `/device/commands/${wipe.id}/ack`, { token: alice.token, body: { result: 'done' } }), 204);
    expect((await alice.device.inject(s.app, 'GET', '/device/policy', { token: alice.token })).status).toBe(401);
    const devices = (await as(admin, 'GET', '/admin/devices')).json().devices as { id: string; state: string }[];
    expect(devices.find((d) => d.id === deviceId)?.state).toMatch(/wiped|pending/);
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['actor', 'action']).where('action', '=', 'device.wiped').execute();
    expect(audit).toEqual([{ actor: 'device', action: 'device.wiped' }]);
  });

  it('a device that wiped itself by policy reports it: sessions end, the console says wiped, the audit log says why', async () => {
    const report = (body: unknown) => bob.device.inject(s.app, 'POST', '/device/wiped', { token: bob.token, body });
    expect((await report({ reason: 'because' })).status).toBe(400);
    expectOk(await report({ reason: 'TooManyAttempts' }), 204);
    expect((await bob.device.inject(s.app, 'GET', '/device/policy', { token: bob.token })).status).toBe(401);
    const devices = (await as(admin, 'GET', '/admin/devices')).json().devices as { id: string; state: string }[];
    expect(devices.find((d) => d.id === bob.session.deviceId)?.state).toBe('wiped');
    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['detail']).where('action', '=', 'device.wiped').where('target', '=', bob.session.deviceId).execute();
    expect(audit.map((a) => JSON.parse(a.detail!))).toEqual([{ policy: 'TooManyAttempts' }]);
  });
});
