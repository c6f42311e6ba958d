/**
 * The per-collection manifest of the log-structured page store (DESIGN §4),
 * as data, and its JSON form (sealed by sealed-item.ts; bytes in
 * docs/formats.md). Pure: no I/O, no keys.
 */

/** One stored log page. */
export interface PageInfo {
  /** Position in the log, in write order; never reused. Only the last page (the open tail) is ever rewritten, in place. */
  seq: number;
  /** Manifest generation of the commit that wrote the page; bound in its AAD. */
  gen: number;
  /** Records on the page. */
  n: number;
  /** Of those, how many are the current version of their record (tombstones count: sync needs them). */
  cur: number;
}

/** Where the directory snapshot is and what it covers. */
export interface Snapshot {
  /** Generation of the snapshot; each directory page carries it. */
  gen: number;
  /** Number of directory pages, 0..pages-1. */
  pages: number;
  /** The snapshot is the directory as of log position `upto`: pages with seq ≥ upto are replayed over it. */
  upto: number;
}

export interface Manifest {
  v: 3;
  /** The seq the next page gets. */
  next: number;
  /** Live (non-tombstone) records. */
  count: number;
  /** Every stored log page, ascending by seq; the last one is the open tail. */
  pages: PageInfo[];
  snap: Snapshot | null;
  /** Pages an older format's migration could not read (reported by scans until a full sync rebuilds them). */
  damaged?: string[];
  /** Generation of the commit that last emptied the collection (a full-sync rebuild). */
  reset?: number;
}

export const EMPTY_MANIFEST: Manifest = { v: 3, next: 0, count: 0, pages: [], snap: null };

/**
 * JSON form: {"v":3,"next":N,"count":N,"pages":[entry, …],"snap":[gen,pages,upto] | null,
 * "damaged":[…] (only when non-empty), "reset":N (only once emptied by a rebuild)}. The manifest is sealed again at
 * every write, so the page list is delta-coded: an entry is either a
 * number n, meaning the page after the previous entry's (seq + 1), with the
 * same generation, n records and all of them current, or [seq, gen, n, cur].
 * After a bulk load nearly every entry is a single small number.
 */
export function encodeManifest(m: Manifest): string {
  const entries: (number | [number, number, number, number])[] = [];
  let prev: PageInfo | undefined;
  for (const p of m.pages) {
    entries.push(prev && p.seq === prev.seq + 1 && p.gen === prev.gen && p.cur === p.n ? p.n : [p.seq, p.gen, p.n, p.cur]);
    prev = p;
  }
  const snap = m.snap ? [m.snap.gen, m.snap.pages, m.snap.upto] : null;
  return JSON.stringify({
    v: 3,
    next: m.next,
    count: m.count,
    pages: entries,
    snap,
    ...(m.damaged?.length ? { damaged: m.damaged } : {}),
    ...(m.reset !== undefined ? { reset: m.reset } : {}),
  });
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Parses the JSON form. Throws TypeError naming what is wrong; the caller reports the manifest as Tampered. */
export function decodeManifest(body: unknown): Manifest {
  const o = body as { v?: unknown; next?: unknown; count?: unknown; pages?: unknown; snap?: unknown; damaged?: unknown; reset?: unknown };
  if (!o || o.v !== 3) throw new TypeError('"manifest" expected v 3');
  if (!isCount(o.next) || !isCount(o.count)) throw new TypeError('"manifest" next and count must be counts');
  if (!Array.isArray(o.pages)) throw new TypeError('"manifest" pages must be a list');
  const pages: PageInfo[] = [];
  for (const [i, e] of o.pages.entries()) {
    const prev = pages[pages.length - 1];
    let p: PageInfo;
    if (isCount(e) && prev) p = { seq: prev.seq + 1, gen: prev.gen, n: e, cur: e };
    else if (Array.isArray(e) && e.length === 4 && e.every(isCount)) p = { seq: e[0], gen: e[1], n: e[2], cur: e[3] };
    else throw new TypeError(`"manifest" page entry ${i} is malformed`);
    if (p.seq >= o.next || (prev && p.seq <= prev.seq) || p.cur > p.n) throw new TypeError(`"manifest" page entry ${i} is out of order`);
    pages.push(p);
  }
  let snap: Snapshot | null = null;
  if (o.snap !== null) {
    if (!Array.isArray(o.snap) || o.snap.length !== 3 || !o.snap.every(isCount)) throw new TypeError('"manifest" snap must be [gen, pages, upto]');
    const [gen, n, upto] = o.snap as number[];
    snap = { gen: gen!, pages: n!, upto: upto! };
  }
  const damaged = Array.isArray(o.damaged) ? o.damaged.map(String) : undefined;
  if (o.reset !== undefined && !isCount(o.reset)) throw new TypeError('"manifest" reset must be a count');
  return { v: 3, next: o.next, count: o.count, pages, snap, ...(damaged ? { damaged } : {}), ...(o.reset !== undefined ? { reset: o.reset } : {}) };
}

/** Index of the page with `seq` in `pages` (ascending), or -1. */
export function findPage(pages: readonly PageInfo[], seq: number): number {
  let lo = 0;
  let hi = pages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = pages[mid]!.seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
