import { useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import { api } from '../api';
import { fail } from '../session';
import { Alert } from './Alert';

/**
 * Reveals one of a user's unlock codes to read out over the phone (support
 * and admins). A reason is required: it goes to the audit log with the
 * reveal; the server rate-limits reveals.
 */
export function RevealForm({ userId }: { userId: string }) {
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
      setCode((await api.revealCode(userId, reason.trim())).code);
      setReason('');
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h2>Reveal an unlock code</h2>
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
