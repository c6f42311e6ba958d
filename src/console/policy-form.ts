import type { z } from 'zod';
import { AdminPolicy, type Policy, type DayWindow } from '../domain/policy';

/**
 * Between a Policy and the policy editor's form: every rule is a text
 * field (empty = not set), business hours are a time zone and one window
 * per weekday (further windows a policy already has are kept as they are).
 * Validation is the domain's own `Policy` schema, the one the server
 * applies, so the form and the server cannot disagree about what is valid.
 */
type Window = z.infer<typeof DayWindow>;
export type DayKey = '0' | '1' | '2' | '3' | '4' | '5' | '6';

/** Monday first, as people read a week; the keys are the policy's (0 = Sunday). */
export const WEEKDAYS: readonly (readonly [DayKey, string])[] = [
  ['1', 'Monday'],
  ['2', 'Tuesday'],
  ['3', 'Wednesday'],
  ['4', 'Thursday'],
  ['5', 'Friday'],
  ['6', 'Saturday'],
  ['0', 'Sunday'],
];

export interface DayForm {
  from: string;
  to: string;
  /** Windows after the first, kept unchanged (the form edits one per day). */
  extra: Window[];
}

export interface PolicyForm {
  sessionTimeoutMinutes: string;
  attemptsMax: string;
  attemptsAction: 'lock' | 'wipe';
  forceServerContactHours: string;
  wipeAfterNoContactHours: string;
  timeZone: string;
  days: Record<DayKey, DayForm>;
  minAppVersion: string;
  checkPolicyOnLogin: boolean;
}

/** Field ids (see `errorKey`) → messages. `form` holds what belongs to no one field. */
export type FieldErrors = Record<string, string>;

const num = (n: number | undefined) => (n === undefined ? '' : String(n));

export function formOf(p: Policy | null): PolicyForm {
  const days = Object.fromEntries(
    WEEKDAYS.map(([k]) => {
      const [first, ...extra] = p?.businessHours?.days[k] ?? [];
      return [k, { from: first?.from ?? '', to: first?.to ?? '', extra }];
    }),
  ) as Record<DayKey, DayForm>;
  return {
    sessionTimeoutMinutes: num(p?.sessionTimeoutMinutes),
    attemptsMax: num(p?.passwordAttempts?.max),
    attemptsAction: p?.passwordAttempts?.action ?? 'lock',
    forceServerContactHours: num(p?.forceServerContactHours),
    wipeAfterNoContactHours: num(p?.wipeAfterNoContactHours),
    timeZone: p?.businessHours?.timeZone ?? '',
    days,
    minAppVersion: p?.minAppVersion ?? '',
    checkPolicyOnLogin: p?.checkPolicyOnLogin ?? false,
  };
}

/** A number field: empty is "not set"; anything else goes to the schema as a number, or as typed if it is not one (the schema then names it). */
function toNumber(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}

/** The policy the form describes, before validation (may be invalid). Rules left empty are absent. */
export function candidateOf(f: PolicyForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) out[k] = v;
  };
  put('sessionTimeoutMinutes', toNumber(f.sessionTimeoutMinutes));
  const max = toNumber(f.attemptsMax);
  put('passwordAttempts', max === undefined ? undefined : { max, action: f.attemptsAction });
  put('forceServerContactHours', toNumber(f.forceServerContactHours));
  put('wipeAfterNoContactHours', toNumber(f.wipeAfterNoContactHours));

  const days: Record<string, Window[]> = {};
  for (const [k] of WEEKDAYS) {
    const d = f.days[k];
    const from = d.from.trim();
    const to = d.to.trim();
    const windows = from || to ? [{ from, to }, ...d.extra] : d.extra;
    if (windows.length) days[k] = windows;
  }
  const timeZone = f.timeZone.trim();
  // A time zone alone is a real rule (closed every day); nothing at all is no rule.
  if (timeZone || Object.keys(days).length) put('businessHours', { timeZone, days });

  put('minAppVersion', f.minAppVersion.trim() || undefined);
  put('checkPolicyOnLogin', f.checkPolicyOnLogin || undefined);
  return out;
}

/**
 * The id of the field an error belongs to, from its path in the policy
 * (a zod issue's path, or the part after "body.policy." in a server 400).
 */
export function errorKey(path: readonly (string | number)[]): string {
  const [a, b, c, d, e] = path.map(String);
  if (a === 'passwordAttempts') return b === 'action' ? 'attemptsAction' : 'attemptsMax';
  if (a === 'businessHours') {
    if (b === 'timeZone') return 'timeZone';
    // The edited window of a day (index 0) has its own inputs; errors in kept windows go to the day.
    if (b === 'days' && c !== undefined) return d === '0' && (e === 'from' || e === 'to') ? `day-${c}-${e}` : `day-${c}`;
    return 'timeZone';
  }
  if (a && ['sessionTimeoutMinutes', 'forceServerContactHours', 'wipeAfterNoContactHours', 'minAppVersion', 'checkPolicyOnLogin'].includes(a)) return a;
  return 'form';
}

/** Validates with the domain schema: the policy to send (null when no rule is set), or the errors per field. */
export function validatePolicy(f: PolicyForm): { ok: true; policy: Policy | null } | { ok: false; errors: FieldErrors } {
  const candidate = candidateOf(f);
  const r = AdminPolicy.safeParse(candidate);
  if (r.success) return { ok: true, policy: Object.keys(r.data).length ? r.data : null };
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const key = errorKey(issue.path as (string | number)[]);
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/**
 * Field errors out of a server 400's message, which names each field:
 * "body.policy.sessionTimeoutMinutes: Too small: expected number to be >=1; …".
 */
export function serverFieldErrors(message: string): FieldErrors {
  const errors: FieldErrors = {};
  for (const part of message.split('; ')) {
    const m = /^body\.policy\.([\w.]+): (.+?)(?: \(and \d+ more\))?$/.exec(part);
    if (m) errors[errorKey(m[1]!.split('.'))] ??= m[2]!;
  }
  return errors;
}
