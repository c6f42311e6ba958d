import { useEffect, useState } from 'preact/hooks';
import type { DirectoryUser } from '../../../workers/vault/api';
import { describeError } from '../errors';
import { session } from '../state';
import { syncStatus } from '../sync';
import { useVaultChanges } from '../use-vault-changes';
import { vault } from '../vault-client';
import { Field, describedBy } from './Field';

/**
 * Who may act for this user (DESIGN §2). Adding shows both key
 * fingerprints for the two people to compare before anything is wrapped;
 * removing starts a new key epoch, so the removed surrogate cannot read
 * anything written afterwards (what they saw before, they saw).
 */
export function SurrogatesPanel() {
  const me = session.value!;
  const [list, setList] = useState<{ userId: string; username: string }[]>([]);
  const [tick, setTick] = useState(0);
  const [name, setName] = useState('');
  const [found, setFound] = useState<DirectoryUser | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useVaultChanges(() => setTick((n) => n + 1));
  useEffect(() => void vault.surrogates().then(setList, () => setList([])), [tick]);
  if (!syncStatus.value?.enrolled) return null;

  async function run(what: () => Promise<void>) {
    setBusy(true);
    setMsg(null);
    try {
      await what();
    } catch (e) {
      setMsg({ ok: false, text: describeError(e) });
    } finally {
      setBusy(false);
    }
  }
  const check = (e: Event) => (e.preventDefault(), void run(async () => setFound(await vault.lookupUser(name.trim()))));
  const add = () =>
    run(async () => {
      await vault.addSurrogate(found!.username, found!.fingerprint);
      setMsg({ ok: true, text: `${found!.username} can now act for you. Their devices get your records at their next sync.` });
      setFound(null);
      setName('');
      setTick((n) => n + 1);
    });
  const remove = (u: { userId: string; username: string }) =>
    run(async () => {
      if (!confirm(`Stop ${u.username} from acting for you? They keep what they saw already; nothing you write from now on is readable to them.`)) return;
      await vault.removeSurrogate(u.userId);
      setMsg({ ok: true, text: `${u.username} can no longer act for you.` });
      setTick((n) => n + 1);
    });

  return (
    <section aria-labelledby="surrogates-title">
      <h2 id="surrogates-title">Surrogates</h2>
      <p class="fine">A surrogate is a colleague who can open and add to your records when you cannot, for example while you are away.</p>
      {list.length ? (
        <ul class="surrogates">
          {list.map((u) => (
            <li>
              {u.username}{' '}
              <button type="button" class="ghost" disabled={busy} onClick={() => void remove(u)}>
                Remove {u.username}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p>Nobody can act for you.</p>
      )}
      <form onSubmit={check} aria-busy={busy}>
        <Field id="surrogate-name" label="Add a surrogate (username)">
          <input {...describedBy('surrogate-name')} autocomplete="off" autoCapitalize="none" spellcheck={false} required value={name} onInput={(e) => (setName(e.currentTarget.value), setFound(null))} />
        </Field>
        <button type="submit" class="ghost" disabled={busy}>
          Check
        </button>
      </form>
      {found && (
        <div class="confirm" data-testid="surrogate-check">
          <p>
            Compare these with {found.username}, in person or by phone, before you go on. If they differ, do not add them.
          </p>
          <dl class="stats">
            <dt>{found.username}’s key</dt>
            <dd>
              <code>{found.fingerprint}</code>
            </dd>
            <dt>Your key</dt>
            <dd>
              <code>{me.fingerprint}</code>
            </dd>
          </dl>
          <button type="button" disabled={busy} onClick={() => void add()}>
            Add {found.username} as surrogate
          </button>
        </div>
      )}
      {msg && (
        <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
    </section>
  );
}
