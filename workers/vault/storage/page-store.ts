import type { Matcher } from '../../../src/domain/query-match';
import type { StoredRecord } from '../../../src/domain/record';
import { VaultError, isQuotaError } from '../../../src/lib/errors';
import type { GroupRow, ManifestRow, OutboxRow, PageRow, VaultDb } from '../../common/db';
import { getRows, strictWrite } from '../../common/raw-idb';
import { retireInboxRows, type InboxOutcome } from '../../common/inbox-rows';
import type { PageKey } from '../crypto/keys';
import { planAppend, type AppendPlan } from './append';
import { decodeDirectory, encodeDirectory, type Directory } from './directory';
import { readLegacyCollection } from './legacy-v2';
import { EMPTY_MANIFEST, decodeManifest, encodeManifest, findPage, type Manifest, type PageInfo } from './manifest';
import type { Mutex } from './mutex';
import { PageCache, type CachedPage } from './page-cache';
import { FORMAT_VERSION, describeSlot, openJson, readHeader, sealJson, type Slot } from './sealed-item';
import { PageBody, PageBuilder } from './record-codec';

export interface PageStoreOptions {
  /** Target page plaintext size (JSON bytes; padded to 4 KiB when sealed). */
  pageBytes: number;
  /** Budget of decrypted pages kept in memory. */
  cacheBytes: number;
}

export const DEFAULT_PAGE_STORE_OPTIONS: PageStoreOptions = { pageBytes: 16 * 1024, cacheBytes: 48 << 20 };

/** Keys of one partition, by epoch; writes use `current`. */
export interface PartitionKeys {
  current: number;
  byEpoch: ReadonlyMap<number, PageKey>;
}

/** A mutation computed from the current state of the records it names. Deletes are tombstones (put). */
export interface Mutation<R> {
  put?: StoredRecord[];
  result: R;
}

/** Sync bookkeeping that commits with the pages (DESIGN §6). */
export interface SyncWrites {
  /**
   * Seals the write's outbox row from the records put. Its base sequence is
   * filled in here and checked inside the page transaction against the
   * group row, so it is exactly what the committed pages reflect.
   */
  outbox?: (put: readonly StoredRecord[]) => Promise<Omit<OutboxRow, 'baseSeq'> | undefined>;
  /** Inbox rows this write applied: deleted, or stored again with what is left of them. */
  inbox?: InboxOutcome;
}

/** Raised inside a read or write when another writer committed first. */
class Stale extends Error {}

/** A collection as held in memory while unlocked. */
interface State {
  /** Generation of the stored manifest this state reflects. */
  generation: number;
  manifest: Manifest;
  dir: Directory;
  /** The decrypted last page (the open tail), once read. */
  tail: PageBuilder | null;
  /** Pages replay could not read: the records whose current version they hold are missing (scans name them). */
  damaged: string[];
}

const SCAN_BATCH_PAGES = 64;
/** A tail this close to the budget is closed: new records start a new page instead of re-sealing a full one. */
const TAIL_ROOM = 512;
/** A page whose share of current records falls below this is compacted. */
const COMPACT_BELOW = 0.5;
/** Pages rewritten per compaction step (one transaction, one lock hold). */
const COMPACT_STEP_PAGES = 32;
/** A directory snapshot is not worth writing while fewer pages than this would be replayed at load. */
const SNAPSHOT_MIN_REPLAY_PAGES = 64;
/** Quiet time after the last write before upkeep runs. */
const UPKEEP_IDLE_MS = 250;

/**
 * One partition's records in a log of encrypted pages (DESIGN §4). A write
 * appends its records to the open tail page and to new pages as it fills;
 * an in-memory directory says which page holds each record's current
 * version. The directory is persisted as an encrypted snapshot plus the
 * pages written after it; compaction rewrites mostly-dead pages in the
 * background. Writes are serialized by a partition-wide lock and commit
 * pages, manifest, outbox and inbox in one strict IndexedDB transaction that
 * also checks, without an awaited round trip, that no other tab committed
 * in between.
 */
