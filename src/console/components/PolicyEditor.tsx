import { Fragment, type ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import type { Policy } from '../../domain/policy';
import { ApiError } from '../api';
import { WEEKDAYS, formOf, serverFieldErrors, validatePolicy, type DayKey, type FieldErrors, type PolicyForm } from '../policy-form';
import { fail } from '../session';
import { Alert } from './Alert';

/**
 * The policy form shared by device groups and users: one field per rule
 * (empty = not set), checked against the domain's Policy schema before it
 * is sent; the server's 400 is shown next to the form and on the fields it
 * names. Nothing typed is lost on an error: the form keeps its values until
 * the parent remounts it (a new `key`).
 */
export interface PolicyEditorProps {
  /** Prefix of the field ids, unique on the page. */
  idPrefix: string;
  initial: Policy | null;
  /** Sends the policy (null: no rule set, or "Remove policy"); throws ApiError on failure. */
  save: (policy: Policy | null) => Promise<void>;
  saveLabel: string;
  /** Offers "Remove policy" (sends null). */
  removable?: boolean;
  /** Shown when saved, e.g. "Policy saved." */
  savedText?: string;
  /** Fields of the form before the policy's (the new group's name). */
  children?: ComponentChildren;
}

/** Time zones the browser knows, for the suggestions list (not a restriction: the schema checks). */
const timeZones = (): string[] => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
};

