import { z } from 'zod';
import { DeviceInfo, KeyBundle, SessionResponse } from './auth';
import { Base64, Username, Uuid, crockfordCode } from './common';

/**
 * Unlock codes (DESIGN §8): the server's escrow for forgotten passwords.
 * Each code unlocks the account keys offline, where nothing limits
 * guessing, so it carries 140 random bits: 28 Crockford base32 characters,
 * read aloud in groups of four.
 */
export const UNLOCK_CODE_CHARS = 28;
/** Active codes per user; a spent code is replaced at the next sync. */
export const UNLOCK_CODES_PER_USER = 8;
export const UnlockCode = crockfordCode(String(UNLOCK_CODE_CHARS), 'an unlock code');

/** Groups of four for reading aloud: ABCD-EFGH-… */
export const groupUnlockCode = (code: string): string => code.match(/.{1,4}/g)!.join('-');

/**
 * The account keys wrapped under one code (opaque to the server). Devices
 * upload it so the code also works online on a device that never held it.
 */
export const CodeWrap = z.object({ salt: Base64, wrappedEcdh: Base64, wrappedEcdsa: Base64 });
export type CodeWrap = z.infer<typeof CodeWrap>;

/** GET /account/unlock-codes — codes this device was not handed yet, and the ids still valid. */
export const UnlockCodesResponse = z.object({
  fresh: z.array(z.object({ id: Uuid, code: UnlockCode })).max(UNLOCK_CODES_PER_USER),
  active: z.array(Uuid).max(UNLOCK_CODES_PER_USER),
});
export type UnlockCodesResponse = z.infer<typeof UnlockCodesResponse>;

/** POST /account/unlock-codes/ack — the device wrapped its keys under these codes and forgot them. */
export const UnlockCodesAck = z.object({ codes: z.array(z.object({ id: Uuid, wrap: CodeWrap })).max(UNLOCK_CODES_PER_USER) });
export type UnlockCodesAck = z.infer<typeof UnlockCodesAck>;

/**
 * What, besides the account key, shows the update comes from the user: the
 * auth key the server knows now (a password change, a KDF upgrade), or an
 * unlock code that is still active (a reset; the code is spent). A stolen
 * account key alone cannot take the account over.
 */
export const CredentialsProof = z.union([z.object({ oldAuthKey: Base64 }), z.object({ code: UnlockCode })]);
export type CredentialsProof = z.infer<typeof CredentialsProof>;

/**
 * POST /auth/credentials — after a password change or a code was used: the
 * new auth key and key bundle, signed by the account's ECDSA key, with a
 * proof. No session needed (the old one may have expired, and the old
 * password no longer opens a new one).
 */
export const CredentialsUpdate = z.object({
  username: Username,
  authKey: Base64,
  bundle: KeyBundle,
  proof: CredentialsProof,
  /** Signing time (ms); the server refuses stale ones and any not newer than the last accepted. */
  iat: z.number().int(),
  /** ECDSA P-256 SHA-256 signature (IEEE P1363, base64) over credentialsSignedText(). */
  sig: Base64,
});
export type CredentialsUpdate = z.infer<typeof CredentialsUpdate>;
export const CREDENTIALS_MAX_AGE_MS = 10 * 60_000;

/** The exact text the account key signs: every field but `sig`, in a fixed order. */
export function credentialsSignedText(u: Omit<CredentialsUpdate, 'sig'>): string {
  const b = u.bundle;
  const bundle = [b.v, b.kdf.alg, b.kdf.iterations, b.kdf.salt, b.verifier, b.wrappedEcdh, b.wrappedEcdsa, b.ecdhSpki, b.ecdsaSpki, b.personalGroup];
  const proof = 'code' in u.proof ? ['code', u.proof.code] : ['auth', u.proof.oldAuthKey];
  return JSON.stringify(['fv1/credentials', u.username, u.authKey, bundle, proof, u.iat]);
}

/** POST /auth/code-login — a revealed code on a device that does not hold the account yet. */
export const CodeLoginRequest = z.object({ username: Username, code: UnlockCode, device: DeviceInfo });
export const CodeLoginResponse = SessionResponse.extend({ codeId: Uuid, wrap: CodeWrap });
export type CodeLoginResponse = z.infer<typeof CodeLoginResponse>;

/** POST /admin/users/:id/unlock-code — support reveals one code; the reason goes to the audit log. */
export const RevealCodeRequest = z.object({ reason: z.string().trim().min(3).max(500) });
export const RevealCodeResponse = z.object({ code: z.string(), codeId: Uuid, remaining: z.number().int() });
