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

const fold = (s: string) => s.toLocaleLowerCase();

function asStrings(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return [String(v)];
}

/** Splits free text into lower-cased words. */
export function searchWords(q: string | undefined): string[] {
  return q ? (fold(q).match(/[\p{L}\p{N}@._+-]+/gu) ?? []) : [];
}

/** Builds one predicate for a query, so per-record work is a few string checks. */
export function compileMatcher(type: EntityTypeDef, filters: readonly FilterSpec[], search: string | undefined): (r: StoredRecord) => boolean {
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
    return (r: StoredRecord) => asStrings(r.f[flt.field]?.[0]).some(test);
  });
  return (r) => {
    if (r.d) return false;
    for (const c of checks) if (!c(r)) return false;
    if (words.length) {
      let text = '';
      for (const name of textFields) {
        const v = r.f[name]?.[0];
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
