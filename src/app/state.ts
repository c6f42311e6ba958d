import { signal } from '@preact/signals';
import type { SessionInfo } from '../../workers/vault/api';
import type { WipeNotice } from '../../workers/common/wipe';
import { vault } from './vault-client';

/** App-wide state. Holds what is on screen, never key material. */
export const session = signal<SessionInfo | null>(null);
/** null until the worker answered; false shows "create account". */
export const hasAccounts = signal<boolean | null>(null);
/** When and why this device was wiped, for the setup screen of a device with no account. */
export const wipeNotice = signal<WipeNotice | null>(null);
/** Result of navigator.storage.persist(): null = not asked or not supported. */
export const persisted = signal<boolean | null>(null);

export async function refreshSession(): Promise<void> {
  const [accounts, current] = await Promise.all([vault.hasAccounts(), vault.session()]);
  hasAccounts.value = accounts;
  wipeNotice.value = accounts ? null : await vault.wipeNotice().catch(() => null);
  session.value = current;
}

/**
 * Asks the browser not to evict our storage (DESIGN §4). Chromium decides
 * from engagement or installation; we show the answer and warn when it is no.
 */
export async function requestPersistence(): Promise<void> {
  if (!navigator.storage?.persist) return;
  persisted.value = (await navigator.storage.persisted()) || (await navigator.storage.persist());
}

export async function lockNow(): Promise<void> {
  await vault.lock();
  session.value = null;
}
