import { VaultError } from '../../src/lib/errors';
import { BlobList, BlobStatus } from '../../src/protocol/blobs';
import { MAX_PUSH, MAX_PUSH_BYTES, PullResponse, PushResponse } from '../../src/protocol/sync';
import { fromBase64, toBase64 } from '../../src/lib/bytes';
import { ApiClient } from '../common/api-client';
import { openVaultDb, type InboxChange, type InboxRow, type OutboxRow, type ServerSessionRow, type VaultDb } from '../common/db';
import { packChanges, unpackChanges, type OutboxChange } from '../common/outbox-row';
import { loadDeviceKey } from '../common/device-key';
import { runCommands } from '../common/commands';
import { pulledToEnd, resumePulling } from '../common/full-sync';
import { checkPolicy, recordContact, wipeIfDue } from '../common/policy-gate';
import { fetchPolicy } from '../common/policy-store';
import { finishPendingWipe } from '../common/wipe';
import { announce } from '../common/sync-channel';
import { updateStatus } from '../common/sync-status';
import { keepPushSubscription } from './push';

/**
 * Background sync without any key (DESIGN §6): pushes outbox ciphertext,
 * pulls remote ciphertext into the inbox, moves attachment chunks as they
 * are stored, and records the time of server contact. It never decrypts;
 * the vault worker applies the inbox when a member is unlocked.
 */
export interface SyncReport {
  pushed: number;
  pulled: number;
  blobsUp: number;
  blobsDown: number;
  error: string | null;
}

let db: VaultDb | undefined;
const database = () => (db ??= openVaultDb());

/**
 * Runs one sync unless one is already running in this origin (any tab or
 * this worker). `wait` queues behind a running one instead: a push must
 * not be lost to a sync that began before its command was queued.
 */
export async function syncNow(origin: string, opts: { pushManager?: PushManager; wait?: boolean } = {}): Promise<SyncReport | null> {
  return navigator.locks.request('fv:sync', { ifAvailable: !opts.wait }, async (lock) => (lock ? runSync(database(), origin, opts.pushManager) : null));
}

/** `pushManager`: the service worker's, to keep this device's push subscription registered. */
export async function runSync(db: VaultDb, origin: string, pushManager?: PushManager): Promise<SyncReport> {
  const report: SyncReport = { pushed: 0, pulled: 0, blobsUp: 0, blobsDown: 0, error: null };
  if (await finishPendingWipe(db)) {
    announce({ type: 'wiped' });
    return (forgetDatabase(), report);
  }
  const device = await loadDeviceKey(db);
  const sessions = device ? await db.serverSessions.toArray() : [];
  // Every wake checks the time-based rules first (DESIGN §6): a wipe that is due happens now.
  for (const s of sessions) if (await wipeIfDue(db, await checkPolicy(db, s.userId, '', Date.now()), () => origin)) return (forgetDatabase(), report);
  for (const s of sessions) {
    const api = new ApiClient(origin, device!, s.token);
    // Each step runs even if an earlier one failed: a refused push must not stop this device from pulling.
    const step = async (run: () => Promise<number>, into: keyof Omit<SyncReport, 'error'>) => {
      try {
        report[into] += await run();
      } catch (e) {
        report.error ??= e instanceof VaultError ? e.code : 'ServerError';
      }
    };
    await step(() => push(db, api, s), 'pushed');
    await step(() => uploadBlobs(db, api, s), 'blobsUp');
    await step(async () => {
      const { pulled, serverTime } = await pull(db, api, s);
      await recordContact(db, serverTime); // only a server that answered counts as contact, on its clock
      return pulled;
    }, 'pulled');
    await step(() => downloadBlobs(db, api, s), 'blobsDown');
    await step(async () => (await fetchPolicy(db, api, s), 0), 'pulled');
    let outcome = { changed: false, wiped: false, fullSync: false };
    await step(async () => ((outcome = await runCommands(db, api, s)), 0), 'pulled');
    if (outcome.wiped) return (forgetDatabase(), report);
    if (outcome.fullSync) {
      // Everything again, now: the vault rebuilds the pages once this pull has reached the end.
      const fresh = (await db.serverSessions.get(s.userId)) ?? s;
      await step(async () => (await pull(db, api, fresh)).pulled, 'pulled');
      await step(() => downloadBlobs(db, api, fresh), 'blobsDown');
    }
    if (outcome.changed) announce({ type: 'commanded' });
    // One subscription per device: kept up with the first session (any session may register it).
    if (pushManager && s === sessions[0]) await keepPushSubscription(pushManager, api).catch((e: unknown) => console.info('FieldVault: push subscription not kept', e));
  }
  if (sessions.length) {
    await updateStatus(db, { ...(report.error ? {} : { lastSync: Date.now() }), lastError: report.error });
    announce({ type: 'synced', report });
  }
  return report;
}

