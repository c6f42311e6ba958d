import { compareVersions, type BusinessHours, type Policy } from './policy';

/**
 * The policy engine (issue 5): pure decisions over a policy, what the
 * device knows about itself, and a clock passed in. Enforcement (the vault
 * worker at login and unlock, the service worker at every wake, the UI on a
 * timer) calls these and acts on the verdict; nothing here does I/O or
 * reads the system clock, so every rule is tested with a controllable one.
 */
export interface DeviceFacts {
  /** Time (this device's clock, ms) of the last answer from the server; null = never. */
  lastContact: number | null;
  /**
   * The latest time this device has seen (ms). Elapsed-time rules measure
   * from max(now, highWater), so setting the clock back does not buy time.
   */
  highWater: number;
  /** Wrong passwords or unlock codes in a row. */
  failedAttempts: number;
  appVersion: string;
  /** An admin's lock command is in force. */
  adminLocked: boolean;
  /** Last user activity in an open session (ms); only checkSession uses it. */
  lastActivity?: number;
}

/** Why the app refuses or locks, as the lock screen says it. */
export type Reason = 'AdminLock' | 'TooManyAttempts' | 'NoServerContact' | 'OutsideBusinessHours' | 'AppTooOld' | 'SessionTimeout' | 'PolicyTampered';

export interface Verdict {
  allow: boolean;
  reason?: Reason;
  /** The device must be wiped now (crypto-shred first), and why. */
  wipe?: 'NoServerContact' | 'TooManyAttempts';
  /** A login allowed under an attempts rule: wrong passwords or codes still allowed before it acts, and what it does then. */
  attemptsLeft?: { left: number; action: 'lock' | 'wipe' };
}

/** The detail of a WrongPassword that comes under an attempts rule ("2 wipe"), and back. */
export const attemptsDetail = (a: NonNullable<Verdict['attemptsLeft']>): string => `${a.left} ${a.action}`;
export function parseAttemptsDetail(detail: string | undefined): Verdict['attemptsLeft'] | undefined {
  const m = /^(\d+) (lock|wipe)$/.exec(detail ?? '');
  return m ? { left: Number(m[1]), action: m[2] as 'lock' | 'wipe' } : undefined;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The clock as the rules see it: never earlier than anything seen before. */
export const effectiveNow = (now: number, facts: Pick<DeviceFacts, 'highWater'>): number => Math.max(now, facts.highWater);

/** May someone log in (or unlock) now? Wipes come first, then the refusals, in the order a person can act on them. */
export function checkLogin(policy: Policy, facts: DeviceFacts, now: number): Verdict {
  const t = effectiveNow(now, facts);
  const sinceContact = facts.lastContact === null ? Infinity : t - facts.lastContact;
  if (policy.wipeAfterNoContactHours !== undefined && sinceContact > policy.wipeAfterNoContactHours * HOUR) return { allow: false, reason: 'NoServerContact', wipe: 'NoServerContact' };
  const attempts = policy.passwordAttempts;
  if (attempts && facts.failedAttempts >= attempts.max)
    return attempts.action === 'wipe' ? { allow: false, reason: 'TooManyAttempts', wipe: 'TooManyAttempts' } : { allow: false, reason: 'TooManyAttempts' };
  if (facts.adminLocked) return { allow: false, reason: 'AdminLock' };
  if (policy.minAppVersion !== undefined && compareVersions(facts.appVersion, policy.minAppVersion) < 0) return { allow: false, reason: 'AppTooOld' };
  if (policy.forceServerContactHours !== undefined && sinceContact > policy.forceServerContactHours * HOUR) return { allow: false, reason: 'NoServerContact' };
  if (policy.businessHours && !withinBusinessHours(policy.businessHours, t)) return { allow: false, reason: 'OutsideBusinessHours' };
  return attempts ? { allow: true, attemptsLeft: { left: attempts.max - facts.failedAttempts, action: attempts.action } } : { allow: true };
}

/** Should an open session stay open? Everything login checks, plus the idle timeout. */
export function checkSession(policy: Policy, facts: DeviceFacts, now: number): Verdict {
  const v = checkLogin(policy, facts, now);
  if (!v.allow) return v;
  const t = effectiveNow(now, facts);
  if (policy.sessionTimeoutMinutes !== undefined && facts.lastActivity !== undefined && t - facts.lastActivity > policy.sessionTimeoutMinutes * MINUTE)
    return { allow: false, reason: 'SessionTimeout' };
  return { allow: true };
}

/** Local weekday and minute of the day at `t` in `timeZone` (DST included, through Intl). */
export function localTime(timeZone: string, t: number): { weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { weekday, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Whether `t` falls in one of the day's windows, in the schedule's time zone ([from, to)). */
export function withinBusinessHours(bh: BusinessHours, t: number): boolean {
  const { weekday, minute } = localTime(bh.timeZone, t);
  const windows = bh.days[String(weekday) as keyof BusinessHours['days']] ?? [];
  return windows.some((w) => minute >= minutes(w.from) && minute < minutes(w.to));
}

/** The facts after observing the clock at `now`: the high-water mark only ever rises. */
export const observeClock = <F extends Pick<DeviceFacts, 'highWater'>>(facts: F, now: number): F => ({ ...facts, highWater: Math.max(facts.highWater, now) });
