import type { StoredRecord } from '../../src/domain/record';
import { VaultError, isQuotaError } from '../../src/lib/errors';
import type { OutboxRow, PageRow, VaultDb } from '../common/db';
import type { PageKey } from './crypto/keys';
import { INITIAL_HASH_STATE, nextSplit, pageCount, pageOf, type HashState } from './linear-hash';
import type { Mutex } from './mutex';
import { PageCache, cachedPage, type CachedPage } from './page-cache';
import { describeSlot, openJson, readHeader, sealJson, type Slot } from './page-format';
import { decodeRecords, encodeRecords, encodedSize } from './record-codec';

/** Decrypted per-collection manifest (DESIGN §4). */
export interface Manifest extends HashState {
  v: 1;
  /** Live (non-tombstone) records. */
  count: number;
  /** Sum of records' encoded sizes (record-codec.ts): drives splits. */
  bytes: number;
  /** Generation of each page; 0 = never written. A stored page must carry exactly this. */
  gens: number[];
}

export interface PageStoreOptions {
  /** Target page plaintext size; pages split when the average passes loadFactor × this. */
  pageBytes: number;
  loadFactor: number;
  /** Budget of decrypted pages kept in memory. */
  cacheBytes: number;
}

export const DEFAULT_PAGE_STORE_OPTIONS: PageStoreOptions = { pageBytes: 16 * 1024, loadFactor: 0.75, cacheBytes: 48 << 20 };

/** Keys of one partition, by epoch; writes use `current`. */
export interface PartitionKeys {
  current: number;
  byEpoch: ReadonlyMap<number, PageKey>;
}

/** A mutation computed from the current state of the records it names. */
export interface Mutation<R> {
  put?: StoredRecord[];
  remove?: string[];
  result: R;
}

/**
 * Sync bookkeeping that must commit with the pages (DESIGN §6): outbox
 * entries sealed from the records put, and inbox entries the write applied.
 */
export interface SyncWrites {
  /**
   * Seals outbox entries for the records put. Their base sequence is filled
   * in inside the page transaction, from the group row (the partition), so
   * it is exactly what the committed pages reflect and costs no extra
   * transaction per write.
   */
  outbox?: (put: readonly StoredRecord[]) => Promise<Omit<OutboxRow, 'baseSeq'>[]>;
  inboxDone?: readonly number[];
}

/** Raised inside a write when another writer committed first; the write is retried. */
class Stale extends Error {}

const EMPTY_MANIFEST: Manifest = { v: 1, ...INITIAL_HASH_STATE, count: 0, bytes: 0, gens: [0] };
const SCAN_BATCH_PAGES = 128;
const sizeOf = encodedSize;
const isLive = (r: StoredRecord | undefined): boolean => r !== undefined && r.d === undefined;

/**
 * Records of one partition packed into encrypted pages, addressed by linear
 * hashing. Reads go through a decrypted-page cache that validates itself
 * against page generations; writes are serialized by a partition-wide lock
 * and commit pages + manifest in one strict IndexedDB transaction after
 * checking no other tab committed in between.
 */
export class PageStore {
  private manifests = new Map<string, { generation: number; manifest: Manifest }>();
  private cache: PageCache;

  constructor(
    private readonly db: VaultDb,
    readonly partition: string,
    private readonly keys: PartitionKeys,
    private readonly mutex: Mutex,
    private readonly opts: PageStoreOptions = DEFAULT_PAGE_STORE_OPTIONS,
  ) {
    this.cache = new PageCache(opts.cacheBytes);
  }

  /** Forgets cached state of a collection (another tab wrote it) or of all. */
  invalidate(collection?: string): void {
    if (collection === undefined) this.manifests.clear();
    else this.manifests.delete(collection);
    this.cache.clear(collection === undefined ? undefined : `${collection}/`);
  }

  /** Resolves once background upkeep (directory snapshots, compaction) is done. */
  async settle(): Promise<void> {}

  async manifest(collection: string): Promise<Manifest> {
    return (await this.loadManifest(collection)).manifest;
  }

