import { parseAttemptsDetail } from '../domain/policy-engine';
import { ERROR_MESSAGES, isQuotaError, isVaultError } from '../lib/errors';

/** The sentence to show a person for any failure; never a stack or secret. */
/** What the lock screen says for each policy reason (src/domain/policy-engine.ts). */
export const POLICY_REASONS: Record<string, string> = {
  AdminLock: 'An administrator has locked this app on this device.',
  TooManyAttempts: 'Too many wrong passwords or unlock codes: the app is locked. Contact support.',
  NoServerContact: 'This device has not reached the server for too long. Connect it to the network and reload the app so it can sync, then log in.',
  OutsideBusinessHours: 'The app can be used only during working hours.',
  AppTooOld: 'This version of the app is older than your organisation allows. It updates itself from the server; log in once it has reloaded.',
  SessionTimeout: 'Locked after a period without activity.',
  PolicyTampered: 'The security settings stored on this device failed their integrity check. Connect to the network and reload the app so fresh ones are fetched.',
};

export function describeError(e: unknown): string {
  if (isVaultError(e)) {
    if (e.code === 'PolicyDenied' && e.detail && POLICY_REASONS[e.detail]) return POLICY_REASONS[e.detail]!;
    const attempts = e.code === 'WrongPassword' ? parseAttemptsDetail(e.detail) : undefined;
    if (attempts) return `${e.userMessage} ${attemptsWarning(attempts.left, attempts.action)}`;
    if (e.code === 'InvalidArgument' && e.detail) return `${e.userMessage} ${capitalize(e.detail)}.`;
    return e.userMessage;
  }
  if (isQuotaError(e)) return ERROR_MESSAGES.QuotaExceeded;
  return 'Something went wrong. Your saved data is unchanged; please try again.';
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Said before an attempts rule acts, so nobody is surprised by a lock or a wipe. */
function attemptsWarning(left: number, action: 'lock' | 'wipe'): string {
  const what = action === 'wipe' ? 'removes this app’s data from this device' : 'locks the app';
  return `${left === 1 ? '1 attempt' : `${left} attempts`} left before your organisation’s policy ${what}.`;
}
