import type { StoredRecord } from '../../src/domain/record';

/**
 * How the records of one page are written inside its ciphertext, by page
 * format version (the header's version byte, page-format.ts).
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

/** The JSON text of a page's records in the current format (v2). */
export function encodeRecords(records: Iterable<StoredRecord>): string {
  const authors = new Table<string>();
  const keySets = new Table<string[]>();
  const rows: Row[] = [];
  for (const r of records) rows.push(row(r, authors, keySets));
  return JSON.stringify({ b: authors.items, k: keySets.items, r: rows });
}

/** Bytes a record adds to a v2 page (what page splits are sized by; the shared tables are not counted). */
export const encodedSize = (r: StoredRecord): number => JSON.stringify(row(r, new Table(), new Table())).length + 1;

/**
 * Records of a parsed page body of format `version` (1 or 2). Throws
 * TypeError on a shape it does not know; the caller reports the page as
 * damaged (the body was authenticated, so only a bug or a forgery that
 * beat AES-GCM gets here).
 */
export function decodeRecords(body: unknown, version: number): StoredRecord[] {
  if (version === 1) {
    if (!Array.isArray(body)) throw new TypeError('"page" expected an array of records');
    return body as StoredRecord[];
  }
  const { b: authors, k: keySets, r: rows } = body as { b: string[]; k: string[][]; r: Row[] };
  if (!Array.isArray(authors) || !Array.isArray(keySets) || !Array.isArray(rows)) throw new TypeError('"page" expected {b, k, r}');
  const out: StoredRecord[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [id, ks, values, u, c, b, stamps, d, more] = rows[i]!;
    const keys = keySets[ks];
    const by = authors[b ?? 0];
    if (typeof id !== 'string' || typeof u !== 'string' || by === undefined || !keys || !Array.isArray(values) || keys.length !== values.length)
      throw new TypeError(`"page" row ${i} is malformed`);
    const f: StoredRecord['f'] = {};
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      f[k] = [values[j] as StoredRecord['f'][string][0], (stamps && stamps[k]) || u];
    }
    const rec: StoredRecord = more ? { ...more, id, f, c: c || u, u, by } : { id, f, c: c || u, u, by };
    if (d) rec.d = d;
    out[i] = rec;
  }
  return out;
}
