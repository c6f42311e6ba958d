import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { freshDb } from './helpers/vault-fixtures';
import { accountKey, changePassword, createAccount, failedAttempts, openGroups, unlockAccount } from '../../workers/vault/keys/account';
import { KDF_DEFAULT_ITERATIONS } from '../../workers/vault/crypto/password-kdf';
import { fromBase64 } from '../../src/lib/bytes';

const PW = 'correct horse battery';

describe('local accounts', () => {
  it('creates, then unlocks offline with the password; keys are non-extractable', async () => {
    const db = freshDb();
    const created = await createAccount(db, 'Alice', PW);
    const a = await unlockAccount(db, 'alice ', PW);
    expect(a.userId).toBe(created.userId);
    expect(a.ecdh.privateKey.extractable).toBe(false);
    expect(a.ecdsa.privateKey.extractable).toBe(false);
    const groups = await openGroups(db, a);
    expect([...groups.keys()]).toEqual([a.personalGroup]);
    const keys = groups.get(a.personalGroup)!.epochs.get(1)!;
    expect(keys.page.extractable).toBe(false);
    const row = (await db.accounts.toArray())[0]!;
    expect(row.kdf.iterations).toBe(KDF_DEFAULT_ITERATIONS);
    expect(JSON.stringify(row)).not.toContain('alice');
  });

  it('rejects a wrong password with WrongPassword and counts it before trying', async () => {
    const db = freshDb();
    await createAccount(db, 'bob', PW);
    await expect(unlockAccount(db, 'bob', 'wrong password!')).rejects.toMatchObject({ code: 'WrongPassword' });
    await expect(unlockAccount(db, 'bob', 'wrong again!!')).rejects.toMatchObject({ code: 'WrongPassword' });
    expect(await failedAttempts(db, 'bob')).toBe(2);
    // The counter is committed before the KDF runs: observe it mid-attempt.
    const pending = unlockAccount(db, 'bob', PW);
    await new Promise((r) => setTimeout(r, 50));
    expect(await failedAttempts(db, 'bob')).toBe(3);
    await pending;
    expect(await failedAttempts(db, 'bob')).toBe(0);
  });

  it('answers an unknown username exactly like a wrong password', async () => {
    const db = freshDb();
    await expect(unlockAccount(db, 'nobody', PW)).rejects.toMatchObject({ code: 'WrongPassword' });
  });

  it('refuses a duplicate username and a short password', async () => {
    const db = freshDb();
    await createAccount(db, 'carol', PW);
    await expect(createAccount(db, 'Carol', PW)).rejects.toMatchObject({ code: 'AccountExists' });
    await expect(createAccount(db, 'dave', 'short')).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('reports damaged key material as Tampered, not as a wrong password', async () => {
    const db = freshDb();
    await createAccount(db, 'erin', PW);
    const key = await accountKey('erin');
    const row = (await db.accounts.get(key))!;
    row.wrappedEcdsa[20]! ^= 1;
    await db.accounts.put(row);
    await expect(unlockAccount(db, 'erin', PW)).rejects.toMatchObject({ code: 'Tampered', detail: 'account signing key' });
  });

  it('refuses KDF parameters below the floor (no downgrade)', async () => {
    const db = freshDb();
    await createAccount(db, 'frank', PW);
    const key = await accountKey('frank');
    await db.accounts.update(key, { 'kdf.iterations': 1000 });
    await expect(unlockAccount(db, 'frank', PW)).rejects.toMatchObject({ code: 'KdfTooWeak' });
  });

  it('changes the password: the old one stops working, data keys stay the same', async () => {
    const db = freshDb();
    const a = await createAccount(db, 'hank', PW);
    const before = (await db.accounts.get(await accountKey('hank')))!;
    await expect(changePassword(db, 'hank', 'not the password', 'new password 123')).rejects.toMatchObject({ code: 'WrongPassword' });
    await changePassword(db, 'hank', PW, 'new password 123');
    await expect(unlockAccount(db, 'hank', PW)).rejects.toMatchObject({ code: 'WrongPassword' });
    const b = await unlockAccount(db, 'hank', 'new password 123');
    expect(b.ecdh.kid).toBe(a.ecdh.kid);
    const after = (await db.accounts.get(await accountKey('hank')))!;
    expect(fromBase64(after.kdf.salt)).not.toEqual(fromBase64(before.kdf.salt));
    expect((await openGroups(db, b)).has(b.personalGroup)).toBe(true);
  });
});
