import { z } from 'zod';
import { Base64, EcPublicJwk, KdfParamsWire, Username, Uuid, crockfordCode } from './common';

/**
 * Accounts, enrollment and device-bound sessions (DESIGN §7). The server
 * never receives a password or a KEK: it gets the auth key (HKDF "auth" of
 * the password-derived master secret) and keeps a slow hash of it.
 */

/** POST /auth/prelogin — the KDF parameters to derive the auth key with. Unknown users get a stable fake. */
export const PreloginRequest = z.object({ username: Username });
export const PreloginResponse = z.object({ kdf: KdfParamsWire });

/** What a device needs to unlock an account offline; the server stores it opaque. */
export const KeyBundle = z.object({
  v: z.literal(1),
  kdf: KdfParamsWire,
  verifier: Base64,
  wrappedEcdh: Base64,
  wrappedEcdsa: Base64,
  ecdhSpki: Base64,
  ecdsaSpki: Base64,
  personalGroup: Uuid,
});
export type KeyBundle = z.infer<typeof KeyBundle>;

/** A group key envelope (DESIGN §3), opaque to the server apart from routing fields. */
export const EnvelopeWire = z.object({
  group: Uuid,
  epoch: z.number().int().positive(),
  kid: z.string().regex(/^[0-9a-f]{64}$/),
  envelope: z.record(z.string(), z.unknown()),
});
export type EnvelopeWire = z.infer<typeof EnvelopeWire>;

export const DeviceInfo = z.object({
  publicKey: EcPublicJwk,
  model: z.string().max(200),
  os: z.string().max(200),
  browser: z.string().max(200),
  appVersion: z.string().max(50),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

/** Enrollment codes are read from a screen or a link, in groups of five. */
export const EnrollmentCode = crockfordCode('20,40', 'an enrollment code');

/** POST /enroll/begin — checks the code (without spending it) and says which user id to create keys for. */
export const EnrollBeginRequest = z.object({ username: Username, code: EnrollmentCode });
export const EnrollBeginResponse = z.object({ userId: Uuid });

/** POST /enroll/complete — spends the code, registers keys, device and the auth verifier; opens a session. */
export const EnrollCompleteRequest = z.object({
  username: Username,
  code: EnrollmentCode,
  authKey: Base64,
  bundle: KeyBundle,
  envelopes: z.array(EnvelopeWire).min(1).max(100),
  device: DeviceInfo,
});

/** POST /auth/login — proves the auth key from a (possibly new) device; opens a session bound to its key. */
export const LoginRequest = z.object({ username: Username, authKey: Base64, device: DeviceInfo });

export const SessionResponse = z.object({
  userId: Uuid,
  deviceId: Uuid,
  /** Opaque bearer token; useless without a DPoP proof from the device key. */
  token: z.string().min(32),
  bundle: KeyBundle,
  envelopes: z.array(EnvelopeWire),
  /** The server's policy signing key (Ed25519 SPKI, base64): the device pins it. */
  policyKey: Base64,
});
export type SessionResponse = z.infer<typeof SessionResponse>;

/** The DPoP proof's claims (RFC 9449, plus `bh`: a hash of the body). */
export const DpopClaims = z.object({
  jti: z.string().min(16).max(64),
  htm: z.string(),
  htu: z.string(),
  iat: z.number().int(),
  /** base64url SHA-256 of the access token (absent on enrollment/login, which have none yet). */
  ath: z.string().optional(),
  /** base64url SHA-256 of the request body ("" for none). */
  bh: z.string(),
});
export type DpopClaims = z.infer<typeof DpopClaims>;
