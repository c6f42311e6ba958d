import { describe, expect, it } from 'vitest';
import { csvToItems, parseCsv } from '../../src/domain/csv';
import { entityType } from '../../src/domain/entity-types';

describe('CSV import', () => {
  it('parses quotes, escaped quotes, commas and newlines inside fields, CRLF', () => {
    expect(parseCsv('a,b\r\n"x, ""y""","line1\nline2"\r\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'line1\nline2'],
    ]);
  });

  it('maps headers by name or label, splits tags, keeps ids', () => {
    const id = crypto.randomUUID();
    const items = csvToItems(entityType('contact')!, `\uFEFFid,Name,email,Tags\n${id},Ada,ada@example.org,a; b\n,Bob,,\n`);
    expect(items).toEqual([
      { id, values: { name: 'Ada', email: 'ada@example.org', tags: ['a', 'b'] } },
      { values: { name: 'Bob' } },
    ]);
  });

  it('names an unknown column and refuses an unterminated quote', () => {
    expect(() => csvToItems(entityType('contact')!, 'name,shoe size\nA,42')).toThrow(/shoe size/);
    expect(() => parseCsv('"open')).toThrow(SyntaxError);
  });
});