  /** One record by id: reads (at most) one page. */
  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    return this.withFreshRetry(collection, async () => {
      const { manifest } = await this.loadManifest(collection);
      const p = pageOf(id, manifest);
      const page = await this.loadPage(collection, manifest, p);
      return page.get(id);
    });
  }

  /**
   * Visits every stored record (tombstones included) page batch by page
   * batch. A damaged page is skipped and named in the returned list, so the
   * rest of the collection stays readable.
   */
  async scan(collection: string, visit: (records: Iterable<StoredRecord>) => void): Promise<{ damaged: string[] }> {
    return this.withFreshRetry(collection, async () => {
      const { manifest } = await this.loadManifest(collection);
      const damaged: string[] = [];
      const n = pageCount(manifest);
      const read = (start: number) => {
        const rows = this.readPageRange(collection, manifest, start, Math.min(n, start + SCAN_BATCH_PAGES));
        rows.catch(() => undefined); // surfaced when its turn comes
        return rows;
      };
      // IndexedDB reads the next range while this one is decrypted and visited.
      let next = read(0);
      for (let start = 0; start < n; start += SCAN_BATCH_PAGES) {
        const rows = await next;
        if (start + SCAN_BATCH_PAGES < n) next = read(start + SCAN_BATCH_PAGES);
        const pages = await this.decodePageRange(collection, manifest, start, Math.min(n, start + SCAN_BATCH_PAGES), rows, damaged);
        for (const p of pages) visit(p);
      }
      return { damaged };
    });
  }

  /**
   * Read-modify-write of the records `ids` under the partition lock. `fn`
   * sees their current state and returns what to put (every put id must be
   * in `ids`) or remove. Pages, their splits and the manifest commit in one
   * strict transaction; on QuotaExceeded nothing is written.
   */
  async mutate<R>(
    collection: string,
    ids: readonly string[],
    fn: (existing: Map<string, StoredRecord>) => Mutation<R>,
    sync: SyncWrites = {},
  ): Promise<R> {
    return this.mutex.run(`fv:partition:${this.partition}`, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.mutateOnce(collection, ids, fn, sync);
        } catch (e) {
          if (!(e instanceof Stale) || attempt >= 3) throw e instanceof Stale ? new VaultError('Conflict') : e;
          this.invalidate(collection);
        }
      }
    });
  }

  private async mutateOnce<R>(
    collection: string,
    ids: readonly string[],
    fn: (existing: Map<string, StoredRecord>) => Mutation<R>,
    sync: SyncWrites,
  ): Promise<R> {
    const { generation, manifest: m } = await this.loadManifest(collection);
    const working = new Map<number, Map<string, StoredRecord>>();
    const load = async (pages: Iterable<number>) => {
      const missing = [...pages].filter((p) => !working.has(p));
      const loaded = await Promise.all(missing.map((p) => this.loadPage(collection, m, p)));
      missing.forEach((p, i) => working.set(p, new Map(loaded[i])));
    };

    const home = new Map(ids.map((id) => [id, pageOf(id, m)]));
    await load(new Set(home.values()));
    const existing = new Map<string, StoredRecord>();
    for (const [id, p] of home) {
      const r = working.get(p)!.get(id);
      if (r) existing.set(id, r);
    }

    const { put = [], remove = [], result } = fn(existing);
    let { count, bytes } = m;
    const changed: string[] = [];
    for (const id of remove) {
      const p = home.get(id);
      if (p === undefined) throw new TypeError(`"remove" id ${id} was not declared in ids`);
      const old = working.get(p)!.get(id);
      if (!old) continue;
      working.get(p)!.delete(id);
      bytes -= sizeOf(old);
      if (isLive(old)) count--;
      changed.push(id);
    }
    for (const r of put) {
      const p = home.get(r.id);
      if (p === undefined) throw new TypeError(`"put" id ${r.id} was not declared in ids`);
      const page = working.get(p)!;
      const old = page.get(r.id);
      if (old) bytes -= sizeOf(old);
      if (isLive(old)) count--;
      page.set(r.id, r);
      bytes += sizeOf(r);
      if (isLive(r)) count++;
      changed.push(r.id);
    }
    if (changed.length === 0) return result;

    // Grow one split at a time until the average page is under its budget.
    // Only split pages move records; every other page keeps its address.
    let state: HashState = { level: m.level, split: m.split };
    const splitFrom: number[] = [];
    const created: number[] = [];
    while (bytes > pageCount(state) * this.opts.pageBytes * this.opts.loadFactor) {
      const s = nextSplit(state);
      splitFrom.push(s.from);
      created.push(s.to);
      state = s.after;
    }
    const dirty = new Set<number>(home.values());
    if (splitFrom.length) {
      await load(splitFrom.filter((p) => p < pageCount(m)));
      const moving: StoredRecord[] = [];
      for (const p of splitFrom) {
        for (const r of working.get(p)?.values() ?? []) moving.push(r);
        working.set(p, new Map());
        dirty.add(p);
      }
      for (const p of created) {
        working.set(p, new Map());
        dirty.add(p);
      }
      for (const r of moving) working.get(pageOf(r.id, state))!.set(r.id, r);
    }

    const gens = m.gens.slice();
    for (let p = gens.length; p < pageCount(state); p++) gens[p] = 0;
    const { current: epoch } = this.keys;
    const key = this.currentKey();
    const dirtyList = [...dirty];
    const pagesSealed = Promise.all(
      dirtyList.map(async (p) => {
        const json = encodeRecords(working.get(p)!.values());
        const g = gens[p]! + 1;
        gens[p] = g;
        return { p, g, json, data: await sealJson(key, this.slot(collection, p), epoch, g, json) };
      }),
    );
    const next: Manifest = { v: 1, level: state.level, split: state.split, count, bytes, gens };
    const nextGen = generation + 1;
    // Pages, manifest and outbox entries are sealed concurrently: each await
    // is a trip to WebCrypto's threads, and a single put would pay three in a row.
    const [sealed, manifestData, outbox] = await Promise.all([
      pagesSealed,
      sealJson(key, this.slot(collection, null), epoch, nextGen, JSON.stringify(next)),
      sync.outbox ? sync.outbox(put) : [],
    ]);

    try {
      const tables = [this.db.pages, this.db.manifests, this.db.outbox, this.db.inbox, this.db.groups];
      await this.db.transaction('rw', tables, async () => {
        const [row, group] = await Promise.all([
          this.db.manifests.get([this.partition, collection]),
          outbox.length ? this.db.groups.get(this.partition) : undefined,
        ]);
        const stored = row ? readHeader(row.data, this.slot(collection, null)).generation : 0;
        if (stored !== generation) throw new Stale();
        const baseSeq = group?.appliedSeq ?? 0;
        // Issued together: IndexedDB runs a transaction's requests in order
        // anyway, and not awaiting each one saves a round trip per request.
        await Promise.all([
          this.db.pages.bulkPut(sealed.map(({ p, data }) => ({ partition: this.partition, collection, page: p, data }))),
          this.db.manifests.put({ partition: this.partition, collection, data: manifestData }),
          outbox.length ? this.db.outbox.bulkAdd(outbox.map((o) => ({ ...o, baseSeq }))) : undefined,
          sync.inboxDone?.length ? this.db.inbox.bulkDelete([...sync.inboxDone]) : undefined,
        ]);
      });
    } catch (e) {
      if (e instanceof Stale) throw e;
      if (isQuotaError(e)) throw new VaultError('QuotaExceeded', `writing ${collection}`);
      throw e;
    }

    // Committed: only now does in-memory state follow.
    this.manifests.set(collection, { generation: nextGen, manifest: next });
    for (const { p, g, json } of sealed)
      this.cache.set(this.cacheKey(collection, p), cachedPage(g, [...working.get(p)!.values()], json.length, working.get(p)!));
    return result;
  }

  private currentKey(): PageKey {
    const k = this.keys.byEpoch.get(this.keys.current);
    if (!k) throw new VaultError('Locked');
    return k;
  }

  private slot(collection: string, page: number | null): Slot {
    return { partition: this.partition, collection, page };
  }

  private cacheKey(collection: string, page: number): string {
    return `${collection}/${page}`;
  }

  private keyFor = (epoch: number): PageKey | undefined => this.keys.byEpoch.get(epoch);

  private async loadManifest(collection: string): Promise<{ generation: number; manifest: Manifest }> {
    const cached = this.manifests.get(collection);
    if (cached) return cached;
    const row = await this.db.manifests.get([this.partition, collection]);
    let entry: { generation: number; manifest: Manifest };
    if (!row) entry = { generation: 0, manifest: EMPTY_MANIFEST };
    else {
      const { header, value } = await openJson<Manifest>(this.keyFor, this.slot(collection, null), row.data as Uint8Array<ArrayBuffer>);
      entry = { generation: header.generation, manifest: value };
    }
    this.manifests.set(collection, entry);
    return entry;
  }

  /** Decrypts and caches a page; `scanning` only offers it to the cache (see PageCache.offer). */
  private decodePage(collection: string, page: number, expected: number, data: Uint8Array<ArrayBuffer>, scanning = false): Promise<CachedPage> {
    const slot = this.slot(collection, page);
    return openJson<unknown>(this.keyFor, slot, data).then(({ header, value }) => {
      if (header.generation !== expected) {
        // Either our manifest is older than another tab's write (retry with
        // a fresh one), or an old copy of the page was put back (rollback).
        throw new Stale(`${describeSlot(slot)} generation ${header.generation}, expected ${expected}`);
      }
      let list: StoredRecord[];
      try {
        list = decodeRecords(value, header.version);
      } catch {
        throw new VaultError('Tampered', `${describeSlot(slot)} content`);
      }
      const entry = cachedPage(expected, list, data.length);
      if (scanning) this.cache.offer(this.cacheKey(collection, page), entry);
      else this.cache.set(this.cacheKey(collection, page), entry);
      return entry;
    });
  }

  private async loadPage(collection: string, m: Manifest, page: number): Promise<ReadonlyMap<string, StoredRecord>> {
    const g = m.gens[page] ?? 0;
    if (g === 0) return new Map();
    const hit = this.cache.get(this.cacheKey(collection, page), g);
    if (hit) return hit.byId();
    const row = await this.db.pages.get([this.partition, collection, page]);
    if (!row) throw new VaultError('Tampered', `${describeSlot(this.slot(collection, page))} is missing`);
    return (await this.decodePage(collection, page, g, row.data as Uint8Array<ArrayBuffer>)).byId();
  }

  /** Stored rows of pages [start, end) in one ranged read, or null when every page is cached. */
  private async readPageRange(collection: string, m: Manifest, start: number, end: number): Promise<Map<number, PageRow> | null> {
    let needsRead = false;
    for (let p = start; p < end && !needsRead; p++) {
      const g = m.gens[p] ?? 0;
      if (g !== 0 && !this.cache.has(this.cacheKey(collection, p), g)) needsRead = true;
    }
    if (!needsRead) return null;
    const rows = await this.db.pages
      .where('[partition+collection+page]')
      .between([this.partition, collection, start], [this.partition, collection, end], true, false)
      .toArray();
    return new Map(rows.map((r) => [r.page, r]));
  }

  /**
   * Decrypted pages [start, end): cached ones as they are, the rest from
   * `rows` (or read one by one when the range was not read because it was
   * all cached, and something has been evicted since). A missing or damaged
   * page is named in `damaged` and skipped.
   */
  private async decodePageRange(
    collection: string,
    m: Manifest,
    start: number,
    end: number,
    rows: Map<number, PageRow> | null,
    damaged: string[],
  ): Promise<(readonly StoredRecord[])[]> {
    const out: (readonly StoredRecord[])[] = [];
    const pending: Promise<void>[] = [];
    for (let p = start; p < end; p++) {
      const g = m.gens[p] ?? 0;
      if (g === 0) continue;
      const hit = this.cache.get(this.cacheKey(collection, p), g);
      if (hit) {
        out.push(hit.list);
        continue;
      }
      const row = rows ? rows.get(p) : await this.db.pages.get([this.partition, collection, p]);
      if (!row) {
        damaged.push(`${describeSlot(this.slot(collection, p))} is missing`);
        continue;
      }
      pending.push(
        this.decodePage(collection, p, g, row.data as Uint8Array<ArrayBuffer>, true).then(
          (e) => void out.push(e.list),
          (e: unknown) => {
            if (e instanceof VaultError && e.code === 'Tampered') damaged.push(e.detail ?? describeSlot(this.slot(collection, p)));
            else throw e;
          },
        ),
      );
    }
    await Promise.all(pending);
    return out;
  }

  /**
   * Runs a read; if a page is newer or older than the cached manifest says,
   * re-reads the manifest once. A second mismatch is a rolled-back page.
   */
  private async withFreshRetry<T>(collection: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof Stale)) throw e;
      this.invalidate(collection);
      try {
        return await read();
      } catch (e2) {
        if (e2 instanceof Stale) throw new VaultError('Tampered', e2.message);
        throw e2;
      }
    }
  }
}
