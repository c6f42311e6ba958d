import { VaultError } from '../../../src/lib/errors';
import { randomBytes, utf8 } from '../../../src/lib/bytes';
import { UnlockCode } from '../../../src/protocol/unlock-codes';
import type { AccountRow, CodeSlot, VaultDb } from '../../common/db';
import { accountKey, checkCredentials, keyAad, newPasswordKeys, pendingCredentials, unwrapAccount, type UnlockedAccount } from './account';
import { hkdfAesKey, importHkdfBase } from '../crypto/hkdf';
import type { Kek } from '../crypto/keys';
import { open } from '../crypto/aead';
import { rewrapPrivateKey } from '../crypto/private-key-wrap';

/**
 * Unlock codes on the device (DESIGN §8). Each code the server hands over
 * becomes a slot: the account's private keys wrapped under a KEK derived
 * from the code, after which the code is forgotten. A code typed later opens
 * its slot, the keys move under a new password, and the slot is gone.
 *
 * Codes carry 140 random bits, so HKDF is the whole KDF: there is nothing
 * for a slow hash to protect, unlike a password.
 */

/** Normalizes a typed code (spaces, dashes, case, look-alikes); InvalidArgument if it cannot be one. */
export function parseCode(typed: string): string {
  const r = UnlockCode.safeParse(typed);
  if (!r.success) throw new VaultError('InvalidArgument', 'an unlock code has 28 letters and digits');
  return r.data;
}

export async function deriveCodeKek(code: string, salt: Uint8Array<ArrayBuffer>, userId: string): Promise<Kek> {
  return hkdfAesKey<'kek'>(await importHkdfBase(utf8(code)), salt, `fv1/unlock-kek|${userId}`, 'AES-GCM', ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);
}

/** Wraps the account's private keys (stored under `kek`) under one code. */
export async function slotFor(row: AccountRow, kek: Kek, id: string, code: string): Promise<CodeSlot> {
  const salt = randomBytes(16);
  const codeKek = await deriveCodeKek(code, salt, row.userId);
  const [wrappedEcdh, wrappedEcdsa] = await Promise.all([
    rewrapPrivateKey(kek, codeKek, row.wrappedEcdh as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdh'), 'account encryption key'),
    rewrapPrivateKey(kek, codeKek, row.wrappedEcdsa as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdsa'), 'account signing key'),
  ]);
  return { id, salt, wrappedEcdh, wrappedEcdsa };
}

/** The code's KEK if `code` opens `slot` (a cheap check: no password KDF runs for a wrong code); WrongCode otherwise. */
export async function openSlot(row: AccountRow, slot: CodeSlot, code: string): Promise<Kek> {
  const codeKek = await deriveCodeKek(code, slot.salt as Uint8Array<ArrayBuffer>, row.userId);
  try {
    (await open(codeKek, slot.wrappedEcdh as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdh'), 'unlock code slot')).fill(0);
  } catch {
    throw new VaultError('WrongCode');
  }
  return codeKek;
}

/**
 * Moves the keys of an opened slot under `newPassword`. The result replaces
 * the row's password fields and drops the slot; the code itself, sealed, is
 * what proves the change to the server at the next sync (which spends it).
 */
export async function rekeyWithCode(row: AccountRow, slot: CodeSlot, codeKek: Kek, code: string, newPassword: string): Promise<{ row: AccountRow; kek: Kek }> {
  const { kdf, kek, verifier, authKey } = await newPasswordKeys(newPassword);
  const [wrappedEcdh, wrappedEcdsa] = await Promise.all([
    rewrapPrivateKey(codeKek, kek, slot.wrappedEcdh as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdh'), 'account encryption key'),
    rewrapPrivateKey(codeKek, kek, slot.wrappedEcdsa as Uint8Array<ArrayBuffer>, keyAad(row.userId, 'ecdsa'), 'account signing key'),
  ]);
  return {
    kek,
    row: {
      ...row,
      kdf,
      verifier,
      wrappedEcdh,
      wrappedEcdsa,
      codeSlots: (row.codeSlots ?? []).filter((s) => s.id !== slot.id),
      pendingCredentials: await pendingCredentials(row, null, kek, authKey, { code }),
      failedAttempts: 0,
    },
  };
}

/**
 * A forgotten password, offline: the code typed (counted like a password
 * attempt, before trying) opens one of this device's slots, and the account
 * gets `newPassword`. Returns the unlocked account.
 */
export async function resetWithCode(db: VaultDb, username: string, typed: string, newPassword: string): Promise<UnlockedAccount> {
  checkCredentials(username, newPassword);
  const code = parseCode(typed);
  const key = await accountKey(username);
  const row = await db.accounts.get(key);
  if (!row) throw new VaultError('WrongCode');
  await db.accounts.where('key').equals(key).modify((r) => {
    r.failedAttempts = (r.failedAttempts ?? 0) + 1;
  });
  for (const slot of row.codeSlots ?? []) {
    const codeKek = await openSlot(row, slot, code).catch(() => null);
    if (!codeKek) continue;
    const next = await rekeyWithCode(row, slot, codeKek, code, newPassword);
    // modify, not put: another tab may have stored new code slots meanwhile.
    const { kdf, verifier, wrappedEcdh, wrappedEcdsa, pendingCredentials: pending } = next.row;
    await db.accounts.where('key').equals(key).modify((r) => {
      Object.assign(r, { kdf, verifier, wrappedEcdh, wrappedEcdsa, pendingCredentials: pending, failedAttempts: 0 });
      r.codeSlots = (r.codeSlots ?? []).filter((s) => s.id !== slot.id);
    });
    return unwrapAccount(next.row, next.kek, username);
  }
  throw new VaultError('WrongCode');
}
