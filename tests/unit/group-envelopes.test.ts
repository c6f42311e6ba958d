import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { accountKey, createAccount, openGroups, type UnlockedAccount } from '../../workers/vault/keys/account';
import { openVaultDb, type EnvelopeRow, type VaultDb } from '../../workers/common/db';
import { openEnvelopeBytes, sealEnvelope } from '../../workers/vault/crypto/envelope';
import { readHeader } from '../../workers/vault/storage/sealed-item';
import { Vault } from '../../workers/vault/vault';
import { enrolledOffline, freshDb } from './helpers/vault-fixtures';

/**
 * Group keys shared with a surrogate and rotated to a new epoch, at the
 * level of envelopes on one device (the server side is tests/server/groups,
 * the whole flow tests/e2e/surrogates).
 */
const PW = 'correct horse battery';

const opener = (a: UnlockedAccount) => ({ privateKey: a.ecdh.privateKey, spki: a.ecdh.spki });
const signer = (a: UnlockedAccount) => ({ privateKey: a.ecdsa.privateKey, kid: a.ecdsa.kid });

/** The owner's group key of `epoch`, wrapped to `to` and signed by `by` (the owner, unless a test says otherwise). */
async function shareWith(db: VaultDb, owner: UnlockedAccount, to: UnlockedAccount, by = owner): Promise<EnvelopeRow> {
  const own = (await db.envelopes.where('kid').equals(owner.ecdh.kid).toArray()).find((r) => r.group === owner.personalGroup)!;
  const gdk = await openEnvelopeBytes(own.envelope, opener(owner), owner.ecdsa.publicKey);
  const envelope = await sealEnvelope(gdk, owner.personalGroup, own.epoch, { publicKey: to.ecdh.publicKey, spki: to.ecdh.spki }, signer(by));
  gdk.fill(0);
  return { group: owner.personalGroup, epoch: own.epoch, kid: envelope.kid, envelope, signer: { userId: owner.userId, ecdsaSpki: by.ecdsa.spki } };
}

describe('group envelopes', () => {
  it('a surrogate opens the owner’s group from an envelope the owner signed; the group key is the same', async () => {
    const db = freshDb(); // one shared tablet, two accounts
    const alice = await createAccount(db, 'alice', PW);
    const bob = await createAccount(db, 'bob', PW);
    await db.envelopes.put(await shareWith(db, alice, bob));
    const groups = await openGroups(db, bob);
    expect([...groups.keys()].sort()).toEqual([alice.personalGroup, bob.personalGroup].sort());
    // Alice still sees only her own group: bob's envelope is addressed to bob.
    expect([...(await openGroups(db, alice)).keys()]).toEqual([alice.personalGroup]);
  });

  it('a tampered envelope, or one signed by someone other than the owner, opens nothing; the rest still opens', async () => {
    const db = freshDb();
    const alice = await createAccount(db, 'alice', PW);
    const bob = await createAccount(db, 'bob', PW);
    const mallory = await createAccount(db, 'mallory', PW);
    const good = await shareWith(db, alice, bob);
    const e = good.envelope as { wrapped: string };
    const flipped = { ...good, envelope: { ...e, wrapped: (e.wrapped[0] === 'A' ? 'B' : 'A') + e.wrapped.slice(1) } };
    await db.envelopes.put(flipped);
    expect([...(await openGroups(db, bob)).keys()]).toEqual([bob.personalGroup]);
    // Signed by mallory, filed under the owner's real key: the signature does not verify.
    await db.envelopes.put({ ...(await shareWith(db, alice, bob, mallory)), signer: { userId: alice.userId, ecdsaSpki: alice.ecdsa.spki } });
    expect([...(await openGroups(db, bob)).keys()]).toEqual([bob.personalGroup]);
    // Signed by mallory as herself: she is not the owner of alice's group.
    await db.envelopes.put({ ...(await shareWith(db, alice, bob, mallory)), signer: { userId: mallory.userId, ecdsaSpki: mallory.ecdsa.spki } });
    expect([...(await openGroups(db, bob)).keys()]).toEqual([bob.personalGroup]);
    await db.envelopes.put(good);
    expect((await openGroups(db, bob)).has(alice.personalGroup)).toBe(true);
  });
});

describe('epoch rotation', () => {
  const vaults: { v: Vault; db: VaultDb }[] = [];
  afterEach(() => vaults.splice(0).forEach(({ v, db }) => (v.close(), db.close())));

  it('after a new epoch, old records stay readable and new writes use the new key', async () => {
    const name = `rot-${Math.random().toString(36).slice(2)}`;
    const v = new Vault({ dbName: name });
    const db = openVaultDb(name);
    vaults.push({ v, db });
    const erin = await v.createAccount('erin', PW);
    await enrolledOffline(db, erin.userId, [erin.active]);
    const before = await v.putRecord('contact', { name: 'Written in epoch 1' });

    // What removing a surrogate does on the owner's device: a new key for epoch 2, wrapped to the owner.
    const row = (await db.accounts.get(await accountKey('erin')))!;
    const group = row.personalGroup;
    const raw = crypto.getRandomValues(new Uint8Array(32));
    await v.lock();
    await v.unlock('erin', PW);
    const account = (v as unknown as { current: { account: UnlockedAccount } }).current.account;
    const env = await sealEnvelope(raw, group, 2, { publicKey: account.ecdh.publicKey, spki: account.ecdh.spki }, signer(account));
    await db.envelopes.put({ group, epoch: 2, kid: env.kid, envelope: env });
    await db.groups.update(group, { epoch: 2 });
    await v.lock();
    await v.unlock('erin', PW);

    expect((await v.getRecord('contact', before.id)).values.name).toBe('Written in epoch 1');
    await v.putRecord('contact', { name: 'Written in epoch 2' });
    const epochs = new Set((await db.pages.toArray()).map((p) => readHeader(p.data, { partition: group, collection: 'contact', kind: 'page', n: p.page }).epoch));
    expect(epochs.has(2)).toBe(true);
    const outbox = await db.outbox.toArray();
    expect(outbox.at(-1)!.epoch).toBe(2);
    expect((await v.query({ type: 'contact' })).total).toBe(2);
  });
});
