import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openVaultDb, type InboxRow, type OutboxRow, type VaultDb } from '../../workers/common/db';
import { pulledToEnd, startFullSync } from '../../workers/common/full-sync';
import { unpackChanges } from '../../workers/common/outbox-row';
import { Vault } from '../../workers/vault/vault';
import { enrolledOffline } from './helpers/vault-fixtures';

/** Lets a test run the service worker's part between an apply pass's rebuild check and its reading of the inbox. */
const afterRebuildCheck = vi.hoisted(() => ({ run: undefined as undefined | (() => Promise<void>) }));
vi.mock('../../workers/vault/sync/rebuild', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../workers/vault/sync/rebuild')>();
  return {
    ...m,
    rebuildIfPulled: async (...args: Parameters<typeof m.rebuildIfPulled>) => {
      const state = await m.rebuildIfPulled(...args);
      const run = afterRebuildCheck.run;
      afterRebuildCheck.run = undefined;
      await run?.();
      return state;
    },
  };
});

/**
 * The device half of sync without a server: outbox entries of one device are
 * moved, as the opaque bytes the server would relay, into the other device's
 * inbox, and the vaults merge them. (The server and the service worker are
 * tested in tests/server and tests/e2e.)
 */
const PW = 'correct horse battery';
const open: { v: Vault; db: VaultDb }[] = [];
afterEach(() => {
  vi.useRealTimers();
  open.splice(0).forEach(({ v, db }) => (v.close(), db.close()));
});

/** Two devices of one user: B gets the account the way an online login does (the wrapped key bundle). */
async function pair(username: string) {
  const tag = Math.random().toString(36).slice(2);
  const a = device(`a-${tag}`);
  const b = device(`b-${tag}`);
  const { userId, active } = await a.v.createAccount(username, PW);
  for (const t of ['accounts', 'groups', 'envelopes'] as const) await (b.db[t] as VaultDb['accounts']).bulkPut(await (a.db[t] as VaultDb['accounts']).toArray());
  for (const d of [a, b]) {
    await enrolledOffline(d.db, userId, [active]);
    await d.v.lock();
    await d.v.unlock(username, PW);
  }
  return { a, b };
}

function device(name: string) {
  const d = { v: new Vault({ dbName: name }), db: openVaultDb(name) };
  open.push(d);
  return d;
}

let seq = 0;
/** Outbox rows as a pull hands their changes out (a row per group and page, sequence numbers from `next`). */
function asPulled(rows: OutboxRow[], next = () => ++seq): InboxRow[] {
  return rows.map((r) => {
    const changes = unpackChanges(r).map((c) => ({ seq: next(), changeId: c.changeId, recordId: c.recordId, epoch: r.epoch, deviceId: 'x', data: c.data }));
    return { seq: changes[0]!.seq, group: r.group, n: changes.length, changes };
  });
}

/** What the server and the two service workers do together: relay ciphertext. */
async function relay(from: VaultDb, to: VaultDb) {
  const rows = await from.outbox.toArray();
  await to.inbox.bulkPut(asPulled(rows));
  await from.outbox.bulkDelete(rows.map((r) => r.seq!));
  return rows;
}

