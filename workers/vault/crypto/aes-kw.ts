/**
 * RFC 3394 AES key wrap, through WebCrypto's wrapKey/unwrapKey. WebCrypto
 * only wraps CryptoKey objects, so raw key bytes are imported as a
 * transient extractable key for the one wrap call and then dropped.
 */
export async function aesKwWrap(kw: CryptoKey, keyBytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const transient = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', true, ['encrypt']);
  return new Uint8Array(await crypto.subtle.wrapKey('raw', transient, kw, 'AES-KW'));
}

/** Unwraps to a key of the given algorithm; non-extractable unless a caller must export it (tests only). */
export function aesKwUnwrap(
  kw: CryptoKey,
  wrapped: Uint8Array<ArrayBuffer>,
  as: AlgorithmIdentifier | AesKeyAlgorithm,
  usages: KeyUsage[],
  extractable = false,
): Promise<CryptoKey> {
  return crypto.subtle.unwrapKey('raw', wrapped, kw, 'AES-KW', as, extractable, usages);
}
