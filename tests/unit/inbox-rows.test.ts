import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { InboxRow } from '../../workers/common/db';
import { retireInboxRows } from '../../workers/common/inbox-rows';
import { strictWrite } from '../../workers/common/raw-idb';
import { freshDb } from './helpers/vault-fixtures';

const row = (pull: string, changeIds: string[]): InboxRow => ({
  seq: 1,
  group: 'g',
  n: changeIds.length,
  pull,
  changes: changeIds.map((changeId, i) => ({ seq: i + 1, changeId, recordId: 'r', epoch: 1, deviceId: 'd', data: new Uint8Array([i]) })),
});

describe('retiring applied inbox rows', () => {
  it('deletes or trims the rows an apply read, and leaves alone a row a full sync stored again under the same key, even with the same changes', async () => {
    const db = freshDb();
    const read = row('first pull', ['a', 'b']);
    await db.inbox.put(read);
    await strictWrite(db, ['inbox', 'groups'], (tx) => retireInboxRows(tx, { rows: [read], keep: new Map([[1, row('first pull', ['b'])]]) }));
    expect((await db.inbox.get(1))!.changes.map((c) => c.changeId)).toEqual(['b']);

    const again = row('full sync', ['a', 'b']); // pulled again while an apply of the older row was under way
    await db.inbox.put(again);
    await strictWrite(db, ['inbox', 'groups'], (tx) => retireInboxRows(tx, { rows: [read], keep: new Map() }));
    expect(await db.inbox.get(1)).toEqual(again);

    await strictWrite(db, ['inbox', 'groups'], (tx) => retireInboxRows(tx, { rows: [again], keep: new Map() }));
    expect(await db.inbox.get(1)).toBeUndefined();
  });

  it('retires nothing while the group waits for a full-sync rebuild: the rebuild needs every row', async () => {
    const db = freshDb();
    const read = row('full sync', ['a']);
    await db.inbox.put(read);
    for (const rebuild of ['pulling', 'pulled'] as const) {
      await db.groups.put({ id: 'g', epoch: 1, owner: 'u', rebuild });
      await strictWrite(db, ['inbox', 'groups'], (tx) => retireInboxRows(tx, { rows: [read], keep: new Map() }));
      expect(await db.inbox.get(1)).toEqual(read);
    }
  });
});
