import { useState } from 'preact/hooks';
import { requestSync } from '../sync';

/**
 * Lets the person allow notifications, which browsers require before a
 * service worker may receive Web Push: with it, a lock or wipe from the
 * organisation reaches this device at once instead of at the next sync.
 * The service worker subscribes at its next sync.
 */
export function PushPanel() {
  const supported = typeof Notification !== 'undefined' && 'PushManager' in window;
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  async function allow() {
    const p = await Notification.requestPermission();
    setPermission(p);
    if (p === 'granted') requestSync();
  }
  return (
    <>
      <h2>Instructions from your organisation</h2>
      <p data-testid="push-state">
        {!supported
          ? 'This browser cannot receive them instantly; they arrive at the next sync.'
          : permission === 'granted'
            ? 'They reach this device at once, even when the app is closed.'
            : permission === 'denied'
              ? 'Notifications are blocked in the browser’s settings, so they arrive at the next sync.'
              : 'They arrive at the next sync. Allow notifications so they reach this device at once.'}
      </p>
      {supported && permission === 'default' && (
        <button type="button" class="ghost" onClick={() => void allow()}>
          Allow notifications
        </button>
      )}
    </>
  );
}
