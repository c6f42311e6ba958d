import { useEffect, useRef, useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import { ApiError, api } from '../api';
import { Alert } from '../components/Alert';
import { messageOf, signInNotice, staff } from '../session';

/**
 * Console sign-in: username and password; for an account with an
 * authenticator, the server answers 401 TotpRequired and the form asks for
 * the 6-digit code as well, then sends all three again.
 */
const TOTP_HINT = 'The 6-digit code from your authenticator app.';

export function SignIn() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const totpInput = useRef<HTMLInputElement>(null);
  const error = signInNotice.value;

  useEffect(() => {
    if (needsTotp) totpInput.current?.focus();
  }, [needsTotp]);

  async function submit(e: Event) {
    e.preventDefault();
    signInNotice.value = null;
    setBusy(true);
    try {
      staff.value = await api.login(username, password, needsTotp ? totp.trim() : undefined);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'TotpRequired') {
        // The password is kept for the second step; a code that was wrong is cleared.
        if (needsTotp) signInNotice.value = err.message;
        setNeedsTotp(true);
        setTotp('');
        return;
      }
      signInNotice.value = messageOf(err);
      setPassword('');
      setTotp('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="account">
      <h1>FieldVault console</h1>
      <form onSubmit={submit} aria-busy={busy}>
        <h2>Sign in</h2>
        <Field id="username" label="Username">
          <input
            {...describedBy('username')}
            autocomplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={username}
            onInput={(e) => {
              setUsername(e.currentTarget.value);
              setNeedsTotp(false);
            }}
          />
        </Field>
        <Field id="password" label="Password">
          <input {...describedBy('password')} type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {needsTotp && (
          <Field id="totp" label="Authentication code" hint={TOTP_HINT}>
            <input
              ref={totpInput}
              {...describedBy('totp', undefined, TOTP_HINT)}
              inputMode="numeric"
              autocomplete="one-time-code"
              pattern="\d{6}"
              maxLength={6}
              required
              value={totp}
              onInput={(e) => setTotp(e.currentTarget.value)}
            />
          </Field>
        )}
        <Alert message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
