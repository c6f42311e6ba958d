import { concatBytes } from '../../src/lib/bytes';
import type { OutboxRow } from './db';

/** One change of an outbox row: what a push sends for it. */
export interface OutboxChange {
  changeId: string;
  recordId: string;
  data: Uint8Array;
}

type Packed = Pick<OutboxRow, 'n' | 'changeIds' | 'recordIds' | 'ends' | 'data'>;

/** The stored form of a write's changes (see OutboxRow): ids side by side, ciphertexts in one buffer. */
export function packChanges(changes: readonly OutboxChange[]): Packed {
  let end = 0;
  return {
    n: changes.length,
    changeIds: changes.map((c) => c.changeId),
    recordIds: changes.map((c) => c.recordId),
    ends: changes.map((c) => (end += c.data.length)),
    data: concatBytes(...changes.map((c) => c.data)),
  };
}

/** The changes of a row, their data as views into the row's buffer. */
export function unpackChanges(row: OutboxRow): OutboxChange[] {
  return row.changeIds.map((changeId, i) => ({
    changeId,
    recordId: row.recordIds[i]!,
    data: row.data.subarray(i === 0 ? 0 : row.ends[i - 1]!, row.ends[i]!),
  }));
}
