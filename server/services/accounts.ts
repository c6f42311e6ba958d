import type { z } from 'zod';
import type { EnrollCompleteRequest, KeyBundle, LoginRequest, SessionResponse } from '../../src/protocol/auth';
import type { KdfParamsWire } from '../../src/protocol/common';
import type { ServerConfig } from '../config';
import type { DatabaseHandle } from '../db/database';
import { findUsableCode, spendCode } from '../db/repositories/enrollment-codes';
import { envelopesFor, insertEnvelopes } from '../db/repositories/envelopes';
import { openSession } from '../db/repositories/sessions';
import { findUserById, findUserByUsername, insertGroup, insertMembership, setEnrolled } from '../db/repositories/users';
import { MESSAGES, badRequest, conflict, enrollmentInvalid, unauthorized } from '../errors';
import { hmac, sha256Hex, slowHash, verifySlowHash } from './secrets';

/**
 * Accounts on the server (DESIGN §7): enrollment with a one-time code,
 * prelogin, and login by auth key. The server never sees a password: it
 * keeps a scrypt hash of the auth key the device derives from it, and the
 * key bundle and envelopes as opaque data.
 */
export const FAKE_KDF_ITERATIONS = 600_000;

export class AccountService {
  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly config: ServerConfig,
    private readonly secret: Buffer,
    /** Devices pin it from the session answer (services/policy-signer.ts). */
    private readonly policyKey: string,
  ) {}

  /**
   * KDF parameters for a username. Unknown (or not yet enrolled) usernames get
   * a fake that is stable per username (salt = HMAC(server secret, username))
   * and has the same shape, so prelogin does not reveal who has an account.
   */
  async prelogin(username: string): Promise<{ kdf: KdfParamsWire }> {
    const user = await findUserByUsername(this.dbh.db, username);
    if (user?.bundle) return { kdf: (JSON.parse(user.bundle) as KeyBundle).kdf };
    return { kdf: { alg: 'PBKDF2-SHA256', iterations: FAKE_KDF_ITERATIONS, salt: hmac(this.secret, 'prelogin-salt', username).subarray(0, 16).toString('base64') } };
  }

  /** Checks a code without spending it; says which user id to make keys for. Throws EnrollmentInvalid. */
  async enrollBegin(username: string, code: string, now = Date.now()): Promise<{ userId: string }> {
    return { userId: (await this.usableCode(username, code, now)).id };
  }

  /**
   * Spends the code and registers everything in one transaction: auth-key
   * hash, key bundle, personal group (owner), envelopes, device, session.
   * Nothing is stored if any part fails. `jkt` is the thumbprint of the key
   * that signed the request's proof (equal to body.device.publicKey).
   */
  async enrollComplete(req: z.infer<typeof EnrollCompleteRequest>, jkt: string, now = Date.now()): Promise<SessionResponse> {
    const user = await this.usableCode(req.username, req.code, now);
    req.envelopes.forEach((e, i) => {
      // At enrollment the only group is the personal one; envelopes for other groups come with their own flows.
      if (e.group !== req.bundle.personalGroup) throw badRequest(`body.envelopes.${i}.group: expected the bundle's personalGroup`);
    });
    const authKey = authKeyBytes(req.authKey);
    const ecdhSpki = Buffer.from(req.bundle.ecdhSpki, 'base64');
    if (ecdhSpki.length < 64) throw badRequest('body.bundle.ecdhSpki: expected a P-256 SPKI');
    const kid = sha256Hex(ecdhSpki);
    const authHash = await slowHash(authKey, this.config.authKeyScrypt);

    const { deviceId, token } = await this.dbh.db.transaction().execute(async (trx) => {
      if (!(await spendCode(trx, sha256Hex(req.code), user.id, now))) throw enrollmentInvalid();
      if (!(await setEnrolled(trx, user.id, { auth_hash: authHash, bundle: JSON.stringify(req.bundle), ecdh_kid: kid, enrolled_at: now }))) throw enrollmentInvalid();
      if (!(await insertGroup(trx, { id: req.bundle.personalGroup, owner_user_id: user.id, kind: 'personal', created_at: now })))
        throw conflict('That personal group id is taken; make a new one.');
      await insertMembership(trx, { group_id: req.bundle.personalGroup, user_id: user.id, role: 'owner', created_at: now });
      await insertEnvelopes(trx, req.envelopes, user.id, now);
      return openSession(trx, req.device, jkt, user.id, now);
    });
    return { userId: user.id, deviceId, token, bundle: req.bundle, envelopes: await envelopesFor(this.dbh.db, user.id, kid), policyKey: this.policyKey };
  }

  /**
   * Proves the auth key and opens a session for the device that signed the
   * request (registered on first use). An unknown user and a wrong key give
   * the same 401 after the same amount of scrypt work.
   */
  async login(req: z.infer<typeof LoginRequest>, jkt: string, now = Date.now()): Promise<SessionResponse> {
    const user = await findUserByUsername(this.dbh.db, req.username);
    const authKey = authKeyBytes(req.authKey);
    const ok = await verifySlowHash(authKey, user?.bundle ? user.auth_hash : null, this.config.authKeyScrypt);
    if (!ok || !user?.bundle || !user.ecdh_kid) throw unauthorized(MESSAGES.wrongLogin);
    const { deviceId, token } = await this.dbh.db.transaction().execute((trx) => openSession(trx, req.device, jkt, user.id, now));
    return { userId: user.id, deviceId, token, bundle: JSON.parse(user.bundle) as KeyBundle, envelopes: await envelopesFor(this.dbh.db, user.id, user.ecdh_kid), policyKey: this.policyKey };
  }

  private async usableCode(username: string, code: string, now: number) {
    const row = await findUsableCode(this.dbh.db, sha256Hex(code), now);
    const user = row ? await findUserById(this.dbh.db, row.user_id) : undefined;
    if (!user || user.username !== username || user.auth_hash !== null) throw enrollmentInvalid();
    return user;
  }
}

function authKeyBytes(b64: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length < 16 || key.length > 64) throw badRequest('body.authKey: expected 16 to 64 bytes');
  return key;
}
