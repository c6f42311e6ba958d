import { createHash, createPublicKey, verify } from 'node:crypto';
import { DpopClaims } from '../../src/protocol/auth';
import { EcPublicJwk } from '../../src/protocol/common';
import { DPOP_MAX_SKEW_SECONDS } from '../../src/protocol/dpop';
import type { Db } from '../db/database';
import { purgeJtis, rememberJti } from '../db/repositories/dpop-jtis';
import { proofInvalid } from '../errors';
import { equalsConstantTime } from './secrets';

/**
 * Server side of DPoP (RFC 9449; the client side is src/protocol/dpop.ts).
 * A proof is accepted only if it is a well-formed ES256 JWS over this exact
 * request (method, path, origin when PUBLIC_URL is set, body hash, token
 * hash), fresh (iat within ±120 s), signed by the key it names, and its
 * jti was never seen before from that key. What each check prevents:
 *   signature + key binding  a stolen token is useless without the device key
 *   htm/htu                  a proof cannot be moved to another endpoint
 *   bh                       a body cannot be swapped under a proof
 *   ath                      a proof cannot be moved to another session
 *   iat + jti cache          a captured request cannot be replayed
 */
export interface ProofTarget {
  method: string;
  /** request.url: path and query as received. */
  url: string;
  /** Exact body bytes (empty for none). */
  body: Buffer;
  /** The session token, for requests that carry one. */
  token?: string;
}

export interface VerifiedProof {
  jwk: EcPublicJwk;
  /** RFC 7638 thumbprint of jwk. */
  jkt: string;
}

export class DpopVerifier {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    /** PUBLIC_URL's origin; when set, `htu` must name it. */
    private readonly origin: string | undefined,
  ) {}

  /**
   * Verifies the `DPoP` header for a request and records its jti. Throws 401
   * ProofInvalid naming the failed check (never a secret).
   */
  async verify(header: string | string[] | undefined, target: ProofTarget, now = Date.now()): Promise<VerifiedProof> {
    if (typeof header !== 'string' || header.length > 4096) throw proofInvalid('missing DPoP header');
    const parts = header.split('.');
    if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) throw proofInvalid('not a compact JWS');
    const [h, p, s] = parts as [string, string, string];
    const head = json(h) as { typ?: unknown; alg?: unknown; jwk?: unknown } | undefined;
    if (!head || head.typ !== 'dpop+jwt' || head.alg !== 'ES256') throw proofInvalid('header');
    if (typeof head.jwk !== 'object' || head.jwk === null || 'd' in head.jwk) throw proofInvalid('jwk');
    const jwkParsed = EcPublicJwk.safeParse(head.jwk);
    if (!jwkParsed.success) throw proofInvalid('jwk');
    const jwk = jwkParsed.data;
    const claimsParsed = DpopClaims.safeParse(json(p));
    if (!claimsParsed.success) throw proofInvalid('claims');
    const claims = claimsParsed.data;

    const sig = Buffer.from(s, 'base64url');
    let key;
    try {
      key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
    } catch {
      throw proofInvalid('jwk');
    }
    // WebCrypto ECDSA signatures are raw r‖s (IEEE P1363), not DER.
    if (sig.length !== 64 || !verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, sig)) throw proofInvalid('signature');

    if (claims.htm !== target.method.toUpperCase()) throw proofInvalid('htm');
    let htu: URL;
    try {
      htu = new URL(claims.htu);
    } catch {
      throw proofInvalid('htu');
    }
    if (htu.pathname !== new URL(target.url, 'http://x').pathname) throw proofInvalid('htu');
    if (this.origin !== undefined && htu.origin !== this.origin) throw proofInvalid('htu');
    const skew = Math.abs(Math.floor(now / 1000) - claims.iat);
    if (skew > DPOP_MAX_SKEW_SECONDS) throw proofInvalid('iat: check the device clock');
    if (!equalsConstantTime(claims.bh, b64sha256(target.body))) throw proofInvalid('bh');
    if (target.token !== undefined) {
      if (claims.ath === undefined || !equalsConstantTime(claims.ath, b64sha256(target.token))) throw proofInvalid('ath');
    } else if (claims.ath !== undefined) {
      throw proofInvalid('ath');
    }

    const jkt = thumbprint(jwk);
    // Kept past the window in which its iat is accepted, then purged.
    if (!(await rememberJti(this.db, `${jkt}.${claims.jti}`, now + (DPOP_MAX_SKEW_SECONDS * 2 + 60) * 1000))) throw proofInvalid('jti was used before');
    if (now - this.lastPurge > 60_000) {
      this.lastPurge = now;
      await purgeJtis(this.db, now);
    }
    return { jwk, jkt };
  }
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a P-256 public key. */
export function thumbprint(jwk: EcPublicJwk): string {
  return b64sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
}

const b64sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('base64url');

function json(b64: string): unknown {
  try {
    return JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Whether two public JWKs are the same key. */
export const sameKey = (a: EcPublicJwk, b: EcPublicJwk): boolean => thumbprint(a) === thumbprint(b);
