import { z } from 'zod';
import { Uuid } from './common';

/**
 * Attachments sync as their encrypted chunks (DESIGN §5): the same
 * IV ‖ ciphertext blobs the device stores. Uploads are resumable: the
 * device asks which chunks the server has and sends the rest.
 */
export const MAX_CHUNK_BYTES = 256 * 1024 + 64;

/** PUT /blobs/:id — declares a blob before its chunks. Idempotent. */
export const BlobDeclare = z.object({ group: Uuid, chunks: z.number().int().min(1).max(1000), epoch: z.number().int().positive() });

/** GET /blobs/:id — which chunks the server holds. */
export const BlobStatus = z.object({
  id: Uuid,
  group: Uuid,
  epoch: z.number().int().positive(),
  chunks: z.number().int().positive(),
  present: z.array(z.number().int().nonnegative()),
});
export type BlobStatus = z.infer<typeof BlobStatus>;

/** PUT|GET /blobs/:id/chunks/:index — raw bytes (application/octet-stream). */
export const ChunkParams = z.object({ id: Uuid, index: z.coerce.number().int().min(0).max(999) });

export const MAX_BLOB_LIST = 1000;

/** GET /blobs?after=<seq>&limit=<n> — complete blobs of the user's groups, for devices to fetch. */
export const BlobListQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_BLOB_LIST).default(MAX_BLOB_LIST),
});
export const BlobList = z.object({
  blobs: z.array(z.object({ seq: z.number().int().positive(), id: Uuid, group: Uuid, epoch: z.number().int().positive(), chunks: z.number().int().positive() })),
  /** Pass as `after` next time. */
  cursor: z.number().int().nonnegative(),
  /** True when the page was full: ask again from `cursor`. */
  more: z.boolean(),
});
export type BlobList = z.infer<typeof BlobList>;
