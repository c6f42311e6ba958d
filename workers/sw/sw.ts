/// <reference lib="webworker" />
/**
 * The service worker. It holds no key and never sees plaintext: it
 * precaches the app shell so the app opens with no network, and syncs
 * ciphertext on every trigger the browser offers (DESIGN §6).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CHECK_COMMANDS, SYNC_NOW, SYNC_TAG_ONE_OFF, SYNC_TAG_PERIODIC } from '../common/sync-triggers';
import { isSyncPush } from './push';
import { checkCommands, syncNow } from './sync';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// Every in-app URL opens the shell offline; server routes are never answered from the cache.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/admin/, /^\/setup/, /^\/support/] }));

/** Background Sync events are not in TypeScript's lib yet. */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}

const sync = (wait = false) => syncNow(self.location.origin, { pushManager: self.registration.pushManager, wait });

self.addEventListener('message', (event) => {
  const type = (event.data as { type?: string } | null)?.type;
  // Sent by the update prompt once the person agrees to reload into the new version.
  if (type === 'SKIP_WAITING') void self.skipWaiting();
  // Sent by the app on open, on `online`, and every 15 minutes by the elected tab.
  if (type === SYNC_NOW) event.waitUntil(sync());
  // Sent by every open tab each minute, on any screen: policy and commands only.
  if (type === CHECK_COMMANDS) event.waitUntil(checkCommands(self.location.origin));
});

// One-off Background Sync: the browser fires it when connectivity returns.
self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag === SYNC_TAG_ONE_OFF) e.waitUntil(sync());
});

// Periodic Background Sync: the installed app asks for 15 minutes; the browser decides the real spacing.
self.addEventListener('periodicsync', (event) => {
  const e = event as SyncEvent;
  if (e.tag === SYNC_TAG_PERIODIC) e.waitUntil(sync());
});

// Web Push: the server wakes this worker when an admin command waits (lock, wipe, …), even with no tab open.
self.addEventListener('push', (event) => {
  const ours = isSyncPush(event.data);
  event.waitUntil(
    (ours ? sync(true) : Promise.resolve(null))
      .catch(() => null) // a failed sync is reported by the sync itself; the push is done either way
      .then(async () => {
        // Browsers expect a visible notification for every push (or they revoke the subscription); it says nothing about the data.
        if (Notification.permission === 'granted')
          await self.registration.showNotification('FieldVault', { body: 'Your organisation sent an instruction to this device.', tag: 'fv-command', silent: true });
      }),
  );
});
