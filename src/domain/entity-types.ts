import { z } from 'zod';

/**
 * Entity types are data: adding a field is a change to ENTITY_TYPES below, not
 * code. The config is validated with zod at module load so a typo fails fast.
 */
export const FieldKind = z.enum(['text', 'longtext', 'email', 'phone', 'date', 'enum', 'tags', 'ref', 'photos']);
export type FieldKind = z.infer<typeof FieldKind>;

export const FieldDef = z.object({
  name: z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'field names are camelCase identifiers'),
  label: z.string().min(1),
  kind: FieldKind,
  required: z.boolean().default(false),
  /** Allowed values for kind "enum". */
  options: z.array(z.string()).optional(),
  /** Target entity type for kind "ref". */
  refType: z.string().optional(),
  maxLength: z.number().int().positive().optional(),
});
export type FieldDef = z.infer<typeof FieldDef>;

export const EntityTypeDef = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    label: z.string(),
    pluralLabel: z.string(),
    /** Field shown as the record's title in lists. */
    titleField: z.string(),
    /** Default list sort. */
    defaultSort: z.object({ field: z.string(), dir: z.enum(['asc', 'desc']) }),
    fields: z.array(FieldDef).min(1),
  })
  .superRefine((t, ctx) => {
    const names = new Set(t.fields.map((f) => f.name));
    if (names.size !== t.fields.length) ctx.addIssue({ code: 'custom', message: `duplicate field in ${t.name}` });
    if (!names.has(t.titleField)) ctx.addIssue({ code: 'custom', message: `titleField ${t.titleField} missing in ${t.name}` });
    for (const f of t.fields) {
      if (f.kind === 'enum' && !f.options?.length) ctx.addIssue({ code: 'custom', message: `enum ${f.name} needs options` });
      if (f.kind === 'ref' && !f.refType) ctx.addIssue({ code: 'custom', message: `ref ${f.name} needs refType` });
    }
  });
export type EntityTypeDef = z.infer<typeof EntityTypeDef>;

const RAW_TYPES: z.input<typeof EntityTypeDef>[] = [
  {
    name: 'contact',
    label: 'Contact',
    pluralLabel: 'Contacts',
    titleField: 'name',
    defaultSort: { field: 'name', dir: 'asc' },
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 200 },
      { name: 'organisation', label: 'Organisation', kind: 'text', maxLength: 200 },
      { name: 'email', label: 'Email', kind: 'email', maxLength: 320 },
      { name: 'phone', label: 'Phone', kind: 'phone', maxLength: 40 },
      { name: 'address', label: 'Address', kind: 'longtext', maxLength: 1000 },
      { name: 'notes', label: 'Notes', kind: 'longtext', maxLength: 20000 },
      { name: 'tags', label: 'Tags', kind: 'tags' },
    ],
  },
  {
    name: 'visit',
    label: 'Visit',
    pluralLabel: 'Visits',
    titleField: 'date',
    defaultSort: { field: 'date', dir: 'desc' },
    fields: [
      { name: 'contact', label: 'Contact', kind: 'ref', refType: 'contact', required: true },
      { name: 'date', label: 'Date', kind: 'date', required: true },
      { name: 'status', label: 'Status', kind: 'enum', options: ['planned', 'done', 'cancelled'], required: true },
      { name: 'notes', label: 'Notes', kind: 'longtext', maxLength: 20000 },
      { name: 'photos', label: 'Photos', kind: 'photos' },
    ],
  },
];

export const ENTITY_TYPES: readonly EntityTypeDef[] = Object.freeze(RAW_TYPES.map((t) => EntityTypeDef.parse(t)));

export function entityType(name: string): EntityTypeDef | undefined {
  return ENTITY_TYPES.find((t) => t.name === name);
}

/** Text-like kinds are what full-text search looks at. */
export const SEARCHABLE_KINDS: ReadonlySet<FieldKind> = new Set(['text', 'longtext', 'email', 'phone', 'tags', 'enum']);
