/** Names shared by the app (which asks for syncs) and the service worker (which runs them). */
export const SYNC_NOW = 'SYNC_NOW';
export const SYNC_TAG_ONE_OFF = 'fv-sync';
export const SYNC_TAG_PERIODIC = 'fv-periodic';
/** While any tab is open, the elected one asks for a sync this often. */
export const SYNC_INTERVAL_MS = 15 * 60 * 1000;