export function PolicyEditor(props: PolicyEditorProps) {
  const { idPrefix: p } = props;
  const [form, setForm] = useState<PolicyForm>(() => formOf(props.initial));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);
  const here = useMemo(() => Intl.DateTimeFormat().resolvedOptions().timeZone, []);
  const tzHint = `E.g. ${here}. Empty, with no hours: any time. A day without hours is closed.`;

  const set = <K extends keyof PolicyForm>(k: K, v: PolicyForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setDay = (k: DayKey, which: 'from' | 'to', v: string) => setForm((f) => ({ ...f, days: { ...f.days, [k]: { ...f.days[k], [which]: v } } }));

  /** Whether it was saved; on failure the form keeps every value, and shows why. */
  async function send(policy: Policy | null, done: string): Promise<boolean> {
    setBusy(true);
    try {
      await props.save(policy);
      setSaved(done);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) setErrors(serverFieldErrors(e.message));
      fail(e, setError);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const v = validatePolicy(form);
    if (!v.ok) {
      setErrors(v.errors);
      setError(v.errors.form ?? 'Some rules are not valid; see the fields marked below.');
      return;
    }
    setErrors({});
    await send(v.policy, props.savedText ?? 'Policy saved.');
  }

  async function remove() {
    setError(null);
    setSaved(null);
    setErrors({});
    if (await send(null, 'Policy removed.')) setForm(formOf(null));
  }

  /** A number rule: id, label, hint. */
  const numberField = (k: 'sessionTimeoutMinutes' | 'attemptsMax' | 'forceServerContactHours' | 'wipeAfterNoContactHours', label: string, hint: string) => {
    const id = `${p}-${k}`;
    return (
      <Field id={id} label={label} hint={hint} error={errors[k]}>
        <input {...describedBy(id, errors[k], hint)} type="number" step="any" inputMode="numeric" autocomplete="off" value={form[k]} onInput={(e) => set(k, e.currentTarget.value)} />
      </Field>
    );
  };

  return (
    <form class="policy" onSubmit={submit} aria-busy={busy}>
      {props.children}
      <fieldset>
        <legend>Sessions and passwords</legend>
        <div class="pair">
          {numberField('sessionTimeoutMinutes', 'Session timeout (minutes idle)', 'Empty: no timeout.')}
          {numberField('attemptsMax', 'Wrong passwords allowed', 'Empty: no limit.')}
          <Field id={`${p}-attemptsAction`} label="At the limit" error={errors.attemptsAction}>
            <select {...describedBy(`${p}-attemptsAction`, errors.attemptsAction)} value={form.attemptsAction} onChange={(e) => set('attemptsAction', e.currentTarget.value as 'lock' | 'wipe')}>
              <option value="lock">Lock the app</option>
              <option value="wipe">Wipe the app</option>
            </select>
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Server contact</legend>
        <div class="pair">
          {numberField('forceServerContactHours', 'Refuse login after (hours without contact)', 'Empty: never.')}
          {numberField('wipeAfterNoContactHours', 'Wipe after (hours without contact)', 'Empty: never.')}
        </div>
      </fieldset>
      <fieldset>
        <legend>Business hours</legend>
        <Field id={`${p}-timeZone`} label="Time zone" hint={tzHint} error={errors.timeZone}>
          <input
            {...describedBy(`${p}-timeZone`, errors.timeZone, tzHint)}
            list={`${p}-zones`}
            autocomplete="off"
            spellcheck={false}
            value={form.timeZone}
            onInput={(e) => set('timeZone', e.currentTarget.value)}
          />
        </Field>
        <datalist id={`${p}-zones`}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <div class="days">
          <span aria-hidden="true" />
          <span class="day-col" aria-hidden="true">
            From
          </span>
          <span class="day-col" aria-hidden="true">
            To
          </span>
          {WEEKDAYS.map(([k, name]) => {
            const d = form.days[k];
            const dayError = errors[`day-${k}-from`] ?? errors[`day-${k}-to`] ?? errors[`day-${k}`];
            const errId = `${p}-day-${k}-error`;
            const input = (which: 'from' | 'to') => {
              const id = `${p}-day-${k}-${which}`;
              const bad = Boolean(errors[`day-${k}-${which}`] ?? errors[`day-${k}`]);
              return (
                <span class="day-time">
                  <label class="visually-hidden" for={id}>
                    {name} {which}
                  </label>
                  <input
                    id={id}
                    class="time"
                    placeholder="HH:MM"
                    maxLength={5}
                    autocomplete="off"
                    aria-invalid={bad || undefined}
                    aria-describedby={bad ? errId : undefined}
                    value={d[which]}
                    onInput={(e) => setDay(k, which, e.currentTarget.value)}
                  />
                </span>
              );
            };
            return (
              <Fragment key={k}>
                <span class="day-name">
                  {name}
                </span>
                {input('from')}
                {input('to')}
                {d.extra.length > 0 && (
                  <small class="day-note">
                    Also open {d.extra.map((w) => `${w.from}–${w.to}`).join(', ')} (kept as is).
                  </small>
                )}
                {dayError && (
                  <small class="day-note error" id={errId} role="alert">
                    {name}: {dayError}
                  </small>
                )}
              </Fragment>
            );
          })}
        </div>
      </fieldset>
      <fieldset>
        <legend>App</legend>
        <Field id={`${p}-minAppVersion`} label="Minimum app version" hint="E.g. 1.4.0. Empty: any version." error={errors.minAppVersion}>
          <input
            {...describedBy(`${p}-minAppVersion`, errors.minAppVersion, 'E.g. 1.4.0. Empty: any version.')}
            autocomplete="off"
            spellcheck={false}
            maxLength={20}
            value={form.minAppVersion}
            onInput={(e) => set('minAppVersion', e.currentTarget.value)}
          />
        </Field>
        <div class="check">
          <input id={`${p}-checkPolicyOnLogin`} type="checkbox" checked={form.checkPolicyOnLogin} onChange={(e) => set('checkPolicyOnLogin', e.currentTarget.checked)} />
          <label for={`${p}-checkPolicyOnLogin`}>Check for a newer policy at each login (when online)</label>
        </div>
      </fieldset>
      <Alert message={error} />
      {saved && (
        <p class="ok" role="status">
          {saved}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {props.saveLabel}
        </button>
        {props.removable && (
          <button type="button" class="ghost" disabled={busy} onClick={() => void remove()}>
            Remove policy
          </button>
        )}
      </div>
    </form>
  );
}
