import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/domain/policy';
import { openVaultDb, type VaultDb } from '../../workers/common/db';
import { recordContact } from '../../workers/common/policy-gate';
import { Vault } from '../../workers/vault/vault';

/**
 * The vault asks the policy engine at login and while a session is open,
 * using the signed copy of the policy the service worker stored. Signed here
 * with a test Ed25519 key, pinned in the session row as enrollment would.
 */
const PW = 'correct horse battery';
const open: { v: Vault; db: VaultDb }[] = [];
afterEach(() => open.splice(0).forEach(({ v, db }) => (v.close(), db.close())));

async function enrolledVault(policy: Policy, lastContact = Date.now()) {
  const name = `gate-${Math.random().toString(36).slice(2)}`;
  const v = new Vault({ dbName: name, appVersion: '0.1.0' });
  const db = openVaultDb(name);
  open.push({ v, db });
  const { userId } = await v.createAccount('pat', PW);
  await v.lock();
  const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const policyKey = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey)).toString('base64');
  const deviceId = crypto.randomUUID();
  const statement = JSON.stringify({ v: 1, deviceId, userId, issuedAt: Date.now(), policy });
  const sig = Buffer.from(await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, new TextEncoder().encode(statement))).toString('base64');
  await db.serverSessions.put({ userId, deviceId, token: 'x'.repeat(43), groups: [], cursor: 0, blobCursor: 0, policyKey, policy: { statement, sig } });
  await db.syncState.put({ key: 'status', lastContact });
  return { v, db, userId, statement, sig };
}

describe('policies enforced by the vault', () => {
  it('refuses login outside business hours, with the reason', async () => {
    const { v } = await enrolledVault({ businessHours: { timeZone: 'UTC', days: {} } });
    await expect(v.unlock('pat', PW)).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'OutsideBusinessHours' });
  });

  it('refuses login after too long without server contact, and a clock set back does not help', async () => {
    const { v, db } = await enrolledVault({ forceServerContactHours: 24 }, Date.now() - 25 * 3600_000);
    await expect(v.unlock('pat', PW)).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'NoServerContact' });
    // Contact again (as a sync records it): allowed.
    await db.syncState.put({ key: 'status', lastContact: Date.now() });
    expect((await v.unlock('pat', PW)).username).toBe('pat');
    // The device once saw a time 30 h ahead; contact now counts from that high-water mark.
    await v.lock();
    await db.meta.put({ key: 'clockHighWater', value: String(Date.now() + 30 * 3600_000) });
    await expect(v.unlock('pat', PW)).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'NoServerContact' });
    // Until the server is reached again: contact re-anchors to the server's clock, so the clock that ran ahead no longer counts.
    await recordContact(db, Date.now());
    expect((await v.unlock('pat', PW)).username).toBe('pat');
  });

  it('locks after N wrong passwords', async () => {
    const { v } = await enrolledVault({ passwordAttempts: { max: 2, action: 'lock' } });
    await expect(v.unlock('pat', 'wrong password 1')).rejects.toMatchObject({ code: 'WrongPassword' });
    // The attempt that reaches the limit says so at once.
    await expect(v.unlock('pat', 'wrong password 2')).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'TooManyAttempts' });
    // The right password no longer helps: the policy refuses before it is tried.
    await expect(v.unlock('pat', PW)).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'TooManyAttempts' });
    // An unlock code from support is the way out (here: a wrong one, which is refused as a wrong code, not as the lockout).
    await expect(v.resetPassword('pat', 'Q'.repeat(28), 'a brand new password')).rejects.toMatchObject({ code: 'WrongCode' });
  });

  it('wipes at the attempt that reaches the limit when the policy says wipe', async () => {
    const { v, db } = await enrolledVault({ passwordAttempts: { max: 2, action: 'wipe' } });
    await expect(v.unlock('pat', 'wrong password 1')).rejects.toMatchObject({ code: 'WrongPassword' });
    await expect(v.unlock('pat', 'wrong password 2')).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'TooManyAttempts' });
    expect(await v.hasAccounts()).toBe(false);
    db.close();
  });

  it('wipes at start-up once too long without server contact', async () => {
    const { v, db } = await enrolledVault({ forceServerContactHours: 24, wipeAfterNoContactHours: 48 }, Date.now() - 49 * 3600_000);
    expect(await v.hasAccounts()).toBe(false);
    await expect(v.unlock('pat', PW)).rejects.toMatchObject({ code: 'WrongPassword' });
    db.close();
  });

  it('a stored policy altered on the device is the strictest state: no login', async () => {
    const { v, db, userId, statement, sig } = await enrolledVault({ sessionTimeoutMinutes: 600 });
    const laxer = statement.replace('"sessionTimeoutMinutes":600', '"sessionTimeoutMinutes":1440');
    await db.serverSessions.update(userId, { policy: { statement: laxer, sig } });
    await expect(v.unlock('pat', PW)).rejects.toMatchObject({ code: 'PolicyDenied', detail: 'PolicyTampered' });
  });

  it('an open session locks after the idle timeout; keys are dropped', async () => {
    const { v } = await enrolledVault({ sessionTimeoutMinutes: 5 });
    await v.unlock('pat', PW);
    expect(await v.policyCheck(Date.now() - 60_000)).toEqual({ allow: true });
    expect(await v.policyCheck(Date.now() - 6 * 60_000)).toEqual({ allow: false, reason: 'SessionTimeout' });
    await expect(v.query({ type: 'contact' })).rejects.toMatchObject({ code: 'Locked' });
  });

  it('a local account (no server) has no policy', async () => {
    const name = `gate-local-${Math.random().toString(36).slice(2)}`;
    const v = new Vault({ dbName: name });
    open.push({ v, db: openVaultDb(name) });
    await v.createAccount('lou', PW);
    expect(await v.policyCheck(0)).toEqual({ allow: true });
  });
});
