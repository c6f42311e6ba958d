/**
 * The vault side: the real Vault class in a dedicated worker, as in the app,
 * with the real default KDF (600,000 PBKDF2 iterations).
 */
import { expose } from 'comlink';
import { Vault } from '../../workers/vault/vault';
import { CHUNK_BYTES } from '../../workers/vault/blob-store';
import { deriveMasterSecret, newKdfParams } from '../../workers/vault/crypto/password-kdf';
import { FILTER_ORGANISATION, SEARCH_WORD, contact, contactId, fileBytes, sampleIndexes } from './data';
import type { Query, QueryResult } from '../../workers/vault/api';
import type { Counted, SubjectInit, ThroughputTiming, UnlockTiming, VaultSubject } from './protocol';
import { batches, timed } from './timing';

const USER = 'bench-user';
const PASSWORD = 'correct horse battery staple';
const TYPE = 'contact';

let vault: Vault | undefined;
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

/** Runs `fn` over [0, count) with at most `width` calls in flight, in order of start. */
async function pooled(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

const api: VaultSubject & { init(init: SubjectInit): Promise<void> } = {
  async init({ dbName, pageKib }) {
    vault = new Vault({ dbName, ...(pageKib ? { pageStore: { pageBytes: pageKib * 1024 } } : {}) });
  },

  async open() {
    if (await v().hasAccounts()) await v().unlock(USER, PASSWORD);
    else await v().createAccount(USER, PASSWORD);
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

  async webcrypto(mib) {
    const bytes = fileBytes(mib << 20, 0xc0ffee);
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const n = Math.ceil(bytes.length / CHUNK_BYTES);
    const ivs = Array.from({ length: n }, () => crypto.getRandomValues(new Uint8Array(12)));
    const sealed: ArrayBuffer[] = new Array(n);
    // Same chunking as the blob store, four in flight (its parallelism): the best the format allows.
    const { ms: write_ms } = await timed(() =>
      pooled(n, 4, async (i) => {
        const chunk = bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
        sealed[i] = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ivs[i]! }, key, chunk);
      }),
    );
    const { ms: read_ms } = await timed(() =>
      pooled(n, 4, async (i) => {
        await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ivs[i]! }, key, sealed[i]!);
      }),
    );
    // One call over the whole buffer, for reference (no per-call overhead at all).
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const { ms: one_shot_ms } = await timed(async () => {
      const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, bytes);
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, ct);
    });
    return { write_ms, read_ms, one_shot_ms };
  },
};

expose(api);
