import { persisted } from '../state';
import { updateWaiting } from '../sw-register';

export function UpdateBanner() {
  const apply = updateWaiting.value;
  if (!apply) return null;
  return (
    <div class="banner" role="status">
      A new version of the app is ready.{' '}
      <button type="button" onClick={apply}>
        Reload now
      </button>
    </div>
  );
}

/** DESIGN §4: say plainly when the browser may evict this device's data. */
export function StorageBanner() {
  if (persisted.value !== false) return null;
  return (
    <div class="banner warn" role="status">
      This browser has not granted persistent storage, so it may delete this app’s data when space runs low (Safari does after 7 days
      without a visit). Install the app to keep it.
    </div>
  );
}
