import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountGroupsResponse } from '../../src/protocol/groups';
import { DB_KINDS, change, enrollUser, expectOk, startTestServer, type EnrolledUser, type TestServer, serverWithUsers } from './support/harness';

const sha = (b64: string) => createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
const b64 = (n: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('base64');

/** An envelope as the owner's device would make it (the server only checks its routing fields and claimed signer). */
function envelope(owner: EnrolledUser, to: EnrolledUser, epoch: number, group = owner.group, by = sha(owner.bundle.ecdsaSpki)) {
  return { group, epoch, kid: to.kid, envelope: { v: 1, alg: 'ECDH-ES+A256KW', kid: to.kid, epk: b64(65), wrapped: b64(40), group, epoch, by, sig: b64(64) } };
}

describe.each(DB_KINDS)('groups and surrogates (%s)', (kind) => {
  let s: TestServer;
  let alice: EnrolledUser;
  let bob: EnrolledUser;
  let carol: EnrolledUser;
  const groupsOf = async (u: EnrolledUser) => {
    const res = await u.device.inject(s.app, 'GET', '/account/groups', { token: u.token });
    expectOk(res, 200);
    return AccountGroupsResponse.parse(res.json);
  };
  const add = (owner: EnrolledUser, username: string, envelopes: unknown[], group = owner.group) =>
    owner.device.inject(s.app, 'POST', `/groups/${group}/members`, { token: owner.token, body: { username, envelopes } });
  const remove = (owner: EnrolledUser, userId: string, epoch: number, envelopes: unknown[]) =>
    owner.device.inject(s.app, 'POST', `/groups/${owner.group}/members/${userId}/remove`, { token: owner.token, body: { epoch, envelopes } });
  const pulledGroups = async (u: EnrolledUser) => {
    const res = await u.device.inject(s.app, 'GET', '/sync/pull', { token: u.token, query: { after: 0 } });
    expectOk(res, 200);
    return new Set((res.json.changes as { group: string }[]).map((c) => c.group));
  };

  serverWithUsers(kind, ['alice', 'bob', 'carol'], (server, [a, b, c]) => {
    [s, alice, bob, carol] = [server, a!, b!, c!];
  });

  it('the key directory gives an enrolled user’s public keys, and 404 for anyone else', async () => {
    const res = await alice.device.inject(s.app, 'GET', '/directory/users/bob', { token: alice.token });
    expectOk(res, 200);
    expect(res.json).toEqual({ userId: bob.userId, username: 'bob', ecdhSpki: bob.bundle.ecdhSpki, ecdsaSpki: bob.bundle.ecdsaSpki });
    expect((await alice.device.inject(s.app, 'GET', '/directory/users/nobody', { token: alice.token })).status).toBe(404);
    expect((await alice.device.inject(s.app, 'GET', '/directory/users/bob')).status).toBe(401);
  });

  it('refuses member changes from anyone but the owner, and envelopes that are not right', async () => {
    expect((await add(bob, 'carol', [envelope(alice, carol, 1)], alice.group)).status).toBe(403);
    expect((await add(alice, 'alice', [envelope(alice, alice, 1)])).status).toBe(400);
    expect((await add(alice, 'nobody', [envelope(alice, bob, 1)])).status).toBe(404);
    // Addressed to someone else, signed by someone else, for another group or a future epoch.
    expect((await add(alice, 'bob', [envelope(alice, carol, 1)])).status).toBe(400);
    expect((await add(alice, 'bob', [envelope(alice, bob, 1, alice.group, sha(bob.bundle.ecdsaSpki))])).status).toBe(400);
    expect((await add(alice, 'bob', [envelope(alice, bob, 1, bob.group)])).status).toBe(400);
    expect((await add(alice, 'bob', [envelope(alice, bob, 2)])).status).toBe(400);
    expect((await groupsOf(bob)).groups.map((g) => g.id)).toEqual([bob.group]);
  });

  it('a surrogate added by the owner gets the envelope and the signer’s keys, and reads and writes the group', async () => {
    expectOk(await push(alice, [change(alice.group, randomUUID())]), 200);
    expectOk(await add(alice, 'bob', [envelope(alice, bob, 1)]), 204);
    const g = await groupsOf(bob);
    expect(g.groups.map((x) => x.id).sort()).toEqual([alice.group, bob.group].sort());
    const shared = g.groups.find((x) => x.id === alice.group)!;
    expect(shared).toMatchObject({ epoch: 1, members: [{ username: 'alice', role: 'owner' }, { username: 'bob', role: 'member' }] });
    expect(g.envelopes.filter((e) => e.group === alice.group)).toEqual([expect.objectContaining({ epoch: 1, kid: bob.kid })]);
    expect(g.signers).toEqual(expect.arrayContaining([expect.objectContaining({ userId: alice.userId, ecdsaSpki: alice.bundle.ecdsaSpki })]));
    expect(await pulledGroups(bob)).toContain(alice.group);
    expectOk(await push(bob, [change(alice.group, randomUUID())]), 200);
  });

  it('removing the surrogate starts a new epoch for those who remain; the surrogate loses the group', async () => {
    expect((await remove(alice, bob.userId, 3, [envelope(alice, alice, 3)])).status).toBe(409);
    expect((await remove(alice, bob.userId, 2, [envelope(alice, bob, 2)])).status).toBe(400);
    expect((await remove(alice, alice.userId, 2, [envelope(alice, alice, 2)])).status).toBe(400);
    const notOwner = await bob.device.inject(s.app, 'POST', `/groups/${alice.group}/members/${bob.userId}/remove`, { token: bob.token, body: { epoch: 2, envelopes: [envelope(alice, alice, 2)] } });
    expect(notOwner.status).toBe(403);
    expectOk(await remove(alice, bob.userId, 2, [envelope(alice, alice, 2)]), 204);

    expect((await groupsOf(bob)).groups.map((x) => x.id)).toEqual([bob.group]);
    expect((await groupsOf(bob)).envelopes.every((e) => e.group === bob.group)).toBe(true);
    expect((await groupsOf(alice)).groups.find((x) => x.id === alice.group)).toMatchObject({ epoch: 2, members: [{ username: 'alice' }] });
    // A change written afterwards never reaches bob, and bob cannot write there any more.
    expectOk(await push(alice, [{ ...change(alice.group, randomUUID()), epoch: 2 }]), 200);
    expect(await pulledGroups(bob)).not.toContain(alice.group);
    expect((await push(bob, [change(alice.group, randomUUID())])).status).toBe(403);

    const audit = await s.app.services.dbh.db.selectFrom('audit_log').select(['actor', 'action', 'target']).where('action', 'like', 'group.member.%').execute();
    expect(audit).toEqual([
      { actor: 'alice', action: 'group.member.add', target: 'bob' },
      { actor: 'alice', action: 'group.member.remove', target: 'bob' },
    ]);
  });

  const push = (u: EnrolledUser, changes: unknown[]) => u.device.inject(s.app, 'POST', '/sync/push', { token: u.token, body: { changes } });
});

describe('organisation recovery key', () => {
  let s: TestServer;
  let plain: TestServer;
  let alice: EnrolledUser;
  let bob: EnrolledUser;
  let recovery: EnrolledUser;
  beforeAll(async () => {
    // Any P-256 ECDH key will do; an enrolled user's stands in for the organisation's.
    plain = await startTestServer('sqlite');
    recovery = await enrollUser(plain.app, 'org-recovery');
    s = await startTestServer('sqlite', { recoveryPublicKey: recovery.bundle.ecdhSpki });
    [alice, bob] = [await enrollUser(s.app, 'alice'), await enrollUser(s.app, 'bob')];
  });
  afterAll(async () => {
    await s?.close();
    await plain?.close();
  });
  const listing = async (u: EnrolledUser, server = s) => AccountGroupsResponse.parse((await u.device.inject(server.app, 'GET', '/account/groups', { token: u.token })).json);
  const addMember = (owner: EnrolledUser, username: string, envelopes: unknown[]) =>
    owner.device.inject(s.app, 'POST', `/groups/${owner.group}/members`, { token: owner.token, body: { username, envelopes } });
  const addRecovery = (u: EnrolledUser, group: string, envelopes: unknown[], server = s) =>
    u.device.inject(server.app, 'POST', `/groups/${group}/recovery`, { token: u.token, body: { envelopes } });

  it('is announced with its key id; only the owner adds envelopes for it, addressed to exactly that key', async () => {
    const before = await listing(alice);
    expect(before.recovery).toEqual({ ecdhSpki: recovery.bundle.ecdhSpki, kid: recovery.kid });
    expect(before.groups[0]!.recoveryEpochs).toEqual([]);
    expect((await addRecovery(bob, alice.group, [envelope(alice, recovery, 1)])).status).toBe(403);
    expect((await addRecovery(alice, alice.group, [envelope(alice, bob, 1)])).status).toBe(400);
    expectOk(await addRecovery(alice, alice.group, [envelope(alice, recovery, 1)]), 204);
    expect((await listing(alice)).groups[0]!.recoveryEpochs).toEqual([1]);
  });

  it('may be a recipient of a new epoch, next to the members who remain', async () => {
    expectOk(await addMember(alice, 'bob', [envelope(alice, bob, 1)]), 204);
    const remove = await alice.device.inject(s.app, 'POST', `/groups/${alice.group}/members/${bob.userId}/remove`, {
      token: alice.token,
      body: { epoch: 2, envelopes: [envelope(alice, alice, 2), envelope(alice, recovery, 2)] },
    });
    expectOk(remove, 204);
    expect((await listing(alice)).groups[0]!.recoveryEpochs).toEqual([1, 2]);
  });

  it('a server without one says so', async () => {
    const plainUser = await enrollUser(plain.app, 'carol');
    expect((await listing(plainUser, plain)).recovery).toBeNull();
    expect((await addRecovery(plainUser, plainUser.group, [envelope(plainUser, recovery, 1)], plain)).status).toBe(409);
  });
});
