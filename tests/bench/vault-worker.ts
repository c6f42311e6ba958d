/**
 * The vault side: the real Vault class in a dedicated worker, as in the app,
 * with the real default KDF (600,000 PBKDF2 iterations).
 */
import { expose } from 'comlink';
import { openVaultDb } from '../../workers/common/db';
import { Vault } from '../../workers/vault/vault';
import { deriveMasterSecret, newKdfParams } from '../../workers/vault/crypto/password-kdf';
import { FILTER_ORGANISATION, SEARCH_WORD, contact, contactId, contactUpdate, distinctSample, fileBytes, sampleIndexes } from './data';
import type { Query, QueryResult } from '../../workers/vault/api';
import type { Counted, SubjectInit, ThroughputTiming, UnlockTiming, VaultSubject } from './protocol';
import { idbBlobCeiling, webcryptoCeiling } from './references';
import { batches, timed } from './timing';

const USER = 'bench-user';
const PASSWORD = 'correct horse battery staple';
const TYPE = 'contact';

let vault: Vault | undefined;
let dbName = 'bench-vault';
const v = (): Vault => vault ?? (() => { throw new Error('init first'); })();

/** Drains a stream, keeping the chunks (as a viewer would) so the read is not optimised away. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

function sameBytes(parts: Uint8Array[], want: Uint8Array): boolean {
  let off = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) if (p[i] !== want[off + i]) return false;
    off += p.length;
  }
  return off === want.length;
}

async function query(q: Query): Promise<Counted> {
  let result: QueryResult | undefined;
  const t = await timed(async () => {
    result = await v().query(q);
  });
  return { ...t, total: result!.total, first: result!.items[0]?.id ?? null };
}

const api: VaultSubject & { init(init: SubjectInit): Promise<void> } = {
  async init(init) {
    dbName = init.dbName;
    vault = new Vault({ dbName, ...(init.pageKib ? { pageStore: { pageBytes: init.pageKib * 1024 } } : {}) });
  },

  async open() {
    if (await v().hasAccounts()) return void (await v().unlock(USER, PASSWORD));
    const { userId, active } = await v().createAccount(USER, PASSWORD);
    // What enrollment leaves on the device: a server session. Without it the vault keeps no outbox
    // (a purely local account has nothing to send), which would leave the per-record sealing out.
    const db = openVaultDb(dbName);
    await db.serverSessions.put({ userId, deviceId: crypto.randomUUID(), token: 'bench-offline', groups: [active], cursor: 0, blobCursor: 0 });
    db.close();
    await v().lock();
    await v().unlock(USER, PASSWORD);
  },

  async sent() {
    const db = openVaultDb(dbName);
    await db.outbox.clear();
    db.close();
  },

  async bulkInsert(n, batch) {
    const calls = batches(n, batch, (i) => ({ id: contactId(i), values: { ...contact(i) } }));
    return timed(async () => {
      for (const items of calls) await v().putRecords(TYPE, items);
    });
  },

  async getById(n, count, seed) {
    const ids = sampleIndexes(n, count, seed).map(contactId);
    let found = 0;
    const t = await timed(async () => {
      for (const id of ids) if ((await v().getRecord(TYPE, id)).id === id) found++;
    });
    return { ...t, found };
  },

  scanFilter() {
    return query({ type: TYPE, filters: [{ field: 'organisation', op: 'eq', value: FILTER_ORGANISATION }], limit: 50 });
  },

  search() {
    return query({ type: TYPE, search: SEARCH_WORD, limit: 50 });
  },

  async singlePutStrict(from, count) {
    const records = Array.from({ length: count }, (_, j) => ({ ...contact(from + j) }));
    return timed(async () => {
      // The vault writes every transaction with durability strict (workers/common/db.ts).
      for (const r of records) await v().putRecord(TYPE, r);
    });
  },

  async bulkUpdate(n, count, batch, seed, round) {
    const sample = distinctSample(n, count, seed);
    // The vault's update is a put of the record's values under its id (putRecords replaces the field set;
    // unchanged fields keep their stamps): the full values, two of them changed.
    const calls = batches(count, batch, (k) => {
      const i = sample[k]!;
      return { id: contactId(i), values: { ...contact(i), ...contactUpdate(i, round) } };
    });
    let updated = 0;
    const t = await timed(async () => {
      for (const items of calls) updated += (await v().putRecords(TYPE, items)).length;
    });
    const probe = sample.length ? String((await v().getRecord(TYPE, contactId(sample[0]!))).values.phone ?? '') : null;
    return { ...t, updated, probe };
  },

  settle() {
    return timed(() => v().settle());
  },

  async unlockTimed(): Promise<UnlockTiming> {
    await v().lock();
    const { ms: unlock_ms } = await timed(() => v().unlock(USER, PASSWORD));
    // The KDF alone, exactly as unlock runs it (same function, same default parameters).
    const kdf = async () => (await timed(() => deriveMasterSecret(PASSWORD, newKdfParams()))).ms;
    const kdf_ms = ((await kdf()) + (await kdf())) / 2;
    return { unlock_ms, kdf_ms };
  },

  async attachment(mib): Promise<ThroughputTiming> {
    const bytes = fileBytes(mib << 20, 0xa77ac4);
    const file = new Blob([bytes], { type: 'application/octet-stream' });
    let meta: Awaited<ReturnType<Vault['putAttachment']>> | undefined;
    const { ms: write_ms } = await timed(async () => {
      meta = await v().putAttachment(file, 'bench.bin');
    });
    let parts: Uint8Array[] = [];
    const { ms: read_ms } = await timed(async () => {
      parts = await drain(await v().readAttachment(meta!));
    });
    if (!sameBytes(parts, bytes)) throw new Error('attachment read back different bytes');
    await v().deleteAttachment(meta!.id);
    return { write_ms, read_ms };
  },

  webcrypto: webcryptoCeiling,

  idbBlobs: (mib) => idbBlobCeiling(mib, `${dbName}-blob-ceiling`),
};

expose(api);