export class PageStore {
  private states = new Map<string, Promise<State>>();
  /** Collections another tab committed to: refreshed (incrementally) at next use. */
  private stale = new Set<string>();
  private cache: PageCache;
  /** The group's applied server sequence as last read, the base of outbox rows (checked in each write). */
  private baseSeq: number | undefined;
  private upkeep: Promise<void> = Promise.resolve();
  private upkeepDue = new Set<string>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly db: VaultDb,
    readonly partition: string,
    private readonly keys: PartitionKeys,
    private readonly mutex: Mutex,
    private readonly opts: PageStoreOptions = DEFAULT_PAGE_STORE_OPTIONS,
  ) {
    this.cache = new PageCache(opts.cacheBytes);
  }

  /** Marks a collection (another tab wrote it) or all of them (pages were rebuilt) for refresh. */
  invalidate(collection?: string): void {
    this.baseSeq = undefined;
    if (collection === undefined) {
      this.states.clear();
      this.stale.clear();
      this.cache.clear();
    } else this.stale.add(collection);
  }

  /** Stops background upkeep; the session that owned this store ended. */
  close(): void {
    this.closed = true;
  }

  /** Resolves once background upkeep (directory snapshots, compaction) has caught up. */
  async settle(): Promise<void> {
    await this.runUpkeep();
  }

  /** Loads collections ahead of use (unlock): their directories are read now rather than at the first query. */
  async preload(collections: readonly string[]): Promise<void> {
    await Promise.all(collections.map((c) => this.read(c, async () => undefined)));
  }

  async stats(collection: string): Promise<{ records: number; pages: number }> {
    const m = await this.manifest(collection);
    return { records: m.count, pages: m.pages.length };
  }

  /** The current manifest (tests and diagnostics). */
  async manifest(collection: string): Promise<Manifest> {
    return (await this.read(collection, async (st) => st)).manifest;
  }

  /**
   * One record by id (tombstones included): a directory lookup and at most
   * one page. Tampered if its page is damaged, or if the id is unknown while
   * a page the directory was rebuilt from is damaged (it may have been there).
   */
  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    return this.read(collection, async (st) => {
      const seq = st.dir.get(id);
      // Unknown, unless it was on a page replay could not read.
      if (seq === undefined) {
        if (st.damaged.length) throw new VaultError('Tampered', st.damaged[0]);
        return undefined;
      }
      const r = st.tail && seq === lastSeq(st.manifest) ? st.tail.get(id) : (await this.page(collection, st, seq)).body.find(id);
      // The directory names a page without the record: a state older than another tab's commit, or a forged directory.
      if (!r) throw new Stale(`${describeSlot(this.slot(collection, 'page', seq))} lacks a record its directory names`);
      return r;
    });
  }

  /**
   * Visits the current version of every record (tombstones included) that
   * `match` accepts (all when there is none), page batch by page batch;
   * matching runs on the pages' rows, so records that do not match are
   * never built. A damaged page is skipped and named in the returned list,
   * so the rest of the collection stays readable.
   */
  async scan(collection: string, visit: (records: Iterable<StoredRecord>) => void, match?: Matcher): Promise<{ damaged: string[] }> {
    // Visited once the whole pass succeeded: a pass retried after another tab's commit must not visit twice.
    const found: (readonly StoredRecord[])[] = [];
    const result = await this.read(collection, async (st) => {
      found.length = 0;
      await this.forEachPage(collection, st, st.manifest.pages, (info, page) => {
        if (!page) return;
        const { body } = page;
        // A page's older copies of records written again later are dead space, not results.
        const keep = info.cur === info.n ? undefined : (id: string) => st.dir.get(id) === info.seq;
        found.push(match ? body.select(match, keep) : keep ? body.all().filter((r) => keep(r.id)) : body.all());
      });
      return { damaged: [...new Set([...(st.manifest.damaged ?? []), ...st.damaged])] };
    });
    for (const list of found) visit(list);
    return result;
  }

  /**
   * Read-modify-write of the records `ids` under the partition lock. `fn`
   * sees their current state and returns what to put (every put id must be
   * in `ids`). New pages, the manifest and the sync rows commit in one
   * strict transaction; on QuotaExceeded nothing is written, on disk or in
   * memory.
   */
  async mutate<R>(
    collection: string,
    ids: readonly string[],
    fn: (existing: Map<string, StoredRecord>) => Mutation<R>,
    sync: SyncWrites = {},
  ): Promise<R> {
    return this.exclusive(async () => {
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
    const st = await this.state(collection, true);
    const tail = await this.openTail(collection, st);
    const existing = await this.current(collection, st, tail, ids);
    const { put = [], result } = fn(new Map(existing));
    const declared = new Set(ids);
    for (const r of put) if (!declared.has(r.id)) throw new TypeError(`"put" id ${r.id} was not declared in ids`);
    if (put.length === 0) return result;
    const gen = st.generation + 1;
    const plan = planAppend({ manifest: st.manifest, dir: st.dir, tail, put, previous: existing, gen, limit: this.opts.pageBytes });
    await this.commit(collection, st, plan, { sync, put });
    return result;
  }

  /** The current versions of `ids`: from the tail in memory, else one read per distinct page. */
  private async current(collection: string, st: State, tail: PageBuilder | null, ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const out = new Map<string, StoredRecord>();
    const bySeq = new Map<number, string[]>();
    const tailSeq = lastSeq(st.manifest);
    for (const id of ids) {
      const seq = st.dir.get(id);
      if (seq === undefined) continue;
      if (tail && seq === tailSeq) {
        const r = tail.get(id);
        if (r) out.set(id, r);
      } else {
        let list = bySeq.get(seq);
        if (!list) bySeq.set(seq, (list = []));
        list.push(id);
      }
    }
    // Every page the write touches in one read (an update of 1,000 records touches hundreds).
    const infos = [...bySeq.keys()].map((seq) => this.pageInfo(collection, st, seq));
    const rows = await this.readPages(collection, infos);
    await Promise.all(
      infos.map(async (info) => {
        const { body } = await this.pageFromRows(collection, st, info, rows);
        for (const id of bySeq.get(info.seq)!) {
          const r = body.find(id);
          if (!r) throw new VaultError('Tampered', `${describeSlot(this.slot(collection, 'page', info.seq))} lacks a record its directory names`);
          out.set(id, r);
        }
      }),
    );
    return out;
  }

  /** The open tail as a builder to append to, or null when there is none or it is full. */
  private async openTail(collection: string, st: State): Promise<PageBuilder | null> {
    const last = st.manifest.pages[st.manifest.pages.length - 1];
    if (!last) return null;
    if (!st.tail) {
      const page = await this.page(collection, st, last.seq);
      const b = new PageBuilder();
      for (const r of page.body.all()) if (st.dir.get(r.id) === last.seq) b.set(r);
      st.tail = b;
    }
    return st.tail.size < this.opts.pageBytes - TAIL_ROOM ? st.tail : null;
  }

  /**
   * Seals and commits a plan: new pages, the manifest, and what else goes
   * with it (sync rows, a directory snapshot), in one strict transaction
   * whose first request checks that the stored manifest is still the one
   * the plan was made from. Memory follows only after the commit.
   */
  private async commit(
    collection: string,
    st: State,
    plan: AppendPlan,
    extra: { sync?: SyncWrites; put?: readonly StoredRecord[]; snapshot?: { bodies: string[]; old: number } },
  ): Promise<void> {
    const gen = st.generation + 1;
    const key = this.currentKey();
    const epoch = this.keys.current;
    const texts = plan.pages.map((p) => p.builder.finish());
    const manifest = plan.manifest;
    const needsBase = extra.sync?.outbox !== undefined;
    // Every seal at once: each await is a trip to WebCrypto's threads.
    const [sealed, manifestData, dirData, outbox, baseSeq] = await Promise.all([
      Promise.all(plan.pages.map((p, i) => sealJson(key, this.slot(collection, 'page', p.seq), epoch, gen, texts[i]!))),
      sealJson(key, this.slot(collection, 'manifest'), epoch, gen, encodeManifest(manifest)),
      Promise.all((extra.snapshot?.bodies ?? []).map((b, i) => sealJson(key, this.slot(collection, 'dir', i), epoch, manifest.snap!.gen, b))),
      extra.sync?.outbox && extra.put ? extra.sync.outbox(extra.put) : undefined,
      needsBase ? this.appliedSeq() : undefined,
    ]);
    const p = this.partition;
    const inbox = extra.sync?.inbox;
    const snap = extra.snapshot;
    const stores = ['pages', 'manifests', ...(snap ? ['directory'] : []), ...(outbox || needsBase ? ['outbox', 'groups'] : []), ...(inbox ? ['inbox', 'groups'] : [])];
    try {
      await strictWrite(this.db, stores, (tx) => {
        // Issued before the writes, not awaited: this check sees the state before
        // them, and failing it aborts all of them.
        tx.get('manifests', [p, collection], (row) => {
          const stored = row ? readHeader((row as ManifestRow).data, this.slot(collection, 'manifest')).generation : 0;
          if (stored !== st.generation) tx.fail(new Stale());
        });
        if (needsBase) tx.get('groups', p, (group) => ((group as GroupRow | undefined)?.appliedSeq ?? 0) !== baseSeq && tx.fail(new Stale()));
        plan.pages.forEach(({ seq }, i) => tx.put('pages', { partition: p, collection, page: seq, data: sealed[i]! }));
        for (const seq of plan.drop) tx.delete('pages', [p, collection, seq]);
        tx.put('manifests', { partition: p, collection, data: manifestData });
        dirData.forEach((data, i) => tx.put('directory', { partition: p, collection, page: i, data }));
        if (snap) for (const i of range(dirData.length, snap.old)) tx.delete('directory', [p, collection, i]);
        if (outbox) tx.add('outbox', { ...outbox, baseSeq: baseSeq ?? 0 });
        if (inbox) retireInboxRows(tx, inbox);
      });
    } catch (e) {
      if (e instanceof Stale) throw e;
      if (isQuotaError(e)) throw new VaultError('QuotaExceeded', `writing ${collection}`);
      throw e;
    }

    // Committed: only now does memory follow.
    if (!plan.pages.length && lastSeq(manifest) !== lastSeq(st.manifest)) st.tail = null;
    st.generation = gen;
    st.manifest = manifest;
    for (const { seq, builder } of plan.pages) for (const r of builder.records()) st.dir.set(r.id, seq);
    const last = plan.pages[plan.pages.length - 1];
    if (last) st.tail = last.builder;
    plan.pages.forEach(({ seq, builder }, i) => {
      this.cache.set(this.cacheKey(collection, seq), { generation: gen, body: PageBody.of(builder.records()), bytes: texts[i]!.length });
    });
    this.scheduleUpkeep(collection);
  }

  private currentKey(): PageKey {
    const k = this.keys.byEpoch.get(this.keys.current);
    if (!k) throw new VaultError('Locked');
    return k;
  }

  private async appliedSeq(): Promise<number> {
    return (this.baseSeq ??= (await this.db.groups.get(this.partition))?.appliedSeq ?? 0);
  }

  private slot(collection: string, kind: 'page' | 'dir', n: number): Slot;
  private slot(collection: string, kind: 'manifest'): Slot;
  private slot(collection: string, kind: 'page' | 'dir' | 'manifest', n = 0): Slot {
    return kind === 'manifest' ? { partition: this.partition, collection, kind } : { partition: this.partition, collection, kind, n };
  }

  private cacheKey(collection: string, seq: number): string {
    return `${collection}/${seq}`;
  }

  private keyFor = (epoch: number): PageKey | undefined => this.keys.byEpoch.get(epoch);

  /** Runs `fn` holding the partition's write lock (writes, upkeep, migration, and work such as a rebuild that must not interleave with them). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(`fv:partition:${this.partition}`, fn);
  }

  /**
   * Empties collections (a full sync rebuilds them from the server's copy).
   * The caller holds the lock (exclusive()). It is a commit like any other:
   * the generation and the page numbers go on, and the manifest records the
   * reset so other tabs reload rather than refresh.
   */
  async truncate(collections: readonly string[]): Promise<void> {
    for (const collection of collections) {
      const st = await this.state(collection, true);
      const m = st.manifest;
      if (!m.pages.length && !m.snap && !m.damaged?.length) continue; // already empty
      const plan: AppendPlan = {
        pages: [],
        drop: m.pages.map((p) => p.seq),
        manifest: { v: 3, next: m.next, count: 0, pages: [], snap: null, reset: st.generation + 1 },
      };
      await this.commit(collection, st, plan, { snapshot: { bodies: [], old: m.snap?.pages ?? 0 } });
      st.dir.clear();
      st.tail = null;
      st.damaged = [];
    }
  }

  // ------------------------------------------------------------ loading

  /** The collection's state, loaded once and refreshed after other tabs' commits. */
  private state(collection: string, haveLock = false): Promise<State> {
    let p = this.states.get(collection);
    if (p && this.stale.has(collection)) {
      this.stale.delete(collection);
      const before = p;
      p = before.then((old) => this.refresh(collection, old, haveLock), () => this.load(collection, haveLock));
    } else if (!p) p = this.load(collection, haveLock);
    this.states.set(collection, p);
    p.catch(() => {
      if (this.states.get(collection) === p) this.states.delete(collection);
    });
    return p;
  }

  private async readManifest(collection: string): Promise<{ generation: number; manifest: Manifest; version: number } | null> {
    const row = await this.db.manifests.get([this.partition, collection]);
    if (!row) return null;
    const slot = this.slot(collection, 'manifest');
    const header = readHeader(row.data, slot);
    if (header.version < FORMAT_VERSION) return { generation: header.generation, manifest: EMPTY_MANIFEST, version: header.version };
    const { value } = await openJson<unknown>(this.keyFor, slot, row.data as Uint8Array<ArrayBuffer>);
    try {
      return { generation: header.generation, manifest: decodeManifest(value), version: header.version };
    } catch {
      throw new VaultError('Tampered', `${describeSlot(slot)} content`);
    }
  }

  /** Full load: the manifest, the directory snapshot, then the pages written after it replayed over it. */
  private async load(collection: string, haveLock: boolean): Promise<State> {
    const read = await this.readManifest(collection);
    if (read && read.version < FORMAT_VERSION) {
      // Only a holder of the lock migrates. A load without it must not wait for the lock: a
      // writer holding it may be waiting for this very load. read() retries under the lock.
      if (!haveLock) throw new Stale(`${describeSlot(this.slot(collection, 'manifest'))} is in an older format`);
      await this.migrate(collection);
      return this.load(collection, haveLock);
    }
    if (!read) return { generation: 0, manifest: EMPTY_MANIFEST, dir: new Map(), tail: null, damaged: [] };
    const { generation, manifest } = read;
    const dir: Directory = new Map();
    const p = this.partition;
    const [snapshotRows, beyond] = await Promise.all([
      manifest.snap ? this.db.directory.bulkGet(range(0, manifest.snap.pages).map((i) => [p, collection, i] as [string, string, number])) : [],
      // Pages and manifest commit together, so a stored page past `next` means the manifest was put back from an older copy.
      this.db.pages.where('[partition+collection+page]').between([p, collection, manifest.next], [p, collection, Infinity]).count(),
    ]);
    if (beyond > 0) throw new VaultError('Tampered', `${describeSlot(this.slot(collection, 'manifest'))} is older than its pages`);
    if (manifest.snap) {
      const snap = manifest.snap;
      const bodies = await Promise.all(
        snapshotRows.map(async (row, i) => {
          const slot = this.slot(collection, 'dir', i);
          if (!row) throw new VaultError('Tampered', `${describeSlot(slot)} is missing`);
          const { header, value } = await openJson<unknown>(this.keyFor, slot, row.data as Uint8Array<ArrayBuffer>);
          if (header.generation !== snap.gen) throw new VaultError('Tampered', `${describeSlot(slot)} generation ${header.generation}, expected ${snap.gen}`);
          return value;
        }),
      );
      try {
        for (const b of bodies) decodeDirectory(b, dir);
      } catch {
        throw new VaultError('Tampered', `directory ${collection} content`);
      }
    }
    const st: State = { generation, manifest, dir, tail: null, damaged: [] };
    await this.replay(collection, st, manifest.snap?.upto ?? 0);
    // E.g. a bulk import whose tab closed before its upkeep ran: the next load should not replay it all again.
    if (this.snapshotDue(st) || manifest.pages.some(compactable)) this.scheduleUpkeep(collection);
    return st;
  }

  /** After another tab's commit: only the pages written since are read (seqs are never reused). */
  private async refresh(collection: string, old: State, haveLock: boolean): Promise<State> {
    const read = await this.readManifest(collection);
    // Gone, older, or emptied by a rebuild since: the old directory says nothing about it.
    if (!read || read.version < FORMAT_VERSION || read.manifest.next < old.manifest.next || read.manifest.reset !== old.manifest.reset) return this.load(collection, haveLock);
    if (read.generation === old.generation) return old;
    // A copy: reads and writes still running on the old state must see the directory that matches its manifest.
    const st: State = { generation: read.generation, manifest: read.manifest, dir: new Map(old.dir), tail: null, damaged: [...old.damaged] };
    // Only the last page is ever written: everything new is on the old tail or after it.
    await this.replay(collection, st, openFrom(old.manifest));
    return st;
  }

  /**
   * Sets the directory entries of every record on pages with seq ≥ `from`,
   * in log order. A damaged page is skipped and named: the rest of the
   * collection stays readable, and scans report it.
   */
  private async replay(collection: string, st: State, from: number): Promise<void> {
    await this.forEachPage(collection, st, st.manifest.pages.filter((x) => x.seq >= from), (info, page) => {
      for (let k = 0; k < (page?.body.count ?? 0); k++) st.dir.set(page!.body.id(k), info.seq);
    });
  }

  /**
   * Visits the decrypted pages of `pages` (ascending in the manifest) in
   * order, a batch at a time, IndexedDB reading the next batch while this
   * one is decrypted. A damaged page is visited as null; it is named in
   * st.damaged (noteDamage), so the rest of the collection stays readable.
   */
  private async forEachPage(collection: string, st: State, pages: readonly PageInfo[], visit: (info: PageInfo, page: CachedPage | null) => void): Promise<void> {
    const read = (start: number) => {
      const rows = this.readRange(collection, pages.slice(start, start + SCAN_BATCH_PAGES));
      rows.catch(() => undefined); // surfaced when its turn comes
      return rows;
    };
    let next = read(0);
    for (let start = 0; start < pages.length; start += SCAN_BATCH_PAGES) {
      const rows = await next;
      if (start + SCAN_BATCH_PAGES < pages.length) next = read(start + SCAN_BATCH_PAGES);
      const batch = pages.slice(start, start + SCAN_BATCH_PAGES);
      const decoded = await Promise.all(batch.map((info) => this.pageFromRows(collection, st, info, rows).catch(skipDamaged)));
      decoded.forEach((page, i) => visit(batch[i]!, page));
    }
  }

  // ------------------------------------------------------------ pages

  /** A decrypted page of the state's manifest, from the cache or from disk. */
  private async page(collection: string, st: State, seq: number): Promise<CachedPage> {
    const info = this.pageInfo(collection, st, seq);
    const hit = this.cache.get(this.cacheKey(collection, seq), info.gen);
    if (hit) return hit;
    const [row] = await getRows<PageRow>(this.db, 'pages', [[this.partition, collection, seq]]);
    if (!row) throw new Stale(`${describeSlot(this.slot(collection, 'page', seq))} is missing`);
    return this.decode(collection, info, row.data as Uint8Array<ArrayBuffer>, false).catch((e: unknown) => noteDamage(st, e));
  }

  private async pageFromRows(collection: string, st: State, info: PageInfo, rows: Map<number, PageRow> | null): Promise<CachedPage> {
    const hit = this.cache.get(this.cacheKey(collection, info.seq), info.gen);
    if (hit) return hit;
    const row = rows?.get(info.seq);
    if (!row) return this.page(collection, st, info.seq);
    return this.decode(collection, info, row.data as Uint8Array<ArrayBuffer>, true).catch((e: unknown) => noteDamage(st, e));
  }

  /** Decrypts and caches a page; `scanning` only offers it to the cache (see PageCache.offer). */
  private async decode(collection: string, info: PageInfo, data: Uint8Array<ArrayBuffer>, scanning: boolean): Promise<CachedPage> {
    const slot = this.slot(collection, 'page', info.seq);
    const { header, value } = await openJson<unknown>(this.keyFor, slot, data);
    // Older formats are read only by the migration (legacy-v2.ts), never as part of a log.
    if (header.version !== FORMAT_VERSION) throw new VaultError('Tampered', `${describeSlot(slot)} format v${header.version} in a v${FORMAT_VERSION} log`);
    // A page carries the generation of the commit that last wrote it (only the tail is ever rewritten): another one is an old copy put back.
    if (header.generation !== info.gen) throw new Stale(`${describeSlot(slot)} generation ${header.generation}, expected ${info.gen}`);
    let body: PageBody;
    try {
      body = PageBody.parse(value, header.version);
    } catch {
      throw new VaultError('Tampered', `${describeSlot(slot)} content`);
    }
    if (body.count !== info.n) throw new VaultError('Tampered', `${describeSlot(slot)} holds ${body.count} records, expected ${info.n}`);
    const entry: CachedPage = { generation: info.gen, body, bytes: data.length };
    if (scanning) this.cache.offer(this.cacheKey(collection, info.seq), entry);
    else this.cache.set(this.cacheKey(collection, info.seq), entry);
    return entry;
  }

  private pageInfo(collection: string, st: State, seq: number): PageInfo {
    const i = findPage(st.manifest.pages, seq);
    if (i < 0) throw new Stale(`page ${collection}/${seq} is not in the manifest`);
    return st.manifest.pages[i]!;
  }

  /** Stored rows of those of `pages` not in the cache, in one read. */
  private async readPages(collection: string, pages: readonly PageInfo[]): Promise<Map<number, PageRow> | null> {
    const missing = pages.filter((x) => !this.cache.has(this.cacheKey(collection, x.seq), x.gen));
    if (!missing.length) return null;
    const rows = await getRows<PageRow>(this.db, 'pages', missing.map((x) => [this.partition, collection, x.seq]));
    return new Map(rows.flatMap((r) => (r ? [[r.page, r] as const] : [])));
  }

  /** Stored rows of `pages` (consecutive in the manifest) in one ranged read, or null when all are cached. */
  private async readRange(collection: string, pages: readonly PageInfo[]): Promise<Map<number, PageRow> | null> {
    if (!pages.length || pages.every((x) => this.cache.has(this.cacheKey(collection, x.seq), x.gen))) return null;
    const p = this.partition;
    const rows = await this.db.pages
      .where('[partition+collection+page]')
      .between([p, collection, pages[0]!.seq], [p, collection, pages[pages.length - 1]!.seq], true, true)
      .toArray();
    return new Map(rows.map((r) => [r.page, r]));
  }

  /**
   * Runs a read on the collection's state. If a page is missing or newer
   * than the state says, another tab has committed: refresh and read once
   * more, and if that fails too, read under the partition lock, where no
   * writer can interfere; a mismatch there is an old page put back (Tampered).
   */
  private async read<T>(collection: string, run: (st: State) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (attempt < 2) return await run(await this.state(collection));
        return await this.exclusive(async () => run(await this.state(collection, true)));
      } catch (e) {
        if (!(e instanceof Stale)) throw e;
        if (attempt >= 2) throw new VaultError('Tampered', e.message);
        this.invalidate(collection);
      }
    }
  }

  // ------------------------------------------------------------ upkeep

  /**
   * Upkeep runs when writes pause (UPKEEP_IDLE_MS after the last one), so a
   * bulk import is not slowed by snapshots it would outdate at once.
   */
  private scheduleUpkeep(collection: string): void {
    if (this.closed) return;
    this.upkeepDue.add(collection);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.runUpkeep(), UPKEEP_IDLE_MS);
  }

  private runUpkeep(): Promise<void> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const due = [...this.upkeepDue];
    this.upkeepDue.clear();
    for (const collection of due)
      this.upkeep = this.upkeep.then(async () => {
        // Bounded steps, each under the lock on its own, so writers get a turn in between.
        while (!this.closed && (await this.exclusive(() => this.upkeepStep(collection)))) {}
      }).catch(() => undefined); // an optimisation: a failure (another tab, a full disk) leaves a valid store and is retried after the next write
    return this.upkeep;
  }

  /** One bounded step: a directory snapshot if due, else one compaction step. True if more work remains. */
  private async upkeepStep(collection: string): Promise<boolean> {
    const st = await this.state(collection, true);
    // A damaged collection is left as it is until a full sync rebuilds it: a snapshot or a
    // compaction would make what the damage hides look whole, and drop the pages that show it.
    if (st.damaged.length) return false;
    if (this.snapshotDue(st)) {
      await this.writeSnapshot(collection, st);
      return true;
    }
    return this.compactStep(collection, st);
  }

  /** Due once the pages replayed at load pass SNAPSHOT_MIN_REPLAY_PAGES and a quarter of the collection. */
  private snapshotDue(st: State): boolean {
    const upto = st.manifest.snap?.upto ?? 0;
    const replayed = st.manifest.pages.filter((x) => x.seq >= upto).length;
    return replayed > Math.max(SNAPSHOT_MIN_REPLAY_PAGES, st.manifest.pages.length / 4);
  }

  private async writeSnapshot(collection: string, st: State): Promise<void> {
    const bodies = encodeDirectory(st.dir);
    const old = st.manifest.snap?.pages ?? 0;
    // The tail may still take records: it is replayed over the snapshot, like every page after it.
    const snap = { gen: (st.manifest.snap?.gen ?? 0) + 1, pages: bodies.length, upto: openFrom(st.manifest) };
    const plan: AppendPlan = { pages: [], drop: [], manifest: { ...st.manifest, snap } };
    await this.commit(collection, st, plan, { snapshot: { bodies, old } });
  }

  /**
   * Rewrites up to COMPACT_STEP_PAGES pages whose current share fell below
   * half: their current records are appended to the log and the pages
   * deleted, in one commit. True if more such pages remain.
   */
  private async compactStep(collection: string, st: State): Promise<boolean> {
    const pages = st.manifest.pages;
    const candidates = pages.slice(0, -1).filter(compactable);
    if (!candidates.length) return false;
    const step = candidates.slice(0, COMPACT_STEP_PAGES);
    const put: StoredRecord[] = [];
    for (const info of step) {
      const page = await this.page(collection, st, info.seq);
      for (const r of page.body.all()) if (st.dir.get(r.id) === info.seq) put.push(r);
    }
    const previous = new Map(put.map((r) => [r.id, r]));
    const tail = await this.openTail(collection, st);
    const plan = planAppend({ manifest: st.manifest, dir: st.dir, tail, put, previous, retire: step.map((x) => x.seq), gen: st.generation + 1, limit: this.opts.pageBytes });
    await this.commit(collection, st, plan, {});
    return candidates.length > step.length;
  }

  // ------------------------------------------------------------ migration

  /**
   * Rewrites a collection stored in an older format (v1/v2: pages placed by
   * a hash of the record id) as a log, atomically: the old pages go in the
   * same transaction as the new ones and the manifest. Runs under the lock.
   */
  private async migrate(collection: string): Promise<void> {
    const read = await this.readManifest(collection);
    if (!read || read.version >= FORMAT_VERSION) return; // another tab did it
    const legacy = await readLegacyCollection(this.db, this.partition, collection, this.keyFor);
    const st: State = { generation: read.generation, manifest: EMPTY_MANIFEST, dir: new Map(), tail: null, damaged: [] };
    const plan = planAppend({
      manifest: EMPTY_MANIFEST,
      dir: st.dir,
      tail: null,
      put: legacy.records,
      previous: new Map(),
      gen: read.generation + 1,
      limit: this.opts.pageBytes,
    });
    if (legacy.damaged.length) plan.manifest = { ...plan.manifest, damaged: legacy.damaged };
    // Old page numbers overlap the new seqs: every old page is dropped first, in the same transaction.
    const rewritten = new Set(plan.pages.map((x) => x.seq));
    plan.drop = legacy.pages.filter((n) => !rewritten.has(n));
    await this.commit(collection, st, plan, {});
  }
}

/** A page that failed its integrity check is skipped (it is already named in st.damaged); anything else goes on up. */
function skipDamaged(e: unknown): null {
  if (e instanceof VaultError && e.code === 'Tampered') return null;
  throw e;
}

/** Remembers a damaged page in the collection's state (upkeep stops, scans name it), and rethrows. */
function noteDamage(st: State, e: unknown): never {
  if (e instanceof VaultError && e.code === 'Tampered' && e.detail && !st.damaged.includes(e.detail)) st.damaged.push(e.detail);
  throw e;
}

const compactable = (x: PageInfo): boolean => x.cur < x.n * COMPACT_BELOW;
const lastSeq = (m: Manifest): number => m.pages[m.pages.length - 1]?.seq ?? -1;
/** The first seq later commits may write: the open tail's (rewritten in place), else the next new page's. */
const openFrom = (m: Manifest): number => m.pages[m.pages.length - 1]?.seq ?? m.next;
const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
