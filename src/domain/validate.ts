import { z } from 'zod';
import { AttachmentMeta } from './attachment';
import type { EntityTypeDef, FieldDef } from './entity-types';
import type { FieldErrors } from '../lib/errors';

/** Field values as the UI edits them and the vault stores them. */
export type FieldValue = string | string[] | AttachmentMeta[];
export type RecordValues = Record<string, FieldValue>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[+()0-9 .\-/]{3,}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function fieldSchema(f: FieldDef): z.ZodType<FieldValue | undefined> {
  const max = f.maxLength ?? 10_000;
  const text = z.string().max(max, `${f.label} is too long (at most ${max} characters).`);
  switch (f.kind) {
    case 'text':
    case 'longtext':
      return text;
    case 'email':
      return text.regex(EMAIL, 'Enter an email address like name@example.org.');
    case 'phone':
      return text.regex(PHONE, 'Enter a phone number using digits, spaces and + ( ) - only.');
    case 'date':
      return z
        .string()
        .regex(DATE, 'Enter a date as YYYY-MM-DD.')
        .refine((s) => !Number.isNaN(Date.parse(s)), 'Enter a real calendar date.');
    case 'enum':
      return z.enum(f.options as [string, ...string[]], { error: `Choose one of: ${f.options!.join(', ')}.` });
    case 'ref':
      return z.string().uuid(`Choose a ${f.refType}.`);
    case 'tags':
      return z.array(z.string().trim().min(1).max(100)).max(100, 'At most 100 tags.');
    case 'photos':
      return z.array(AttachmentMeta).max(100, 'At most 100 photos.');
  }
}

/** Schemas are built once per field definition: bulk imports validate thousands of records. */
const schemas = new WeakMap<FieldDef, z.ZodType<FieldValue | undefined>>();
function schemaOf(f: FieldDef): z.ZodType<FieldValue | undefined> {
  let s = schemas.get(f);
  if (!s) schemas.set(f, (s = fieldSchema(f)));
  return s;
}

const isEmpty = (v: unknown) => v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * Validates values against an entity type. Returns cleaned values (empty
 * optional fields dropped, unknown fields refused) or per-field messages.
 */
export function validateRecord(
  type: EntityTypeDef,
  values: Record<string, unknown>,
): { ok: true; values: RecordValues } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const out: RecordValues = {};
  const known = new Set(type.fields.map((f) => f.name));
  for (const k of Object.keys(values)) if (!known.has(k)) errors[k] = `Unknown field “${k}”.`;
  for (const f of type.fields) {
    const v = values[f.name];
    if (isEmpty(v)) {
      if (f.required) errors[f.name] = `${f.label} is required.`;
      continue;
    }
    const r = schemaOf(f).safeParse(v);
    if (r.success) out[f.name] = r.data as FieldValue;
    else errors[f.name] = r.error.issues[0]?.message ?? `${f.label} is not valid.`;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values: out };
}
