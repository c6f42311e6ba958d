import { matchable, type Matchable, type Matcher } from '../../../src/domain/query-match';
import type { StoredRecord } from '../../../src/domain/record';

/**
 * How the records of one page are written inside its ciphertext. The body
 * layout is named by the page's format version (the header's version byte,
 * sealed-item.ts): v1 pages carry layout 1, v2 and v3 pages layout 2.
 *
 * v1: the JSON array of StoredRecord, as kept in memory. Every field carries
 *     its own 33-character HLC stamp and its name, which makes a typical
 *     contact about twice its content size.
 * v2: the same information without the repetition, because every byte here
 *     is encrypted, stored, read back, decrypted and parsed (a cold scan is
 *     mostly that):
 *
 *     {"b": [author ids], "k": [[field names], ...],
 *      "r": [[id, k, [values], u, c, b, stamps, d, more], ...]}
 *
 *     k       index of the record's field names in the page's "k" list
 *     values  the fields' values in that order (null for a cleared field)
 *     u       HLC of the last change
 *     c       HLC of creation, 0 when equal to u
 *     b       index of the author in the page's "b" list
 *     stamps  field → HLC for the fields whose stamp is not u, 0 when none
 *     d       tombstone HLC, 0 when live
 *     more    any other property of the record, as is, 0 when none (so a
 *             property added to StoredRecord later survives without a codec change)
 *     Trailing zeros are left out.
 *
 * Decoding rebuilds exactly the StoredRecord that was encoded.
 */
type Stamps = Record<string, string>;
type Row = [string, number, unknown[], string, (string | 0)?, number?, (Stamps | 0)?, (string | 0)?, (Record<string, unknown> | 0)?];

/** The properties the row layout names; anything else goes to `more`. */
const NAMED: ReadonlySet<string> = new Set(['id', 'f', 'c', 'u', 'd', 'by']);

/** Interns lists of strings (authors, field-name sets) into a page-level table. */
class Table<K> {
  private index = new Map<string, number>();
  readonly items: K[] = [];
  clone(): Table<K> {
    const t = new Table<K>();
    t.index = new Map(this.index);
    t.items.push(...this.items);
    return t;
  }
  of(key: string, item: K): number {
    let i = this.index.get(key);
    if (i === undefined) {
      this.index.set(key, (i = this.items.length));
      this.items.push(item);
    }
    return i;
  }
}

function row(r: StoredRecord, authors: Table<string>, keySets: Table<string[]>): Row {
  const keys: string[] = [];
  const values: unknown[] = [];
  let stamps: Stamps | 0 = 0;
  for (const k in r.f) {
    const [value, stamp] = r.f[k]!;
    keys.push(k);
    values.push(value);
    if (stamp !== r.u) (stamps ||= {})[k] = stamp;
  }
  let more: Record<string, unknown> | 0 = 0;
  for (const k in r) {
    const v = (r as unknown as Record<string, unknown>)[k];
    if (v !== undefined && !NAMED.has(k)) (more ||= {})[k] = v;
  }
  const ks = keySets.of(keys.join('\u0000'), keys);
  const out: Row = [r.id, ks, values, r.u, r.c === r.u ? 0 : r.c, authors.of(r.by, r.by), stamps, r.d ?? 0, more];
  while (out.length > 4 && !out[out.length - 1]) out.pop();
  return out;
}

/**
 * Builds the v2 body of one page record by record and knows its exact JSON
 * length at every step, so the page store can cut pages at the target size
 * without serializing twice. A record set again replaces its row; the
 * shared tables keep entries no row uses any more (a few bytes, still valid).
 */
export class PageBuilder {
  private authors = new Table<string>();
  private keySets = new Table<string[]>();
  private rows = new Map<string, { record: StoredRecord; json: string }>();
  /** JSON length of the rows and of the table items, commas included. */
  private rowBytes = 0;
  private tableBytes = 0;

  /** Exact length of finish(): `{"b":[…],"k":[…],"r":[…]}`. */
  get size(): number {
    const commas = (n: number) => Math.max(0, n - 1);
    return 22 + this.tableBytes + commas(this.authors.items.length) + commas(this.keySets.items.length) + this.rowBytes + commas(this.rows.size);
  }

  get count(): number {
    return this.rows.size;
  }

  clone(): PageBuilder {
    const c = new PageBuilder();
    c.authors = this.authors.clone();
    c.keySets = this.keySets.clone();
    c.rows = new Map(this.rows);
    c.rowBytes = this.rowBytes;
    c.tableBytes = this.tableBytes;
    return c;
  }

  get(id: string): StoredRecord | undefined {
    return this.rows.get(id)?.record;
  }

  /** The records, in write order. */
  records(): StoredRecord[] {
    return Array.from(this.rows.values(), (r) => r.record);
  }

  set(r: StoredRecord): void {
    const a = this.authors.items.length;
    const k = this.keySets.items.length;
    const json = JSON.stringify(row(r, this.authors, this.keySets));
    if (this.authors.items.length > a) this.tableBytes += JSON.stringify(this.authors.items[a]).length;
    if (this.keySets.items.length > k) this.tableBytes += JSON.stringify(this.keySets.items[k]).length;
    const old = this.rows.get(r.id);
    if (old) {
      this.rowBytes -= old.json.length;
      this.rows.delete(r.id); // re-set keeps write order: the newest version goes last
    }
    this.rows.set(r.id, { record: r, json });
    this.rowBytes += json.length;
  }

  delete(id: string): void {
    const old = this.rows.get(id);
    if (!old) return;
    this.rowBytes -= old.json.length;
    this.rows.delete(id);
  }

  finish(): string {
    return body(this.authors, this.keySets, Array.from(this.rows.values(), (r) => r.json));
  }
}

