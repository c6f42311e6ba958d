import { signal } from '@preact/signals';
import { POLICY_REASONS } from './errors';
import { session } from './state';
import { updateRequired } from './sw-register';
import { vault } from './vault-client';

/**
 * Keeps an open session within the user's policy (issue 5): tracks user
 * activity, and every half minute (and whenever the tab comes back) asks
 * the vault, which locks itself if the session may not stay open. The lock
 * screen then says why.
 */
export const lockReason = signal<string | null>(null);
const CHECK_MS = 30_000;
let lastActivity = Date.now();

/** Asks now (an admin command arrived, the tab came back, the timer fired). */
export async function checkPolicyNow(): Promise<void> {
  if (!session.value) return;
  const v = await vault.policyCheck(lastActivity).catch(() => ({ allow: true, reason: undefined }));
  if (v.allow) return;
  refused(v.reason);
  session.value = null;
}

/**
 * On the lock screen, after commands arrived: an administrator's unlock
 * lifts the lock message in place (the user just logs in), a lock shows it.
 */
export async function refreshLockScreen(): Promise<void> {
  if (session.value) return;
  const locked = await vault.adminLocked().catch(() => null);
  if (locked === true) refused('AdminLock');
  else if (locked === false && lockReason.value === POLICY_REASONS.AdminLock) lockReason.value = null;
}

/** Shows why the app is locked or login refused; a version below the required minimum also starts the update. */
export function refused(reason: string | undefined): void {
  lockReason.value = (reason && POLICY_REASONS[reason]) ?? 'Locked by your organisation’s policy.';
  if (reason === 'AppTooOld') void updateRequired();
}

export function startPolicyWatch(): void {
  for (const type of ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const) addEventListener(type, () => (lastActivity = Date.now()), { passive: true, capture: true });
  addEventListener('visibilitychange', () => void (document.visibilityState === 'visible' && checkPolicyNow()));
  setInterval(() => void checkPolicyNow(), CHECK_MS);
}
