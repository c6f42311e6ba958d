import { z } from 'zod';

/**
 * Building blocks shared by every wire type. The protocol is versioned in
 * the URL (/api/v1); a breaking change gets /api/v2 and its own files.
 */
export const API_PREFIX = '/api/v1';

export const Uuid = z.string().uuid();
/** Standard base64 (binary fields in JSON bodies). */
export const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9._@-]+$/, 'usernames use letters, digits and . _ @ - only');

/**
 * Codes people read aloud or type (enrollment, unlock): Crockford base32,
 * so dashes and spaces are optional, case does not matter, and the
 * look-alikes I/L (→ 1) and O (→ 0) are accepted as Crockford specifies.
 */
export const normalizeCrockford = (s: string): string => s.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
export const crockfordCode = (chars: string, what: string) =>
  z.string().max(100).transform(normalizeCrockford).pipe(z.string().regex(new RegExp(`^[0-9A-HJKMNP-TV-Z]{${chars}}$`), `not ${what}`));

/** PBKDF2 parameters, as stored with the key bundle (DESIGN §2). */
export const KdfParamsWire = z.object({
  alg: z.literal('PBKDF2-SHA256'),
  iterations: z.number().int().min(1).max(100_000_000),
  salt: Base64.min(16),
});
export type KdfParamsWire = z.infer<typeof KdfParamsWire>;

/** P-256 public key as a JWK (what the device key is registered as). */
export const EcPublicJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type EcPublicJwk = z.infer<typeof EcPublicJwk>;

/** Error codes the server answers with; the UI maps them to sentences. */
export const ApiErrorCode = z.enum([
  'BadRequest',
  'Unauthorized',
  /** Console sign-in: this account also needs its 6-digit authenticator code (`totp`). */
  'TotpRequired',
  'Forbidden',
  'NotFound',
  'Conflict',
  'RateLimited',
  'EnrollmentInvalid',
  'ProofInvalid',
  'TooLarge',
  'ServerError',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/** Every non-2xx answer: a stable code and a plain sentence with no secret in it. */
export const ApiError = z.object({ error: ApiErrorCode, message: z.string() });
export type ApiError = z.infer<typeof ApiError>;

/** GET /health — for load balancers and start-up scripts; no auth, no state. */
export const HealthResponse = z.object({ ok: z.literal(true) });
