import { useEffect, useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../domain/account-rules';
import { csvToItems } from '../../domain/csv';
import { entityType } from '../../domain/entity-types';
import type { StorageStats } from '../../../workers/vault/api';
import { isVaultError } from '../../lib/errors';
import { Field, describedBy } from '../components/Field';
import { PushPanel } from '../components/PushPanel';
import { SurrogatesPanel } from '../components/Surrogates';
import { SyncPanel } from '../components/SyncBadge';
import { describeError } from '../errors';
import { lockNow, persisted, requestPersistence, session } from '../state';
import { useVaultChanges } from '../use-vault-changes';
import { vault } from '../vault-client';

const mib = (n: number | null) => (n === null ? 'unknown' : `${(n / 1048576).toFixed(1)} MiB`);

export function Settings() {
  const s = session.value!;
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <h2>Account</h2>
      <p>
        Logged in as <strong>{s.username}</strong>. Key fingerprint: <code>{s.fingerprint}</code>
      </p>
      <button type="button" onClick={() => void lockNow()}>
        Lock now
      </button>
      <SyncPanel />
      <PushPanel />
      <SurrogatesPanel />
      <StoragePanel />
      <PasswordForm />
      <ImportForm />
      <p class="fine">App version {__APP_VERSION__}</p>
    </section>
  );
}

function StoragePanel() {
  const [stats, setStats] = useState<StorageStats | null>(null);
  const [tick, setTick] = useState(0);
  useVaultChanges(() => setTick((n) => n + 1));
  useEffect(() => {
    void vault.storageStats().then(setStats);
    if (persisted.value === null) void requestPersistence();
  }, [tick]);
  return (
    <>
      <h2>Storage on this device</h2>
      {stats && (
        <dl class="stats">
          <dt>Used</dt>
          <dd>
            {mib(stats.usage)} of {mib(stats.quota)} available
          </dd>
          {Object.entries(stats.records).map(([type, n]) => (
            <>
              <dt>{entityType(type)?.pluralLabel ?? type}</dt>
              <dd>{n}</dd>
            </>
          ))}
          <dt>Encrypted pages</dt>
          <dd>{stats.pages}</dd>
          <dt>Encrypted photos</dt>
          <dd>{stats.attachments}</dd>
          <dt>Persistent storage</dt>
          <dd data-testid="persistence">{persisted.value === null ? 'not supported' : persisted.value ? 'granted' : 'not granted'}</dd>
        </dl>
      )}
      {persisted.value === false && (
        <button type="button" class="ghost" onClick={() => void requestPersistence()}>
          Ask again for persistent storage
        </button>
      )}
    </>
  );
}

function PasswordForm() {
  const [oldPw, setOld] = useState('');
  const [newPw, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (newPw !== confirm) return setMsg({ ok: false, text: 'The two new passwords are not the same.' });
    setBusy(true);
    try {
      await vault.changePassword(oldPw, newPw);
      setMsg({ ok: true, text: 'Password changed. It works on this device now, and on others after the next sync.' });
      setOld('');
      setNew('');
      setConfirm('');
    } catch (err) {
      setMsg({ ok: false, text: describeError(err) });
    } finally {
      setBusy(false);
    }
  }
  const hint = `At least ${MIN_PASSWORD_LENGTH} characters.`;
  return (
    <form onSubmit={submit} aria-labelledby="pw-title">
      <h2 id="pw-title">Change password</h2>
      <Field id="old-password" label="Current password">
        <input {...describedBy('old-password')} type="password" autocomplete="current-password" required value={oldPw} onInput={(e) => setOld(e.currentTarget.value)} />
      </Field>
      <Field id="new-password" label="New password" hint={hint}>
        <input {...describedBy('new-password', undefined, hint)} type="password" autocomplete="new-password" required minLength={MIN_PASSWORD_LENGTH} value={newPw} onInput={(e) => setNew(e.currentTarget.value)} />
      </Field>
      <Field id="new-password2" label="Repeat new password">
        <input {...describedBy('new-password2')} type="password" autocomplete="new-password" required value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
      </Field>
      {msg && (
        <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

/** Rows per transaction: each batch commits whole, so an interrupted import leaves whole records only. */
const IMPORT_BATCH = 200;

function ImportForm() {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  async function importFile(file: File | undefined) {
    if (!file) return;
    setBusy(true);
    setStatus(null);
    let done = 0;
    try {
      const items = csvToItems(entityType('contact')!, await file.text());
      for (let i = 0; i < items.length; i += IMPORT_BATCH) {
        await vault.putRecords('contact', items.slice(i, i + IMPORT_BATCH));
        done = Math.min(items.length, i + IMPORT_BATCH);
        setStatus({ ok: true, text: `Imported ${done} of ${items.length}…` });
      }
      setStatus({ ok: true, text: `Imported ${done} contacts.` });
    } catch (err) {
      setStatus({ ok: false, text: `${importFailure(err, done)} ${done} contacts were saved before this.` });
    } finally {
      setBusy(false);
    }
  }
  return (
    <div>
      <h2>Import contacts</h2>
      <p class="fine">A CSV file with a header row naming the fields (name, organisation, email, phone, address, notes, tags; tags separated by “;”). An id column updates existing contacts.</p>
      <label class="button ghost" for="import-csv">
        {busy ? 'Importing…' : 'Choose CSV file'}
      </label>
      <input id="import-csv" class="visually-hidden" type="file" accept=".csv,text/csv" disabled={busy} onChange={(e) => void importFile(e.currentTarget.files?.[0])} />
      {status && (
        <p class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
    </div>
  );
}

/** Names the CSV row (header = row 1) of a validation failure in batch `done`. */
function importFailure(err: unknown, done: number): string {
  if (err instanceof SyntaxError) return `The file is not valid CSV: ${err.message}.`;
  const item = isVaultError(err, 'Validation') ? /^item (\d+)$/.exec(err.detail ?? '') : null;
  if (item && isVaultError(err)) return `Row ${done + Number(item[1]) + 2}: ${Object.values(err.fields ?? {}).join(' ')}`;
  return describeError(err);
}
