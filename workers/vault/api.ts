/**
 * The cross-thread contract of the vault worker: the only thing the UI knows
 * about it. Everything here is plain data; keys never cross this boundary.
 * Methods throw VaultError (see src/lib/errors.ts), carried over comlink by
 * src/lib/comlink-errors.ts.
 */
import type { AttachmentMeta } from '../../src/domain/attachment';
import type { WipeNotice } from '../common/wipe';
import type { RecordView } from '../../src/domain/record';
import type { RecordValues } from '../../src/domain/validate';

export type { AttachmentMeta, RecordView, RecordValues };

export interface SessionInfo {
  username: string;
  userId: string;
  /** Partitions this user can open; the first is the personal group ("My records"), others read "Acting for <owner>". */
  groups: { id: string; name: string }[];
  /** The partition records are read from and written to now (switchGroup). */
  active: string;
  /** Usernames by user id, of everyone in this user's groups (to say who changed a record). */
  people: Record<string, string>;
  /** Short fingerprint of the account encryption key, for people to compare. */
  fingerprint: string;
}

/** What the policy engine says of the open session (issue 5); `reason` as in src/domain/policy-engine.ts. */
export interface PolicyVerdict {
  allow: boolean;
  reason?: string;
}

/** Someone in the key directory, with the fingerprint people compare before trusting the key. */
export interface DirectoryUser {
  userId: string;
  username: string;
  fingerprint: string;
}

export interface Filter {
  field: string;
  op: 'eq' | 'contains' | 'gte' | 'lte';
  value: string;
}

export interface Query {
  type: string;
  /** Free text; every word must occur in some text field (case-insensitive substring). */
  search?: string;
  filters?: Filter[];
  sort?: { field: string; dir: 'asc' | 'desc' };
  offset?: number;
  limit?: number;
}

export interface QueryResult {
  items: RecordView[];
  /** Matches before offset/limit. */
  total: number;
  /** Pages that failed their integrity check and were skipped (empty when all is well). */
  damaged: string[];
}

export interface StorageStats {
  /** Bytes used / available for this origin (navigator.storage.estimate). */
  usage: number | null;
  quota: number | null;
  /** Live records per entity type in the active partition. */
  records: Record<string, number>;
  pages: number;
  attachments: number;
}

/** Sent to every tab when a partition changes (BroadcastChannel + local). */
export interface ChangeEvent {
  partition: string;
  collection: string;
  ids: string[];
}

/** What the UI shows about sync; counts and times only. */
export interface SyncStatus {
  /** The unlocked user has a server session on this device. */
  enrolled: boolean;
  /** Local changes not yet accepted by the server. */
  pending: number;
  /** Remote changes pulled but not yet applied (members locked). */
  incoming: number;
  lastSync: number | null;
  lastContact: number | null;
  /** Stable error code of the last failed sync (see src/lib/errors.ts), or null. */
  lastError: string | null;
  /** Changes from the server that failed their integrity check since unlock (not applied). */
  rejected: number;
  /** Group key envelopes from the server that failed verification since unlock (not used). */
  rejectedEnvelopes: number;
  /** Unlock codes this device can open the account with, should the password be forgotten. */
  unlockCodes: number;
  /** A new password (or a used unlock code) the server has not been told of yet. */
  credentialsPending: boolean;
}

