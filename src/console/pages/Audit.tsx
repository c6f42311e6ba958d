import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import type { z } from 'zod';
import { Field, describedBy } from '../../app/components/Field';
import type { AuditResponse } from '../../protocol/policy';
import { api } from '../api';
import { Alert } from '../components/Alert';
import { actionLabel, detailText } from '../audit-format';
import { whenExact } from '../format';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';

/**
 * The audit log (admins): newest first, a page of 100 at a time ("Show
 * older entries"), with a text filter over what is loaded. Actions read as
 * sentences, devices by their model, details as "name: value".
 */
type Entry = z.infer<typeof AuditResponse>['entries'][number];
const filter = signal('');

const targetText = (e: Entry): string => (e.targetDevice ? `${e.targetDevice} (${e.target})` : (e.target ?? ''));

export function Audit() {
  const load = useLoad(() => api.audit(), []);
  const [older, setOlder] = useState<{ entries: Entry[]; next: string | null } | null>(null);
  const { busy, error, run } = useAction();
  const first = load.data;
  const all = [...(first?.entries ?? []), ...(older?.entries ?? [])];
  const next = older ? older.next : (first?.next ?? null);
  const entries = all.map((e) => ({ ...e, time: whenExact(e.at), label: actionLabel(e.action), targetShown: targetText(e), detailShown: detailText(e.detail) }));
  const q = filter.value.trim().toLowerCase();
  const shown = q ? entries.filter((e) => [e.time, e.at, e.actor, e.label, e.action, e.targetShown, e.ip ?? '', e.detailShown].some((v) => v.toLowerCase().includes(q))) : entries;

  const more = () =>
    run(async () => {
      const page = await api.audit(next);
      setOlder({ entries: [...(older?.entries ?? []), ...page.entries], next: page.next ?? null });
    });

  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Audit log</h1>
        <button
          type="button"
          class="ghost small"
          disabled={load.loading}
          onClick={() => {
            setOlder(null);
            void load.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <div class="filters" role="search">
        <Field id="audit-q" label="Filter" hint="Any column: actor, action, target, IP, detail…">
          <input {...describedBy('audit-q', undefined, 'Any column: actor, action, target, IP, detail…')} type="search" autocomplete="off" spellcheck={false} value={filter.value} onInput={(e) => (filter.value = e.currentTarget.value)} />
        </Field>
      </div>
      <Alert message={load.error} />
      {!first ? (
        load.loading && <p class="loading">Loading the audit log…</p>
      ) : (
        <>
          <p class="count" role="status">
            {entries.length === 0 ? 'Nothing in the audit log yet.' : `${shown.length} of ${entries.length} loaded entries shown (newest first)${next ? '; older ones below' : ''}.`}
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
                      <td title={e.action}>{e.label}</td>
                      <td>{e.targetShown}</td>
                      <td class="nowrap">{e.ip ?? ''}</td>
                      <td class="detail">{e.detailShown}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {next && (
            <button type="button" class="ghost" disabled={busy} onClick={() => void more()}>
              Show older entries
            </button>
          )}
          <Alert message={error} />
        </>
      )}
    </section>
  );
}
