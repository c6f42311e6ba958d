import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/domain/policy';
import { formOf, serverFieldErrors, validatePolicy } from '../../src/console/policy-form';

/** The console's policy editor form ↔ Policy: nothing set is no policy, kept windows survive, errors land on their fields. */
describe('console policy form', () => {
  const full: Policy = {
    sessionTimeoutMinutes: 15,
    passwordAttempts: { max: 5, action: 'wipe' },
    forceServerContactHours: 48,
    wipeAfterNoContactHours: 168,
    businessHours: { timeZone: 'Europe/Berlin', days: { '1': [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '17:00' }], '5': [{ from: '08:00', to: '24:00' }] } },
    minAppVersion: '1.2.0',
    checkPolicyOnLogin: true,
  };

  it('round-trips a policy, keeping the extra windows of a day the form does not edit', () => {
    const f = formOf(full);
    expect(f.days['1']).toEqual({ from: '08:00', to: '12:00', extra: [{ from: '13:00', to: '17:00' }] });
    expect(validatePolicy(f)).toEqual({ ok: true, policy: full });
    // Editing the first window leaves the second as it was.
    const edited = validatePolicy({ ...f, days: { ...f.days, '1': { ...f.days['1'], from: '07:30' } } });
    expect(edited.ok && edited.policy?.businessHours?.days['1']).toEqual([{ from: '07:30', to: '12:00' }, { from: '13:00', to: '17:00' }]);
  });

  it('an empty form is no policy; a time zone alone is refused on its field (it would close the app every day)', () => {
    expect(validatePolicy(formOf(null))).toEqual({ ok: true, policy: null });
    expect(validatePolicy({ ...formOf(null), timeZone: 'Europe/Berlin' })).toEqual({
      ok: false,
      errors: { timeZone: 'Give the opening hours of at least one day, or remove the business hours: with a time zone alone the app would be closed every day.' },
    });
  });

  it('puts each schema error on its field', () => {
    const f = formOf(null);
    const r = validatePolicy({ ...f, sessionTimeoutMinutes: '0', attemptsMax: '2.5', timeZone: 'Nowhere/City', minAppVersion: 'one', days: { ...f.days, '2': { from: '10:00', to: '09:00', extra: [] } } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['attemptsMax', 'day-2-to', 'minAppVersion', 'sessionTimeoutMinutes', 'timeZone']);
    expect(r.errors['day-2-to']).toBe('"to" must be after "from"');
  });

  it('reads field errors out of a server 400', () => {
    expect(serverFieldErrors('body.policy.sessionTimeoutMinutes: Too small: expected number to be >=1; body.policy.businessHours.days.3.1.to: bad (and 2 more)')).toEqual({
      sessionTimeoutMinutes: 'Too small: expected number to be >=1',
      'day-3': 'bad',
    });
    expect(serverFieldErrors('body.name: Too small')).toEqual({});
  });
});
