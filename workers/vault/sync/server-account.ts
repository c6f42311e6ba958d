import { VaultError, isVaultError } from '../../../src/lib/errors';
import { constantTimeEqual, fromBase64, toBase64 } from '../../../src/lib/bytes';
import { EnrollBeginResponse, PreloginResponse, SessionResponse, type EnvelopeWire, type KeyBundle } from '../../../src/protocol/auth';
import { ApiClient } from '../../common/api-client';
import type { AccountRow, EnvelopeRow, VaultDb } from '../../common/db';
import { describeDevice, deviceKey } from '../../common/device-key';
import { CodeLoginResponse } from '../../../src/protocol/unlock-codes';
import { accountKey, buildAccount, checkCredentials, storeAccount, unwrapAccount, type UnlockedAccount } from '../keys/account';
import { Envelope } from '../crypto/envelope';
import { openSlot, parseCode, rekeyWithCode } from '../keys/unlock-codes';
import { KDF_DEFAULT_ITERATIONS, KdfParams, deriveAuthKey, deriveKek, deriveMasterSecret, deriveVerifier } from '../crypto/password-kdf';

/**
 * Accounts that live on the sync server too (DESIGN §7): enrollment with a
 * code from the admin, and online login on a new device. The password never
 * leaves this worker; the server gets the auth key and opaque wrapped keys.
 */
export interface ServerContext {
  db: VaultDb;
  /** The server's origin: the app is served by it, so this is the app's own origin. */
  origin: string;
  appVersion: string;
  /** Key id of the organisation recovery key this build pins (recovery-key.ts); unset = none. */
  recoveryKid?: string | undefined;
}

async function device(ctx: ServerContext) {
  const key = await deviceKey(ctx.db);
  return { api: new ApiClient(ctx.origin, key), info: { publicKey: key.jwk, ...describeDevice(ctx.appVersion) } };
}

/** Enrolls with a one-time code: creates the keys here, registers them, opens a session. */
export async function enroll(ctx: ServerContext, username: string, code: string, password: string): Promise<UnlockedAccount> {
  const { api, info } = await device(ctx);
  if (await ctx.db.accounts.get(await accountKey(username))) throw new VaultError('AccountExists');
  const { userId } = await api.json('/enroll/begin', EnrollBeginResponse, { body: { username, code } });
  const a = await buildAccount(username, password, KDF_DEFAULT_ITERATIONS, userId);
  const session = await api.json('/enroll/complete', SessionResponse, {
    body: { username, code, authKey: toBase64(a.authKey), bundle: toBundle(a.row), envelopes: [toWire(a.envelope)], device: info },
  });
  // Only after the server accepted: a failed enrollment leaves nothing behind and the code unspent.
  await storeAccount(ctx.db, a.row, [a.envelope]);
  await saveSession(ctx.db, session);
  return unwrapAccount(a.row, a.kek, username); // the KEK just derived: no second PBKDF2 run
}

/**
 * First login on a device that does not hold the account yet: derive the
 * auth key from the server's KDF parameters (refused under our floor),
 * prove it, download the key bundle and unwrap it here.
 */
export async function loginOnline(ctx: ServerContext, username: string, password: string): Promise<UnlockedAccount> {
  const { api, info } = await device(ctx);
  const key = await accountKey(username);
  if (await ctx.db.accounts.get(key)) throw new VaultError('AccountExists', 'log in with the password on this device');
  const { kdf } = await api.json('/auth/prelogin', PreloginResponse, { body: { username } });
  const master = await deriveMasterSecret(password, KdfParams.parse(kdf));
  const session = await api.json('/auth/login', SessionResponse, { body: { username, authKey: toBase64(await deriveAuthKey(master)), device: info } });
  const row = fromBundle(key, session.userId, session.bundle);
  // The server accepted the auth key, so the password is right: a verifier
  // that does not match means the bundle is not the one this password made.
  if (!constantTimeEqual(await deriveVerifier(master), row.verifier)) throw new VaultError('Tampered', 'key bundle from the server');
  await storeAccount(ctx.db, row, envelopeRows(session));
  await saveSession(ctx.db, session);
  return unwrapAccount(row, await deriveKek(master), username);
}

