/**
 * The BroadcastChannel on which the service worker says a sync ran. The
 * vault worker applies the inbox when it hears it; the UI refreshes its
 * sync status. Messages carry counts and error codes, never data.
 */
export const SYNC_CHANNEL = 'fieldvault:sync';

export type SyncMessage =
  | { type: 'synced'; report: { pushed: number; pulled: number; blobsUp: number; blobsDown: number; error: string | null } }
  /** An admin command changed what this device allows (lock, unlock): open sessions check their policy now. */
  | { type: 'commanded' }
  /** The device was wiped: pages reload into an empty app. */
  | { type: 'wiped' };

/** Tells every page and vault worker of this origin (no-op where there is no BroadcastChannel, e.g. unit tests in Node). */
export function announce(m: SyncMessage): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const ch = new BroadcastChannel(SYNC_CHANNEL);
  ch.postMessage(m);
  ch.close();
}
