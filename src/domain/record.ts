import type { FieldValue, RecordValues } from './validate';

/**
 * A record as stored inside an encrypted page. Every field carries the HLC
 * stamp of its last write so sync can merge per field (DESIGN §6). Short keys
 * because pages are serialized JSON and size is what we encrypt and store.
 */
export interface StoredRecord {
  id: string;
  /** Field name → [value, hlc stamp]; a cleared field keeps its stamp with value null. */
  f: Record<string, [FieldValue | null, string]>;
  /** HLC of creation. */
  c: string;
  /** HLC of the last change (max of field stamps and tombstone). */
  u: string;
  /** Tombstone stamp when deleted; fields are dropped. */
  d?: string;
  /** Stamp of a delete this live record was written again after (see domain/merge.ts). */
  z?: string;
  /** User id of the author of the last change. */
  by: string;
}

/** A record as the UI sees it: plain values, no stamps. */
export interface RecordView {
  id: string;
  type: string;
  values: RecordValues;
  /** Wall-clock ms of creation and last change, from the HLC stamps. */
  created: number;
  updated: number;
  /** User id of the author of the last change (a surrogate, in someone else's records). */
  by: string;
}

export function recordValues(r: StoredRecord): RecordValues {
  const out: RecordValues = {};
  for (const [k, [v]] of Object.entries(r.f)) if (v !== null) out[k] = v;
  return out;
}
