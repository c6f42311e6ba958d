import { describe, expect, it } from 'vitest';
import { Policy, compareVersions } from '../../src/domain/policy';
import { attemptsDetail, checkLogin, checkSession, localTime, observeClock, parseAttemptsDetail, withinBusinessHours, type DeviceFacts } from '../../src/domain/policy-engine';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0); // Monday 23 November 2026, 12:00 UTC
const facts = (over: Partial<DeviceFacts> = {}): DeviceFacts => ({ lastContact: T0, highWater: T0, failedAttempts: 0, appVersion: '0.1.0', adminLocked: false, ...over });
const weekdays = (from: string, to: string) => Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ from, to }]]));
const berlinOffice = { timeZone: 'Europe/Berlin', days: weekdays('08:00', '18:00') };

describe('policy engine: login', () => {
  const cases: [string, Policy, Partial<DeviceFacts>, number, ReturnType<typeof checkLogin>][] = [
    ['an empty policy allows everything', {}, { lastContact: null, failedAttempts: 50 }, T0, { allow: true }],
    ['admin lock', {}, { adminLocked: true }, T0, { allow: false, reason: 'AdminLock' }],
    ['attempts under the limit: allowed, saying how many are left', { passwordAttempts: { max: 5, action: 'lock' } }, { failedAttempts: 4 }, T0, { allow: true, attemptsLeft: { left: 1, action: 'lock' } }],
    ['attempts at the limit lock', { passwordAttempts: { max: 5, action: 'lock' } }, { failedAttempts: 5 }, T0, { allow: false, reason: 'TooManyAttempts' }],
    ['attempts at the limit wipe', { passwordAttempts: { max: 3, action: 'wipe' } }, { failedAttempts: 3 }, T0, { allow: false, reason: 'TooManyAttempts', wipe: 'TooManyAttempts' }],
    ['contact 23 h ago, limit 24 h', { forceServerContactHours: 24 }, { lastContact: T0 - 23 * H }, T0, { allow: true }],
    ['contact 25 h ago, limit 24 h', { forceServerContactHours: 24 }, { lastContact: T0 - 25 * H }, T0, { allow: false, reason: 'NoServerContact' }],
    ['never in contact, contact required', { forceServerContactHours: 24 }, { lastContact: null }, T0, { allow: false, reason: 'NoServerContact' }],
    ['no contact past the wipe limit', { forceServerContactHours: 24, wipeAfterNoContactHours: 72 }, { lastContact: T0 - 73 * H }, T0, { allow: false, reason: 'NoServerContact', wipe: 'NoServerContact' }],
    ['no contact between the two limits', { forceServerContactHours: 24, wipeAfterNoContactHours: 72 }, { lastContact: T0 - 48 * H }, T0, { allow: false, reason: 'NoServerContact' }],
    ['old app version', { minAppVersion: '0.2' }, { appVersion: '0.1.9' }, T0, { allow: false, reason: 'AppTooOld' }],
    ['same app version', { minAppVersion: '0.1.0' }, {}, T0, { allow: true }],
    ['inside business hours (13:00 Berlin)', { businessHours: berlinOffice }, {}, T0, { allow: true }],
    ['outside business hours (20:00 Berlin)', { businessHours: berlinOffice }, {}, T0 + 7 * H, { allow: false, reason: 'OutsideBusinessHours' }],
    ['a wipe beats an admin lock', { wipeAfterNoContactHours: 1 }, { adminLocked: true, lastContact: T0 - 2 * H }, T0, { allow: false, reason: 'NoServerContact', wipe: 'NoServerContact' }],
    ['too many attempts beats business hours', { passwordAttempts: { max: 1, action: 'lock' }, businessHours: berlinOffice }, { failedAttempts: 1 }, T0 + 7 * H, { allow: false, reason: 'TooManyAttempts' }],
  ];
  it.each(cases)('%s', (_name, policy, over, now, want) => {
    expect(checkLogin(Policy.parse(policy), facts(over), now)).toEqual(want);
  });

  it('the attempts left travel in a WrongPassword detail and back; anything else is not read as such', () => {
    expect(parseAttemptsDetail(attemptsDetail({ left: 2, action: 'wipe' }))).toEqual({ left: 2, action: 'wipe' });
    for (const d of [undefined, '', 'page contact/12', '2 explode', '-1 lock']) expect(parseAttemptsDetail(d)).toBeUndefined();
  });

  it('a clock set back does not reset time without contact', () => {
    const p = Policy.parse({ forceServerContactHours: 24, wipeAfterNoContactHours: 48 });
    // The device saw T0 + 30 h; then its clock was set back to just after the last contact.
    const seen = observeClock(facts({ lastContact: T0 }), T0 + 30 * H);
    expect(checkLogin(p, seen, T0 + 1000)).toEqual({ allow: false, reason: 'NoServerContact' });
    expect(checkLogin(p, observeClock(seen, T0 + 2000), T0 + 49 * H)).toMatchObject({ wipe: 'NoServerContact' });
    expect(observeClock(seen, T0).highWater).toBe(T0 + 30 * H);
  });
});

