import { createHmac, randomBytes } from 'node:crypto';
import { equalsConstantTime } from './secrets';

/**
 * TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the optional
 * second factor of console sign-in, as every authenticator app speaks it.
 * Pure functions; the caller stores the secret sealed and the last step
 * used, so a code works once.
 */
export const TOTP_STEP_SECONDS = 30;
const DIGITS = 6;
/** Steps either side of now that still count: authenticator and server clocks drift. */
const WINDOW = 1;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const newTotpSecret = (): Buffer => randomBytes(20);

/** RFC 4648 base32 without padding: how authenticator apps take the secret. */
export function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);

/** The code for one time step (HOTP, RFC 4226, with dynamic truncation). */
export function totpAt(secret: Uint8Array, step: number, digits = DIGITS): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const at = mac[mac.length - 1]! & 0x0f;
  const n = (mac.readUInt32BE(at) & 0x7fffffff) % 10 ** digits;
  return String(n).padStart(digits, '0');
}

/**
 * The step `code` belongs to, if it is within the window around now and
 * later than `lastStep` (a code already used does not work again); else null.
 */
export function verifyTotp(secret: Uint8Array, code: string, nowMs: number, lastStep: number | null): number | null {
  const now = totpStep(nowMs);
  let match: number | null = null;
  // Every candidate is compared, so the time taken does not say which one matched.
  for (let step = now - WINDOW; step <= now + WINDOW; step++) if (equalsConstantTime(totpAt(secret, step), code) && (lastStep === null || step > lastStep)) match ??= step;
  return match;
}

/** The otpauth:// URI authenticator apps scan (as a QR code) or take pasted. */
export const otpauthUri = (issuer: string, account: string, secret: Uint8Array): string =>
  `otpauth://totp/${encodeURIComponent(`${issuer}:${account}`)}?secret=${base32(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${TOTP_STEP_SECONDS}`;