export interface VaultApi {
  /** True when some local account exists on this device. */
  hasAccounts(): Promise<boolean>;
  /** When and why this device was last wiped (what the setup screen says), or null. */
  wipeNotice(): Promise<WipeNotice | null>;
  /** The unlocked session, or null when locked. */
  session(): Promise<SessionInfo | null>;
  /** Creates a local account and unlocks it. Throws AccountExists, InvalidArgument. */
  createAccount(username: string, password: string): Promise<SessionInfo>;
  /** Offline login. Throws PolicyDenied (the reason in `detail`), WrongPassword (counted before the attempt), Tampered, KdfTooWeak. */
  unlock(username: string, password: string): Promise<SessionInfo>;
  /**
   * Enrolls with a one-time code from the admin: creates the account's keys
   * here and registers them with the server. Throws EnrollmentInvalid,
   * AccountExists, Offline.
   */
  enroll(username: string, code: string, password: string): Promise<SessionInfo>;
  /**
   * First login on a device that does not hold the account: downloads the
   * wrapped keys and unlocks them here. Throws WrongPassword, Offline, KdfTooWeak.
   */
  loginOnline(username: string, password: string): Promise<SessionInfo>;
  /** Drops every key and decrypted cache. */
  lock(): Promise<void>;
  /**
   * Checks the open session against the user's policy (idle timeout since
   * `lastActivity`, business hours, admin lock, …); if it may not stay
   * open, locks it and says why. The UI calls it on a timer.
   */
  policyCheck(lastActivity: number): Promise<PolicyVerdict>;
  /** Whether an administrator's lock is in force on this device (the lock screen asks after each command check). */
  adminLocked(): Promise<boolean>;
  /**
   * A forgotten password: an unlock code read out by support opens the
   * account (from this device's code slots, offline; or from the server on a
   * device that does not hold the account) and sets `newPassword`. Throws
   * WrongCode (counted like a wrong password), InvalidArgument, Offline.
   */
  resetPassword(username: string, code: string, newPassword: string): Promise<SessionInfo>;
  /** Re-wraps the account keys under a new password; the server follows at the next sync. Throws WrongPassword. */
  changePassword(oldPassword: string, newPassword: string): Promise<void>;
  /**
   * Brings the account's server side up to date: new credentials after a
   * password change or a used code, fresh unlock codes. Runs by itself at
   * unlock and after every background sync; exposed for "sync now".
   */
  syncAccount(): Promise<void>;

  /** Acts in another partition ("acting for …"); InvalidArgument if the user cannot open it. */
  switchGroup(id: string): Promise<SessionInfo>;
  /** Members of the user's personal group other than the user: their surrogates. */
  surrogates(): Promise<{ userId: string; username: string }[]>;
  /** Looks a user up in the server's key directory. Throws NotFound, Offline. */
  lookupUser(username: string): Promise<DirectoryUser>;
  /**
   * Lets `username` act for this user: wraps the personal group's key of
   * every epoch to them. `fingerprint` is the one the user was shown and
   * accepted; if the directory now says otherwise, nothing is sent
   * (Tampered). Throws InvalidArgument for oneself, NotFound, Offline.
   */
  addSurrogate(username: string, fingerprint: string): Promise<void>;
  /**
   * Removes a surrogate and starts a new epoch of the personal group: a new
   * key for those who remain; new records use it, so the removed surrogate
   * cannot read anything written afterwards.
   */
  removeSurrogate(userId: string): Promise<void>;

  /** Creates (no id) or updates a record. Throws Validation with per-field messages, NotFound, QuotaExceeded. */
  putRecord(type: string, values: Record<string, unknown>, id?: string): Promise<RecordView>;
  /**
   * Creates or replaces many records in one transaction (import, bulk edit):
   * all are validated first, then all commit or none do. Returns their ids.
   */
  putRecords(type: string, items: { id?: string; values: Record<string, unknown> }[]): Promise<string[]>;
  /** Throws NotFound, Tampered. */
  getRecord(type: string, id: string): Promise<RecordView>;
  deleteRecord(type: string, id: string): Promise<void>;
  query(q: Query): Promise<QueryResult>;

  /** Encrypts and stores a file as chunks; the returned metadata goes into a record field. */
  putAttachment(file: Blob, name: string): Promise<AttachmentMeta>;
  /** Decrypted bytes as a stream (transferred). Throws Tampered naming the chunk. */
  readAttachment(meta: AttachmentMeta): Promise<ReadableStream<Uint8Array>>;
  deleteAttachment(id: string): Promise<void>;

  storageStats(): Promise<StorageStats>;
  syncStatus(): Promise<SyncStatus>;
  /** Registers a listener for changes made by this or any other tab. */
  subscribe(listener: (e: ChangeEvent) => void): Promise<void>;
}
