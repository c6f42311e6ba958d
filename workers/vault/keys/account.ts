import { MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH } from '../../../src/domain/account-rules';
import { VaultError } from '../../../src/lib/errors';
import { constantTimeEqual, fromUtf8, randomBytes, toBase64, toHex, utf8 } from '../../../src/lib/bytes';
import { CredentialsProof } from '../../../src/protocol/unlock-codes';
import type { AccountRow, EnvelopeRow, PendingCredentials, VaultDb } from '../../common/db';
import { openEnvelope, sealEnvelope } from '../crypto/envelope';
import { keyId } from '../crypto/fingerprint';
import { deriveGroupKeys, type GroupKeys } from '../crypto/group-keys';
import type { Kek } from '../crypto/keys';
import {
  KDF_DEFAULT_ITERATIONS,
  KdfParams,
  deriveAuthKey,
  deriveKek,
  deriveMasterSecret,
  deriveVerifier,
  newKdfParams,
} from '../crypto/password-kdf';
import { open, seal } from '../crypto/aead';
import { rewrapPrivateKey, unwrapPrivateKey, wrapPrivateKey } from '../crypto/private-key-wrap';

/**
 * Local accounts (DESIGN §2, §8): password → KEK → account key pairs →
 * envelopes → group keys. Offline login is unwrapping; nothing here needs a
 * network. All returned keys are non-extractable.
 */
export interface UnlockedAccount {
  userId: string;
  username: string;
  personalGroup: string;
  ecdh: { privateKey: CryptoKey; publicKey: CryptoKey; spki: Uint8Array<ArrayBuffer>; kid: string };
  ecdsa: { privateKey: CryptoKey; publicKey: CryptoKey; spki: Uint8Array<ArrayBuffer>; kid: string };
  /** The KEK the stored private keys are wrapped under: kept while unlocked to wrap them under new unlock codes. */
  kek: Kek;
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ROW_VERSION = 1;


export function normalizeUsername(username: string): string {
  return username.normalize('NFC').trim().toLowerCase();
}

/** Accounts are stored under a hash of the username, so the name is not in the profile in clear. */
export async function accountKey(username: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(`fv1/account|${normalizeUsername(username)}`))));
}

export const keyAad = (userId: string, role: 'ecdh' | 'ecdsa') => utf8(`fv1/account-key|${userId}|${role}`);

