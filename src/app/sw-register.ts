import { signal } from '@preact/signals';
import { Workbox } from 'workbox-window';

/** Set when a new version has been downloaded and waits for the person's consent to reload. */
export const updateWaiting = signal<(() => void) | null>(null);

/**
 * Registers the service worker (precached shell, offline start). A new
 * version waits until the person chooses to reload, so nobody loses an open
 * form to a silent update.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const wb = new Workbox('/sw.js', { scope: '/' });
  wb.addEventListener('waiting', () => {
    updateWaiting.value = () => {
      wb.addEventListener('controlling', () => location.reload());
      wb.messageSkipWaiting();
    };
  });
  void wb.register();
}
