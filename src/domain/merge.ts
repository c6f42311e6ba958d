import type { StoredRecord } from './record';

/**
 * Per-field last-writer-wins merge by HLC stamp (DESIGN §6). Stamps sort as
 * strings and end in the device id, so equal wall times break ties by
 * device. A delete is a tombstone stamp: fields stamped at or before it are
 * gone, a field written after it brings the record back.
 *
 * The result depends only on the set of states merged, not on their order
 * (commutative, associative, idempotent), so devices converge whatever
 * order changes arrive in.
 */
export function mergeRecords(a: StoredRecord | undefined, b: StoredRecord): StoredRecord {
  if (!a) return normalize(b);
  if (a.id !== b.id) throw new TypeError(`"b" is record ${b.id}, expected ${a.id}`);
  const f: StoredRecord['f'] = {};
  for (const name of new Set([...Object.keys(a.f), ...Object.keys(b.f)])) {
    const x = a.f[name];
    const y = b.f[name];
    f[name] = !x ? y! : !y ? x : y[1] > x[1] ? y : x;
  }
  const newer = b.u > a.u ? b : a;
  const del = maxStamp(deleteStamp(a), deleteStamp(b));
  return normalize({ id: a.id, f, c: a.c < b.c ? a.c : b.c, u: newer.u, by: newer.by, ...(del ? { d: del } : {}) });
}

/** The latest delete a record has seen, whether it is still deleted (d) or was written again after it (z). */
const deleteStamp = (r: StoredRecord): string | undefined => r.d ?? r.z;

/**
 * Drops fields stamped at or before the latest delete. With fields left the
 * record is live and remembers the delete in `z` (so an older copy merged
 * later cannot bring deleted fields back); with none it is a tombstone.
 */
function normalize(r: StoredRecord): StoredRecord {
  const del = deleteStamp(r);
  const { d: _d, z: _z, ...base } = r;
  if (!del) return base;
  const f: StoredRecord['f'] = {};
  for (const [k, v] of Object.entries(r.f)) if (v[1] > del) f[k] = v;
  return Object.keys(f).length ? { ...base, f, z: del } : { ...base, f: {}, d: del };
}

const maxStamp = (x?: string, y?: string): string | undefined => (x === undefined ? y : y === undefined ? x : x > y ? x : y);
