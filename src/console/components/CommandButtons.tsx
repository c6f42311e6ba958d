import { useEffect, useRef, useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import type { CommandKind } from '../../protocol/policy';
import { fail } from '../session';
import { Alert } from './Alert';

/**
 * Lock, unlock, full sync and wipe for one device or a whole device group.
 * Commands reach a device at its next contact, which the status says.
 * Wipe cannot be undone, so it asks first, in the page: the word WIPE must
 * be typed (a dialog of the browser's own is too easy to click through).
 */
const LABELS: Record<CommandKind, string> = { lock: 'Lock', unlock: 'Unlock', 'full-sync': 'Full sync', wipe: 'Wipe' };

export function CommandButtons(props: {
  /** "device", or a group (every device in it). */
  target: 'device' | 'group';
  /** The device or group, as people know it (in the wipe question). */
  name: string;
  /** Sends; resolves to how many devices it went to. */
  send: (kind: CommandKind) => Promise<number>;
  /** After a command was sent (e.g. to refresh the device's state). */
  onSent?: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirmId = `wipe-confirm-${props.target}`;
  const confirmInput = useRef<HTMLInputElement>(null);
  // The question opens where the keyboard is: on its one field.
  useEffect(() => {
    if (confirming) confirmInput.current?.focus();
  }, [confirming]);

  async function send(kind: CommandKind) {
    setError(null);
    setStatus(null);
    setBusy(true);
    try {
      const n = await props.send(kind);
      setStatus(
        `${LABELS[kind]}. ` +
          (props.target === 'device'
            ? 'Sent — reaches the device at its next contact.'
            : n === 0
              ? 'The group has no devices: nothing was sent.'
              : `Sent to ${n === 1 ? '1 device' : `${n} devices`} — each gets it at its next contact.`),
      );
      setConfirming(false);
      setTyped('');
      props.onSent?.();
    } catch (e) {
      fail(e, setError);
    } finally {
      setBusy(false);
    }
  }

  const whom = props.target === 'device' ? 'this device' : `every device in ${props.name}`;
  return (
    <div class="commands">
      <div class="actions">
        {(['lock', 'unlock', 'full-sync'] as const).map((k) => (
          <button key={k} type="button" class="ghost" disabled={busy} onClick={() => void send(k)}>
            {LABELS[k]}
          </button>
        ))}
        <button type="button" class="danger" disabled={busy || confirming} aria-expanded={confirming} onClick={() => setConfirming(true)}>
          Wipe…
        </button>
      </div>
      {confirming && (
        <form
          class="confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void send('wipe');
          }}
        >
          <p>
            <strong>Wipe {whom}?</strong> At its next contact the app deletes its keys and every record it holds there. Records already synced stay on the server. This cannot be undone.
          </p>
          <Field id={confirmId} label="Type WIPE to confirm">
            <input ref={confirmInput} {...describedBy(confirmId)} autocomplete="off" autoCapitalize="characters" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </Field>
          <div class="actions">
            <button type="submit" class="danger" disabled={busy || typed.trim().toUpperCase() !== 'WIPE'}>
              Wipe now
            </button>
            <button
              type="button"
              class="ghost"
              onClick={() => {
                setConfirming(false);
                setTyped('');
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      <Alert message={error} />
      {status && (
        <p class="ok" role="status">
          {status}
        </p>
      )}
    </div>
  );
}
