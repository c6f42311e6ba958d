import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openVaultDb } from '../../workers/common/db';
import { eraseAll, readWipeNotice, shred } from '../../workers/common/wipe';
import { Vault } from '../../workers/vault/vault';

const PW = 'correct horse battery';

describe('remote wipe', () => {
  it('the crypto-shred alone leaves nothing that opens; a wipe cut off after it is finished at the next start', async () => {
    const name = `wipe-${Math.random().toString(36).slice(2)}`;
    const v = new Vault({ dbName: name });
    await v.createAccount('wes', PW);
    await v.putRecord('contact', { name: 'Before the wipe' });
    await v.lock();
    const db = openVaultDb(name);
    expect(await db.pages.count()).toBeGreaterThan(0);

    // The service worker shredded the keys, then the tab died before the stores were deleted.
    await shred(db);
    expect(await db.accounts.count()).toBe(0);
    expect(await db.envelopes.count()).toBe(0);
    await expect(v.unlock('wes', PW)).rejects.toMatchObject({ code: 'WrongPassword' });
    db.close();
    v.close();

    // Next start: the vault finishes the wipe before anything else.
    const again = new Vault({ dbName: name });
    expect(await again.hasAccounts()).toBe(false);
    const after = openVaultDb(name);
    expect(await after.pages.count()).toBe(0);
    expect(await after.meta.get('wipe')).toBeUndefined();
    // What the setup screen will say: when, and that the cause is not known.
    expect(await readWipeNotice()).toMatchObject({ reason: 'Interrupted', at: expect.any(Number) });
    after.close();
    // And the device can be set up again.
    await again.createAccount('wes', PW);
    expect(await again.hasAccounts()).toBe(true);
    again.close();
  });

  it('a connection that never closes holds back neither the wipe nor the erasing of the data', async () => {
    const name = `wipe-held-${Math.random().toString(36).slice(2)}`;
    const v = new Vault({ dbName: name });
    await v.createAccount('wes', PW);
    await v.putRecord('contact', { name: 'Before the wipe' });
    v.close();
    // Opened without a versionchange handler, so it ignores the deletion request.
    const held = await new Promise<IDBDatabase>((resolve) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
    });
    const db = openVaultDb(name);
    await shred(db);
    await eraseAll(db, 'Command'); // returns although the deletion waits for `held`
    const counts = await Promise.all(
      ['pages', 'manifests', 'outbox', 'meta', 'serverSessions'].map(
        (store) =>
          new Promise<number>((resolve) => {
            const r = held.transaction(store).objectStore(store).count();
            r.onsuccess = () => resolve(r.result);
          }),
      ),
    );
    expect(counts).toEqual([0, 0, 0, 0, 0]);
    expect((await readWipeNotice())?.reason).toBe('Command');
    held.close(); // the browser now completes the deletion
    await expect.poll(async () => (await indexedDB.databases()).some((d) => d.name === name)).toBe(false);
  });
});
