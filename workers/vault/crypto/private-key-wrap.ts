import { VaultError } from '../../../src/lib/errors';
import { IV_BYTES, open, seal } from './aead';
import type { Kek } from './keys';

/**
 * Account private keys at rest: IV ‖ AES-GCM(KEK, pkcs8) with AAD naming
 * the owner and the key's role. For use they are unwrapped as
 * non-extractable keys; their pkcs8 bytes exist only transiently, inside the
 * vault worker, when a key is first created or re-wrapped under a new KEK.
 */
export async function wrapPrivateKey(kek: Kek, extractable: CryptoKey, aad: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', extractable));
  try {
    return await seal(kek, pkcs8, aad);
  } finally {
    pkcs8.fill(0);
  }
}

export async function unwrapPrivateKey(
  kek: Kek,
  sealed: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  alg: EcKeyImportParams,
  usages: KeyUsage[],
  what: string,
): Promise<CryptoKey> {
  try {
    return await crypto.subtle.unwrapKey(
      'pkcs8',
      sealed.subarray(IV_BYTES),
      kek,
      { name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES), additionalData: aad },
      alg,
      false,
      usages,
    );
  } catch {
    throw new VaultError('Tampered', what);
  }
}

/** Moves a wrapped private key from one KEK to another (password change, KDF upgrade). */
export async function rewrapPrivateKey(
  from: Kek,
  to: Kek,
  sealed: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  what: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const pkcs8 = await open(from, sealed, aad, what);
  try {
    return await seal(to, pkcs8, aad);
  } finally {
    pkcs8.fill(0);
  }
}
