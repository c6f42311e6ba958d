import { useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import type { CreateUserResponse } from '../../protocol/admin';
import { api } from '../api';
import { when } from '../format';
import { fail } from '../session';
import { Alert } from './Alert';

/**
 * Creates a user (admins): username, display name, role, and a console
 * password for support and admin users only (field users sign in on their
 * devices). Shows the one-time enrollment code, its expiry and the link
 * that opens the app with both filled in; the code is shown this once.
 */
type Role = 'user' | 'support' | 'admin';
const PASSWORD_HINT = 'For signing in to this console; at least 12 characters.';

export function CreateUserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<CreateUserResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setCreated(null);
    setBusy(true);
    try {
      const name = displayName.trim();
      setCreated(await api.createUser({ username: username.trim(), role, ...(name ? { displayName: name } : {}), ...(role !== 'user' ? { password } : {}) }));
      setUsername('');
      setDisplayName('');
      setPassword('');
      onCreated();
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      <form onSubmit={submit} aria-busy={busy}>
        <div class="pair">
          <Field id="new-username" label="Username" hint="Letters, digits and . _ @ -">
            <input {...describedBy('new-username', undefined, 'Letters, digits and . _ @ -')} required maxLength={64} pattern="[A-Za-z0-9._@\-]+" autocomplete="off" autoCapitalize="none" spellcheck={false} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </Field>
          <Field id="new-display-name" label="Display name (optional)">
            <input {...describedBy('new-display-name')} maxLength={200} autocomplete="off" value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
          </Field>
          <Field id="new-role" label="Role">
            <select {...describedBy('new-role')} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <option value="user">Field user</option>
              <option value="support">Support</option>
              <option value="admin">Admin</option>
            </select>
          </Field>
          {role !== 'user' && (
            <Field id="new-password" label="Console password" hint={PASSWORD_HINT}>
              <input {...describedBy('new-password', undefined, PASSWORD_HINT)} type="password" required minLength={12} maxLength={200} autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </Field>
          )}
        </div>
        <Alert message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </form>
      {created && <Enrollment created={created} />}
    </section>
  );
}

/** A user's new enrollment code and link (`issued`: what happened, e.g. "was created"), with a copy button for the link. */
export function Enrollment({ created, issued = 'was created' }: { created: CreateUserResponse; issued?: string }) {
  const [copied, setCopied] = useState<string | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.enrollmentLink);
      setCopied('Link copied.');
    } catch {
      // No clipboard permission (or no secure context): select it for Ctrl+C instead.
      const el = document.getElementById('enrollment-link');
      if (el) getSelection()?.selectAllChildren(el);
      setCopied('Could not copy: the link is selected, copy it with Ctrl+C.');
    }
  }

  return (
    <div class="revealed" role="status" data-testid="enrollment">
      <p>
        <strong>{created.username}</strong> {issued}. Give them this code or link; it works once, until {when(created.expiresAt)}, and is not shown again.
      </p>
      <dl class="stats">
        <dt>Enrollment code</dt>
        <dd class="mono" data-testid="enrollment-code">
          {created.enrollmentCode}
        </dd>
        <dt>Expires</dt>
        <dd>{when(created.expiresAt)}</dd>
        <dt>Enrollment link</dt>
        <dd>
          <a id="enrollment-link" class="mono" href={created.enrollmentLink} data-testid="enrollment-link" target="_blank" rel="noopener noreferrer">
            {created.enrollmentLink}
          </a>
        </dd>
      </dl>
      <button type="button" class="ghost small" onClick={() => void copy()}>
        Copy link
      </button>
      {copied && <span class="copied"> {copied}</span>}
    </div>
  );
}
