import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { freshDb } from './helpers/vault-fixtures';
import { accountKey, changePassword, createAccount, failedAttempts, openGroups, openPendingCredentials, unlockAccount } from '../../workers/vault/keys/account';
import { deriveAuthKey, deriveMasterSecret } from '../../workers/vault/crypto/password-kdf';
import { parseCode, resetWithCode, slotFor } from '../../workers/vault/keys/unlock-codes';
import type { VaultDb } from '../../workers/common/db';

const PW = 'correct horse battery';
const NEW_PW = 'a brand new passphrase';
const CODE = 'ABCD0EFGH1JKMN2PQRS3TVWX4YZ5';
const OTHER = 'ZZZZ9YYYY8XXXX7WWWW6VVVV5TT4';

/** An account whose device was handed two codes (as account-sync.ts does it). */
async function withSlots(db: VaultDb, username: string) {
  const a = await createAccount(db, username, PW);
  const key = await accountKey(username);
  const row = (await db.accounts.get(key))!;
  const slots = [await slotFor(row, a.kek, 'code-1', CODE), await slotFor(row, a.kek, 'code-2', OTHER)];
  await db.accounts.update(key, { codeSlots: slots });
  return { a, key };
}

describe('unlock codes on the device', () => {
  it('accepts a code typed with spaces, dashes, lower case and look-alikes; refuses what cannot be a code', () => {
    expect(parseCode('abcd-0efg h1jk mn2p-qrs3 tvwx-4yz5')).toBe(CODE);
    expect(parseCode('ABCDOEFGHIJKMN2PQRS3TVWX4YZ5')).toBe('ABCD0EFGH1JKMN2PQRS3TVWX4YZ5');
    expect(() => parseCode('ABCD-EFGH')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => parseCode('ABCDUEFGH1JKMN2PQRS3TVWX4YZ5')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });

  it('a code opens the keys offline and sets a new password; the old password and the spent code stop working', async () => {
    const db = freshDb();
    const { a, key } = await withSlots(db, 'dora');
    const reset = await resetWithCode(db, 'dora', 'abcd 0efg h1jk mn2p qrs3 tvwx 4yz5', NEW_PW);
    expect(reset.userId).toBe(a.userId);
    // Same account keys: the personal group still opens.
    expect([...(await openGroups(db, reset)).keys()]).toEqual([a.personalGroup]);
    await expect(unlockAccount(db, 'dora', PW)).rejects.toMatchObject({ code: 'WrongPassword' });
    expect((await unlockAccount(db, 'dora', NEW_PW)).userId).toBe(a.userId);

    const row = (await db.accounts.get(key))!;
    expect(row.codeSlots!.map((s) => s.id)).toEqual(['code-2']);
    // Waiting for the server, sealed under the new KEK: the new password's auth key, proven with the code.
    const pending = await openPendingCredentials(reset.kek, row);
    expect(pending.authKey).toEqual(await deriveAuthKey(await deriveMasterSecret(NEW_PW, row.kdf)));
    expect(pending.proof).toEqual({ code: CODE });

    await expect(resetWithCode(db, 'dora', CODE, 'yet another password')).rejects.toMatchObject({ code: 'WrongCode' });
    // The other code still works, and a second use adds to the codes to report.
    const again = await resetWithCode(db, 'dora', OTHER, 'yet another password');
    expect((await openPendingCredentials(again.kek, (await db.accounts.get(key))!)).proof).toEqual({ code: OTHER });
  });

  it('a wrong code is refused and counted like a wrong password; nothing changes', async () => {
    const db = freshDb();
    const { key } = await withSlots(db, 'emil');
    const before = (await db.accounts.get(key))!;
    await expect(resetWithCode(db, 'emil', 'Q'.repeat(28), NEW_PW)).rejects.toMatchObject({ code: 'WrongCode' });
    await expect(resetWithCode(db, 'nobody', CODE, NEW_PW)).rejects.toMatchObject({ code: 'WrongCode' });
    expect(await failedAttempts(db, 'emil')).toBe(1);
    const after = (await db.accounts.get(key))!;
    expect(after.wrappedEcdh).toEqual(before.wrappedEcdh);
    expect(after.codeSlots).toHaveLength(2);
    expect((await unlockAccount(db, 'emil', PW)).username).toBe('emil');
  });

  it('a slot with a flipped byte does not open; the code is refused and the password still works', async () => {
    const db = freshDb();
    const { key } = await withSlots(db, 'fay');
    const row = (await db.accounts.get(key))!;
    const slots = row.codeSlots!.map((s) => ({ ...s, wrappedEcdh: new Uint8Array(s.wrappedEcdh) }));
    slots[0]!.wrappedEcdh[20]! ^= 1;
    await db.accounts.update(key, { codeSlots: slots });
    await expect(resetWithCode(db, 'fay', CODE, NEW_PW)).rejects.toMatchObject({ code: 'WrongCode' });
    expect((await unlockAccount(db, 'fay', PW)).username).toBe('fay');
  });

  it('a password change keeps the code slots valid and queues the new credentials, proven with the old auth key', async () => {
    const db = freshDb();
    const { a, key } = await withSlots(db, 'gus');
    const oldAuthKey = await deriveAuthKey(await deriveMasterSecret(PW, (await db.accounts.get(key))!.kdf));
    const kek = await changePassword(db, 'gus', PW, NEW_PW);
    const row = (await db.accounts.get(key))!;
    const pending = await openPendingCredentials(kek, row);
    expect(pending.authKey).toEqual(await deriveAuthKey(await deriveMasterSecret(NEW_PW, row.kdf)));
    expect(pending.proof).toEqual({ oldAuthKey: Buffer.from(oldAuthKey).toString('base64') });
    // A second change before the server heard of the first keeps the first one's proof: the server knows only that key.
    const kek2 = await changePassword(db, 'gus', NEW_PW, 'a third password!');
    expect((await openPendingCredentials(kek2, (await db.accounts.get(key))!)).proof).toEqual(pending.proof);
    expect((await resetWithCode(db, 'gus', OTHER, PW)).userId).toBe(a.userId);
  });
});