const body = (authors: Table<string>, keySets: Table<string[]>, rows: string[]): string =>
  `{"b":${JSON.stringify(authors.items)},"k":${JSON.stringify(keySets.items)},"r":[${rows.join(',')}]}`;

/** The JSON text of records, as given, in the current body layout (v2). */
export function encodeRecords(records: Iterable<StoredRecord>): string {
  const authors = new Table<string>();
  const keySets = new Table<string[]>();
  const rows: string[] = [];
  for (const r of records) rows.push(JSON.stringify(row(r, authors, keySets)));
  return body(authors, keySets, rows);
}

/**
 * A parsed page body whose records are built only when asked for: a cold
 * get needs one record of the page, directory replay only the ids. The
 * shape of every row is checked when the body is parsed, so building a
 * record later cannot fail.
 */
export class PageBody {
  private built: (StoredRecord | undefined)[];
  private index: Map<string, number> | undefined;
  private lookups = 0;

  /** Built from records in memory (PageBody.of): every record exists, the rows hold only ids. */
  private readonly inMemory: boolean;

  private constructor(
    private readonly authors: string[],
    private readonly keySets: string[][],
    private readonly rows: Row[],
    records?: StoredRecord[],
  ) {
    this.built = records ?? new Array(rows.length);
    this.inMemory = records !== undefined;
  }

  /**
   * Parses a body of page format `version` (1, 2 or 3). Throws TypeError on
   * a shape it does not know; the caller reports the page as damaged (the
   * body was authenticated, so only a bug or a forgery that beat AES-GCM
   * gets here).
   */
  static parse(body: unknown, version: number): PageBody {
    if (version === 1) {
      if (!Array.isArray(body)) throw new TypeError('"page" expected an array of records');
      return PageBody.of(body as StoredRecord[]);
    }
    const { b: authors, k: keySets, r: rows } = body as { b: string[]; k: string[][]; r: Row[] };
    if (!Array.isArray(authors) || !Array.isArray(keySets) || !Array.isArray(rows)) throw new TypeError('"page" expected {b, k, r}');
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!Array.isArray(row)) throw new TypeError(`"page" row ${i} is malformed`);
      const [id, ks, values, u, , b, , , more] = row;
      const keys = keySets[ks];
      if (typeof id !== 'string' || typeof u !== 'string' || authors[b ?? 0] === undefined || !Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length)
        throw new TypeError(`"page" row ${i} is malformed`);
      // `more` carries only properties the row layout does not name (a `d` there would turn a live record into a tombstone).
      if (more && (typeof more !== 'object' || Object.keys(more).some((k) => NAMED.has(k)))) throw new TypeError(`"page" row ${i} has a named property in "more"`);
    }
    return new PageBody(authors, keySets, rows);
  }

  /** A body of records already in memory (after a write). */
  static of(records: readonly StoredRecord[]): PageBody {
    return new PageBody([], [], records.map((r) => [r.id] as unknown as Row), [...records]);
  }

  get count(): number {
    return this.rows.length;
  }

  id(i: number): string {
    return this.rows[i]![0];
  }

  record(i: number): StoredRecord {
    return (this.built[i] ??= this.build(i));
  }

  /** The record with `id`: a linear search the first time, an index once the page is used again. */
  find(id: string): StoredRecord | undefined {
    if (++this.lookups > 1 && !this.index) this.index = new Map(this.rows.map((r, i) => [r[0], i]));
    const i = this.index ? this.index.get(id) : this.rows.findIndex((r) => r[0] === id);
    return i === undefined || i < 0 ? undefined : this.record(i);
  }

  all(): StoredRecord[] {
    const out = new Array<StoredRecord>(this.rows.length);
    for (let i = 0; i < out.length; i++) out[i] = this.record(i);
    return out;
  }

  /**
   * The records `match` accepts among those `keep` keeps (by id), matched on
   * the rows themselves: a scan builds only the records it returns.
   */
  select(match: Matcher, keep?: (id: string) => boolean): StoredRecord[] {
    const out: StoredRecord[] = [];
    if (this.inMemory) {
      for (const r of this.built as StoredRecord[]) if ((!keep || keep(r.id)) && match(matchable(r))) out.push(r);
      return out;
    }
    let row: Row;
    let index: Map<string, number>;
    const view: Matchable = {
      value: (name) => {
        const j = index.get(name);
        return j === undefined ? undefined : row[2][j];
      },
      deleted: false,
    };
    for (let i = 0; i < this.rows.length; i++) {
      row = this.rows[i]!;
      if (keep && !keep(row[0])) continue;
      index = this.keyIndex(row[1]);
      view.deleted = !!row[7];
      if (match(view)) out.push(this.record(i));
    }
    return out;
  }

  private keyIndexes: Map<string, number>[] = [];
  private keyIndex(ks: number): Map<string, number> {
    return (this.keyIndexes[ks] ??= new Map(this.keySets[ks]!.map((k, j) => [k, j])));
  }

  private build(i: number): StoredRecord {
    const [id, ks, values, u, c, b, stamps, d, more] = this.rows[i]!;
    const keys = this.keySets[ks]!;
    const f: StoredRecord['f'] = {};
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      f[k] = [values[j] as StoredRecord['f'][string][0], (stamps && stamps[k]) || u];
    }
    const by = this.authors[b ?? 0]!;
    const rec: StoredRecord = more ? { ...more, id, f, c: c || u, u, by } : { id, f, c: c || u, u, by };
    if (d) rec.d = d;
    return rec;
  }
}

/** Every record of a parsed page body (see PageBody.parse). */
export const decodeRecords = (body: unknown, version: number): StoredRecord[] => PageBody.parse(body, version).all();
