import { signal } from '@preact/signals';
import { Field, describedBy } from '../../app/components/Field';
import { api } from '../api';
import { Alert } from '../components/Alert';
import { compactJson, whenExact } from '../format';
import { useLoad } from '../use-load';

/** The audit log (admins): the newest 500 entries, newest first, with a text filter over every column. */
const filter = signal('');

export function Audit() {
  const load = useLoad(() => api.audit(), []);
  const entries = (load.data?.entries ?? []).map((e) => ({ ...e, time: whenExact(e.at), json: compactJson(e.detail) }));
  const q = filter.value.trim().toLowerCase();
  const shown = q ? entries.filter((e) => [e.time, e.at, e.actor, e.action, e.target ?? '', e.ip ?? '', e.json].some((v) => v.toLowerCase().includes(q))) : entries;

  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Audit log</h1>
        <button type="button" class="ghost small" disabled={load.loading} onClick={() => void load.reload()}>
          Refresh
        </button>
      </div>
      <div class="filters" role="search">
        <Field id="audit-q" label="Filter" hint="Any column: actor, action, target, IP, detail…">
          <input {...describedBy('audit-q', undefined, 'Any column: actor, action, target, IP, detail…')} type="search" autocomplete="off" spellcheck={false} value={filter.value} onInput={(e) => (filter.value = e.currentTarget.value)} />
        </Field>
      </div>
      <Alert message={load.error} />
      {!load.data ? (
        load.loading && <p class="loading">Loading the audit log…</p>
      ) : (
        <>
          <p class="count" role="status">
            {entries.length === 0 ? 'Nothing in the audit log yet.' : `${shown.length} of ${entries.length} entries shown (newest first).`}
          </p>
          {shown.length > 0 && (
            <div class="table-wrap">
              <table data-testid="audit">
                <caption class="visually-hidden">Audit log, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">IP</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((e, i) => (
                    <tr key={i}>
                      <td class="nowrap">
                        <time dateTime={e.at}>{e.time}</time>
                      </td>
                      <td>{e.actor}</td>
                      <td class="nowrap">{e.action}</td>
                      <td>{e.target ?? ''}</td>
                      <td class="nowrap">{e.ip ?? ''}</td>
                      <td class="mono detail">{e.json}</td>
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
