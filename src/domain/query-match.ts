import type { EntityTypeDef } from './entity-types';
import { SEARCHABLE_KINDS } from './entity-types';
import type { StoredRecord } from './record';

/**
 * Pure matching for list queries: filters, free-text search and sort over
 * decrypted records. Runs in the vault worker while pages are scanned.
 */
export interface FilterSpec {
  field: string;
  op: 'eq' | 'contains' | 'gte' | 'lte';
  value: string;
}

/** Case folding for search and filters: locale-independent, so every device matches alike (and it is the fast path in V8). */
const fold = (s: string) => s.toLowerCase();

function asStrings(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return [String(v)];
}

/** Splits free text into lower-cased words. */
export function searchWords(q: string | undefined): string[] {
  return q ? (fold(q).match(/[\p{L}\p{N}@._+-]+/gu) ?? []) : [];
}

/**
 * A record as matching sees it: a field's value by name, and whether it is
 * deleted. Scans match on a page's rows through this, before (and instead
 * of, for records that do not match) building the records themselves.
 */
export interface Matchable {
  value(field: string): unknown;
  deleted: boolean;
}

export type Matcher = (r: Matchable) => boolean;

/** The Matchable of a record in memory. */
export const matchable = (r: StoredRecord): Matchable => ({ value: (name) => r.f[name]?.[0], deleted: r.d !== undefined });

/** Builds one predicate for a query, so per-record work is a few string checks. */
export function compileMatcher(type: EntityTypeDef, filters: readonly FilterSpec[], search: string | undefined): Matcher {
  const words = searchWords(search);
  const textFields = type.fields.filter((f) => SEARCHABLE_KINDS.has(f.kind)).map((f) => f.name);
  const checks = filters.map((flt) => {
    const want = fold(flt.value);
    const test: (s: string) => boolean =
      flt.op === 'eq'
        ? (s) => fold(s) === want
        : flt.op === 'contains'
          ? (s) => fold(s).includes(want)
          : flt.op === 'gte'
            ? (s) => s >= flt.value
            : (s) => s <= flt.value;
    return (r: Matchable) => asStrings(r.value(flt.field)).some(test);
  });
  return (r) => {
    if (r.deleted) return false;
    for (const c of checks) if (!c(r)) return false;
    if (words.length) {
      let text = '';
      for (const name of textFields) {
        const v = r.value(name);
        if (v !== undefined && v !== null) text += ' ' + (Array.isArray(v) ? v.join(' ') : v);
      }
      text = fold(text);
      for (const w of words) if (!text.includes(w)) return false;
    }
    return true;
  };
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export function compareBy(field: string, dir: 'asc' | 'desc'): (a: StoredRecord, b: StoredRecord) => number {
  const sign = dir === 'asc' ? 1 : -1;
  const key = (r: StoredRecord) => asStrings(r.f[field]?.[0])[0] ?? '';
  return (a, b) => sign * collator.compare(key(a), key(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
