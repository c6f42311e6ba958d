import { useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../domain/account-rules';
import { describeError } from '../errors';
import { Field, describedBy } from '../components/Field';
import { hasAccounts, requestPersistence, session } from '../state';
import { vault } from '../vault-client';

/**
 * Log in (offline: the password unwraps the keys on this device) or create
 * a local account. Shared devices hold several accounts; each sees only
 * its own data.
 */
export function AccountScreen({ firstRun }: { firstRun: boolean }) {
  const [creating, setCreating] = useState(firstRun);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hint = creating ? `At least ${MIN_PASSWORD_LENGTH} characters.` : undefined;

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (creating && password !== confirm) return setError('The two passwords are not the same.');
    setBusy(true);
    try {
      session.value = creating ? await vault.createAccount(username, password) : await vault.unlock(username, password);
      hasAccounts.value = true;
      void requestPersistence();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
      setPassword('');
      setConfirm('');
    }
  }

  return (
    <main class="account">
      <h1>FieldVault</h1>
      {/* The username is not written into the browser's autofill history (it is not stored in clear by us either). */}
      <form onSubmit={submit} aria-busy={busy}>
        <h2>{creating ? 'Create an account on this device' : 'Log in'}</h2>
        <Field id="username" label="Username">
          <input {...describedBy('username')} autocomplete="off" autoCapitalize="none" spellcheck={false} required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </Field>
        <Field id="password" label="Password" hint={hint}>
          <input
            {...describedBy('password', undefined, hint)}
            type="password"
            autocomplete={creating ? 'new-password' : 'current-password'}
            required
            minLength={creating ? MIN_PASSWORD_LENGTH : undefined}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        {creating && (
          <Field id="confirm" label="Repeat password">
            <input {...describedBy('confirm')} type="password" autocomplete="new-password" required value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
          </Field>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? (creating ? 'Creating…' : 'Checking…') : creating ? 'Create account' : 'Log in'}
        </button>
        {!firstRun && (
          <button type="button" class="link" onClick={() => (setCreating(!creating), setError(null))}>
            {creating ? 'I already have an account on this device' : 'Create another account on this device'}
          </button>
        )}
      </form>
      <p class="fine">Your data is encrypted on this device. Without your password nobody can read it — and neither can you.</p>
    </main>
  );
}
