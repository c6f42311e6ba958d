import { useEffect } from 'preact/hooks';
import { ERROR_MESSAGES, type ErrorCode } from '../../lib/errors';
import { refreshSyncStatus, requestSync, syncStatus } from '../sync';
import { useVaultChanges } from '../use-vault-changes';

const ago = (t: number | null) => {
  if (t === null) return 'never';
  const m = Math.round((Date.now() - t) / 60000);
  return m < 1 ? 'just now' : m < 60 ? `${m} min ago` : m < 1440 ? `${Math.round(m / 60)} h ago` : new Date(t).toLocaleString();
};

/** Sync state in plain words: last sync, what is waiting, the last problem. */
export function SyncPanel() {
  const s = syncStatus.value;
  if (!s) return null;
  if (!s.enrolled)
    return (
      <>
        <h2>Sync</h2>
        <p>This account lives only on this device; it does not sync.</p>
      </>
    );
  return (
    <>
      <h2>Sync</h2>
      <p data-testid="sync-status">
        Last synced {ago(s.lastSync)}. {s.pending === 0 ? 'Everything is sent.' : `${s.pending} change(s) waiting to be sent.`}
        {s.incoming > 0 && ` ${s.incoming} change(s) received, being applied.`}
      </p>
      <p data-testid="unlock-codes">
        {s.unlockCodes > 0
          ? `${s.unlockCodes} unlock codes are ready on this device, should you forget your password (support can read you one).`
          : 'Unlock codes for a forgotten password arrive at the next sync.'}
        {s.credentialsPending && ' Your new password reaches the server at the next sync.'}
      </p>
      {s.rejected > 0 && (
        <p class="error" role="alert">
          {s.rejected} change(s) from the server failed their integrity check and were not applied.
        </p>
      )}
      {s.rejectedEnvelopes > 0 && (
        <p class="error" role="alert">
          {s.rejectedEnvelopes} key envelope(s) from the server failed verification and were not used. Tell your administrator.
        </p>
      )}
      {s.lastError && (
        <p class="error" role="alert">
          The last sync did not finish: {ERROR_MESSAGES[s.lastError as ErrorCode] ?? s.lastError}
        </p>
      )}
      <button type="button" class="ghost" onClick={requestSync}>
        Sync now
      </button>
    </>
  );
}

/** Compact indicator for the header; it keeps the status fresh for the whole shell. */
export function SyncBadge() {
  useVaultChanges(() => void refreshSyncStatus());
  useEffect(() => void refreshSyncStatus(), []);
  const s = syncStatus.value;
  if (!s?.enrolled) return null;
  const text = s.lastError ? 'Sync problem' : s.pending ? `${s.pending} unsynced` : 'Synced';
  return (
    <a href="#/settings" class={`badge${s.lastError ? ' warn' : ''}`} aria-label={`Sync status: ${text}`}>
      {text}
    </a>
  );
}
