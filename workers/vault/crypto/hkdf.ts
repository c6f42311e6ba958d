import { utf8 } from '../../../src/lib/bytes';
import { brand, type Key } from './keys';

/** Imports key material as a non-extractable HKDF base key. */
export function importHkdfBase(ikm: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveKey', 'deriveBits']);
}

/** RFC 5869 HKDF-SHA256 output of `length` bytes. */
export async function hkdfBytes(
  base: CryptoKey,
  salt: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, base, length * 8);
  return new Uint8Array(bits);
}

/**
 * Derives a non-extractable AES-256 key of role R. `info` names the purpose
 * (e.g. "fv1/page"), so the same base never yields the same key twice.
 */
export async function hkdfAesKey<R extends string>(
  base: CryptoKey,
  salt: Uint8Array<ArrayBuffer>,
  info: string,
  alg: 'AES-GCM' | 'AES-KW',
  usages: KeyUsage[],
): Promise<Key<R>> {
  const k = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: utf8(info) },
    base,
    { name: alg, length: 256 },
    false,
    usages,
  );
  return brand<R>(k);
}
