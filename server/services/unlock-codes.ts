import { createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import type { z } from 'zod';
import type { KeyBundle } from '../../src/protocol/auth';
import {
  CREDENTIALS_MAX_AGE_MS,
  UNLOCK_CODES_PER_USER,
  UNLOCK_CODE_CHARS,
  credentialsSignedText,
  groupUnlockCode,
  type CodeLoginRequest,
  type CodeLoginResponse,
  type CodeWrap,
  type CredentialsUpdate,
  type UnlockCodesAck,
  type UnlockCodesResponse,
} from '../../src/protocol/unlock-codes';
import type { ServerConfig } from '../config';
import type { DatabaseHandle } from '../db/database';
import { writeAudit } from '../db/repositories/audit';
import { envelopesFor } from '../db/repositories/envelopes';
import { deleteOtherSessions, openSession } from '../db/repositories/sessions';
import {
  activeCodes,
  findActiveCodeByHash,
  handedTo,
  insertCodes,
  markRevealed,
  recordHandoffs,
  setWrapIfMissing,
  spendCodes,
  type UnlockCodeRow,
} from '../db/repositories/unlock-codes';
import { findUserById, findUserByUsername, type UserRow } from '../db/repositories/users';
import { ApiHttpError, MESSAGES, badRequest, conflict, forbidden, notFound, unauthorized } from '../errors';
import type { Actor } from './admin';
import { CROCKFORD, hmac, seal, sha256Hex, slowHash, unseal, verifySlowHash } from './secrets';
import type { DeviceAuth } from './sync';

/**
 * Unlock codes (DESIGN §8), the deliberate escrow for forgotten passwords.
 * The server makes UNLOCK_CODES_PER_USER codes per user and keeps each
 * twice: hashed (to recognize it online) and encrypted under a key derived
 * from the server secret (so support can reveal it). Each device is handed
 * each code once and wraps the account keys under it; support reveals one
 * code (audited); a used code is spent and replaced at the next sync.
 */

export function newUnlockCode(): string {
  let out = '';
  // 256 is a multiple of 32, so the low 5 bits of a byte are uniform.
  for (const b of randomBytes(UNLOCK_CODE_CHARS)) out += CROCKFORD[b & 31];
  return out;
}

export class UnlockCodeService {
  private readonly codeKey: Buffer;

  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly config: ServerConfig,
    secret: Buffer,
    private readonly policyKey: string,
  ) {
    this.codeKey = hmac(secret, 'unlock-code-key', '');
  }

  /**
   * The codes this device has not been handed yet (topping the user up to
   * the full set first), and the ids of every code still valid, so the
   * device can drop what it holds for spent ones.
   */
  async forDevice(device: DeviceAuth, now = Date.now()): Promise<UnlockCodesResponse> {
    const active = await this.topUp(device.userId, now);
    const handed = await handedTo(this.dbh.db, device.deviceId, active.map((c) => c.id));
    return {
      fresh: active.filter((c) => !handed.has(c.id)).map((c) => ({ id: c.id, code: this.decrypt(c) })),
      active: active.map((c) => c.id),
    };
  }

  /** The device wrapped its keys under these codes: never hand them to it again; keep the first wrap of each. */
  async ack(device: DeviceAuth, body: UnlockCodesAck, now = Date.now()): Promise<void> {
    const mine = new Set((await activeCodes(this.dbh.db, device.userId)).map((c) => c.id));
    const codes = body.codes.filter((c) => mine.has(c.id));
    await this.dbh.db.transaction().execute(async (trx) => {
      await recordHandoffs(trx, device.deviceId, codes.map((c) => c.id), now);
      for (const c of codes) await setWrapIfMissing(trx, device.userId, c.id, JSON.stringify(c.wrap));
    });
  }

  /**
   * Support reveals one code of a user: the oldest one a device has wrapped
   * its keys under (so it works offline on the user's devices and online on
   * a new one). Audited with who, when and why.
   */
  async reveal(userId: string, reason: string, actor: Actor, now = Date.now()): Promise<{ code: string; codeId: string; remaining: number }> {
    const user = await findUserById(this.dbh.db, userId);
    if (!user) throw notFound('That user');
    // Escrow is for field users: staff cannot open their own keys this way, and support cannot open staff's.
    if (user.id === actor.userId) throw forbidden('You cannot reveal your own unlock code; ask another admin.');
    if (actor.role === 'support' && user.role !== 'user') throw forbidden('Support can reveal codes of field users only.');
    if (!user.bundle) throw conflict('That user has not enrolled a device yet, so there is no unlock code to reveal.');
    const active = await activeCodes(this.dbh.db, userId);
    const usable = active.find((c) => c.wrap !== null);
    if (!usable) throw conflict('None of this user’s devices has received unlock codes yet. They arrive at a device’s next sync.');
    await this.dbh.db.transaction().execute(async (trx) => {
      await markRevealed(trx, usable.id, now);
      await writeAudit(trx, { actorUserId: actor.userId, actor: actor.name, action: 'unlock-code.reveal', target: user.username, ip: actor.ip ?? null, detail: { reason, codeId: usable.id } }, now);
    });
    return { code: groupUnlockCode(this.decrypt(usable)), codeId: usable.id, remaining: active.filter((c) => c.wrap !== null).length };
  }

  /**
   * A revealed code on a device that does not hold the account: opens a
   * session and hands back the keys wrapped under the code. The code is
   * spent when the device, with a new password set, updates the
   * credentials. Unknown user and wrong code get the same 401.
   */
  async codeLogin(req: z.infer<typeof CodeLoginRequest>, jkt: string, ip: string | null, now = Date.now()): Promise<CodeLoginResponse> {
    const row = await findActiveCodeByHash(this.dbh.db, sha256Hex(req.code));
    const user = row ? await findUserById(this.dbh.db, row.user_id) : undefined;
    if (!row || !row.wrap || !user || user.username !== req.username || !user.bundle || !user.ecdh_kid) throw unauthorized(MESSAGES.wrongCode);
    const ecdhKid = user.ecdh_kid;
    const { deviceId, token } = await this.dbh.db.transaction().execute(async (trx) => {
      await writeAudit(trx, { actorUserId: user.id, actor: user.username, action: 'unlock-code.login', target: user.username, ip, detail: { codeId: row.id } }, now);
      return openSession(trx, req.device, jkt, user.id, now);
    });
    return {
      userId: user.id,
      deviceId,
      token,
      bundle: JSON.parse(user.bundle) as KeyBundle,
      envelopes: await envelopesFor(this.dbh.db, user.id, ecdhKid),
      codeId: row.id,
      wrap: JSON.parse(row.wrap) as CodeWrap,
      policyKey: this.policyKey,
    };
  }

  /**
   * New auth key and key bundle after a password change or a used code,
   * signed by the account's signing key as registered at enrollment, with a
   * proof (CredentialsProof): the current auth key, or an active code of
   * this user, which is spent here, even when a newer update won meanwhile
   * (it was read out; it must not stay usable). The account keys cannot
   * change this way, and an update not newer than the last one is refused.
   */
  /** `jkt`: the key of the device sending the update; the user's sessions on every other device end with it. */
  async updateCredentials(req: CredentialsUpdate, ip: string | null, jkt: string, now = Date.now()): Promise<void> {
    const user = await findUserByUsername(this.dbh.db, req.username);
    if (!user?.bundle) throw unauthorized(MESSAGES.badSignature);
    const old = JSON.parse(user.bundle) as KeyBundle;
    if (!verifyAccountSignature(old.ecdsaSpki, credentialsSignedText(req), req.sig)) throw unauthorized(MESSAGES.badSignature);
    if (Math.abs(now - req.iat) > CREDENTIALS_MAX_AGE_MS) throw badRequest('body.iat: the update is too old or from the future; check the device clock.');
    const b = req.bundle;
    if (b.ecdhSpki !== old.ecdhSpki || b.ecdsaSpki !== old.ecdsaSpki || b.personalGroup !== old.personalGroup)
      throw badRequest('body.bundle: the account keys and personal group cannot change.');
    const authKey = Buffer.from(req.authKey, 'base64');
    if (authKey.length < 16 || authKey.length > 64) throw badRequest('body.authKey: expected 16 to 64 bytes');

    let codeId: string | null = null;
    if ('code' in req.proof) {
      const code = await findActiveCodeByHash(this.dbh.db, sha256Hex(req.proof.code));
      if (!code || code.user_id !== user.id) throw unauthorized(MESSAGES.wrongCode);
      codeId = code.id;
      await spendCodes(this.dbh.db, user.id, [code.id], now);
    } else if (!(await verifySlowHash(Buffer.from(req.proof.oldAuthKey, 'base64'), user.auth_hash, this.config.authKeyScrypt))) {
      throw unauthorized(MESSAGES.oldPassword);
    }
    const authHash = await slowHash(authKey, this.config.authKeyScrypt);
    await this.dbh.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('users')
        .set({ auth_hash: authHash, bundle: JSON.stringify(b), credentials_at: req.iat })
        .where('id', '=', user.id)
        // Replays and races: only an update newer than the last accepted one.
        .where((eb) => eb.or([eb('credentials_at', 'is', null), eb('credentials_at', '<', req.iat)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict('A newer credentials update was accepted already.');
      // A new password or a used code ends what the old one opened elsewhere: those devices sign in again with it.
      await deleteOtherSessions(trx, user.id, jkt);
      await writeAudit(trx, { actorUserId: user.id, actor: user.username, action: 'credentials.update', target: user.username, ip, detail: { codeId } }, now);
    });
    await this.topUp(user.id, now);
  }

  /** Active codes of a user, after making new ones up to the full set (codes are made only for enrolled users). */
  private async topUp(userId: string, now: number): Promise<UnlockCodeRow[]> {
    return this.dbh.db.transaction().execute(async (trx) => {
      // Two devices syncing at once must not both top up.
      await this.dbh.serialize(trx, 'unlock-codes');
      const active = await activeCodes(trx, userId);
      const user = await findUserById(trx, userId);
      if (!user?.bundle) return active;
      const rows = Array.from({ length: Math.max(0, UNLOCK_CODES_PER_USER - active.length) }, (_, i) => this.newRow(user, now + i));
      await insertCodes(trx, rows);
      return [...active, ...rows];
    });
  }

  private newRow(user: UserRow, now: number): UnlockCodeRow {
    const id = randomUUID();
    const code = newUnlockCode();
    return { id, user_id: user.id, code_hash: sha256Hex(code), code_enc: this.encrypt(id, user.id, code), wrap: null, created_at: now, revealed_at: null, spent_at: null };
  }

  private aad = (id: string, userId: string) => `fv1/unlock-code|${id}|${userId}`;

  private encrypt(id: string, userId: string, code: string): string {
    return seal(this.codeKey, this.aad(id, userId), code);
  }

  private decrypt(row: UnlockCodeRow): string {
    const code = unseal(this.codeKey, this.aad(row.id, row.user_id), row.code_enc);
    // The server secret changed (or the row was altered): the code cannot be revealed or handed out.
    if (code === null) throw new ApiHttpError(500, 'ServerError', 'An unlock code could not be decrypted; was the server secret changed?');
    return code;
  }
}

/** Checks an ECDSA P-256 SHA-256 signature (IEEE P1363, as WebCrypto makes them) against a base64 SPKI. */
export function verifyAccountSignature(spkiB64: string, text: string, sigB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(spkiB64, 'base64'), format: 'der', type: 'spki' });
    return verify('sha256', Buffer.from(text, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sigB64, 'base64'));
  } catch {
    return false;
  }
}