describe('policy engine: open session', () => {
  it('locks after the idle timeout, not before', () => {
    const p = Policy.parse({ sessionTimeoutMinutes: 15 });
    expect(checkSession(p, facts({ lastActivity: T0 - 14 * 60_000 }), T0)).toEqual({ allow: true });
    expect(checkSession(p, facts({ lastActivity: T0 - 16 * 60_000 }), T0)).toEqual({ allow: false, reason: 'SessionTimeout' });
  });
  it('locks an open session when business hours end, and on an admin lock', () => {
    const p = Policy.parse({ businessHours: berlinOffice, sessionTimeoutMinutes: 600 });
    const at1759 = Date.UTC(2026, 10, 23, 16, 59); // 17:59 in Berlin (UTC+1 in November)
    expect(checkSession(p, facts({ lastActivity: at1759 }), at1759)).toEqual({ allow: true });
    expect(checkSession(p, facts({ lastActivity: at1759 }), at1759 + 60_000)).toEqual({ allow: false, reason: 'OutsideBusinessHours' });
    expect(checkSession(p, facts({ adminLocked: true, lastActivity: at1759 }), at1759)).toEqual({ allow: false, reason: 'AdminLock' });
  });
});

describe('business hours across time zones and DST', () => {
  it('reads the local weekday and time in the schedule’s zone', () => {
    expect(localTime('Europe/Berlin', T0)).toEqual({ weekday: 1, minute: 13 * 60 });
    expect(localTime('America/New_York', T0)).toEqual({ weekday: 1, minute: 7 * 60 });
    // 03:00 UTC on Monday is still Sunday evening in Los Angeles.
    expect(localTime('America/Los_Angeles', Date.UTC(2026, 10, 23, 3, 0))).toEqual({ weekday: 0, minute: 19 * 60 });
    expect(localTime('Asia/Kolkata', T0)).toEqual({ weekday: 1, minute: 17 * 60 + 30 });
  });

  it('follows daylight saving time: 08:00 local is 06:00 UTC in summer and 07:00 UTC in winter', () => {
    const summer = Date.UTC(2026, 6, 6, 6, 0); // Monday 6 July 2026
    const winter = Date.UTC(2026, 0, 5, 7, 0); // Monday 5 January 2026
    expect(withinBusinessHours(berlinOffice, summer)).toBe(true);
    expect(withinBusinessHours(berlinOffice, summer - 60_000)).toBe(false);
    expect(withinBusinessHours(berlinOffice, winter)).toBe(true);
    expect(withinBusinessHours(berlinOffice, winter - 60_000)).toBe(false);
  });

  it('handles the night the clocks go forward and back (Europe/Berlin, 29 March and 25 October 2026)', () => {
    const night = { timeZone: 'Europe/Berlin', days: { '0': [{ from: '01:00', to: '04:00' }] } };
    // 29 March: 02:00 local jumps to 03:00; 01:30 UTC is 03:30 CEST, inside.
    expect(localTime('Europe/Berlin', Date.UTC(2026, 2, 29, 1, 30)).minute).toBe(3 * 60 + 30);
    expect(withinBusinessHours(night, Date.UTC(2026, 2, 29, 1, 30))).toBe(true);
    expect(withinBusinessHours(night, Date.UTC(2026, 2, 29, 2, 0))).toBe(false); // 04:00 CEST
    // 25 October: 03:00 CEST falls back to 02:00 CET; both 02:30s are inside.
    expect(withinBusinessHours(night, Date.UTC(2026, 9, 25, 0, 30))).toBe(true);
    expect(withinBusinessHours(night, Date.UTC(2026, 9, 25, 1, 30))).toBe(true);
    expect(withinBusinessHours(night, Date.UTC(2026, 9, 25, 3, 0))).toBe(false); // 04:00 CET
  });

  it('a day without windows is closed; windows end exclusively; 24:00 closes the day', () => {
    const bh = { timeZone: 'UTC', days: { '1': [{ from: '00:00', to: '12:00' }, { from: '13:00', to: '24:00' }] } };
    expect(withinBusinessHours(bh, T0 - 60_000)).toBe(true);
    expect(withinBusinessHours(bh, T0)).toBe(false);
    expect(withinBusinessHours(bh, T0 + H)).toBe(true);
    expect(withinBusinessHours(bh, Date.UTC(2026, 10, 23, 23, 59))).toBe(true);
    expect(withinBusinessHours(bh, Date.UTC(2026, 10, 24, 0, 0))).toBe(false); // Tuesday
  });
});

describe('policies: validation and versions', () => {
  it('rejects malformed policies with field errors', () => {
    const bad = Policy.safeParse({
      sessionTimeoutMinutes: 0,
      businessHours: { timeZone: 'Mars/Olympus', days: { '1': [{ from: '18:00', to: '08:00' }], '9': [] } },
      minAppVersion: 'latest',
      wipeAfterNoContactHours: 2,
      forceServerContactHours: 24,
      unknownRule: true,
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['sessionTimeoutMinutes', 'businessHours.timeZone', 'businessHours.days.1.0.to', 'minAppVersion']));
    expect(bad.error!.issues.some((i) => i.code === 'unrecognized_keys' || i.path.includes('9'))).toBe(true);
    const order = Policy.safeParse({ wipeAfterNoContactHours: 2, forceServerContactHours: 24 });
    expect(order.error!.issues.map((i) => i.path.join('.'))).toEqual(['wipeAfterNoContactHours']);
  });

  it('compares versions numerically', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
    expect(compareVersions('0.9', '1')).toBe(-1);
  });
});
