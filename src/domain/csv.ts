import type { EntityTypeDef } from './entity-types';

/**
 * CSV import (RFC 4180: quoted fields, "" escapes, CRLF or LF). The header
 * row names fields by name or label, case-insensitively; an optional `id`
 * column updates existing records. Tags are separated by ";". Pure, so the
 * UI feeds the rows to the vault's bulk write.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new SyntaxError('CSV ends inside a quoted field');
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

export interface CsvItem {
  id?: string;
  values: Record<string, unknown>;
}

/** Maps CSV rows onto an entity type. Throws SyntaxError naming an unknown column. */
export function csvToItems(type: EntityTypeDef, text: string): CsvItem[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) return [];
  const byKey = new Map<string, string>();
  for (const f of type.fields) {
    byKey.set(f.name.toLowerCase(), f.name);
    byKey.set(f.label.toLowerCase(), f.name);
  }
  const columns = header.map((h) => {
    const k = h.trim().toLowerCase();
    if (k === 'id') return 'id';
    const name = byKey.get(k);
    if (!name) throw new SyntaxError(`unknown column "${h.trim()}"`);
    return name;
  });
  const kinds = new Map(type.fields.map((f) => [f.name, f.kind]));
  return rows.map((r) => {
    const item: CsvItem = { values: {} };
    columns.forEach((col, i) => {
      const raw = (r[i] ?? '').trim();
      if (col === 'id') {
        if (raw) item.id = raw;
      } else if (raw !== '') item.values[col] = kinds.get(col) === 'tags' ? raw.split(';').map((t) => t.trim()).filter(Boolean) : raw;
    });
    return item;
  });
}
