import { describe, expect, it } from 'vitest';
import { actionLabel, detailText } from '../../src/console/audit-format';

describe('audit entries in the console', () => {
  it('actions read as sentences; an unknown one shows as recorded', () => {
    expect(actionLabel('device.wipe')).toBe('Sent wipe to a device');
    expect(actionLabel('something.new')).toBe('something.new');
  });

  it('details read as name: value, nested objects as dotted names', () => {
    expect(detailText(null)).toBe('');
    expect(detailText({ command: 'c1', policy: { sessionTimeoutMinutes: 15, passwordAttempts: { max: 5, action: 'wipe' } } })).toBe(
      'command: c1 · policy.sessionTimeoutMinutes: 15 · policy.passwordAttempts.max: 5 · policy.passwordAttempts.action: wipe',
    );
    expect(detailText({ policy: null, tags: ['a'] })).toBe('policy: null · tags: ["a"]');
  });
});
