/// <reference lib="webworker" />
/**
 * The service worker. It holds no key and never sees plaintext: for now it
 * precaches the app shell so the app opens with no network; ciphertext-only
 * background sync arrives with the sync server (DESIGN §6).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// Every in-app URL opens the shell offline; server routes are never answered from the cache.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/admin/] }));

self.addEventListener('message', (event) => {
  // Sent by the update prompt once the person agrees to reload into the new version.
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
