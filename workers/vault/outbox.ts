import type { StoredRecord } from '../../src/domain/record';
import type { OutboxRow } from '../common/db';
import type { RecordKey } from './crypto/keys';
import { sealRecord } from './record-format';

/** Record keys of one group, by epoch; new changes use `current`. */
export interface RecordKeys {
  current: number;
  byEpoch: ReadonlyMap<number, RecordKey>;
}

/**
 * Seals the new state of changed records as outbox entries (DESIGN §6). The
 * page store writes them in the same transaction as the pages, so no local
 * change goes untracked and none is sent that did not commit; it also fills
 * in `baseSeq` there, from the group's applied sequence read in that
 * transaction.
 */
export function outboxEntries(group: string, keys: RecordKeys, collection: string) {
  return async (records: readonly StoredRecord[]): Promise<Omit<OutboxRow, 'baseSeq'>[]> => {
    const key = keys.byEpoch.get(keys.current)!;
    return Promise.all(
      records.map(async (r) => ({
        changeId: crypto.randomUUID(),
        group,
        recordId: r.id,
        epoch: keys.current,
        data: await sealRecord(key, group, keys.current, collection, r),
        by: r.by,
      })),
    );
  };
}
