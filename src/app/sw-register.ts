import { signal } from '@preact/signals';
import { Workbox } from 'workbox-window';

/** Set when a new version has been downloaded and waits for the person's consent to reload. */
export const updateWaiting = signal<(() => void) | null>(null);
/** Set while a required update (policy: minimum app version) is fetched and applied; what the lock screen says. */
export const updateState = signal<'checking' | 'none' | null>(null);

let wb: Workbox | undefined;

/**
 * Registers the service worker (precached shell, offline start). A new
 * version waits until the person chooses to reload, so nobody loses an open
 * form to a silent update.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  wb = new Workbox('/sw.js', { scope: '/' });
  wb.addEventListener('waiting', (e) => {
    const sw = e.sw;
    if (!sw) return;
    updateWaiting.value = () => activate(sw);
    // A required update has nothing open to lose (the app is locked): it goes ahead at once.
    if (updateState.value === 'checking') activate(sw);
  });
  void wb.register();
}

/**
 * Reloads into `sw` once it is active (with no page under its control yet
 * there is no 'controllerchange' to wait for). One that fails to install
 * ends the attempt, so the next check can try again.
 */
function reloadWhenActive(sw: ServiceWorker): void {
  sw.addEventListener('statechange', () => {
    if (sw.state === 'activated') location.reload();
    else if (sw.state === 'redundant' && updateState.value === 'checking') updateState.value = 'none';
  });
}

function activate(sw: ServiceWorker): void {
  reloadWhenActive(sw);
  wb?.messageSkipWaiting();
}

/**
 * The organisation requires a newer version than this one: asks the server
 * for the current service worker now and, once it is installed, switches
 * to it and reloads. Says 'none' when the server has nothing newer (yet).
 */
export async function updateRequired(): Promise<void> {
  if (!wb || updateState.value === 'checking') return;
  updateState.value = 'checking';
  await wb.update().catch(() => undefined); // offline: "nothing newer", tried again at the next check
  const reg = await navigator.serviceWorker.getRegistration();
  if (reg?.waiting) return activate(reg.waiting);
  // Still installing: it activates by itself when no page is under the old worker's control, else the 'waiting' handler takes over.
  if (reg?.installing) return reloadWhenActive(reg.installing);
  updateState.value = 'none';
}
