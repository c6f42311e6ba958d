/**
 * Sortable table columns: a button in each header cell, the sorted one
 * marked with aria-sort. `sortRows` orders by the column's value, text in
 * natural order ("v2" before "v10"), empty values last either way.
 */
export interface Sort<K extends string> {
  key: K;
  dir: 'ascending' | 'descending';
}

export function SortHeader<K extends string>(props: { label: string; column: K; sort: Sort<K>; onSort: (s: Sort<K>) => void }) {
  const active = props.sort.key === props.column;
  const next: Sort<K> = { key: props.column, dir: active && props.sort.dir === 'ascending' ? 'descending' : 'ascending' };
  return (
    <th scope="col" aria-sort={active ? props.sort.dir : undefined}>
      <button type="button" class="sort" onClick={() => props.onSort(next)}>
        {props.label}
        <span class="arrow" aria-hidden="true">
          {active ? (props.sort.dir === 'ascending' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** A sorted copy of `rows`, by `value` of each row for the sorted column. */
export function sortRows<T, K extends string>(rows: readonly T[], sort: Sort<K>, value: (row: T, key: K) => string | number | null): T[] {
  const sign = sort.dir === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a, sort.key);
    const y = value(b, sort.key);
    if (x === null || x === '') return y === null || y === '' ? 0 : 1;
    if (y === null || y === '') return -1;
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y)));
  });
}
