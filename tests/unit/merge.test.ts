import { describe, expect, it } from 'vitest';
import { HlcClock } from '../../src/domain/hlc';
import { mergeRecords } from '../../src/domain/merge';
import type { StoredRecord } from '../../src/domain/record';
import { applyEdit, tombstone } from '../../src/domain/record-ops';

const ID = '7d7c1c1e-0000-4000-8000-000000000001';

/** A seeded PRNG so a failing case can be replayed. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe('per-field merge', () => {
  it('keeps the later write of each field, ties broken by device id', () => {
    const a = applyEdit(undefined, ID, { name: 'A', notes: 'a' }, '0000000000001' + '0000' + 'devA', 'u1');
    const b = applyEdit(a, ID, { name: 'B', notes: 'a' }, '0000000000002' + '0000' + 'devB', 'u1');
    const c = applyEdit(a, ID, { name: 'A', notes: 'c' }, '0000000000002' + '0000' + 'devC', 'u1');
    const m = mergeRecords(b, c);
    expect(m.f.name![0]).toBe('B');
    expect(m.f.notes![0]).toBe('c');
    // Same wall time and counter on both devices: the higher device id wins, on both sides.
    const x = applyEdit(a, ID, { name: 'X', notes: 'a' }, '0000000000003' + '0000' + 'devA', 'u1');
    const y = applyEdit(a, ID, { name: 'Y', notes: 'a' }, '0000000000003' + '0000' + 'devB', 'u1');
    expect(mergeRecords(x, y).f.name![0]).toBe('Y');
    expect(mergeRecords(y, x).f.name![0]).toBe('Y');
  });

  it('a delete wins over older edits; an edit after the delete brings the record back without the old fields', () => {
    const a = applyEdit(undefined, ID, { name: 'A', notes: 'old' }, '00000000000010000devA', 'u1');
    const del = tombstone(a, '00000000000050000devB', 'u1');
    expect(mergeRecords(a, del).d).toBe(del.d);
    const revived = applyEdit(del, ID, { name: 'New' }, '00000000000090000devB', 'u1');
    const m = mergeRecords(a, revived);
    expect(m.d).toBeUndefined();
    expect(Object.keys(m.f)).toEqual(['name']);
    expect(m.f.name![0]).toBe('New');
  });

  it('converges whatever order states are merged in (random histories on three devices)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      let t = 1;
      const clocks = ['devA', 'devB', 'devC'].map((d) => new HlcClock(d, () => t));
      const states: (StoredRecord | undefined)[] = [undefined, undefined, undefined];
      const all: StoredRecord[] = [];
      for (let step = 0; step < 12; step++) {
        if (r() < 0.5) t++;
        const dev = Math.floor(r() * 3);
        const clock = clocks[dev]!;
        if (r() < 0.25 && all.length) {
          // receive someone's state first
          const other = all[Math.floor(r() * all.length)]!;
          clock.observe(other.u);
          states[dev] = mergeRecords(states[dev], other);
        }
        const cur = states[dev];
        const next =
          cur && !cur.d && r() < 0.2
            ? tombstone(cur, clock.tick(), 'u1')
            : applyEdit(cur, ID, { name: `n${seed}-${step}`, ...(r() < 0.5 ? { notes: `x${step}` } : {}) }, clock.tick(), 'u1');
        states[dev] = next;
        all.push(next);
      }
      const orders = [all, [...all].reverse(), [...all].sort(() => r() - 0.5)];
      const results = orders.map((o) => JSON.stringify(o.reduce<StoredRecord | undefined>((acc, s) => mergeRecords(acc, s), undefined)));
      expect(new Set(results).size, `seed ${seed}`).toBe(1);
      // idempotent
      const once = orders[0]!.reduce<StoredRecord | undefined>((acc, s) => mergeRecords(acc, s), undefined)!;
      expect(mergeRecords(once, once)).toEqual(once);
    }
  });
});
