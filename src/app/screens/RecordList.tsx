import { useEffect, useState } from 'preact/hooks';
import { entityType, type EntityTypeDef } from '../../domain/entity-types';
import type { Filter, QueryResult, RecordView } from '../../../workers/vault/api';
import { describeError } from '../errors';
import { go } from '../router';
import { useVaultChanges } from '../use-vault-changes';
import { vault } from '../vault-client';

const PAGE = 50;

/** List, search, filter and sort the records of one type. */
export function RecordList({ type }: { type: string }) {
  const t = entityType(type);
  return t ? <List t={t} /> : <p>Unknown section.</p>;
}

function List({ t }: { t: EntityTypeDef }) {
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [sort, setSort] = useState(`${t.defaultSort.field}:${t.defaultSort.dir}`);
  const [limit, setLimit] = useState(PAGE);
  const [result, setResult] = useState<(QueryResult & { search: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useVaultChanges((c) => {
    if (c === t.name) setTick((n) => n + 1);
    refNames.clear(); // a referenced record may have been renamed
  });

  useEffect(() => {
    let live = true;
    const [field, dir] = sort.split(':') as [string, 'asc' | 'desc'];
    const fs: Filter[] = Object.entries(filters)
      .filter(([, v]) => v !== '')
      .map(([field, value]) => ({ field, op: 'eq', value }));
    vault
      .query({ type: t.name, search, filters: fs, sort: { field, dir }, limit })
      .then((r) => live && (setResult({ ...r, search }), setError(null)))
      .catch((e: unknown) => live && setError(describeError(e)));
    return () => void (live = false);
  }, [t.name, search, filters, sort, limit, tick]);

  const filterable = t.fields.filter((f) => f.kind === 'enum' || f.kind === 'tags');
  return (
    <section aria-labelledby="list-title">
      <div class="list-head">
        <h1 id="list-title">{t.pluralLabel}</h1>
        <button type="button" onClick={() => go(`#/${t.name}/new`)}>
          New {t.label.toLowerCase()}
        </button>
      </div>
      <div class="toolbar" role="search">
        {/* autocomplete="off" everywhere record data is typed: Chromium otherwise keeps the values
            in clear text in its autofill history and session-restore files (DESIGN §1). */}
        <input type="search" autocomplete="off" aria-label={`Search ${t.pluralLabel.toLowerCase()}`} placeholder="Search" value={search} onInput={(e) => (setSearch(e.currentTarget.value), setLimit(PAGE))} />
        {filterable.map((f) =>
          f.kind === 'enum' ? (
            <select autocomplete="off" aria-label={`Filter by ${f.label.toLowerCase()}`} value={filters[f.name] ?? ''} onChange={(e) => setFilters({ ...filters, [f.name]: e.currentTarget.value })}>
              <option value="">Any {f.label.toLowerCase()}</option>
              {f.options!.map((o) => (
                <option value={o}>{o}</option>
              ))}
            </select>
          ) : (
            <input autocomplete="off" aria-label={`Filter by ${f.label.toLowerCase()}`} placeholder={f.label} value={filters[f.name] ?? ''} onChange={(e) => setFilters({ ...filters, [f.name]: e.currentTarget.value.trim() })} />
          ),
        )}
        <select autocomplete="off" aria-label="Sort by" value={sort} onChange={(e) => setSort(e.currentTarget.value)}>
          {t.fields
            .filter((f) => f.kind !== 'photos' && f.kind !== 'ref')
            .flatMap((f) => [
              <option value={`${f.name}:asc`}>{f.label} ↑</option>,
              <option value={`${f.name}:desc`}>{f.label} ↓</option>,
            ])}
        </select>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && result.damaged.length > 0 && (
        <p class="banner warn" role="alert">
          {result.damaged.length} stored page(s) failed their integrity check and were skipped; the other records are shown.
        </p>
      )}
      {result && (
        <>
          <p class="count" aria-live="polite" data-search={result.search}>
            {result.total === 0 ? `No ${t.pluralLabel.toLowerCase()} yet.` : `${result.total} ${result.total === 1 ? t.label.toLowerCase() : t.pluralLabel.toLowerCase()}`}
          </p>
          <ul class="records" aria-label={t.pluralLabel}>
            {result.items.map((r) => (
              <RecordRow key={r.id} t={t} r={r} />
            ))}
          </ul>
          {result.items.length < result.total && (
            <button type="button" class="ghost" onClick={() => setLimit(limit + PAGE)}>
              Show more
            </button>
          )}
        </>
      )}
    </section>
  );
}

function RecordRow({ t, r }: { t: EntityTypeDef; r: RecordView }) {
  const title = String(r.values[t.titleField] ?? '(untitled)');
  const sub = t.fields
    .filter((f) => f.name !== t.titleField && (f.kind === 'text' || f.kind === 'enum' || f.kind === 'email'))
    .map((f) => r.values[f.name])
    .filter(Boolean)
    .slice(0, 2)
    .join(' · ');
  const ref = t.fields.find((f) => f.kind === 'ref');
  return (
    <li>
      <a href={`#/${t.name}/${r.id}`}>
        <strong>{title}</strong>
        {ref && typeof r.values[ref.name] === 'string' && <RefName type={ref.refType!} id={r.values[ref.name] as string} />}
        {sub && <span class="sub">{sub}</span>}
      </a>
    </li>
  );
}

const refNames = new Map<string, string>();

/** Shows the title of a referenced record (e.g. a visit's contact). */
export function RefName({ type, id }: { type: string; id: string }) {
  const [name, setName] = useState(refNames.get(id) ?? '');
  useEffect(() => {
    const t = entityType(type);
    if (!t || refNames.has(id)) return;
    vault
      .getRecord(type, id)
      .then((r) => {
        const n = String(r.values[t.titleField] ?? '');
        refNames.set(id, n);
        setName(n);
      })
      .catch(() => setName('(deleted)'));
  }, [type, id]);
  return <span class="sub">{name}</span>;
}
