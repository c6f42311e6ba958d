import { proxy, wrap, type Remote } from 'comlink';
import type { ChangeEvent, VaultApi } from '../../workers/vault/api';
import { installErrorTransfer } from '../lib/comlink-errors';

/**
 * The UI's only door to the vault: a comlink proxy to the vault worker of
 * this tab. Keys stay in that worker; only plain records cross.
 */
installErrorTransfer();

export const vault: Remote<VaultApi> = wrap<VaultApi>(
  new Worker(new URL('../../workers/vault/worker.ts', import.meta.url), { type: 'module', name: 'vault' }),
);

/** Subscribes to changes made by this tab or any other (via the worker's BroadcastChannel). */
export function onVaultChange(listener: (e: ChangeEvent) => void): void {
  void vault.subscribe(proxy(listener));
}