describe('sync between two devices of one user', () => {
  it('outbox entries are ciphertext written with the change; both devices converge per field', async () => {
    const { a, b } = await pair('ann');

    const r1 = await a.v.putRecord('contact', { name: 'Shared', organisation: 'Org', notes: 'start' });
    const r2 = await a.v.putRecord('contact', { name: 'Other', notes: 'start' });
    const first = await relay(a.db, b.db);
    expect(first).toHaveLength(2); // a row per write
    expect(first.map((r) => r.n)).toEqual([1, 1]);
    expect(new TextDecoder('latin1').decode(unpackChanges(first[0]!)[0]!.data)).not.toContain('Shared');
    expect(await b.v.applyInbox()).toBe(2);
    expect((await b.v.getRecord('contact', r1.id)).values.name).toBe('Shared');

    // Both offline: different fields of r1, the same field of r2; B edits r2 last.
    await a.v.putRecord('contact', { name: 'Shared', organisation: 'Org A', notes: 'start' }, r1.id);
    await b.v.putRecord('contact', { name: 'Shared', organisation: 'Org', notes: 'notes B' }, r1.id);
    await a.v.putRecord('contact', { name: 'Other', notes: 'A wrote this' }, r2.id);
    await new Promise((r) => setTimeout(r, 5));
    await b.v.putRecord('contact', { name: 'Other', notes: 'B wrote this later' }, r2.id);

    await relay(a.db, b.db);
    await relay(b.db, a.db);
    await a.v.applyInbox();
    await b.v.applyInbox();
    for (const d of [a, b]) {
      const x = await d.v.getRecord('contact', r1.id);
      expect(x.values).toMatchObject({ organisation: 'Org A', notes: 'notes B' });
      expect((await d.v.getRecord('contact', r2.id)).values.notes).toBe('B wrote this later');
    }
    // Applying merged state produced no new outbox entries, and the inboxes are empty.
    expect(await a.db.outbox.count()).toBe(0);
    expect(await a.db.inbox.count()).toBe(0);
    expect((await a.v.syncStatus()).pending).toBe(0);
  });

  it('a purely local account (no server session on the device) keeps no outbox', async () => {
    const d = device(`local-${Math.random().toString(36).slice(2)}`);
    await d.v.createAccount('lou', PW);
    await d.v.putRecords('contact', [{ values: { name: 'One' } }, { values: { name: 'Two' } }]);
    expect(await d.db.outbox.count()).toBe(0);
    expect((await d.v.syncStatus()).pending).toBe(0);
    expect((await d.v.query({ type: 'contact' })).total).toBe(2);
  });

  it('a write of 6,000 records on an enrolled device seals them all (IVs drawn in several calls)', async () => {
    const { a } = await pair('big');
    const ids = await a.v.putRecords('contact', Array.from({ length: 6000 }, (_, i) => ({ values: { name: `n${i}` } })));
    const [row] = await a.db.outbox.toArray();
    expect(row!.n).toBe(6000);
    expect(new Set(unpackChanges(row!).map((c) => Buffer.from(c.data.subarray(1, 13)).toString('hex'))).size).toBe(6000);
    expect(ids.length).toBe(6000);
  }, 60_000);

  it('a tampered change is rejected and does not block the rest', async () => {
    const { a, b } = await pair('bob');
    const good = await a.v.putRecord('contact', { name: 'Good' });
    const bad = await a.v.putRecord('contact', { name: 'Bad' });
    const rows = await a.db.outbox.toArray();
    const victim = rows.find((r) => r.recordIds[0] === bad.id)!;
    victim.data[20]! ^= 1;
    await a.db.outbox.put(victim);
    await relay(a.db, b.db);
    expect(await b.v.applyInbox()).toBe(1);
    expect((await b.v.getRecord('contact', good.id)).values.name).toBe('Good');
    await expect(b.v.getRecord('contact', bad.id)).rejects.toMatchObject({ code: 'NotFound' });
    expect(await b.db.inbox.count()).toBe(0);
  });

  it('an edit wins over what it replaces even after the device clock went back', async () => {
    const { a, b } = await pair('cat');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T12:00:00Z'));
    const r = await a.v.putRecord('contact', { name: 'v1' });
    await a.v.lock();
    await a.v.unlock('cat', PW); // a fresh clock, as after a restart
    vi.setSystemTime(new Date('2026-11-23T11:59:00Z')); // a minute in the past
    await a.v.putRecord('contact', { name: 'v2' }, r.id);
    await relay(a.db, b.db);
    await b.v.applyInbox();
    expect((await a.v.getRecord('contact', r.id)).values.name).toBe('v2');
    expect((await b.v.getRecord('contact', r.id)).values.name).toBe('v2');
  });

  it('a change it cannot open yet stays in the inbox, and new changes do not claim to have seen it', async () => {
    const { a, b } = await pair('dan');
    await a.v.putRecord('contact', { name: 'first' });
    const [row] = await relay(a.db, b.db);
    const group = row!.group;
    // A change of a later epoch whose envelope has not arrived, ahead of one B can open.
    const change = { changeId: crypto.randomUUID(), recordId: crypto.randomUUID(), epoch: 2, deviceId: 'x', data: unpackChanges(row!)[0]!.data };
    await b.db.inbox.put({ seq: 10_000, group, n: 1, changes: [{ ...change, seq: 10_000 }] });
    const openable = (await b.db.inbox.where('group').equals(group).first())!;
    await b.db.inbox.put({ ...openable, seq: 10_001, changes: openable.changes.map((c) => ({ ...c, seq: 10_001, changeId: crypto.randomUUID() })) });
    await b.v.applyInbox();
    expect((await b.db.inbox.toArray()).map((r) => r.seq)).toEqual([10_000]);
    expect((await b.db.groups.get(group))!.appliedSeq).toBe(9_999);
    await b.v.putRecord('contact', { name: 'made on B' });
    const [out] = await b.db.outbox.toArray();
    expect(out!.baseSeq).toBeLessThan(10_000);
  });

  it('a full sync rebuilds the pages from what is pulled again: a damaged page is restored; not while a change waits to be sent', async () => {
    const { a, b } = await pair('eve');
    const r1 = await a.v.putRecord('contact', { name: 'First' });
    const r2 = await a.v.putRecord('contact', { name: 'Second' });
    // What the server keeps, and hands out again from the start.
    const history: InboxRow[] = [];
    let serverSeq = 0;
    const keep = (rows: OutboxRow[]) => history.push(...asPulled(rows, () => ++serverSeq));
    keep(await relay(a.db, b.db));
    const group = history[0]!.group;
    await b.v.applyInbox();
    // A change made on B and not sent yet.
    const visit = await b.v.putRecord('visit', { contact: r1.id, date: '2026-11-23', status: 'planned', notes: 'Not sent yet' });

    await b.db.pages.filter((p) => p.collection === 'contact').modify((p) => void (p.data[30]! ^= 1));
    await b.v.lock();
    await b.v.unlock('eve', PW);
    await expect(b.v.getRecord('contact', r1.id)).rejects.toMatchObject({ code: 'Tampered' });

    await startFullSync(b.db);
    expect((await b.db.serverSessions.toArray()).every((x) => x.cursor === 0)).toBe(true);
    // A re-pull cut half-way: none of it is applied (it would be deleted from the inbox, then lost with the pages).
    await b.db.inbox.bulkPut(history.slice(0, 1));
    expect(await b.v.applyInbox()).toBe(0);
    expect(await b.db.inbox.count()).toBe(1);
    const pullAgain = async () => {
      await b.db.inbox.bulkPut(history);
      await b.db.transaction('rw', b.db.groups, () => pulledToEnd(b.db, [group]));
    };
    await pullAgain();
    // The unsent change holds the rebuild back (it would be lost with the pages); merging into the damaged page fails meanwhile.
    await expect(b.v.applyInbox()).rejects.toMatchObject({ code: 'Tampered' });
    expect((await b.db.groups.get(group))!.rebuild).toBe('pulled');

    keep(await relay(b.db, a.db)); // sent, so the server's copy has it
    await pullAgain();
    await b.v.applyInbox();
    expect((await b.db.groups.get(group))!.rebuild).toBeUndefined();
    expect((await b.v.getRecord('contact', r1.id)).values.name).toBe('First');
    expect((await b.v.getRecord('contact', r2.id)).values.name).toBe('Second');
    expect((await b.v.getRecord('visit', visit.id)).values.notes).toBe('Not sent yet');
    expect(await b.db.inbox.count()).toBe(0);
  });

  it('a full sync that starts while an apply pass is under way: the pass does not consume the re-pulled rows the rebuild needs', async () => {
    const { a, b } = await pair('fay');
    const r1 = await a.v.putRecord('contact', { name: 'First' });
    const r2 = await a.v.putRecord('contact', { name: 'Second' });
    const history = asPulled(await relay(a.db, b.db));
    await b.v.applyInbox();
    const group = history[0]!.group;
    // The pass found no rebuild pending; then the service worker ran a whole full sync before the pass read the inbox.
    afterRebuildCheck.run = async () => {
      await startFullSync(b.db);
      await b.db.inbox.bulkPut(history);
      await b.db.transaction('rw', b.db.groups, () => pulledToEnd(b.db, [group]));
    };
    await b.v.applyInbox();
    expect(await b.db.inbox.count()).toBe(history.length);
    await b.v.applyInbox(); // the rebuild, from the rows still there
    expect((await b.db.groups.get(group))!.rebuild).toBeUndefined();
    expect((await b.v.getRecord('contact', r1.id)).values.name).toBe('First');
    expect((await b.v.getRecord('contact', r2.id)).values.name).toBe('Second');
    expect(await b.db.inbox.count()).toBe(0);
  });
});
