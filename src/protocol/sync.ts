import { z } from 'zod';
import { Base64, Uuid } from './common';

/**
 * Sync (DESIGN §6). Records travel only as ciphertext; the server sees
 * routing metadata: group, record id, epoch, sizes and times.
 */
export const MAX_PUSH = 500;
export const MAX_PULL = 1000;
/** One record's ciphertext: IV ‖ AES-GCM(record key of the epoch, {collection, record}). */
export const MAX_CHANGE_BYTES = 512 * 1024;
/**
 * Largest push request body the server takes (bytes of JSON). A push over it
 * is refused whole with 413 `TooLarge`; clients split batches by size, not
 * only by MAX_PUSH.
 */
export const MAX_PUSH_BYTES = 32 * 1024 * 1024;

export const ChangeIn = z.object({
  /** Client-chosen id: pushing the same change twice stores it once. */
  changeId: Uuid,
  group: Uuid,
  recordId: Uuid,
  epoch: z.number().int().positive(),
  /** Highest server sequence this device had applied when it made the change. */
  baseSeq: z.number().int().nonnegative(),
  data: Base64.max(Math.ceil((MAX_CHANGE_BYTES * 4) / 3) + 4),
});
export type ChangeIn = z.infer<typeof ChangeIn>;

/** POST /sync/push */
export const PushRequest = z.object({ changes: z.array(ChangeIn).min(1).max(MAX_PUSH) });
export const PushResponse = z.object({ accepted: z.array(z.object({ changeId: Uuid, seq: z.number().int().positive() })) });
export type PushResponse = z.infer<typeof PushResponse>;

export const ChangeOut = ChangeIn.omit({ baseSeq: true }).extend({
  seq: z.number().int().positive(),
  deviceId: Uuid,
});
export type ChangeOut = z.infer<typeof ChangeOut>;

/** GET /sync/pull?after=<seq>&limit=<n> — changes of every group the user belongs to, in sequence order. */
export const PullQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PULL).default(MAX_PULL),
});
export const PullResponse = z.object({
  changes: z.array(ChangeOut),
  /** Pass as `after` next time. */
  cursor: z.number().int().nonnegative(),
  more: z.boolean(),
  /** The server's clock (ms): devices measure "time without contact" from it, not from their own clock. */
  serverTime: z.number().int(),
});
export type PullResponse = z.infer<typeof PullResponse>;
