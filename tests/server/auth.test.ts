import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof } from '../../src/protocol/dpop';
import { PreloginResponse, SessionResponse } from '../../src/protocol/auth';
import { TestDevice } from './support/device';
import { DB_KINDS, enrollUser, expectOk, newAccountMaterial, startTestServer, type EnrolledUser, type TestServer } from './support/harness';

const WRONG_LOGIN = { error: 'Unauthorized', message: 'The username or password is not right.' };

describe.each(DB_KINDS)('accounts and device sessions (%s)', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.close());

  describe('enrollment', () => {
    it('begins with a code, completes once, and the code is then spent', async () => {
      const { app } = s;
      const created = await app.services.admin.createUser({ username: 'enroll-a', role: 'user' }, { userId: null, name: 'test' });
      expect(created.enrollmentCode).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
      const device = await TestDevice.create();

      const begin = await device.inject(app, 'POST', '/enroll/begin', { body: { username: 'Enroll-A', code: created.enrollmentCode.toLowerCase() } });
      expectOk(begin, 200);
      expect(begin.json).toEqual({ userId: created.userId });

      const m = await newAccountMaterial();
      const body = { username: 'enroll-a', code: created.enrollmentCode, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: device.info() };
      const done = await device.inject(app, 'POST', '/enroll/complete', { body });
      expectOk(done, 200);
      const session = SessionResponse.parse(done.json);
      expect(session.userId).toBe(created.userId);
      expect(session.bundle).toEqual(m.bundle);
      expect(session.envelopes).toEqual(m.envelopes);

      // The personal group exists with the user as owner.
      const membership = await app.services.dbh.db.selectFrom('memberships').selectAll().where('user_id', '=', created.userId).execute();
      expect(membership).toMatchObject([{ group_id: m.bundle.personalGroup, role: 'owner' }]);

      // Single use: neither begin nor complete accept it again.
      const again = await device.inject(app, 'POST', '/enroll/begin', { body: { username: 'enroll-a', code: created.enrollmentCode } });
      expect(again.status).toBe(400);
      expect(again.json.error).toBe('EnrollmentInvalid');
      const other = await TestDevice.create();
      const twice = await other.inject(app, 'POST', '/enroll/complete', { body: { ...body, bundle: (await newAccountMaterial()).bundle, device: other.info() } });
      expect(twice.json.error).toBe('EnrollmentInvalid');
    });

    it('refuses an expired code, a code for another username and a made-up code', async () => {
      const { app } = s;
      const device = await TestDevice.create();
      const created = await app.services.admin.createUser({ username: 'enroll-b', role: 'user' }, { userId: null, name: 'test' });
      const wrongUser = await device.inject(app, 'POST', '/enroll/begin', { body: { username: 'enroll-a', code: created.enrollmentCode } });
      expect(wrongUser.json.error).toBe('EnrollmentInvalid');
      const madeUp = await device.inject(app, 'POST', '/enroll/begin', { body: { username: 'enroll-b', code: 'ABCDE-FGHJK-MNPQR-STVWX-YZ012' } });
      expect(madeUp.json.error).toBe('EnrollmentInvalid');

      await app.services.dbh.db.updateTable('enrollment_codes').set({ expires_at: Date.now() - 1 }).where('user_id', '=', created.userId).execute();
      const expired = await device.inject(app, 'POST', '/enroll/begin', { body: { username: 'enroll-b', code: created.enrollmentCode } });
      expect(expired.status).toBe(400);
      expect(expired.json).toEqual({ error: 'EnrollmentInvalid', message: expect.stringContaining('expired') });
      const m = await newAccountMaterial();
      const complete = await device.inject(app, 'POST', '/enroll/complete', {
        body: { username: 'enroll-b', code: created.enrollmentCode, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: device.info() },
      });
      expect(complete.json.error).toBe('EnrollmentInvalid');
      const user = await app.services.dbh.db.selectFrom('users').select(['auth_hash', 'bundle']).where('id', '=', created.userId).executeTakeFirstOrThrow();
      expect(user).toEqual({ auth_hash: null, bundle: null });
    });

    it('needs proof of possession of the registered device key, and then leaves the code unspent', async () => {
      const { app } = s;
      const created = await app.services.admin.createUser({ username: 'enroll-c', role: 'user' }, { userId: null, name: 'test' });
      const device = await TestDevice.create();
      const impostor = await TestDevice.create();
      const m = await newAccountMaterial();
      const body = { username: 'enroll-c', code: created.enrollmentCode, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: device.info() };
      const signedByOther = await impostor.inject(app, 'POST', '/enroll/complete', { body });
      expect(signedByOther.status).toBe(401);
      expect(signedByOther.json.error).toBe('ProofInvalid');
      const noProof = await device.inject(app, 'POST', '/enroll/complete', { body, proof: null });
      expect(noProof.status).toBe(401);
      expectOk(await device.inject(app, 'POST', '/enroll/complete', { body }), 200);
    });

    it('refuses envelopes for a group other than the personal one, storing nothing', async () => {
      const { app } = s;
      const created = await app.services.admin.createUser({ username: 'enroll-d', role: 'user' }, { userId: null, name: 'test' });
      const device = await TestDevice.create();
      const m = await newAccountMaterial();
      const envelopes = [{ ...m.envelopes[0]!, group: crypto.randomUUID() }];
      const res = await device.inject(app, 'POST', '/enroll/complete', {
        body: { username: 'enroll-d', code: created.enrollmentCode, authKey: m.authKey, bundle: m.bundle, envelopes, device: device.info() },
      });
      expect(res.status).toBe(400);
      expect(res.json.message).toContain('body.envelopes.0.group');
      expectOk(await device.inject(app, 'POST', '/enroll/begin', { body: { username: 'enroll-d', code: created.enrollmentCode } }), 200);
    });
  });

  describe('prelogin and login', () => {
    let alice: EnrolledUser;
    beforeAll(async () => {
      alice = await enrollUser(s.app, 'alice');
    });

    it('prelogin returns the stored KDF parameters', async () => {
      const res = await alice.device.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'alice' } });
      expectOk(res, 200);
      expect(res.json).toEqual({ kdf: alice.session.bundle.kdf });
    });

    it('prelogin for an unknown username is a stable fake of the same shape', async () => {
      const d = alice.device;
      const a = await d.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'nobody' } });
      const b = await d.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'nobody' } });
      const c = await d.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'nobody-else' } });
      const real = await d.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'alice' } });
      expect([a.status, b.status, c.status]).toEqual([real.status, real.status, real.status]);
      expect(b.json).toEqual(a.json);
      expect(c.json.kdf.salt).not.toBe(a.json.kdf.salt);
      PreloginResponse.parse(a.json);
      expect(Object.keys(a.json.kdf).sort()).toEqual(Object.keys(real.json.kdf).sort());
      expect(Buffer.from(a.json.kdf.salt, 'base64').length).toBe(Buffer.from(real.json.kdf.salt, 'base64').length);
      expect(a.json.kdf.iterations).toBe(600_000);
      // Created but not enrolled looks the same as unknown.
      await s.app.services.admin.createUser({ username: 'pending', role: 'user' }, { userId: null, name: 'test' });
      const pending = await d.inject(s.app, 'POST', '/auth/prelogin', { body: { username: 'pending' } });
      expect(pending.json.kdf.iterations).toBe(600_000);
    });

    it('login from a new device registers it and returns the bundle and the envelopes the user can open', async () => {
      const phone = await TestDevice.create();
      const res = await phone.inject(s.app, 'POST', '/auth/login', { body: { username: 'alice', authKey: alice.authKey, device: phone.info() } });
      expectOk(res, 200);
      const session = SessionResponse.parse(res.json);
      expect(session.userId).toBe(alice.userId);
      expect(session.deviceId).not.toBe(alice.session.deviceId);
      expect(session.bundle).toEqual(alice.session.bundle);
      expect(session.envelopes.map((e) => e.kid)).toEqual([alice.kid]);
      const pull = await phone.inject(s.app, 'GET', '/sync/pull', { token: session.token });
      expectOk(pull, 200);
    });

    it('a wrong auth key and an unknown user get the same 401', async () => {
      const d = await TestDevice.create();
      const wrong = await d.inject(s.app, 'POST', '/auth/login', { body: { username: 'alice', authKey: Buffer.alloc(32, 7).toString('base64'), device: d.info() } });
      const unknown = await d.inject(s.app, 'POST', '/auth/login', { body: { username: 'nobody', authKey: alice.authKey, device: d.info() } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.json).toEqual(WRONG_LOGIN);
      expect(unknown.json).toEqual(WRONG_LOGIN);
      expect(wrong.body.equals(unknown.body)).toBe(true);
      // Similar timing: both paths run one scrypt. Loose bound, the point is "not an order of magnitude apart".
      const time = async (username: string) => {
        const t = performance.now();
        await d.inject(s.app, 'POST', '/auth/login', { body: { username, authKey: Buffer.alloc(32, 7).toString('base64'), device: d.info() } });
        return performance.now() - t;
      };
      const known = Math.min(await time('alice'), await time('alice'), await time('alice'));
      const unk = Math.min(await time('nobody'), await time('nobody'), await time('nobody'));
      expect(unk).toBeGreaterThan(known / 3);
    });

    it('login needs a proof by the key it registers', async () => {
      const d = await TestDevice.create();
      const other = await TestDevice.create();
      const res = await other.inject(s.app, 'POST', '/auth/login', { body: { username: 'alice', authKey: alice.authKey, device: d.info() } });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('ProofInvalid');
    });
  });

  describe('DPoP-bound requests', () => {
    let bob: EnrolledUser;
    beforeAll(async () => {
      bob = await enrollUser(s.app, 'bob');
    });
    const pull = (d: TestDevice, opts: Parameters<TestDevice['inject']>[3]) => d.inject(s.app, 'GET', '/sync/pull', opts);

    it('accepts a token with a fresh proof by its device', async () => {
      expectOk(await pull(bob.device, { token: bob.token }), 200);
    });

    it('refuses a token without a proof, or with no token at all', async () => {
      const noProof = await pull(bob.device, { token: bob.token, proof: null });
      expect(noProof.status).toBe(401);
      expect(noProof.json.error).toBe('ProofInvalid');
      const noToken = await pull(bob.device, {});
      expect(noToken.status).toBe(401);
      expect(noToken.json.error).toBe('Unauthorized');
    });

    it('refuses a stolen token used with a proof signed by another key', async () => {
      const thief = await TestDevice.create();
      const res = await pull(thief, { token: bob.token });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('ProofInvalid');
    });

    it('refuses a proof whose header names another key than the one that signed it', async () => {
      const thief = await TestDevice.create();
      const forged = await createDpopProof(thief.privateKey, bob.device.jwk, { method: 'GET', url: 'http://localhost/api/v1/sync/pull', token: bob.token });
      const res = await pull(bob.device, { token: bob.token, proof: forged });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: 'ProofInvalid', message: expect.stringContaining('signature') });
    });

    it('refuses a replayed request (same jti)', async () => {
      const proof = await createDpopProof(bob.device.privateKey, bob.device.jwk, { method: 'GET', url: 'http://localhost/api/v1/sync/pull', token: bob.token });
      expectOk(await pull(bob.device, { token: bob.token, proof }), 200);
      const replay = await pull(bob.device, { token: bob.token, proof });
      expect(replay.status).toBe(401);
      expect(replay.json).toEqual({ error: 'ProofInvalid', message: expect.stringContaining('jti') });
    });

    it.each([
      ['stale iat', { now: Date.now() - 5 * 60_000 }, 'iat'],
      ['future iat', { now: Date.now() + 5 * 60_000 }, 'iat'],
      ['wrong htu', { url: 'http://localhost/api/v1/sync/push' }, 'htu'],
      ['wrong htm', { method: 'POST' }, 'htm'],
      ['wrong ath', { token: 'x'.repeat(43) }, 'ath'],
      ['no ath', { token: undefined }, 'ath'],
      ['wrong bh', { body: '{"a":1}' }, 'bh'],
    ] as const)('refuses a proof with %s', async (_name, sign, check) => {
      const res = await pull(bob.device, { token: bob.token, sign });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: 'ProofInvalid', message: expect.stringContaining(check) });
    });

    it('binds the body: the same proof over another body is refused', async () => {
      const body = JSON.stringify({ changes: [] });
      const res = await bob.device.inject(s.app, 'POST', '/sync/push', { token: bob.token, body: { changes: [1] }, sign: { body } });
      expect(res.status).toBe(401);
      expect(res.json.message).toContain('bh');
    });

    it('refuses garbage proofs and tokens', async () => {
      for (const proof of ['x', 'a.b.c', 'e30.e30.e30']) {
        const res = await pull(bob.device, { token: bob.token, proof });
        expect(res.status).toBe(401);
        expect(res.json.error).toBe('ProofInvalid');
      }
      const bad = await pull(bob.device, { token: 'A'.repeat(43) });
      expect(bad.status).toBe(401);
      expect(bad.json.error).toBe('Unauthorized');
    });

    it('records the device’s server contact time', async () => {
      const before = Date.now();
      expectOk(await pull(bob.device, { token: bob.token }), 200);
      const dev = await s.app.services.dbh.db.selectFrom('devices').select(['last_seen_at', 'last_sync_at']).where('id', '=', bob.session.deviceId).executeTakeFirstOrThrow();
      expect(Number(dev.last_seen_at)).toBeGreaterThanOrEqual(before);
      expect(Number(dev.last_sync_at)).toBeGreaterThanOrEqual(before);
    });
  });

  it('checks the htu origin when PUBLIC_URL is set', async () => {
    const pub = await startTestServer(kind, { publicUrl: 'https://vault.example.org' });
    try {
      const u = await enrollUser(pub.app, 'carol', 'https://vault.example.org');
      const wrongOrigin = await u.device.inject(pub.app, 'GET', '/sync/pull', { token: u.token });
      expect(wrongOrigin.status).toBe(401);
      expect(wrongOrigin.json.message).toContain('htu');
      const right = await u.device.inject(pub.app, 'GET', '/sync/pull', { token: u.token, origin: 'https://vault.example.org' });
      expectOk(right, 200);
    } finally {
      await pub.close();
    }
  });
});
