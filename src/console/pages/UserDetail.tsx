import { useState } from 'preact/hooks';
import type { CreateUserResponse } from '../../protocol/admin';
import { api } from '../api';
import { Enrollment } from '../components/CreateUserForm';
import { Alert } from '../components/Alert';
import { PolicyEditor } from '../components/PolicyEditor';
import { RevealForm } from '../components/RevealForm';
import { when } from '../format';
import { href } from '../router';
import { isAdmin } from '../session';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';

/**
 * One user: who they are and the devices they last used; for admins, the
 * user's own policy (combined with each device's group policy, the
 * stricter rule winning); for support and admins, revealing one unlock code
 * to read out to a user who forgot their password.
 */
export function UserDetail({ id }: { id: string }) {
  const load = useLoad(() => api.user(id), [id]);
  const admin = isAdmin();
  const detail = load.data;

  return (
    <section>
      <p class="back">
        <a href={href('users')}>← All users</a>
      </p>
      {!detail ? (
        <>
          <h1 tabIndex={-1}>User</h1>
          <Alert message={load.error} />
          {load.loading && <p class="loading">Loading the user…</p>}
        </>
      ) : (
        <>
          <h1 tabIndex={-1}>{detail.user.username}</h1>
          <dl class="stats card">
            <dt>Display name</dt>
            <dd>{detail.user.displayName ?? '—'}</dd>
            <dt>Role</dt>
            <dd>{detail.user.role}</dd>
            <dt>Enrolled</dt>
            <dd>{detail.user.enrolled ? 'yes' : 'no'}</dd>
          </dl>
          {admin && !detail.user.enrolled && <NewEnrollmentCode userId={detail.user.id} />}

          <h2>Devices</h2>
          {detail.devices.length === 0 ? (
            <p>No devices yet.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="visually-hidden">Devices of {detail.user.username}</caption>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">OS</th>
                    <th scope="col">Browser</th>
                    <th scope="col">App version</th>
                    <th scope="col">Last seen</th>
                    <th scope="col">Last sync</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.devices.map((d) => (
                    <tr key={d.id}>
                      <th scope="row">{admin ? <a href={href('devices', d.id)}>{d.model}</a> : d.model}</th>
                      <td>{d.os}</td>
                      <td>{d.browser}</td>
                      <td>{d.appVersion}</td>
                      <td>{when(d.lastSeenAt)}</td>
                      <td>{when(d.lastSyncAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          {admin && (
            <>
              <h2>Policy</h2>
              <p class="fine">Applies on every device this user signs in on, together with the device group’s policy: where both set a rule, the stricter value wins.</p>
              <PolicyEditor idPrefix="user" initial={detail.policy} saveLabel="Save policy" removable save={(policy) => api.setUserPolicy(detail.user.id, policy)} />
            </>
          )}

          <RevealForm key={detail.user.id} userId={detail.user.id} />
        </>
      )}
    </section>
  );
}

/** For a user who has not enrolled (the code expired or got lost): a fresh code and link; earlier codes stop working. */
function NewEnrollmentCode({ userId }: { userId: string }) {
  const [issued, setIssued] = useState<CreateUserResponse | null>(null);
  const { busy, error, run } = useAction();
  const issue = () => run(async () => setIssued(await api.newEnrollmentCode(userId)));

  return (
    <div class="inline">
      <button type="button" disabled={busy} onClick={() => void issue()}>
        New enrollment code
      </button>
      <Alert message={error} />
      {issued && <Enrollment created={issued} issued="has a new enrollment code (earlier ones no longer work)" />}
    </div>
  );
}
