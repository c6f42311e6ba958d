/**
 * Typed failures with stable codes. Every error the vault raises is a
 * VaultError: callers switch on `code`, people read `message` (a plain
 * sentence with no secret in it), and `detail` names what failed
 * (e.g. which page is damaged) without revealing content.
 */
export const ERROR_MESSAGES = {
  WrongPassword: 'The username or password is not right.',
  Tampered: 'Some stored data failed its integrity check and was not used.',
  Locked: 'The vault is locked. Log in to continue.',
  PolicyDenied: 'This action is not allowed by your organisation’s policy.',
  QuotaExceeded: 'The device is out of storage space. Nothing was saved; free some space and try again.',
  UnsupportedVersion: 'This data was written by a newer or unknown version of the app.',
  KdfTooWeak: 'The stored key settings are weaker than this app allows, so they were refused.',
  AccountExists: 'An account with this username already exists on this device.',
  NoAccount: 'The username or password is not right.',
  WrongCode: 'The username or unlock code is not right, or the code was used already. Check it with support.',
  NotFound: 'That record no longer exists.',
  UnknownUser: 'There is no user with that name, or they have not set up a device yet.',
  KeyChanged: 'That person’s key changed since you checked it. Compare the fingerprints with them again before going on.',
  Validation: 'Some fields need attention.',
  InvalidArgument: 'The request was not valid.',
  Conflict: 'Another tab changed this data at the same moment. Please try again.',
  StorageUnavailable: 'This browser does not allow the app to store data (private mode or blocked storage).',
  Offline: 'The server could not be reached. Everything is kept on this device and will sync when the connection is back.',
  EnrollmentInvalid: 'That enrollment code is not valid, was already used or has expired. Ask your administrator for a new one.',
  SessionExpired: 'This device has to sign in to the server again.',
  RateLimited: 'Too many attempts. Wait a minute, then try again.',
  ServerError: 'The server could not complete the request. Nothing was lost; try again later.',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

/** Per-field validation messages, keyed by field name. */
export type FieldErrors = Record<string, string>;

export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly code: ErrorCode,
    /** What failed, for logs and support (never secret content), e.g. "page contact/12". */
    readonly detail?: string,
    /** Per-field messages for `Validation`. */
    readonly fields?: FieldErrors,
  ) {
    super(detail ? `${ERROR_MESSAGES[code]} (${detail})` : ERROR_MESSAGES[code]);
  }

  /** The sentence to show a person. */
  get userMessage(): string {
    return ERROR_MESSAGES[this.code];
  }
}

export function isVaultError(e: unknown, code?: ErrorCode): e is VaultError {
  return e instanceof VaultError && (code === undefined || e.code === code);
}

/** Plain-object form used to carry a VaultError across postMessage. */
export interface SerializedVaultError {
  code: ErrorCode;
  detail?: string;
  fields?: FieldErrors;
}

export function serializeVaultError(e: VaultError): SerializedVaultError {
  return { code: e.code, detail: e.detail, fields: e.fields };
}

export function deserializeVaultError(s: SerializedVaultError): VaultError {
  const code: ErrorCode = s.code in ERROR_MESSAGES ? s.code : 'InvalidArgument';
  return new VaultError(code, s.detail, s.fields);
}

/** Maps IndexedDB/DOM quota failures (which arrive under several names) to QuotaExceeded. */
export function isQuotaError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const { name, inner, failures } = e as { name?: string; inner?: unknown; failures?: unknown };
  // Dexie reports a full disk as the error itself, as the cause of an abort, or among a bulk write's failures.
  return name === 'QuotaExceededError' || (inner !== undefined && isQuotaError(inner)) || (Array.isArray(failures) && failures.some(isQuotaError));
}
