import type { DeviceFacts, Verdict } from '../../src/domain/policy-engine';
import { checkLogin, checkSession } from '../../src/domain/policy-engine';
import { ApiClient, bestEffort } from './api-client';
import type { VaultDb } from './db';
import { loadDeviceKey } from './device-key';
import { isAdminLocked } from './commands';
import { verifyPolicy } from './policy-store';
import { announce } from './sync-channel';
import { updateStatus } from './sync-status';
import { eraseAll, shred } from './wipe';

/**
 * Where the vault and the service worker ask the policy engine (issue 5):
 * at start-up, login and unlock, on a timer while a session is open, and at
 * every service-worker wake. Keyless. The policy is the signed copy the
 * service worker stored, verified again here; one that does not verify is
 * the strictest state: no login until a fresh one arrives. Accounts that
 * never enrolled with a server have no policy.
 */
const HIGH_WATER = 'clockHighWater';

export async function checkPolicy(db: VaultDb, userId: string, appVersion: string, now: number, lastActivity?: number): Promise<Verdict> {
  const session = await db.serverSessions.get(userId);
  if (!session) return { allow: true };
  const [status, mark, account, adminLocked] = await Promise.all([
    db.syncState.get('status'),
    db.meta.get(HIGH_WATER),
    db.accounts.where('userId').equals(userId).first(),
    isAdminLocked(db),
  ]);
  // No policy fetched yet: only an admin lock applies.
  const statement = session.policy ? await verifyPolicy(session, session.policy) : { policy: {} };
  if (!statement) return { allow: false, reason: 'PolicyTampered' };
  // The high-water mark only rises: a clock set back does not buy time without contact.
  const highWater = Math.max(Number(mark?.value ?? 0) || 0, now);
  await db.meta.put({ key: HIGH_WATER, value: String(highWater) });
  const facts: DeviceFacts = {
    lastContact: status?.lastContact ?? null,
    highWater,
    failedAttempts: account?.failedAttempts ?? 0,
    appVersion,
    adminLocked,
    ...(lastActivity === undefined ? {} : { lastActivity }),
  };
  return lastActivity === undefined ? checkLogin(statement.policy, facts, now) : checkSession(statement.policy, facts, now);
}

/**
 * Server contact re-anchors the rules' clock to the server's: the contact
 * is stamped with the server's time, and the high-water mark is set to it
 * (the one place it may go down). So a device whose clock once ran ahead,
 * or was set forward and back, is measured from real contact; a clock set
 * back after contact still cannot make time run backwards.
 */
export async function recordContact(db: VaultDb, serverTime: number): Promise<void> {
  await db.transaction('rw', db.meta, db.syncState, async () => {
    await db.meta.put({ key: HIGH_WATER, value: String(serverTime) });
    await updateStatus(db, { lastContact: serverTime });
  });
}

/**
 * A wipe the policy calls for (too many wrong passwords with action wipe,
 * too long without contact): crypto-shred, tell the server when it can be
 * reached (it ends the device's sessions and shows the device as wiped),
 * then every store; tells open pages. True if it wiped. `origin` is the
 * server's, where the caller knows it.
 */
export async function wipeIfDue(db: VaultDb, verdict: Verdict, origin?: () => string): Promise<boolean> {
  if (!verdict.wipe) return false;
  await shred(db);
  if (origin) await reportWipe(db, origin, verdict.wipe);
  await eraseAll(db, verdict.wipe);
  announce({ type: 'wiped' });
  return true;
}

/** How long a wipe waits to tell the server before it goes on regardless. */
const REPORT_WAIT_MS = 3_000;

/** Best effort, bounded: a device out of contact (the usual reason for a wipe) must not be held up by it. */
async function reportWipe(db: VaultDb, origin: () => string, reason: string): Promise<void> {
  await bestEffort(async () => {
    const [device, session] = await Promise.all([loadDeviceKey(db), db.serverSessions.toCollection().first()]);
    if (device && session) await new ApiClient(origin(), device, session.token).send('/device/wiped', { body: { reason } });
  }, REPORT_WAIT_MS);
}
