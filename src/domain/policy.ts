import { z } from 'zod';

/**
 * Device security policies (DESIGN §8, issue 5), set per device group or
 * user by admins and enforced on the device by policy-engine.ts. Every rule
 * is optional: an empty policy allows everything. Shared by the server
 * (validation, with field errors) and the device.
 */
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time as HH:MM (00:00 to 24:00)');

/** A time zone the runtime knows (Intl), e.g. "Europe/Berlin". */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Europe/Berlin');

/** One open interval of a day, local time; `to` after `from` (24:00 = end of day). */
export const DayWindow = z.object({ from: HHMM, to: HHMM }).refine((w) => w.to > w.from, { message: '"to" must be after "from"', path: ['to'] });

export const BusinessHours = z.object({
  timeZone: TimeZone,
  /** Windows per weekday, 0 = Sunday … 6 = Saturday; a day without windows is closed. */
  days: z.partialRecord(z.enum(['0', '1', '2', '3', '4', '5', '6']), z.array(DayWindow).max(6)),
});
export type BusinessHours = z.infer<typeof BusinessHours>;

export const Policy = z
  .object({
    /** Lock after this many minutes without user activity (keys dropped). */
    sessionTimeoutMinutes: z.number().int().min(1).max(24 * 60).optional(),
    /** After this many wrong passwords or unlock codes in a row: lock the app, or wipe it. */
    passwordAttempts: z.object({ max: z.number().int().min(1).max(100), action: z.enum(['lock', 'wipe']) }).optional(),
    /** Refuse login after this many hours without server contact. */
    forceServerContactHours: z.number().int().min(1).max(24 * 365).optional(),
    /** Wipe after this many hours without server contact. */
    wipeAfterNoContactHours: z.number().int().min(1).max(24 * 365).optional(),
    /** Login only inside these hours; an open session locks when they end. */
    businessHours: BusinessHours.optional(),
    /** Older app versions are told to update and refused. */
    minAppVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, 'a version such as 1.4.0').optional(),
    /** A device online at login fetches the current policy before admitting the user. */
    checkPolicyOnLogin: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.wipeAfterNoContactHours === undefined || p.forceServerContactHours === undefined || p.wipeAfterNoContactHours >= p.forceServerContactHours, {
    message: 'wiping should not come before refusing login for the same lack of contact',
    path: ['wipeAfterNoContactHours'],
  });
export type Policy = z.infer<typeof Policy>;

/**
 * A policy as an administrator sets it: Policy, minus what is valid but
 * surely a mistake. Business hours with a time zone and no opening hours
 * would close the app every day for everyone it applies to. Devices still
 * read stored policies with Policy, so a policy set before this rule keeps
 * working as it did.
 */
export const AdminPolicy = Policy.refine((p) => !p.businessHours || Object.values(p.businessHours.days).some((w) => w && w.length > 0), {
  message: 'Give the opening hours of at least one day, or remove the business hours: with a time zone alone the app would be closed every day.',
  path: ['businessHours', 'days'],
});

/**
 * Two policies that both apply (the device's group and the user): each
 * rule takes its stricter value, so neither can loosen the other. Business
 * hours must hold for both, which only one schedule can express: the user's
 * wins when both set one (a person's hours are the more specific).
 */
export function strictest(a: Policy, b: Policy): Policy {
  const min = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const out: Policy = {};
  const set = <K extends keyof Policy>(k: K, v: Policy[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('sessionTimeoutMinutes', min(a.sessionTimeoutMinutes, b.sessionTimeoutMinutes));
  set('forceServerContactHours', min(a.forceServerContactHours, b.forceServerContactHours));
  set('wipeAfterNoContactHours', min(a.wipeAfterNoContactHours, b.wipeAfterNoContactHours));
  const pa = a.passwordAttempts;
  const pb = b.passwordAttempts;
  set('passwordAttempts', pa && pb ? { max: Math.min(pa.max, pb.max), action: pa.action === 'wipe' || pb.action === 'wipe' ? 'wipe' : 'lock' } : (pa ?? pb));
  set('businessHours', b.businessHours ?? a.businessHours);
  const va = a.minAppVersion;
  const vb = b.minAppVersion;
  set('minAppVersion', va && vb ? (compareVersions(va, vb) >= 0 ? va : vb) : (va ?? vb));
  set('checkPolicyOnLogin', a.checkPolicyOnLogin || b.checkPolicyOnLogin || undefined);
  return out;
}

/** Compares dotted numeric versions ("1.10.0" > "1.9"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
