import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../src/domain/record';
import { applyEdit, tombstone } from '../../src/domain/record-ops';
import { decodeRecords, encodeRecords } from '../../workers/vault/record-codec';

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
});
