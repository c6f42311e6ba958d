import { VaultError } from '../../../src/lib/errors';
import { randomBytes } from '../../../src/lib/bytes';
import type { AeadKey } from './keys';

/** AES-GCM with a 96-bit IV and a 128-bit tag. */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/**
 * Encrypts with a fresh random IV generated here (callers cannot reuse one)
 * and returns prefix ‖ IV ‖ ciphertext+tag. `prefix` lets formats put a clear
 * header in front without another copy.
 */
export async function seal(
  key: AeadKey,
  plaintext: BufferSource,
  aad: Uint8Array<ArrayBuffer>,
  prefix?: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return (await sealMany(key, [{ plaintext, aad }], prefix))[0]!;
}

/**
 * seal() for many messages under one key, with one call to the random
 * source for all their IVs (each still fresh and random): bulk writes seal
 * a record at a time, and per-call overhead is most of the cost there.
 */
export async function sealMany(
  key: AeadKey,
  items: readonly { plaintext: BufferSource; aad: Uint8Array<ArrayBuffer> }[],
  prefix?: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>[]> {
  // getRandomValues gives at most 65,536 bytes a call.
  const ivs = new Uint8Array(IV_BYTES * items.length);
  for (let off = 0; off < ivs.length; off += 65_532) ivs.set(randomBytes(Math.min(65_532, ivs.length - off)), off);
  const p = prefix?.length ?? 0;
  return Promise.all(
    items.map(async ({ plaintext, aad }, i) => {
      const iv = ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES);
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, plaintext));
      const out = new Uint8Array(p + IV_BYTES + ct.length);
      if (prefix) out.set(prefix, 0);
      out.set(iv, p);
      out.set(ct, p + IV_BYTES);
      return out;
    }),
  );
}

/**
 * Opens IV ‖ ciphertext+tag (starting at `offset`). Any failure, whether a
 * flipped bit, a wrong AAD (moved or swapped data) or truncation, becomes
 * Tampered naming `what`, so one damaged item never hides the rest.
 */
export async function open(
  key: AeadKey,
  sealed: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  what: string,
  offset = 0,
): Promise<Uint8Array<ArrayBuffer>> {
  if (sealed.length - offset < IV_BYTES + TAG_BYTES) throw new VaultError('Tampered', `${what} is truncated`);
  const iv = sealed.subarray(offset, offset + IV_BYTES);
  const body = sealed.subarray(offset + IV_BYTES);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, body));
  } catch {
    throw new VaultError('Tampered', what);
  }
}
