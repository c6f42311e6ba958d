/**
 * What the bench page and its workers say to each other. Both subjects (the
 * vault and plain Dexie) implement `Subject`, so the runner drives them
 * through identical calls. Every timing is taken inside the worker around
 * the store's own API, so the main-thread hop (the same for both) is out of
 * every figure.
 */
export interface Timed {
  ms: number;
}

export interface Counted extends Timed {
  /** Matching records and the id listed first: the runner checks both sides found the same. */
  total: number;
  first: string | null;
}

export interface SubjectInit {
  dbName: string;
  /** Vault only: VaultOptions.pageStore.pageBytes in KiB (absent = the Vault's default). */
  pageKib?: number;
}

export interface Subject {
  /**
   * Opens an empty or existing store; untimed. Vault: creates the account
   * or unlocks; the account is one enrolled with a server on this device
   * (offline during the bench), so every write also seals its outbox row,
   * as on a synced device.
   */
  open(): Promise<void>;
  /** Records [0, n) in calls of `batch` (vault putRecords, Dexie bulkAdd). */
  bulkInsert(n: number, batch: number): Promise<Timed>;
  /** `count` sequential gets of ids sampled from [0, n) with `seed`. */
  getById(n: number, count: number, seed: number): Promise<Timed & { found: number }>;
  /** Equality filter on `organisation` (FILTER_ORGANISATION) over every record, sorted by name, first 50. */
  scanFilter(): Promise<Counted>;
  /** Full-text search for SEARCH_WORD over every text field, sorted by name, first 50. */
  search(): Promise<Counted>;
  /** Records [from, from+count), one put per transaction, durability strict. */
  singlePutStrict(from: number, count: number): Promise<Timed>;
  /**
   * Updates `count` distinct existing records sampled from [0, n) with `seed`
   * (two fields each, `contactUpdate(i, round)`), in calls of `batch`:
   * vault putRecords with ids, Dexie bulkUpdate. `probe` is the first
   * sampled record's phone read back after the clock stopped (the runner
   * checks both sides agree).
   */
  bulkUpdate(n: number, count: number, batch: number, seed: number, round: number): Promise<Timed & { updated: number; probe: string | null }>;
  /** Waits for background upkeep (vault: Vault.settle(), compaction; Dexie: nothing). */
  settle(): Promise<Timed>;
}

/** The plain-Dexie side of the first-sync bench (run-bench-sync.mjs). */
export interface DexieSyncSubject {
  /** Records [0, n) into an empty table with bulkPut in calls of `batch`. */
  bulkPut(n: number, batch: number): Promise<Timed>;
}

/** A device of the first-sync bench: a Vault plus the service worker's runSync on the same database. */
export interface SyncDevice {
  /** Enrolls with the code, writes records [0, n) in calls of `batch`, pushes them all (untimed). */
  seed(username: string, code: string, password: string, n: number, batch: number): Promise<{ pushed: number; write_ms: number; push_ms: number }>;
  /**
   * The timed first sync of a fresh device: loginOnline, then runSync and
   * applyInbox until `query({type: 'contact'}).total === n` (or `timeoutMs`).
   */
  firstSync(username: string, password: string, n: number, timeoutMs: number): Promise<FirstSyncTiming>;
}

export interface FirstSyncTiming extends Timed {
  login_ms: number;
  pull_ms: number;
  apply_ms: number;
  pulled: number;
  total: number;
  rounds: number;
}

export interface UnlockTiming {
  /** Vault.unlock in a fresh worker, KDF included. */
  unlock_ms: number;
  /** The same PBKDF2 derivation alone (mean of two runs right after). */
  kdf_ms: number;
}

export interface ThroughputTiming {
  write_ms: number;
  read_ms: number;
}

export interface VaultSubject extends Subject {
  /** What the service worker does once the server has accepted every pending change: the outbox empties. */
  sent(): Promise<void>;
  /** Locks, then times a full unlock and the KDF alone. */
  unlockTimed(): Promise<UnlockTiming>;
  /** putAttachment then readAttachment (stream drained) of a `mib` MiB file. */
  attachment(mib: number): Promise<ThroughputTiming>;
  /** Bare WebCrypto AES-256-GCM over `mib` MiB in the vault's chunk size: a ceiling for `attachment`. */
  webcrypto(mib: number): Promise<ThroughputTiming & { one_shot_ms: number }>;
  /** Bare IndexedDB Blob chunks (no crypto) of `mib` MiB: the other ceiling for `attachment`. */
  idbBlobs(mib: number): Promise<ThroughputTiming>;
}

export type SubjectKind = 'vault' | 'dexie' | 'sync';

/** What the bench page exposes on `window.bench` for the runner (Playwright). */
export interface BenchPage {
  spawn(kind: SubjectKind, init: SubjectInit): Promise<number>;
  call(handle: number, method: string, args: unknown[]): Promise<unknown>;
  terminate(handle: number): void;
}