/**
 * Fetches the policy and the pending commands of every session, nothing
 * else: what an open app asks for every minute so a lock, an unlock or a
 * wipe reaches it without a full sync. Skipped while a sync runs (it does
 * the same) or when one ran moments ago.
 */
export async function checkCommands(origin: string): Promise<void> {
  if (Date.now() - lastCommandCheck < COMMAND_CHECK_MIN_GAP_MS) return;
  let fullSync = false;
  await navigator.locks.request('fv:sync', { ifAvailable: true }, async (lock) => {
    if (!lock) return;
    lastCommandCheck = Date.now();
    const db = database();
    const device = await loadDeviceKey(db);
    if (!device) return;
    let changed = false;
    for (const s of await db.serverSessions.toArray()) {
      const api = new ApiClient(origin, device, s.token);
      try {
        changed = (await fetchPolicy(db, api, s)) > 0 || changed;
        const outcome = await runCommands(db, api, s);
        if (outcome.wiped) return forgetDatabase();
        changed ||= outcome.changed;
        fullSync ||= outcome.fullSync;
      } catch {
        // offline or refused: the next check, or the next sync, tries again
      }
    }
    if (changed) announce({ type: 'commanded' });
  });
  // A full sync the admin asked for: everything is pulled again now, in a sync of its own.
  if (fullSync) await syncNow(origin, { wait: true });
}
let lastCommandCheck = 0;
/** Several tabs each ask every minute; one check serves them all. */
const COMMAND_CHECK_MIN_GAP_MS = 20_000;

/** After a wipe (the pages were told, and reload): nothing is left to sync; the next sync opens a fresh, empty database. */
function forgetDatabase(): void {
  db = undefined;
}


async function push(db: VaultDb, api: ApiClient, s: ServerSessionRow): Promise<number> {
  let pushed = 0;
  for (;;) {
    const batch = await nextPush(db, s);
    if (!batch.length) return pushed;
    const res = await api.json('/sync/push', PushResponse, {
      body: {
        changes: batch.flatMap(({ row, changes }) =>
          changes.map((c) => ({ changeId: c.changeId, group: row.group, recordId: c.recordId, epoch: row.epoch, baseSeq: row.baseSeq, data: toBase64(c.data) })),
        ),
      },
    });
    const accepted = new Set(res.accepted.map((a) => a.changeId));
    await db.transaction('rw', db.outbox, db.groups, async () => {
      // A row leaves the outbox once all its changes are accepted; until then it keeps the rest.
      for (const { row: read } of batch) {
        // As stored now: a row deleted meanwhile (its group forgotten) must not come back.
        const row = await db.outbox.get(read.seq!);
        if (!row) continue;
        const all = unpackChanges(row);
        const left = all.filter((c) => !accepted.has(c.changeId));
        if (!left.length) await db.outbox.delete(row.seq!);
        else if (left.length < all.length) await db.outbox.put({ ...row, ...packChanges(left) });
      }
      // A rebuild waiting for these must also wait for the pull that brings them back.
      await resumePulling(db, [...new Set(batch.map(({ row }) => row.group))]);
    });
    const sent = batch.reduce((n, b) => n + b.changes.length, 0);
    pushed += accepted.size;
    if (accepted.size < sent) throw new VaultError('ServerError', 'push not fully accepted');
  }
}

/**
 * The oldest changes of this session's groups and user that fit one push:
 * at most MAX_PUSH, and well under the server's byte limit once
 * base64-encoded. Rows are read in write order only as far as needed.
 */
async function nextPush(db: VaultDb, s: ServerSessionRow): Promise<{ row: OutboxRow; changes: OutboxChange[] }[]> {
  const budget = MAX_PUSH_BYTES / 2;
  const groups = new Set(s.groups);
  const out: { row: OutboxRow; changes: OutboxChange[] }[] = [];
  let n = 0;
  let bytes = 0;
  let full = false;
  await db.outbox
    .toCollection()
    .until(() => full)
    .each((row) => {
      if (!groups.has(row.group) || (row.by !== undefined && row.by !== s.userId)) return;
      const changes: OutboxChange[] = [];
      for (const c of unpackChanges(row)) {
        if (n >= MAX_PUSH || (n > 0 && bytes + c.data.length > budget)) {
          full = true;
          break;
        }
        changes.push(c);
        n++;
        bytes += c.data.length;
      }
      if (changes.length) out.push({ row, changes });
    });
  return out;
}

