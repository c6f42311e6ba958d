/**
 * Linear hashing (Litwin 1980) over page numbers: the collection grows one
 * page split at a time, so a write never rewrites the whole collection.
 * Pure functions over the manifest's addressing state.
 */
export interface HashState {
  /** Number of doublings completed. */
  level: number;
  /** Next bucket to split in this round. */
  split: number;
}

export const INITIAL_HASH_STATE: HashState = { level: 0, split: 0 };

/** FNV-1a, 32 bit: fast, and ids are random UUIDs so it spreads well. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const pageCount = (s: HashState): number => 2 ** s.level + s.split;

export function pageOf(id: string, s: HashState): number {
  const h = hashId(id);
  const b = h % 2 ** s.level;
  return b < s.split ? h % 2 ** (s.level + 1) : b;
}

/** The split that comes next: page `from` divides into `from` and `to` (a new page). */
export function nextSplit(s: HashState): { from: number; to: number; after: HashState } {
  const from = s.split;
  const to = from + 2 ** s.level;
  const split = s.split + 1;
  const after = split === 2 ** s.level ? { level: s.level + 1, split: 0 } : { level: s.level, split };
  return { from, to, after };
}
