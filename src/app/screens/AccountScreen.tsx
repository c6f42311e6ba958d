import { useEffect, useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../domain/account-rules';
import { isVaultError } from '../../lib/errors';
import { describeError } from '../errors';
import { Field, describedBy } from '../components/Field';
import { lockReason } from '../policy-watch';
import { go, route } from '../router';
import { hasAccounts, requestPersistence, session, wipeNotice } from '../state';
import type { WipeNotice } from '../../../workers/common/wipe';
import { updateRequired, updateState } from '../sw-register';
import { requestSync } from '../sync';
import { vault } from '../vault-client';

/**
 * How people get in:
 * - login: offline, the password unwraps the keys on this device;
 * - online: first time on this device, keys come from the server;
 * - enroll: first time at all, with the code the admin gave (link or typed);
 * - create: a local account with no server;
 * - reset: a forgotten password, with an unlock code read out by support
 *   (works offline on a device that holds the account, online elsewhere).
 * Shared devices hold several accounts; each sees only its own data.
 */
type Mode = 'login' | 'online' | 'enroll' | 'create' | 'reset';

const TITLES: Record<Mode, string> = {
  login: 'Log in',
  online: 'Sign in on this device',
  enroll: 'Set up your account',
  create: 'Create a local account',
  reset: 'Forgot your password?',
};
const SUBMIT: Record<Mode, [string, string]> = {
  login: ['Log in', 'Checking…'],
  online: ['Sign in', 'Signing in…'],
  enroll: ['Set up account', 'Setting up…'],
  create: ['Create account', 'Creating…'],
  reset: ['Set new password', 'Checking the code…'],
};

const CODE_HINT = '28 letters and digits; spaces and dashes do not matter.';

/** What the setup screen of a wiped device says: who removed the data, when, and why. */
export function describeWipe(n: WipeNotice): string {
  const when = new Date(n.at).toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' });
  switch (n.reason) {
    case 'Command':
      return `Your organisation removed this app’s data from this device on ${when}.`;
    case 'TooManyAttempts':
      return `This app’s data was removed from this device on ${when}, after too many wrong passwords, as your organisation’s policy requires.`;
    case 'NoServerContact':
      return `This app’s data was removed from this device on ${when}, because it had not reached the server for too long, as your organisation’s policy requires.`;
    default:
      return `This app’s data was removed from this device on ${when}.`;
  }
}

export function AccountScreen({ firstRun }: { firstRun: boolean }) {
  const r = route.value;
  const link = r.name === 'enroll' ? r.params : null;
  const [mode, setMode] = useState<Mode>(link ? 'enroll' : firstRun ? 'enroll' : 'login');
  const [username, setUsername] = useState(link?.u ?? '');
  const [code, setCode] = useState(link?.code ?? '');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // An enrollment link opened while this screen is up (a second user on a shared device) switches to it.
  useEffect(() => {
    if (!link) return;
    setMode('enroll');
    setUsername(link.u ?? '');
    setCode(link.code ?? '');
    setError(null);
  }, [link?.u, link?.code]);
  const newPassword = mode === 'create' || mode === 'enroll' || mode === 'reset';
  const hint = newPassword ? `At least ${MIN_PASSWORD_LENGTH} characters.` : undefined;

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (newPassword && password !== confirm) return setError('The two passwords are not the same.');
    setBusy(true);
    try {
      session.value =
        mode === 'create'
          ? await vault.createAccount(username, password)
          : mode === 'enroll'
            ? await vault.enroll(username, code, password)
            : mode === 'online'
              ? await vault.loginOnline(username, password)
              : mode === 'reset'
                ? await vault.resetPassword(username, code, password)
                : await vault.unlock(username, password);
      hasAccounts.value = true;
      lockReason.value = null;
      if (link) go('#/contact');
      void requestPersistence();
      requestSync();
    } catch (err) {
      setError(describeError(err));
      if (isVaultError(err) && err.code === 'PolicyDenied' && err.detail === 'AppTooOld') void updateRequired();
    } finally {
      setBusy(false);
      setPassword('');
      setConfirm('');
      if (mode === 'reset') setCode('');
    }
  }

  const switchTo = (m: Mode) => () => (setMode(m), setError(null));
  const others: [Mode, string][] = (
    [
      ['login', 'I have an account on this device'],
      ['online', 'First time on this device? Sign in with the server'],
      ['enroll', 'I have an enrollment code'],
      ['create', 'Create a local account (no server)'],
      ['reset', 'Forgot your password? Use an unlock code from support'],
    ] as [Mode, string][]
  ).filter(([m]) => m !== mode && !(m === 'login' && firstRun));

  return (
    <main class="account">
      <h1>FieldVault</h1>
      {/* The username is kept out of the browser's autofill history (we do not store it in clear either). */}
      {lockReason.value && (
        <p class="banner warn" role="status" data-testid="lock-reason">
          {lockReason.value}
        </p>
      )}
      {firstRun && wipeNotice.value && (
        <p class="banner warn" role="status" data-testid="wipe-notice">
          {describeWipe(wipeNotice.value)}
        </p>
      )}
      {updateState.value && (
        <p class="banner" role="status" data-testid="update-state">
          {updateState.value === 'checking' ? 'Updating the app…' : 'The server has no newer version yet. The app tries again at the next check.'}
        </p>
      )}
      <form onSubmit={submit} aria-busy={busy}>
        <h2>{TITLES[mode]}</h2>
        <Field id="username" label="Username">
          <input {...describedBy('username')} autocomplete="off" autoCapitalize="none" spellcheck={false} required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </Field>
        {mode === 'reset' && (
          <p class="fine">
            Call support: they check who you are and read you an unlock code. It works without a network on a device you have used before. Your
            records stay as they are.
          </p>
        )}
        {(mode === 'enroll' || mode === 'reset') && (
          <Field id="code" label={mode === 'enroll' ? 'Enrollment code' : 'Unlock code'} hint={mode === 'reset' ? CODE_HINT : undefined}>
            <input
              {...describedBy('code', undefined, mode === 'reset' ? CODE_HINT : undefined)}
              autocomplete="off"
              autoCapitalize="characters"
              spellcheck={false}
              required
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </Field>
        )}
        <Field id="password" label={mode === 'reset' ? 'New password' : newPassword ? 'Choose a password' : 'Password'} hint={hint}>
          <input
            {...describedBy('password', undefined, hint)}
            type="password"
            autocomplete={newPassword ? 'new-password' : 'current-password'}
            required
            minLength={newPassword ? MIN_PASSWORD_LENGTH : undefined}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        {newPassword && (
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
          {SUBMIT[mode][busy ? 1 : 0]}
        </button>
        {others.map(([m, label]) => (
          <button type="button" class="link" onClick={switchTo(m)}>
            {label}
          </button>
        ))}
      </form>
      <p class="fine">Your data is encrypted on this device. Without your password nobody can read it — and neither can you.</p>
    </main>
  );
}
