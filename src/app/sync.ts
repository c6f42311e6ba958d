import { signal } from '@preact/signals';
import type { SyncStatus } from '../../workers/vault/api';
import { SYNC_CHANNEL, type SyncMessage } from '../../workers/common/sync-channel';
import { CHECK_COMMANDS, COMMAND_CHECK_MS, SYNC_INTERVAL_MS, SYNC_NOW, SYNC_TAG_ONE_OFF, SYNC_TAG_PERIODIC } from '../../workers/common/sync-triggers';
import { checkPolicyNow, refreshLockScreen } from './policy-watch';
import { session } from './state';
import { onVaultChange, vault } from './vault-client';

/**
 * The app's side of sync (DESIGN §6): it only asks. The service worker does
 * the work with no key; the vault worker applies what arrived. Triggers: on
 * open, on `online`, every 15 minutes in one elected tab, a one-off
 * Background Sync when the connection returns, and Periodic Background Sync
 * for the installed app (Chromium grants it only to installed apps with
 * enough engagement and spaces it by hours; the 15 minutes is a minimum).
 */
export const syncStatus = signal<SyncStatus | null>(null);
const PUSH_DELAY_MS = 1500;

export async function refreshSyncStatus(): Promise<void> {
  syncStatus.value = session.value ? await vault.syncStatus().catch(() => null) : null;
}

/** Asks the service worker to sync now (no-op without one, e.g. in `npm run dev`). */
export function requestSync(): void {
  void navigator.serviceWorker?.ready.then((reg) => reg.active?.postMessage({ type: SYNC_NOW }));
}

/** Asks the service worker for the policy and commands only (DESIGN §8): cheap enough to do every minute on any screen. */
function requestCommandCheck(): void {
  void navigator.serviceWorker?.ready.then((reg) => reg.active?.postMessage({ type: CHECK_COMMANDS }));
}

interface SyncRegistration extends ServiceWorkerRegistration {
  sync?: { register(tag: string): Promise<void> };
  periodicSync?: { register(tag: string, o: { minInterval: number }): Promise<void> };
}

export function startSyncTriggers(): void {
  if (!('serviceWorker' in navigator)) return;
  new BroadcastChannel(SYNC_CHANNEL).onmessage = (m: MessageEvent<SyncMessage>) => {
    if (m.data?.type === 'wiped') return location.reload();
    if (m.data?.type === 'commanded') void checkPolicyNow().then(refreshLockScreen);
    void refreshSyncStatus();
  };
  // Commands (lock, unlock, wipe) reach an open app within a minute, on the lock screen too, Web Push or not.
  setInterval(requestCommandCheck, COMMAND_CHECK_MS);
  addEventListener('focus', requestCommandCheck);
  addEventListener('visibilitychange', () => document.visibilityState === 'visible' && requestCommandCheck());
  addEventListener('online', () => {
    requestSync();
    void navigator.serviceWorker.ready.then((reg) => (reg as SyncRegistration).sync?.register(SYNC_TAG_ONE_OFF).catch(() => undefined));
  });
  void navigator.serviceWorker.ready.then(async (reg) => {
    requestSync();
    // Refused unless installed and engaged; that is the browser's call, not an error.
    await (reg as SyncRegistration).periodicSync?.register(SYNC_TAG_PERIODIC, { minInterval: SYNC_INTERVAL_MS }).catch(() => undefined);
  });
  // Local changes go out soon after they are made (one sync for a burst of edits).
  let soon: ReturnType<typeof setTimeout> | undefined;
  onVaultChange(() => {
    clearTimeout(soon);
    soon = setTimeout(requestSync, PUSH_DELAY_MS);
  });
  // One tab keeps the 15-minute timer: whoever holds the lock; the next tab takes over when it closes.
  void navigator.locks?.request('fv:sync-timer', () => new Promise<never>(() => setInterval(requestSync, SYNC_INTERVAL_MS)));
}
