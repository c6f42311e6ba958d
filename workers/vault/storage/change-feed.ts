import type { ChangeEvent } from '../api';

/**
 * Tells the vault workers of other tabs which records changed, so they drop
 * stale cached pages and their lists refresh. Carries ids only, never data.
 */
export class ChangeFeed {
  private channel: BroadcastChannel | null;

  constructor(name: string, onRemote: (e: ChangeEvent) => void) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(name);
    if (this.channel) this.channel.onmessage = (m: MessageEvent<ChangeEvent>) => onRemote(m.data);
  }

  publish(e: ChangeEvent): void {
    this.channel?.postMessage(e);
  }

  close(): void {
    this.channel?.close();
    this.channel = null;
  }
}
