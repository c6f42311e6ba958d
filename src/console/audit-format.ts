/** How the console shows audit entries: actions as sentences, details as name: value. Pure. */

/** What each action means, in the words of the console. Unknown ones (a newer server) show as recorded. */
const ACTIONS: Record<string, string> = {
  'admin.setup': 'Set up the first admin',
  'admin.login': 'Signed in to the console',
  'admin.login.failed': 'Failed console sign-in',
  'admin.login.totp_required': 'Console sign-in waiting for the authenticator code',
  'user.create': 'Created a user',
  'user.enrollment-code': 'Issued a new enrollment code',
  'user.policy': 'Changed a user’s policy',
  'credentials.update': 'Changed their password',
  'unlock-code.reveal': 'Revealed an unlock code',
  'unlock-code.login': 'Signed in with an unlock code',
  'device-group.create': 'Created a device group',
  'device-group.policy': 'Changed a device group’s policy',
  'device.group': 'Moved a device to a group',
  'device.lock': 'Sent lock to a device',
  'device.unlock': 'Sent unlock to a device',
  'device.wipe': 'Sent wipe to a device',
  'device.full-sync': 'Sent full sync to a device',
  'device.wiped': 'Device wiped',
  'device.remove': 'Removed a device from the list',
  'group.member.add': 'Added a surrogate',
  'group.member.remove': 'Removed a surrogate',
  'group.recovery.add': 'Added the recovery key to a group',
};

export const actionLabel = (action: string): string => ACTIONS[action] ?? action;

/** A detail object as "name: value" pairs, nested objects as dotted names ("policy.sessionTimeoutMinutes: 15"). */
export function detailText(detail: unknown): string {
  const pairs: string[] = [];
  const walk = (v: unknown, name: string) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, name ? `${name}.${k}` : k);
    } else if (name) pairs.push(`${name}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    else if (v !== null && v !== undefined) pairs.push(JSON.stringify(v));
  };
  walk(detail, '');
  return pairs.join(' · ');
}
