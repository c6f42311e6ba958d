import { signal } from '@preact/signals';
import type { z } from 'zod';
import { Field, describedBy } from '../../app/components/Field';
import { DeviceRow } from '../../protocol/policy';
import { api } from '../api';
import { Alert } from '../components/Alert';
import { SortHeader, sortRows, type Sort } from '../components/SortHeader';
import { when } from '../format';
import { href } from '../router';
import { useLoad } from '../use-load';

/**
 * Every device (admins): search across all columns, filter by state and
 * group, sort by any column; a row opens the device. Filters live outside
 * the page so they are still set when coming back from a device.
 */
type Device = z.infer<typeof DeviceRow>;
type Column = 'model' | 'os' | 'browser' | 'appVersion' | 'user' | 'group' | 'lastSyncAt' | 'state';

const COLUMNS: readonly (readonly [Column, string])[] = [
  ['model', 'Model'],
  ['os', 'OS'],
  ['browser', 'Browser'],
  ['appVersion', 'App version'],
  ['user', 'Current user'],
  ['group', 'Group'],
  ['lastSyncAt', 'Last sync'],
  ['state', 'State'],
];
const STATES = DeviceRow.shape.state.options;
/** The group filter's value for devices in no group. */
const NO_GROUP = '-';
/** The state filter's value for every device but the wiped ones. */
const NOT_WIPED = '!wiped';

const query = signal('');
const stateFilter = signal('');
const groupFilter = signal('');
const sort = signal<Sort<Column>>({ key: 'lastSyncAt', dir: 'descending' });

export function Devices() {
  const load = useLoad(() => Promise.all([api.devices(), api.groups()]), []);
  const [devices, groups] = load.data ? [load.data[0].devices, load.data[1].groups] : [null, []];
  const groupName = new Map(groups.map((g) => [g.id, g.name]));

  const cell = (d: Device, k: Column): string => {
    if (k === 'group') return d.groupId ? (groupName.get(d.groupId) ?? '') : '';
    if (k === 'lastSyncAt') return d.lastSyncAt ? when(d.lastSyncAt) : '';
    return d[k] ?? '';
  };
  const sortValue = (d: Device, k: Column) => (k === 'lastSyncAt' ? (d.lastSyncAt ? Date.parse(d.lastSyncAt) : null) : cell(d, k));

  const q = query.value.trim().toLowerCase();
  const shown = devices
    ? sortRows(
        devices.filter(
          (d) =>
            (!stateFilter.value || (stateFilter.value === NOT_WIPED ? d.state !== 'wiped' : d.state === stateFilter.value)) &&
            (!groupFilter.value || (groupFilter.value === NO_GROUP ? d.groupId === null : d.groupId === groupFilter.value)) &&
            (!q || COLUMNS.some(([k]) => cell(d, k).toLowerCase().includes(q))),
        ),
        sort.value,
        sortValue,
      )
    : [];

  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Devices</h1>
        <button type="button" class="ghost small" disabled={load.loading} onClick={() => void load.reload()}>
          Refresh
        </button>
      </div>
      <div class="filters" role="search">
        <Field id="device-q" label="Search devices" hint="Any column: model, user, group, state…">
          <input {...describedBy('device-q', undefined, 'Any column: model, user, group, state…')} type="search" autocomplete="off" spellcheck={false} value={query.value} onInput={(e) => (query.value = e.currentTarget.value)} />
        </Field>
        <Field id="device-state" label="State">
          <select {...describedBy('device-state')} value={stateFilter.value} onChange={(e) => (stateFilter.value = e.currentTarget.value)}>
            <option value="">All states</option>
            <option value={NOT_WIPED}>All but wiped</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field id="device-group" label="Group">
          <select {...describedBy('device-group')} value={groupFilter.value} onChange={(e) => (groupFilter.value = e.currentTarget.value)}>
            <option value="">All groups</option>
            <option value={NO_GROUP}>No group</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Alert message={load.error} />
      {!devices ? (
        load.loading && <p class="loading">Loading the devices…</p>
      ) : (
        <>
          <p class="count" role="status">
            {devices.length === 0 ? 'No device has enrolled yet.' : `${shown.length} of ${devices.length} ${devices.length === 1 ? 'device' : 'devices'} shown.`}
          </p>
          {shown.length > 0 && (
            <div class="table-wrap">
              <table data-testid="devices">
                <caption class="visually-hidden">Devices, sorted by {COLUMNS.find(([k]) => k === sort.value.key)![1]}</caption>
                <thead>
                  <tr>
                    {COLUMNS.map(([k, label]) => (
                      <SortHeader key={k} label={label} column={k} sort={sort.value} onSort={(s) => (sort.value = s)} />
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {shown.map((d) => (
                    <tr key={d.id}>
                      <th scope="row">
                        <a href={href('devices', d.id)}>{d.model || 'Unknown device'}</a>
                      </th>
                      <td>{d.os}</td>
                      <td>{d.browser}</td>
                      <td>{d.appVersion}</td>
                      <td>{d.user ?? '—'}</td>
                      <td>{cell(d, 'group') || '—'}</td>
                      <td class="nowrap">{when(d.lastSyncAt)}</td>
                      <td>
                        <span class={`state state-${d.state.split(' ')[0]}${d.state.endsWith('pending') ? ' pending' : ''}`}>{d.state}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
