/** Names shared by the app (which asks for syncs) and the service worker (which runs them). */
export const SYNC_NOW = 'SYNC_NOW';
export const SYNC_TAG_ONE_OFF = 'fv-sync';
export const SYNC_TAG_PERIODIC = 'fv-periodic';
/** While any tab is open, the elected one asks for a sync this often. */
export const SYNC_INTERVAL_MS = 15 * 60 * 1000;
/** Asks the service worker for the policy and commands only (no push or pull): a lock or unlock reaches an open app within a minute. */
export const CHECK_COMMANDS = 'CHECK_COMMANDS';
/** While a tab is open, on any screen, it asks for that this often (and when it comes back or the connection returns). */
export const COMMAND_CHECK_MS = 60 * 1000;
