import type { StoredRecord } from '../../../src/domain/record';
import type { OutboxRow } from '../../common/db';
import type { RecordKey } from '../crypto/keys';
import { packChanges } from '../../common/outbox-row';
import { sealRecords } from './record-format';

/** Record keys of one group, by epoch; new changes use `current`. */
export interface RecordKeys {
  current: number;
  byEpoch: ReadonlyMap<number, RecordKey>;
}

/**
 * Seals the new state of a write's records as its one outbox row (DESIGN
 * §6): one AES-GCM message per record, so the server can route and compact
 * per record. The page store writes the row in the same transaction as the
 * pages, so no local change goes untracked and none is sent that did not
 * commit; it also fills in `baseSeq` there.
 */
export function outboxEntries(group: string, keys: RecordKeys, collection: string) {
  return async (records: readonly StoredRecord[]): Promise<Omit<OutboxRow, 'baseSeq'> | undefined> => {
    if (!records.length) return undefined;
    const key = keys.byEpoch.get(keys.current)!;
    const sealed = await sealRecords(key, group, keys.current, collection, records);
    const changes = records.map((r, i) => ({ changeId: crypto.randomUUID(), recordId: r.id, data: sealed[i]! }));
    // A write is one user's: the author of its records.
    return { group, epoch: keys.current, ...packChanges(changes), by: records[0]!.by };
  };
}
