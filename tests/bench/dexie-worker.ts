/**
 * The baseline: plain, unencrypted Dexie in a dedicated worker, one table of
 * contacts keyed by id and no other index (the vault has none either).
 */
import { expose } from 'comlink';
import Dexie, { type EntityTable } from 'dexie';
import { FILTER_ORGANISATION, SEARCH_WORD, contact, contactId, contactText, contactUpdate, distinctSample, sampleIndexes, type Contact } from './data';
import type { Counted, DexieSyncSubject, Subject, SubjectInit } from './protocol';
import { batches, timed } from './timing';

type Row = Contact & { id: string };
type Db = Dexie & { contacts: EntityTable<Row, 'id'> };

function openDb(name: string, durability: 'default' | 'strict'): Db {
  const db = new Dexie(name, { chromeTransactionDurability: durability }) as Db;
  db.version(1).stores({ contacts: 'id' });
  return db;
}

let db: Db | undefined;
let strict: Db | undefined;
const d = (): Db => db ?? (() => { throw new Error('init first'); })();

const row = (i: number): Row => ({ id: contactId(i), ...contact(i) });
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/**
 * What the vault's query does, done the fastest plain way: read every row
 * with one getAll (Dexie's toArray without a filter), match in JS, sort by
 * name, keep 50. (Dexie's own `.filter()` walks a cursor and is slower, which
 * would flatter the vault.)
 */
async function matching(pred: (r: Row) => boolean): Promise<Counted> {
  let total = 0;
  let page: Row[] = [];
  const t = await timed(async () => {
    const hits = (await d().contacts.toArray()).filter(pred);
    hits.sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    page = hits.slice(0, 50);
    total = hits.length;
  });
  return { ...t, total, first: page[0]?.id ?? null };
}

const api: Subject & DexieSyncSubject & { init(init: SubjectInit): Promise<void> } = {
  async init({ dbName }) {
    db = openDb(dbName, 'default');
    strict = openDb(dbName, 'strict');
  },

  async open() {
    await d().open();
  },

  async bulkInsert(n, batch) {
    const calls = batches(n, batch, row);
    return timed(async () => {
      for (const rows of calls) await d().contacts.bulkAdd(rows);
    });
  },

  async getById(n, count, seed) {
    const ids = sampleIndexes(n, count, seed).map(contactId);
    let found = 0;
    const t = await timed(async () => {
      for (const id of ids) if ((await d().contacts.get(id))?.id === id) found++;
    });
    return { ...t, found };
  },

  scanFilter() {
    const want = FILTER_ORGANISATION.toLocaleLowerCase();
    return matching((r) => r.organisation.toLocaleLowerCase() === want);
  },

  search() {
    const w = SEARCH_WORD.toLocaleLowerCase();
    return matching((r) => contactText(r).includes(w));
  },

  async singlePutStrict(from, count) {
    const rows = Array.from({ length: count }, (_, j) => row(from + j));
    return timed(async () => {
      for (const r of rows) await strict!.contacts.put(r);
    });
  },

  async bulkUpdate(n, count, batch, seed, round) {
    const sample = distinctSample(n, count, seed);
    // Dexie's own read-modify-write: bulkUpdate reads each row, applies `changes`, writes it back, in one transaction per call.
    const calls = batches(count, batch, (k) => ({ key: contactId(sample[k]!), changes: contactUpdate(sample[k]!, round) }));
    let updated = 0;
    const t = await timed(async () => {
      for (const changes of calls) updated += await d().contacts.bulkUpdate(changes);
    });
    const probe = sample.length ? ((await d().contacts.get(contactId(sample[0]!)))?.phone ?? null) : null;
    return { ...t, updated, probe };
  },

  async settle() {
    return { ms: 0 };
  },

  async bulkPut(n, batch) {
    const calls = batches(n, batch, row);
    return timed(async () => {
      for (const rows of calls) await d().contacts.bulkPut(rows);
    });
  },
};

expose(api);
