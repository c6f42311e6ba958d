import { z } from 'zod';
import { VaultError } from '../../../src/lib/errors';
import { fromBase64, randomBytes, toBase64, utf8 } from '../../../src/lib/bytes';
import { hkdfAesKey, hkdfBytes, importHkdfBase } from './hkdf';
import { brand, type Kek, type MasterSecret } from './keys';

/** Today's default cost. Raising it re-wraps accounts at their next login. */
export const KDF_DEFAULT_ITERATIONS = 600_000;
/** The floor: stored or received parameters below it are refused (no downgrade). */
export const KDF_MIN_ITERATIONS = 600_000;

/** KDF parameters are stored with what they protect so the cost can be raised later. */
export const KdfParams = z.object({
  alg: z.literal('PBKDF2-SHA256'),
  iterations: z.number().int().positive(),
  salt: z.string().min(16),
});
export type KdfParams = z.infer<typeof KdfParams>;

export function newKdfParams(iterations = KDF_DEFAULT_ITERATIONS): KdfParams {
  return { alg: 'PBKDF2-SHA256', iterations, salt: toBase64(randomBytes(16)) };
}

const EMPTY_SALT = new Uint8Array(0);

/**
 * password → PBKDF2-SHA256 → master secret (an HKDF base key). Refuses
 * parameters under the floor with KdfTooWeak before doing any work.
 */
export async function deriveMasterSecret(password: string, params: KdfParams): Promise<MasterSecret> {
  if (params.iterations < KDF_MIN_ITERATIONS) throw new VaultError('KdfTooWeak', `${params.iterations} iterations`);
  const pw = await crypto.subtle.importKey('raw', utf8(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64(params.salt), iterations: params.iterations },
    pw,
    256,
  );
  return brand<'master'>(await importHkdfBase(new Uint8Array(bits)));
}

/** KEK for wrapping the account private keys. */
export const deriveKek = (master: MasterSecret): Promise<Kek> =>
  hkdfAesKey<'kek'>(master, EMPTY_SALT, 'fv1/kek', 'AES-GCM', ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);

/**
 * A check value that tells a wrong password from damaged key material. It
 * costs an attacker the same PBKDF2 work as trying the KEK, so it adds no
 * shortcut for offline guessing.
 */
export const deriveVerifier = (master: MasterSecret): Promise<Uint8Array<ArrayBuffer>> =>
  hkdfBytes(master, EMPTY_SALT, utf8('fv1/verify'), 32);

/**
 * The auth key (DESIGN §2): what proves the password to the server. The
 * server keeps only a slow hash of it and can derive nothing else from it
 * without redoing the PBKDF2 work per guess.
 */
export const deriveAuthKey = (master: MasterSecret): Promise<Uint8Array<ArrayBuffer>> =>
  hkdfBytes(master, EMPTY_SALT, utf8('fv1/auth'), 32);