/** Pulls to the end (or until a concurrent cursor reset); returns the count and the server's clock of the last answer. */
async function pull(db: VaultDb, api: ApiClient, s: ServerSessionRow): Promise<{ pulled: number; serverTime: number }> {
  let pulled = 0;
  let cursor = s.cursor;
  for (;;) {
    const page = await api.json('/sync/pull', PullResponse, { query: { after: cursor } });
    // Inbox rows and the cursor move together: a cut between pages loses and repeats nothing.
    const moved = await db.transaction('rw', db.inbox, db.serverSessions, db.groups, async () => {
      // The vault resets the cursor to 0 when a group is added (its history must come too):
      // a pull that started before the reset must not write its old position over it.
      if ((await db.serverSessions.get(s.userId))?.cursor !== cursor) return false;
      if (!page.more) await pulledToEnd(db, s.groups);
      await db.inbox.bulkPut(inboxRows(page.changes));
      await db.serverSessions.update(s.userId, { cursor: page.cursor });
      return true;
    });
    if (!moved) return { pulled, serverTime: page.serverTime };
    pulled += page.changes.length;
    cursor = page.cursor;
    if (!page.more) return { pulled, serverTime: page.serverTime };
  }
}

/** A pulled page as inbox rows: one per group, keyed by the sequence of its first change. */
function inboxRows(changes: PullResponse['changes']): InboxRow[] {
  const byGroup = new Map<string, InboxChange[]>();
  for (const c of changes) {
    const list = byGroup.get(c.group) ?? [];
    list.push({ seq: c.seq, changeId: c.changeId, recordId: c.recordId, epoch: c.epoch, deviceId: c.deviceId, data: fromBase64(c.data) });
    byGroup.set(c.group, list);
  }
  const pull = crypto.randomUUID();
  return [...byGroup].map(([group, list]) => ({ seq: list[0]!.seq, group, n: list.length, changes: list, pull }));
}

async function uploadBlobs(db: VaultDb, api: ApiClient, s: ServerSessionRow): Promise<number> {
  const pending = await db.blobUploads.filter((b) => s.groups.includes(b.group)).toArray();
  for (const b of pending) {
    await api.send(`/blobs/${b.id}`, { method: 'PUT', body: { group: b.group, chunks: b.chunks, epoch: b.epoch } });
    const status = await api.json(`/blobs/${b.id}`, BlobStatus);
    const present = new Set(status.present);
    // Resumable: only the chunks the server does not hold yet are sent.
    for (let i = 0; i < b.chunks; i++) {
      if (present.has(i)) continue;
      const chunk = await db.chunks.get([b.id, i]);
      if (!chunk) throw new VaultError('Tampered', `chunk ${b.id}/${i} is missing`);
      await api.send(`/blobs/${b.id}/chunks/${i}`, { method: 'PUT', body: new Uint8Array(await chunk.data.arrayBuffer()) });
    }
    await db.blobUploads.delete(b.id);
  }
  return pending.length;
}

async function downloadBlobs(db: VaultDb, api: ApiClient, s: ServerSessionRow): Promise<number> {
  let n = 0;
  let cursor = s.blobCursor;
  for (;;) {
    const list = await api.json('/blobs', BlobList, { query: { after: cursor } });
    for (const b of list.blobs) {
      if (await db.blobs.get(b.id)) continue;
      const chunks: Blob[] = [];
      let bytes = 0;
      for (let i = 0; i < b.chunks; i++) {
        const data = await api.bytes(`/blobs/${b.id}/chunks/${i}`);
        bytes += data.length;
        chunks.push(new Blob([data]));
      }
      // All chunks of a blob commit together: a cut download is simply fetched again.
      await db.transaction('rw', db.chunks, db.blobs, async () => {
        await db.chunks.bulkPut(chunks.map((data, index) => ({ blob: b.id, index, data })));
        await db.blobs.put({ id: b.id, partition: b.group, chunks: b.chunks, epoch: b.epoch, bytes });
      });
      n++;
    }
    // As in pull(): a reset to 0 made meanwhile wins over this download's position.
    const from = cursor;
    cursor = list.cursor;
    const moved = await db.transaction('rw', db.serverSessions, async () => {
      if ((await db.serverSessions.get(s.userId))?.blobCursor !== from) return false;
      await db.serverSessions.update(s.userId, { blobCursor: cursor });
      return true;
    });
    if (!moved || !list.more) return n;
  }
}
