/**
 * A device of the first-sync bench (run-bench-sync.mjs): the real Vault and,
 * on the same IndexedDB database, the service worker's `runSync` (which in
 * the app runs in the service worker; here in this dedicated worker, with
 * the same database and the same origin, so nothing about it changes).
 * The page is served by the sync server itself, so `location.origin` is the
 * server's origin, as in the app.
 */
import { expose } from 'comlink';
import { Vault } from '../../workers/vault/vault';
import { openVaultDb, type VaultDb } from '../../workers/common/db';
import { runSync, type SyncReport } from '../../workers/sw/sync';
import { contact, contactId } from './data';
import type { FirstSyncTiming, SubjectInit, SyncDevice } from './protocol';
import { batches, timed } from './timing';

const TYPE = 'contact';

let vault: Vault | undefined;
let db: VaultDb | undefined;
const v = (): Vault => vault ?? (() => { throw new Error('init first'); })();

/** One runSync; a sync that reports an error fails the bench (it would otherwise measure a half sync). */
async function sync(): Promise<SyncReport> {
  const report = await runSync(db!, location.origin);
  if (report.error) throw new Error(`runSync: ${report.error} (${JSON.stringify(report)})`);
  return report;
}

const api: SyncDevice & { init(init: SubjectInit): Promise<void> } = {
  async init({ dbName }) {
    vault = new Vault({ dbName });
    db = openVaultDb(dbName);
  },

  async seed(username, code, password, n, batch) {
    await v().enroll(username, code, password);
    const calls = batches(n, batch, (i) => ({ id: contactId(i), values: { ...contact(i) } }));
    const { ms: write_ms } = await timed(async () => {
      for (const items of calls) await v().putRecords(TYPE, items);
    });
    let pushed = 0;
    const { ms: push_ms } = await timed(async () => {
      // runSync pushes the whole outbox; loop until a sync pushes nothing more.
      for (let round = 0; round < 1000; round++) {
        const r = await sync();
        pushed += r.pushed;
        if (r.pushed === 0) break;
      }
    });
    const left = await db!.outbox.count();
    if (left) throw new Error(`seeding device: ${left} outbox rows not pushed`);
    return { pushed, write_ms, push_ms };
  },

  async firstSync(username, password, n, timeoutMs): Promise<FirstSyncTiming> {
    const t0 = performance.now();
    let login_ms = 0;
    let pull_ms = 0;
    let apply_ms = 0;
    let pulled = 0;
    let total = 0;
    let rounds = 0;
    const { ms } = await timed(async () => {
      login_ms = (await timed(() => v().loginOnline(username, password))).ms;
      for (;;) {
        rounds++;
        const p = performance.now();
        pulled += (await sync()).pulled;
        pull_ms += performance.now() - p;
        const a = performance.now();
        // applyInbox queues behind any pass already running (the one the vault starts at login, or on
        // the 'synced' message runSync broadcasts), so this waits for everything pulled so far.
        await v().applyInbox();
        total = (await v().query({ type: TYPE, limit: 1 })).total;
        apply_ms += performance.now() - a;
        if (total >= n) return;
        if (performance.now() - t0 > timeoutMs) throw new Error(`first sync: ${total}/${n} records queryable after ${rounds} rounds`);
      }
    });
    return { ms, login_ms, pull_ms, apply_ms, pulled, total, rounds };
  },
};

expose(api);
