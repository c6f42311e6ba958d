import type { StoredRecord } from '../../../src/domain/record';
import type { Directory } from './directory';
import { findPage, type Manifest } from './manifest';
import { PageBuilder } from './record-codec';

/** What one commit of the log does to a collection, planned before any transaction. */
export interface AppendPlan {
  /** Pages to store, ascending by seq: the rewritten tail (same seq, new generation) and new pages; the last is the open tail. */
  pages: { seq: number; builder: PageBuilder }[];
  /** Seqs of stored pages this commit deletes: retired pages, pages left with no current record. */
  drop: number[];
  /** The manifest after the commit. */
  manifest: Manifest;
}

export interface AppendInput {
  manifest: Manifest;
  dir: Directory;
  /** The decrypted open tail (the last page), to be rewritten with the new records; null starts a new page. */
  tail: PageBuilder | null;
  /** New versions, in write order. */
  put: readonly StoredRecord[];
  /** The versions `put` replaces, by id, as the caller read them (absent = new record). */
  previous: ReadonlyMap<string, StoredRecord>;
  /** Stored pages the caller retires in this commit (compaction: their current records are in `put`). */
  retire?: readonly number[];
  /** Generation of this commit. */
  gen: number;
  /** Page plaintext budget (JSON bytes). */
  limit: number;
}

const isLive = (r: StoredRecord | undefined): boolean => r !== undefined && r.d === undefined;

/**
 * Appends records to the log (DESIGN §4): they go to the open tail and to
 * new pages as it fills; nothing else is rewritten. The tail is rewritten
 * in place (its seq stays, its generation moves), which keeps the log's
 * invariant: only the last page is ever written, so seq order is write
 * order and replaying pages in seq order rebuilds the directory. The page
 * that held a record's previous version loses a current record, and a page
 * left with none is deleted in the same commit. Pure: the caller seals and
 * stores.
 */
export function planAppend(input: AppendInput): AppendPlan {
  const { manifest: m, dir, tail, put, previous, gen, limit } = input;
  const tailSeq = tail ? m.pages[m.pages.length - 1]!.seq : -1;
  const retired = new Set<number>(input.retire ?? []);

  const full: PageBuilder[] = [];
  let b = tail ? tail.clone() : new PageBuilder();
  /** Which builder of this commit holds each record it wrote (or carried over from the tail). */
  const where = new Map<string, PageBuilder>();
  if (tail) for (const r of tail.records()) where.set(r.id, b);
  const lost = new Map<number, number>();
  let count = m.count;

  for (const r of put) {
    const holder = where.get(r.id);
    if (holder) {
      count -= isLive(holder.get(r.id)) ? 1 : 0;
      if (holder !== b) holder.delete(r.id);
    } else {
      count -= isLive(previous.get(r.id)) ? 1 : 0;
      const at = dir.get(r.id);
      if (at !== undefined && !retired.has(at)) lost.set(at, (lost.get(at) ?? 0) + 1);
    }
    count += isLive(r) ? 1 : 0;
    b.set(r);
    where.set(r.id, b);
    if (b.size > limit && b.count > 1) {
      b.delete(r.id);
      full.push(b);
      b = new PageBuilder();
      b.set(r);
      where.set(r.id, b);
    }
  }

  const builders = [...full, b];
  // Only the pages that lost records, the retired ones and the tail change: patch those
  // (a single put must not rebuild the list of a 100,000-record collection).
  const pages = m.pages.slice();
  if (tail) pages.pop(); // the tail is the last page; listed again below, as rewritten
  const gone = new Set<number>(retired);
  for (const [seq, n] of lost) {
    const i = findPage(pages, seq);
    const cur = pages[i]!.cur - n;
    if (cur > 0) pages[i] = { ...pages[i]!, cur };
    else gone.add(seq); // nothing current left: reclaimed at once, no rewrite needed
  }
  const kept = gone.size ? pages.filter((p) => !gone.has(p.seq)) : pages;
  const drop = [...gone];
  let seq = m.next;
  const out: AppendPlan['pages'] = [];
  builders.forEach((builder, i) => {
    const at = tail && i === 0 ? tailSeq : seq++;
    if (builder.count > 0) out.push({ seq: at, builder });
    else if (at === tailSeq) drop.push(at); // every record of the old tail was written again further on
  });
  for (const { seq: s, builder } of out) kept.push({ seq: s, gen, n: builder.count, cur: builder.count });
  return { pages: out, drop, manifest: { ...m, next: seq, count, pages: kept } };
}
