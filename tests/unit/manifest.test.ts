import { describe, expect, it } from 'vitest';
import { decodeManifest, encodeManifest, type Manifest } from '../../workers/vault/storage/manifest';
import { decodeDirectory, encodeDirectory } from '../../workers/vault/storage/directory';

describe('manifest and directory codecs', () => {
  it('delta-codes runs of pages and decodes exactly what was encoded', () => {
    const m: Manifest = {
      v: 3,
      next: 40,
      count: 90,
      pages: [
        { seq: 0, gen: 3, n: 40, cur: 40 },
        { seq: 1, gen: 3, n: 41, cur: 41 },
        { seq: 2, gen: 3, n: 39, cur: 12 },
        { seq: 3, gen: 3, n: 40, cur: 40 },
        { seq: 7, gen: 5, n: 40, cur: 40 },
        { seq: 8, gen: 9, n: 3, cur: 3 },
      ],
      snap: { gen: 2, pages: 1, upto: 7 },
    };
    const json = encodeManifest(m);
    expect(JSON.parse(json).pages).toEqual([[0, 3, 40, 40], 41, [2, 3, 39, 12], 40, [7, 5, 40, 40], [8, 9, 3, 3]]);
    expect(decodeManifest(JSON.parse(json))).toEqual(m);
    expect(decodeManifest(JSON.parse(encodeManifest({ ...m, snap: null, damaged: ['page contact/4'] })))).toEqual({ ...m, snap: null, damaged: ['page contact/4'] });
  });

  it('refuses malformed manifests', () => {
    const ok = { v: 3, next: 5, count: 1, pages: [[0, 1, 2, 2]], snap: null };
    expect(() => decodeManifest({ ...ok, v: 2 })).toThrow(TypeError);
    expect(() => decodeManifest({ ...ok, pages: [7] })).toThrow(TypeError); // a run needs a page before it
    expect(() => decodeManifest({ ...ok, pages: [[0, 1, 2, 3]] })).toThrow(TypeError); // more current than stored
    expect(() => decodeManifest({ ...ok, pages: [[6, 1, 2, 2]] })).toThrow(TypeError); // past next
    expect(() => decodeManifest({ ...ok, pages: [[1, 1, 2, 2], [1, 1, 2, 2]] })).toThrow(TypeError); // out of order
    expect(() => decodeManifest({ ...ok, snap: [1, 2] })).toThrow(TypeError);
  });

  it('a directory snapshot splits into bounded bodies and reads back whole', () => {
    const dir = new Map(Array.from({ length: 5000 }, (_, i) => [crypto.randomUUID(), i % 97] as [string, number]));
    const bodies = encodeDirectory(dir, 16 * 1024);
    expect(bodies.length).toBeGreaterThan(5);
    for (const b of bodies) expect(b.length).toBeLessThan(17 * 1024);
    const back = new Map<string, number>();
    for (const b of bodies) decodeDirectory(JSON.parse(b), back);
    expect(back).toEqual(dir);
    expect(() => decodeDirectory([[1, [2]]], new Map())).toThrow(TypeError);
  });
});
