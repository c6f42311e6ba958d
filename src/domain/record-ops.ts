import type { StoredRecord, RecordView } from './record';
import { recordValues } from './record';
import { decodeHlc } from './hlc';
import type { RecordValues } from './validate';

/**
 * Pure record transitions. Each field keeps the stamp of its last real
 * change, so an edit that leaves a field alone does not win a later merge.
 */
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function applyEdit(old: StoredRecord | undefined, id: string, values: RecordValues, stamp: string, by: string): StoredRecord {
  const f: StoredRecord['f'] = {};
  const prev = old && !old.d ? old.f : {};
  for (const [k, v] of Object.entries(values)) f[k] = prev[k] && same(prev[k][0], v) ? prev[k] : [v, stamp];
  for (const [k, entry] of Object.entries(prev)) if (!(k in values)) f[k] = entry[0] === null ? entry : [null, stamp];
  const z = old?.d ?? old?.z;
  return { id, f, c: old && !old.d ? old.c : stamp, u: stamp, by, ...(z ? { z } : {}) };
}

export function tombstone(old: StoredRecord, stamp: string, by: string): StoredRecord {
  return { id: old.id, f: {}, c: old.c, u: stamp, d: stamp, by };
}

export function toView(type: string, r: StoredRecord): RecordView {
  return { id: r.id, type, values: recordValues(r), created: decodeHlc(r.c).wall, updated: decodeHlc(r.u).wall, by: r.by };
}
