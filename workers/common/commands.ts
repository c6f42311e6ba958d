import { CommandStatement, PendingCommands } from '../../src/protocol/policy';
import type { ApiClient } from './api-client';
import type { ServerSessionRow, VaultDb } from './db';
import { verifySigned } from './policy-store';
import { startFullSync } from './full-sync';
import { announce } from './sync-channel';
import { eraseAll, shred } from './wipe';

/**
 * Carries out the admin's commands for this device (DESIGN §8), keyless, in
 * the service worker. A command counts only if it verifies with the pinned
 * key, names this device and has not expired; one already carried out is
 * only acknowledged again. Returns what happened, so the caller can stop
 * (after a wipe there is nothing left) and tell the open pages.
 */
const ADMIN_LOCK = 'adminLock';

/** Whether an administrator's lock is in force on this device. */
export async function isAdminLocked(db: VaultDb): Promise<boolean> {
  return (await db.meta.get(ADMIN_LOCK))?.value === '1';
}

export async function runCommands(db: VaultDb, api: ApiClient, s: ServerSessionRow, now = Date.now()): Promise<{ changed: boolean; wiped: boolean; fullSync: boolean }> {
  let changed = false;
  let fullSync = false;
  // The server hands out a page at a time, a wipe first; acknowledged commands leave the queue, so the next fetch brings the next page.
  for (let page = 0; page < MAX_PAGES; page++) {
    const { commands, more } = await api.json('/device/commands', PendingCommands);
    let acked = 0;
    for (const signed of commands) {
      const c = CommandStatement.safeParse(await verifySigned(s.policyKey, signed));
      if (!c.success || c.data.deviceId !== s.deviceId || c.data.expiresAt <= now) continue;
      const { id, kind } = c.data;
      const ack = async () => (await api.send(`/device/commands/${id}/ack`, { body: { result: 'done' } }), acked++);
      if (await db.meta.get(`command:${id}`)) {
        await ack();
        continue;
      }
      if (kind === 'wipe') {
        await shred(db);
        await ack().catch(() => undefined); // told if possible; the wipe goes on regardless
        await eraseAll(db, 'Command');
        announce({ type: 'wiped' });
        return { changed: true, wiped: true, fullSync };
      }
      if (kind === 'lock') await db.meta.put({ key: ADMIN_LOCK, value: '1' });
      else if (kind === 'unlock') await db.meta.delete(ADMIN_LOCK);
      else {
        await startFullSync(db);
        fullSync = true;
      }
      await db.meta.put({ key: `command:${id}`, value: kind });
      await ack();
      changed = true;
    }
    if (!more || !acked) break;
  }
  return { changed, wiped: false, fullSync };
}

/** Pages of commands fetched in one sync at most (the rest wait for the next). */
const MAX_PAGES = 20;
