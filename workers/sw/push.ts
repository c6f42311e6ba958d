/// <reference lib="webworker" />
import { PushInfoResponse, PushMessage } from '../../src/protocol/push';
import { fromBase64, toBase64 } from '../../src/lib/bytes';
import type { ApiClient } from '../common/api-client';

/**
 * Web Push in the service worker (DESIGN §8): a push means "a command waits
 * for you, sync now". It carries nothing else, so the worker needs no key
 * to act on it, and a forged or garbled push can cause at most one extra
 * sync; anything that is not our message is ignored and logged.
 */

const base64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Whether a push event's data is our "sync now" message. */
export function isSyncPush(data: PushMessageData | null): boolean {
  let json: unknown;
  try {
    json = data?.json();
  } catch {
    json = undefined;
  }
  const ok = PushMessage.safeParse(json).success;
  if (!ok) console.warn('FieldVault: ignored a push message that is not a FieldVault sync request');
  return ok;
}

/**
 * Keeps this device's push subscription registered with the server, once
 * the person has allowed notifications (browsers require visible
 * notifications for push): subscribes with the server's VAPID key,
 * re-subscribes when that key changed, and uploads a new endpoint. Without
 * permission or a push service it does nothing: commands then arrive at the
 * next contact.
 */
export async function keepPushSubscription(push: PushManager, api: ApiClient): Promise<void> {
  if ((await push.permissionState({ userVisibleOnly: true })) !== 'granted') return;
  const info = await api.json('/device/push', PushInfoResponse);
  let sub = await push.getSubscription();
  const key = sub?.options.applicationServerKey;
  if (sub && (!key || base64url(new Uint8Array(key)) !== info.publicKey)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await push.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64(info.publicKey.replace(/-/g, '+').replace(/_/g, '/')) });
  if (sub.endpoint !== info.endpoint) await api.send('/device/push-subscription', { method: 'PUT', body: sub.toJSON() });
}
