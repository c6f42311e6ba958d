import { z } from 'zod';

/**
 * Web Push (RFC 8030/8291/8292): the server wakes a device's service worker
 * when a command waits for it, so a lock or wipe need not wait for the next
 * scheduled sync. The message says only "sync now": the command itself is
 * fetched and verified as at any other contact, so a forged push can do no
 * more than cause one extra sync.
 */
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');

/** GET /device/push — the server's VAPID public key (uncompressed P-256 point, base64url) and the endpoint it holds for this device. */
export const PushInfoResponse = z.object({ publicKey: Base64Url, endpoint: z.string().nullable() });

/** PUT /device/push-subscription — PushSubscription.toJSON() of this device's service worker. */
export const PushSubscriptionRequest = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2000),
  keys: z.object({ p256dh: Base64Url.max(200), auth: Base64Url.max(100) }),
});
export type PushSubscriptionRequest = z.infer<typeof PushSubscriptionRequest>;

/** The only push payload there is. */
export const PushMessage = z.object({ v: z.literal(1), type: z.literal('sync') });
export type PushMessage = z.infer<typeof PushMessage>;
