import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../src/domain/record';
import { applyEdit, tombstone } from '../../src/domain/record-ops';
import { PageBuilder, decodeRecords, encodeRecords } from '../../workers/vault/storage/record-codec';

const id = () => crypto.randomUUID();
const st = (n: number, dev = 'dev1') => n.toString(16).padStart(13, '0') + '0000' + dev;

describe('page record codec (v2)', () => {
  it('rebuilds exactly what was encoded: edits, cleared fields, tombstones, revived records, several authors', () => {
    const a = applyEdit(undefined, id(), { name: 'Ann', notes: 'n', tags: ['x', 'y'] }, st(1), 'u1');
    const b = applyEdit(a, a.id, { name: 'Ann B' }, st(2, 'dev2'), 'u2'); // notes and tags cleared, stamps differ per field
    const c = tombstone(applyEdit(undefined, id(), { name: 'Gone' }, st(3), 'u1'), st(4), 'u1');
    const d: StoredRecord = { ...applyEdit(c, c.id, { name: 'Back' }, st(5), 'u3') }; // carries z
    const e = { ...applyEdit(undefined, id(), { name: 'Extra' }, st(6), 'u1'), future: { k: 1 } } as StoredRecord;
    const records = [a, b, c, d, e];
    const decoded = decodeRecords(JSON.parse(encodeRecords(records)), 2);
    expect(decoded).toEqual(records);
    expect(d.z).toBe(c.d);
  });

  it('still reads version 1 pages, and refuses a malformed v2 body', () => {
    const a = applyEdit(undefined, id(), { name: 'Old' }, st(1), 'u1');
    expect(decodeRecords([a], 1)).toEqual([a]);
    expect(() => decodeRecords({ b: [], k: [], r: [['x', 5, [], st(1)]] }, 2)).toThrow(TypeError);
    expect(() => decodeRecords([a], 2)).toThrow(TypeError);
  });

  it('a page builder knows its exact size at every step, replaces a record set again, and clones independently', () => {
    const b = new PageBuilder();
    const recs = Array.from({ length: 40 }, (_, i) => applyEdit(undefined, id(), { name: `P${i}`, ...(i % 3 ? { notes: 'x'.repeat(i) } : {}) }, st(i), `u${i % 4}`));
    for (const r of recs) {
      b.set(r);
      expect(b.size).toBe(b.finish().length);
    }
    const copy = b.clone();
    const edited = applyEdit(recs[5], recs[5]!.id, { name: 'changed' }, st(99), 'u9');
    b.set(edited);
    b.delete(recs[7]!.id);
    expect(b.size).toBe(b.finish().length);
    expect(b.count).toBe(39);
    expect(decodeRecords(JSON.parse(b.finish()), 3).find((r) => r.id === edited.id)).toEqual(edited);
    expect(copy.count).toBe(40);
    expect(decodeRecords(JSON.parse(copy.finish()), 3)).toEqual(recs);
  });
});
