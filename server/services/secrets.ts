import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import type { ScryptParams } from '../config';

/**
 * The server's handling of secrets: slow hashes for what people or devices
 * prove (auth keys, console passwords), fast hashes for high-entropy random
 * tokens and codes, and constant-time comparison everywhere a secret is
 * compared.
 */

const scrypt = (pw: BinaryLike, salt: BinaryLike, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));

const scryptOptions = ({ N, r, p }: ScryptParams): ScryptOptions => ({ N, r, p, maxmem: 256 * N * r * p + (1 << 20) });

/**
 * Slow hash, self-describing so its cost can be raised later:
 * `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`, 16-byte per-hash salt, 32-byte output.
 */
export async function slowHash(secret: Uint8Array | string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32, scryptOptions(params));
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Checks a secret against a slowHash() string in constant time. With no
 * stored hash (unknown user) it still runs one scrypt with `params`, so the
 * answer takes about as long either way, and returns false.
 */
export async function verifySlowHash(secret: Uint8Array | string, stored: string | null | undefined, params: ScryptParams): Promise<boolean> {
  const parts = stored?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') {
    await scrypt(secret, DUMMY_SALT, 32, scryptOptions(params));
    return false;
  }
  const [, N, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64'), expected.length, scryptOptions({ N: Number(N), r: Number(r), p: Number(p) }));
  return timingSafeEqual(actual, expected);
}
const DUMMY_SALT = randomBytes(16);

/** SHA-256 hex: how random tokens and codes (≥ 100 bits) are stored and looked up. */
export const sha256Hex = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');

/** A bearer token: 32 random bytes, base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Compares two strings in constant time (their lengths are not secret). */
export function equalsConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HMAC-SHA256 under the server secret, for values that must be stable but unguessable (fake prelogin salts). */
export const hmac = (key: Buffer, label: string, value: string): Buffer => createHmac('sha256', key).update(`${label}\0${value}`).digest();

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM under a key derived from the server secret, bound to `aad` (what the value belongs to): base64 of IV ‖ ciphertext ‖ tag. */
export function seal(key: Buffer, aad: string, text: string): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
  return Buffer.concat([iv, c.update(text, 'utf8'), c.final(), c.getAuthTag()]).toString('base64');
}

/** The text seal() sealed, or null if the key (server secret) changed or the value was altered or moved. */
export function unseal(key: Buffer, aad: string, sealed: string): string | null {
  const buf = Buffer.from(sealed, 'base64');
  if (buf.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES }).setAAD(Buffer.from(aad));
    d.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
    return Buffer.concat([d.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Characters in an enrollment code: 25 × 5 bits = 125 bits. */
export const ENROLLMENT_CODE_CHARS = 25;

/** A fresh enrollment code: Crockford base32 without separators (normalized form). */
export function newEnrollmentCode(): string {
  const bytes = randomBytes(ENROLLMENT_CODE_CHARS);
  // 256 is a multiple of 32, so `b % 32` (the low 5 bits) is uniform.
  let out = '';
  for (const b of bytes) out += CROCKFORD[b & 31];
  return out;
}

/** Groups of five for reading aloud: ABCDE-FGHJK-… */
export const groupCode = (code: string): string => code.match(/.{1,5}/g)!.join('-');