/**
 * A revealed unlock code on a device that does not hold the account yet:
 * the code opens a session and downloads the keys wrapped under it; they
 * move under `newPassword` here. The code is spent at the next account
 * sync, which also tells the server the new password's auth key.
 */
export async function codeLogin(ctx: ServerContext, username: string, typed: string, newPassword: string): Promise<UnlockedAccount> {
  checkCredentials(username, newPassword);
  const code = parseCode(typed);
  const { api, info } = await device(ctx);
  const key = await accountKey(username);
  let session: CodeLoginResponse;
  try {
    session = await api.json('/auth/code-login', CodeLoginResponse, { body: { username, code, device: info } });
  } catch (e) {
    throw isVaultError(e, 'WrongPassword') ? new VaultError('WrongCode') : e;
  }
  const base = fromBundle(key, session.userId, session.bundle);
  const slot = { id: session.codeId, salt: fromBase64(session.wrap.salt), wrappedEcdh: fromBase64(session.wrap.wrappedEcdh), wrappedEcdsa: fromBase64(session.wrap.wrappedEcdsa) };
  const { row, kek } = await rekeyWithCode(base, slot, await openSlot(base, slot, code), code, newPassword);
  await storeAccount(ctx.db, row, envelopeRows(session));
  await saveSession(ctx.db, session);
  return unwrapAccount(row, kek, username);
}

/** Envelopes of a session answer in storable form (malformed ones are skipped; opening them would fail anyway). */
function envelopeRows(session: SessionResponse): EnvelopeRow[] {
  return session.envelopes.flatMap((e) => {
    const env = Envelope.safeParse(e.envelope);
    return env.success ? [{ group: e.group, epoch: e.epoch, kid: e.kid, envelope: env.data }] : [];
  });
}

async function saveSession(db: VaultDb, s: SessionResponse): Promise<void> {
  const old = await db.serverSessions.get(s.userId);
  await db.serverSessions.put({
    userId: s.userId,
    deviceId: s.deviceId,
    token: s.token,
    groups: [...new Set([s.bundle.personalGroup, ...s.envelopes.map((e) => e.group)])],
    cursor: old?.cursor ?? 0,
    blobCursor: old?.blobCursor ?? 0,
    policyKey: s.policyKey,
    ...(old?.policy && old.policyKey === s.policyKey ? { policy: old.policy } : {}),
  });
}

export function toBundle(r: AccountRow): KeyBundle {
  return {
    v: 1,
    kdf: r.kdf,
    verifier: toBase64(r.verifier),
    wrappedEcdh: toBase64(r.wrappedEcdh),
    wrappedEcdsa: toBase64(r.wrappedEcdsa),
    ecdhSpki: toBase64(r.ecdhSpki),
    ecdsaSpki: toBase64(r.ecdsaSpki),
    personalGroup: r.personalGroup,
  };
}

function fromBundle(key: string, userId: string, b: KeyBundle): AccountRow {
  return {
    key,
    v: 1,
    userId,
    kdf: b.kdf,
    verifier: fromBase64(b.verifier),
    wrappedEcdh: fromBase64(b.wrappedEcdh),
    wrappedEcdsa: fromBase64(b.wrappedEcdsa),
    ecdhSpki: fromBase64(b.ecdhSpki),
    ecdsaSpki: fromBase64(b.ecdsaSpki),
    personalGroup: b.personalGroup,
    failedAttempts: 0,
  };
}

const toWire = (e: EnvelopeRow): EnvelopeWire => ({ group: e.group, epoch: e.epoch, kid: e.kid, envelope: e.envelope as Record<string, unknown> });