export function checkCredentials(username: string, password: string): void {
  const u = normalizeUsername(username);
  if (u.length < 1 || u.length > MAX_USERNAME_LENGTH)
    throw new VaultError('InvalidArgument', `username must be 1 to ${MAX_USERNAME_LENGTH} characters`);
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new VaultError('InvalidArgument', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
}

async function importPublic(spki: Uint8Array<ArrayBuffer>, alg: typeof ECDH | typeof ECDSA): Promise<CryptoKey> {
  return crypto.subtle.importKey('spki', spki, alg, true, alg.name === 'ECDSA' ? ['verify'] : []);
}

export async function unwrapAccount(row: AccountRow, kek: Kek, username: string): Promise<UnlockedAccount> {
  const ecdhSpki = row.ecdhSpki as Uint8Array<ArrayBuffer>;
  const ecdsaSpki = row.ecdsaSpki as Uint8Array<ArrayBuffer>;
  const [ecdhPriv, ecdsaPriv, ecdhPub, ecdsaPub, ecdhKid, ecdsaKid] = await Promise.all([
    unwrapPrivateKey(kek, row.wrappedEcdh as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdh'), ECDH, ['deriveBits'], 'account encryption key'),
    unwrapPrivateKey(kek, row.wrappedEcdsa as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdsa'), ECDSA, ['sign'], 'account signing key'),
    importPublic(ecdhSpki, ECDH),
    importPublic(ecdsaSpki, ECDSA),
    keyId(ecdhSpki),
    keyId(ecdsaSpki),
  ]);
  return {
    userId: row.userId,
    username: normalizeUsername(username),
    personalGroup: row.personalGroup,
    ecdh: { privateKey: ecdhPriv, publicKey: ecdhPub, spki: ecdhSpki, kid: ecdhKid },
    ecdsa: { privateKey: ecdsaPriv, publicKey: ecdsaPub, spki: ecdsaSpki, kid: ecdsaKid },
    kek,
  };
}

/** A freshly generated account, not yet stored: enrollment registers it with the server first. */
export interface NewAccount {
  row: AccountRow;
  envelope: EnvelopeRow;
  kek: Kek;
  /** For the server's verifier (DESIGN §2); only enrollment sends it. */
  authKey: Uint8Array<ArrayBuffer>;
}

/**
 * Generates key pairs and a personal group whose data key is wrapped to the
 * account in an envelope. Pure key work: nothing is stored.
 */
export async function buildAccount(
  username: string,
  password: string,
  iterations = KDF_DEFAULT_ITERATIONS,
  userId: string = crypto.randomUUID(),
): Promise<NewAccount> {
  checkCredentials(username, password);
  const group = crypto.randomUUID();
  const kdf = newKdfParams(iterations);
  const master = await deriveMasterSecret(password, kdf);
  const [kek, verifier, authKey] = await Promise.all([deriveKek(master), deriveVerifier(master), deriveAuthKey(master)]);
  // Generated extractable only so the private halves can be wrapped once; the
  // session then uses non-extractable copies unwrapped from storage.
  const [ecdh, ecdsa] = await Promise.all([
    crypto.subtle.generateKey(ECDH, true, ['deriveBits']),
    crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']),
  ]);
  const ecdhSpki = new Uint8Array(await crypto.subtle.exportKey('spki', ecdh.publicKey));
  const ecdsaSpki = new Uint8Array(await crypto.subtle.exportKey('spki', ecdsa.publicKey));
  const row: AccountRow = {
    key: await accountKey(username),
    v: ROW_VERSION,
    userId,
    kdf,
    verifier,
    wrappedEcdh: await wrapPrivateKey(kek, ecdh.privateKey, keyAad(userId, 'ecdh')),
    wrappedEcdsa: await wrapPrivateKey(kek, ecdsa.privateKey, keyAad(userId, 'ecdsa')),
    ecdhSpki,
    ecdsaSpki,
    personalGroup: group,
    failedAttempts: 0,
  };
  const gdk = randomBytes(32);
  const envelope = await sealEnvelope(gdk, group, 1, { publicKey: ecdh.publicKey, spki: ecdhSpki }, {
    privateKey: ecdsa.privateKey,
    kid: await keyId(ecdsaSpki),
  });
  gdk.fill(0);
  return { row, envelope: { group, epoch: 1, kid: envelope.kid, envelope }, kek, authKey };
}

/** Stores an account with its groups and envelopes in one strict transaction. Throws AccountExists. */
export async function storeAccount(db: VaultDb, row: AccountRow, envelopes: EnvelopeRow[]): Promise<void> {
  await db.transaction('rw', db.accounts, db.groups, db.envelopes, async () => {
    if (await db.accounts.get(row.key)) throw new VaultError('AccountExists');
    await db.accounts.add(row);
    for (const e of envelopes) {
      const g = await db.groups.get(e.group);
      if (!g) await db.groups.add({ id: e.group, epoch: e.epoch, owner: row.userId });
      else if (g.epoch < e.epoch) await db.groups.update(e.group, { epoch: e.epoch });
      await db.envelopes.put(e);
    }
  });
}

/** Creates a local account (no server) and returns it unlocked. */
export async function createAccount(
  db: VaultDb,
  username: string,
  password: string,
  iterations = KDF_DEFAULT_ITERATIONS,
): Promise<UnlockedAccount> {
  checkCredentials(username, password);
  if (await db.accounts.get(await accountKey(username))) throw new VaultError('AccountExists');
  const a = await buildAccount(username, password, iterations);
  await storeAccount(db, a.row, [a.envelope]);
  return unwrapAccount(a.row, a.kek, username);
}

/**
 * Offline login. The failed-attempt counter is raised in a committed
 * transaction *before* the password is tried, so killing the tab mid-try
 * cannot reset it; success resets it. KDF parameters under the current
 * default are raised transparently.
 */
export async function unlockAccount(db: VaultDb, username: string, password: string): Promise<UnlockedAccount> {
  const key = await accountKey(username);
  const row = await db.accounts.get(key);
  if (!row) {
    // Same work and same answer as a wrong password: no local user enumeration.
    await deriveMasterSecret(password, newKdfParams()).catch(() => undefined);
    throw new VaultError('WrongPassword');
  }
  if (row.v !== ROW_VERSION) throw new VaultError('UnsupportedVersion', `account v${String(row.v)}`);
  const params = KdfParams.safeParse(row.kdf);
  if (!params.success) throw new VaultError('Tampered', 'account key settings');

  await db.accounts.where('key').equals(key).modify((r) => {
    r.failedAttempts = (r.failedAttempts ?? 0) + 1;
  });
  const master = await deriveMasterSecret(password, params.data);
  if (!constantTimeEqual(await deriveVerifier(master), row.verifier)) throw new VaultError('WrongPassword');
  const kek = await deriveKek(master);
  const account = await unwrapAccount(row, kek, username);

  const upgrade = params.data.iterations < KDF_DEFAULT_ITERATIONS ? await rewrapRow(row, kek, password, await deriveAuthKey(master)) : undefined;
  await db.accounts.where('key').equals(key).modify((r) => {
    r.failedAttempts = 0;
    if (upgrade) Object.assign(r, upgrade.fields);
  });
  return upgrade ? { ...account, kek: upgrade.kek } : account;
}

/** Failed unlock attempts recorded for a username (0 if unknown). */
export async function failedAttempts(db: VaultDb, username: string): Promise<number> {
  return (await db.accounts.get(await accountKey(username)))?.failedAttempts ?? 0;
}

type WrappedFields = Pick<AccountRow, 'kdf' | 'verifier' | 'wrappedEcdh' | 'wrappedEcdsa' | 'pendingCredentials'>;

/** What a new password gives: KDF parameters, verifier, KEK and the auth key the server will check. */
export async function newPasswordKeys(password: string) {
  const kdf = newKdfParams(KDF_DEFAULT_ITERATIONS);
  const master = await deriveMasterSecret(password, kdf);
  const [kek, verifier, authKey] = await Promise.all([deriveKek(master), deriveVerifier(master), deriveAuthKey(master)]);
  return { kdf, kek, verifier, authKey };
}

const pendingAad = (userId: string, what: 'auth' | 'proof') => utf8(`fv1/pending-${what}|${userId}`);

/**
 * Marks new credentials for the server (account-sync.ts sends them), sealed
 * under the new KEK. The proof stays that of the first change the server
 * has not heard of yet, since it knows only what came before that one; it
 * is carried over when `oldKek` can open it, and replaced by `proof` when it
 * cannot (a reset with a code, the password being forgotten).
 */
export async function pendingCredentials(row: AccountRow, oldKek: Kek | null, kek: Kek, authKey: Uint8Array<ArrayBuffer>, proof: CredentialsProof): Promise<PendingCredentials> {
  let keep = proof;
  if (row.pendingCredentials && oldKek) keep = (await openPendingCredentials(oldKek, row)).proof;
  return {
    sealedAuthKey: await seal(kek, authKey, pendingAad(row.userId, 'auth')),
    sealedProof: await seal(kek, utf8(JSON.stringify(keep)), pendingAad(row.userId, 'proof')),
  };
}

export async function openPendingCredentials(kek: Kek, row: AccountRow): Promise<{ authKey: Uint8Array<ArrayBuffer>; proof: CredentialsProof }> {
  const p = row.pendingCredentials!;
  const [authKey, proof] = await Promise.all([
    open(kek, p.sealedAuthKey as Uint8Array<ArrayBuffer>, pendingAad(row.userId, 'auth'), 'pending credentials'),
    open(kek, p.sealedProof as Uint8Array<ArrayBuffer>, pendingAad(row.userId, 'proof'), 'pending credentials'),
  ]);
  return { authKey, proof: CredentialsProof.parse(JSON.parse(fromUtf8(proof))) };
}

/** Moves the private keys from `oldKek` to a new password's KEK; the server hears of it at the next sync, proven with `oldAuthKey`. */
async function rewrapRow(row: AccountRow, oldKek: Kek, newPassword: string, oldAuthKey: Uint8Array<ArrayBuffer>): Promise<{ fields: WrappedFields; kek: Kek }> {
  const { kdf, kek, verifier, authKey } = await newPasswordKeys(newPassword);
  return {
    kek,
    fields: {
      kdf,
      verifier,
      wrappedEcdh: await rewrapPrivateKey(oldKek, kek, row.wrappedEcdh as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdh'), 'account encryption key'),
      wrappedEcdsa: await rewrapPrivateKey(oldKek, kek, row.wrappedEcdsa as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdsa'), 'account signing key'),
      pendingCredentials: await pendingCredentials(row, oldKek, kek, authKey, { oldAuthKey: toBase64(oldAuthKey) }),
    },
  };
}

/**
 * Re-wraps the account keys under a new password after checking the old one
 * (counted like a login). Returns the new KEK for the open session.
 */
export async function changePassword(db: VaultDb, username: string, oldPassword: string, newPassword: string): Promise<Kek> {
  checkCredentials(username, newPassword);
  const key = await accountKey(username);
  const row = await db.accounts.get(key);
  if (!row) throw new VaultError('WrongPassword');
  await db.accounts.where('key').equals(key).modify((r) => {
    r.failedAttempts = (r.failedAttempts ?? 0) + 1;
  });
  const master = await deriveMasterSecret(oldPassword, KdfParams.parse(row.kdf));
  if (!constantTimeEqual(await deriveVerifier(master), row.verifier)) throw new VaultError('WrongPassword');
  const { fields, kek } = await rewrapRow(row, await deriveKek(master), newPassword, await deriveAuthKey(master));
  await db.accounts.where('key').equals(key).modify((r) => {
    Object.assign(r, fields);
    r.failedAttempts = 0;
  });
  return kek;
}

export type OpenedGroups = Map<string, { current: number; epochs: Map<number, GroupKeys> }>;

/**
 * Group keys by epoch for every group this account has an envelope for.
 * Each envelope is verified before use: one this account signed (its
 * personal group, or a new epoch it started) with its own key; any other
 * with the key the server's directory gave for its signer, who must be the
 * group's owner. An envelope that fails is skipped, so one bad envelope does
 * not lock the user out of everything else (account-sync.ts refuses bad
 * ones on arrival and says so; this is the second line).
 */
export async function openGroups(db: VaultDb, account: UnlockedAccount): Promise<OpenedGroups> {
  const rows: EnvelopeRow[] = await db.envelopes.where('kid').equals(account.ecdh.kid).toArray();
  const groups: OpenedGroups = new Map();
  const opener = { privateKey: account.ecdh.privateKey, spki: account.ecdh.spki };
  for (const row of rows) {
    const groupRow = await db.groups.get(row.group);
    let keys: GroupKeys;
    try {
      const gdk = await openEnvelope(row.envelope, opener, await signerKey(row, account, groupRow?.owner));
      keys = await deriveGroupKeys(gdk, row.group, row.epoch);
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      continue;
    }
    const entry = groups.get(row.group) ?? { current: 0, epochs: new Map() };
    entry.epochs.set(row.epoch, keys);
    // Writes use the newest epoch this account holds a key for: the group row (shared by every
    // account on the device) may already name a newer one whose envelope has not arrived here.
    entry.current = Math.max(entry.current, Math.min(row.epoch, groupRow?.epoch ?? row.epoch));
    groups.set(row.group, entry);
  }
  return groups;
}

/** The public key an envelope must be signed with (see openGroups). Tampered if none is acceptable. */
export async function signerKey(row: EnvelopeRow, account: UnlockedAccount, owner: string | undefined): Promise<CryptoKey> {
  const by = (row.envelope as { by?: unknown } | null)?.by;
  if (by === account.ecdsa.kid) return account.ecdsa.publicKey;
  const s = row.signer;
  if (!s || s.userId !== owner || by !== (await keyId(s.ecdsaSpki as Uint8Array<ArrayBuffer>)))
    throw new VaultError('Tampered', `envelope ${row.group}/${row.epoch} is not signed by the group's owner`);
  return importPublic(s.ecdsaSpki as Uint8Array<ArrayBuffer>, ECDSA);
}
