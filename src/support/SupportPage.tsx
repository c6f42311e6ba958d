import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import type { z } from 'zod';
import type { AdminSessionResponse, UserDetailResponse, UserSummary } from '../protocol/admin';
import { Field, describedBy } from '../app/components/Field';
import { ApiError, api } from './api';

/**
 * The support page: a support person (or an admin) signs in, finds the
 * field user who forgot their password, checks their devices and reveals
 * one unlock code to read out over the phone. Every reveal needs a reason
 * and lands in the audit log; the server rate-limits them.
 */
type User = z.infer<typeof UserSummary>;

/** undefined while the session is checked, null when signed out. */
const staff = signal<AdminSessionResponse | null | undefined>(undefined);
/** Why the sign-in form is back (the session ended), shown there. */
const signInNotice = signal<string | null>(null);

const messageOf = (e: unknown) => (e instanceof ApiError ? e.message : 'Something went wrong. Please try again.');

/** Shows an error; a 401 (the session ended) goes back to the sign-in form with the server's sentence. */
function fail(e: unknown, show: (m: string) => void) {
  if (e instanceof ApiError && e.status === 401) {
    signInNotice.value = e.message;
    staff.value = null;
  } else show(messageOf(e));
}

export async function loadSession(): Promise<void> {
  try {
    staff.value = await api.session();
  } catch (e) {
    staff.value = null;
    if (!(e instanceof ApiError && e.status === 401)) signInNotice.value = messageOf(e);
  }
}

const when = (iso: string | null) => {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

function Alert({ message }: { message: string | null }) {
  return message ? (
    <p class="error" role="alert">
      {message}
    </p>
  ) : null;
}

export function SupportPage() {
  const me = staff.value;
  if (me === undefined)
    return (
      <p class="loading" role="status">
        Checking your session…
      </p>
    );
  return me ? <Console me={me} /> : <SignIn />;
}

function SignIn() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const error = signInNotice.value;

  async function submit(e: Event) {
    e.preventDefault();
    signInNotice.value = null;
    setBusy(true);
    try {
      staff.value = await api.login(username, password);
    } catch (err) {
      signInNotice.value = messageOf(err);
    } finally {
      setBusy(false);
      setPassword('');
    }
  }

  return (
    <main class="account">
      <h1>FieldVault support</h1>
      <form onSubmit={submit} aria-busy={busy}>
        <h2>Sign in</h2>
        <Field id="username" label="Username">
          <input {...describedBy('username')} autocomplete="username" autoCapitalize="none" spellcheck={false} required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </Field>
        <Field id="password" label="Password">
          <input {...describedBy('password')} type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        <Alert message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function Console({ me }: { me: AdminSessionResponse }) {
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    setError(null);
    try {
      await api.logout();
      signInNotice.value = null;
      staff.value = null;
    } catch (e) {
      fail(e, setError);
    }
  }

  return (
    <>
      <header class="bar">
        <span class="brand">FieldVault support</span>
        <span class="who">
          Signed in as <strong>{me.username}</strong> ({me.role})
        </span>
        <button type="button" class="ghost" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main class="support">
        <Alert message={error} />
        <Search onOpen={setSelected} />
        {selected && <UserPanel key={selected} id={selected} />}
      </main>
    </>
  );
}

function Search({ onOpen }: { onOpen: (id: string) => void }) {
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setUsers((await api.searchUsers(q.trim())).users);
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>Users</h1>
      <form class="search" role="search" onSubmit={submit} aria-busy={busy}>
        <Field id="q" label="Find a user" hint="Part of the username.">
          <input {...describedBy('q', undefined, 'Part of the username.')} type="search" autoCapitalize="none" spellcheck={false} maxLength={64} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      <Alert message={error} />
      {users && (
        <>
          <p class="count" role="status">
            {users.length === 0 ? 'No user matches.' : users.length === 1 ? '1 user found.' : `${users.length} users found.`}
          </p>
          {users.length > 0 && (
            <ul class="records">
              {users.map((u) => (
                <li key={u.id}>
                  <button type="button" class="result" onClick={() => onOpen(u.id)}>
                    <strong>{u.username}</strong>
                    <span class="sub">
                      {u.displayName ?? 'No display name'} · Enrolled: {u.enrolled ? 'yes' : 'no'}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function UserPanel({ id }: { id: string }) {
  const [detail, setDetail] = useState<UserDetailResponse | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.user(id).then(
      (d) => live && setDetail(d),
      (e) => live && fail(e, setError),
    );
    return () => void (live = false);
  }, [id]);

  if (!detail) return error ? <Alert message={error} /> : <p class="loading">Loading the user…</p>;
  const { user, devices } = detail;
  return (
    <section class="user" aria-labelledby="user-title">
      <h2 id="user-title">{user.username}</h2>
      <dl class="stats">
        <dt>Display name</dt>
        <dd>{user.displayName ?? '—'}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Enrolled</dt>
        <dd>{user.enrolled ? 'yes' : 'no'}</dd>
      </dl>
      <h3>Devices</h3>
      {devices.length === 0 ? (
        <p>No devices yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Devices of {user.username}</caption>
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
              {devices.map((d) => (
                <tr key={d.id}>
                  <td>{d.model}</td>
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
      <RevealForm id={user.id} />
    </section>
  );
}

function RevealForm({ id }: { id: string }) {
  const [reason, setReason] = useState('');
  const [code, setCode] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setCode(null);
    setBusy(true);
    try {
      setCode((await api.revealCode(id, reason.trim())).code);
      setReason('');
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h3>Reveal an unlock code</h3>
      <form class="reveal" onSubmit={submit} aria-busy={busy}>
        <Field id="reason" label="Reason (goes to the audit log)">
          <textarea {...describedBy('reason')} required minLength={3} maxLength={500} rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </Field>
        <Alert message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Revealing…' : 'Reveal one code'}
        </button>
      </form>
      {code && (
        <div class="revealed" role="status">
          <p class="code" data-testid="revealed-code">
            {code}
          </p>
          <p>Read it out to the user. It works once; they set a new password with it. This reveal is in the audit log.</p>
        </div>
      )}
    </>
  );
}
