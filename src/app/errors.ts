import { ERROR_MESSAGES, isQuotaError, isVaultError } from '../lib/errors';

/** The sentence to show a person for any failure; never a stack or secret. */
export function describeError(e: unknown): string {
  if (isVaultError(e)) {
    if (e.code === 'InvalidArgument' && e.detail) return `${e.userMessage} ${capitalize(e.detail)}.`;
    return e.userMessage;
  }
  if (isQuotaError(e)) return ERROR_MESSAGES.QuotaExceeded;
  return 'Something went wrong. Your saved data is unchanged; please try again.';
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
