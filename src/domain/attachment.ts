import { z } from 'zod';

/** Metadata of an encrypted attachment. It lives inside the encrypted record that references it. */
export const AttachmentMeta = z.object({
  id: z.string().uuid(),
  name: z.string().max(255),
  type: z.string().max(255),
  size: z.number().int().nonnegative(),
  chunks: z.number().int().positive(),
});
export type AttachmentMeta = z.infer<typeof AttachmentMeta>;
