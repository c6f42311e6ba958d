import { toHex } from '../../../src/lib/bytes';

/** Key id: hex SHA-256 of a public key's SPKI encoding. */
export async function keyId(spki: Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', spki)));
}

/** The first 128 bits of a key id in groups of four, for people to compare aloud. */
export function displayFingerprint(kid: string): string {
  return kid.slice(0, 32).toUpperCase().match(/.{4}/g)!.join(' ');
}
