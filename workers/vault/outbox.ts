import type { StoredRecord } from '../../src/domain/record';
import type { OutboxRow, VaultDb } from '../common/db';
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
 * change goes untracked and none is sent that did not commit.
 */
export function outboxEntries(db: VaultDb, group: string, keys: RecordKeys, collection: string) {
  return async (records: readonly StoredRecord[]): Promise<OutboxRow[]> => {
    const key = keys.byEpoch.get(keys.current)!;
    const baseSeq = (await db.groups.get(group))?.appliedSeq ?? 0;
    return Promise.all(
      records.map(async (r) => ({
        changeId: crypto.randomUUID(),
        group,
        recordId: r.id,
        epoch: keys.current,
        baseSeq,
        data: await sealRecord(key, group, keys.current, collection, r),
      })),
    );
  };
}
