import { useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import { api } from '../api';
import { Alert } from '../components/Alert';
import { CommandButtons } from '../components/CommandButtons';
import { bytes, when, whenExact } from '../format';
import { go, href } from '../router';
import { fail } from '../session';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';

/**
 * One device (admins): what it is and who uses it, its state (refreshable:
 * a command is pending until the device's next contact), its group, the
 * remote commands and its sync log.
 */
export function DeviceDetail({ id }: { id: string }) {
  const load = useLoad(async () => {
    const [{ devices }, { groups }] = await Promise.all([api.devices(), api.groups()]);
    return { device: devices.find((d) => d.id === id) ?? null, groups };
  }, [id]);
  const log = useLoad(() => api.syncLog(id), [id]);

  const device = load.data?.device;
  const groups = load.data?.groups ?? [];
  const refresh = () => Promise.all([load.reload(), log.reload()]);

  return (
    <section>
      <p class="back">
        <a href={href('devices')}>← All devices</a>
      </p>
      <div class="page-head">
        <h1 tabIndex={-1}>{device ? device.model || 'Unknown device' : 'Device'}</h1>
        <button type="button" class="ghost small" disabled={load.loading} onClick={() => void refresh()}>
          Refresh state
        </button>
      </div>
      <Alert message={load.error} />
      {load.data && !device && <p>There is no such device. It may have been removed.</p>}
      {!load.data && load.loading && <p class="loading">Loading the device…</p>}
      {device && (
        <>
          <dl class="stats card">
            <dt>State</dt>
            <dd>
              <strong data-testid="device-state">{device.state}</strong>
            </dd>
            <dt>Current user</dt>
            <dd>{device.user ?? '—'}</dd>
            <dt>Group</dt>
            <dd>{(device.groupId && groups.find((g) => g.id === device.groupId)?.name) || 'No group'}</dd>
            <dt>OS</dt>
            <dd>{device.os}</dd>
            <dt>Browser</dt>
            <dd>{device.browser}</dd>
            <dt>App version</dt>
            <dd>{device.appVersion}</dd>
            <dt>Last seen</dt>
            <dd>{when(device.lastSeenAt)}</dd>
            <dt>Last sync</dt>
            <dd>{when(device.lastSyncAt)}</dd>
            <dt>Device id</dt>
            <dd class="mono">{device.id}</dd>
          </dl>

          <h2>Device group</h2>
          <GroupForm key={device.id} deviceId={device.id} current={device.groupId} groups={groups} onSaved={() => void load.reload()} />

          <h2>Commands</h2>
          <CommandButtons target="device" name={device.model} send={async (kind) => (await api.deviceCommand(device.id, kind)).ids.length} onSent={() => void load.reload()} />

          <h2>Remove from the list</h2>
          <RemoveDevice id={device.id} wiped={device.state === 'wiped'} />
        </>
      )}

      <h2>Sync log</h2>
      <Alert message={log.error} />
      {log.data &&
        (log.data.entries.length === 0 ? (
          <p>No sync yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Sync log, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Kind</th>
                  <th scope="col" class="num">
                    Changes
                  </th>
                  <th scope="col" class="num">
                    Bytes
                  </th>
                  <th scope="col">User</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {log.data.entries.map((e, i) => (
                  <tr key={i}>
                    <td>{whenExact(e.at)}</td>
                    <td>{e.kind}</td>
                    <td class="num">{e.changes}</td>
                    <td class="num">{bytes(e.bytes)}</td>
                    <td>{e.user ?? '—'}</td>
                    <td class={e.error ? 'error-text' : undefined}>{e.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}

/** Moves the device to a group (or none): the group's policy applies from its next sync. */
function GroupForm(props: { deviceId: string; current: string | null; groups: { id: string; name: string }[]; onSaved: () => void }) {
  const [groupId, setGroupId] = useState(props.current ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    setBusy(true);
    try {
      await api.setDeviceGroup(props.deviceId, groupId || null);
      setSaved(groupId ? `Moved to ${props.groups.find((g) => g.id === groupId)?.name ?? 'the group'}; its policy applies from the next sync.` : 'Removed from its group.');
      props.onSaved();
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="inline" onSubmit={submit} aria-busy={busy}>
      <Field id="device-group-select" label="Group">
        <select {...describedBy('device-group-select')} value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}>
          <option value="">No group</option>
          {props.groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={busy || groupId === (props.current ?? '')}>
        Save group
      </button>
      <Alert message={error} />
      {saved && (
        <p class="ok" role="status">
          {saved}
        </p>
      )}
    </form>
  );
}

/**
 * Retires the device: it leaves the list, and its sessions end at once.
 * Its data stays unless it was wiped, which the question says plainly.
 */
function RemoveDevice(props: { id: string; wiped: boolean }) {
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();
  const remove = () =>
    run(async () => {
      await api.removeDevice(props.id);
      go(href('devices'));
    });

  return (
    <div class="inline">
      {!asking ? (
        <button type="button" class="ghost" onClick={() => setAsking(true)}>
          Remove device…
        </button>
      ) : (
        <div role="group" aria-label="Remove this device">
          <p>
            {props.wiped
              ? 'The device was wiped. Removing it takes it off this list; its sessions are already ended.'
              : 'Removing ends its sessions at once and takes it off this list, but leaves the data on it: wipe it first to erase that. If it signs in again, it is listed again.'}
          </p>
          <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
            Remove
          </button>
          <button type="button" class="ghost" disabled={busy} onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      )}
      <Alert message={error} />
    </div>
  );
}
