import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';

// Pretend a later release raised the default cost above what accounts were made with.
vi.mock('../../workers/vault/crypto/password-kdf', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../workers/vault/crypto/password-kdf')>()),
  KDF_DEFAULT_ITERATIONS: 700_000,
}));

const { freshDb } = await import('./helpers/vault-fixtures');
const { accountKey, createAccount, unlockAccount } = await import('../../workers/vault/keys/account');

describe('KDF upgrade', () => {
  it('re-wraps the account under the raised default at the next login', async () => {
    const db = freshDb();
    const created = await createAccount(db, 'ivy', 'correct horse battery', 600_000);
    const key = await accountKey('ivy');
    const before = (await db.accounts.get(key))!;
    expect(before.kdf.iterations).toBe(600_000);
    await unlockAccount(db, 'ivy', 'correct horse battery');
    const after = (await db.accounts.get(key))!;
    expect(after.kdf.iterations).toBe(700_000);
    expect(after.kdf.salt).not.toBe(before.kdf.salt);
    const again = await unlockAccount(db, 'ivy', 'correct horse battery');
    expect(again.ecdh.kid).toBe(created.ecdh.kid);
  });
});
