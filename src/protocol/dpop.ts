import type { EcPublicJwk } from './common';

/**
 * DPoP proofs (RFC 9449, DESIGN §7), made on the device. Isomorphic: only
 * WebCrypto, TextEncoder and btoa, so the vault worker, the service worker
 * and Node (tests) share this one implementation.
 *
 * Every request to the server carries `DPoP: <proof>`, a compact JWS
 *   b64url({"typ":"dpop+jwt","alg":"ES256","jwk":{kty,crv,x,y}})
 *   . b64url({jti, htm, htu, iat, ath?, bh})
 *   . b64url(ECDSA P-256 SHA-256 signature, raw r‖s, 64 bytes)
 * signed by the non-extractable device key. Requests with a session also
 * carry `Authorization: DPoP <token>`; the proof binds that token (`ath`)
 * and the exact body bytes (`bh`), so a copied token, a replayed request or
 * a body swapped in transit is refused by the server.
 */

/** Name of the proof header. */
export const DPOP_HEADER = 'DPoP';
/** How far the proof's `iat` may be from the server's clock, in seconds. */
export const DPOP_MAX_SKEW_SECONDS = 120;

export interface DpopRequest {
  /** HTTP method; upper-cased into `htm`. */
  method: string;
  /** Absolute URL of the request; query and fragment are dropped for `htu`. */
  url: string;
  /** The session token, when the request carries one (sets `ath`). */
  token?: string | undefined;
  /**
   * The exact bytes that will be sent as the body: pass the same string you
   * give `fetch` (e.g. one `JSON.stringify` result), or the raw bytes.
   * Absent or null = no body (hashes the empty string).
   */
  body?: string | Uint8Array | ArrayBuffer | null | undefined;
  /** Clock to use in ms (default Date.now()); lets a client correct a known skew. */
  now?: number | undefined;
}

/**
 * Makes a proof for one request. `privateKey` is the device's ECDSA P-256
 * signing key (may be non-extractable); `jwk` its public half (only kty,
 * crv, x and y are put in the header). Each call has a fresh random `jti`,
 * so a proof is good for exactly one request.
 */
export async function createDpopProof(privateKey: CryptoKey, jwk: EcPublicJwk, req: DpopRequest): Promise<string> {
  const u = new URL(req.url);
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
  const claims: Record<string, string | number> = {
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
    htm: req.method.toUpperCase(),
    htu: u.origin + u.pathname,
    iat: Math.floor((req.now ?? Date.now()) / 1000),
    bh: await sha256Base64url(req.body ?? new Uint8Array(0)),
  };
  if (req.token !== undefined) claims.ath = await sha256Base64url(req.token);
  const input = `${base64url(utf8(JSON.stringify(header)))}.${base64url(utf8(JSON.stringify(claims)))}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, utf8(input));
  return `${input}.${base64url(new Uint8Array(sig))}`;
}

/** The Authorization header value for a session token. */
export const dpopAuthorization = (token: string): string => `DPoP ${token}`;

/** base64url (no padding) of SHA-256 over a string's UTF-8 bytes or raw bytes: what `ath` and `bh` hold. */
export async function sha256Base64url(data: string | Uint8Array | ArrayBuffer): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : ownBuffer(data);
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

/** base64url without padding (RFC 7515 §2). */
export function base64url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encoder = new TextEncoder();
const utf8 = (s: string): Uint8Array<ArrayBuffer> => encoder.encode(s);

/** WebCrypto wants an ArrayBuffer-backed view; copy only when the view sits on a SharedArrayBuffer. */
function ownBuffer(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}
