import Dexie, { type EntityTable } from 'dexie';

/**
 * The one owner of the IndexedDB schema. Everything stored here is either
 * ciphertext or non-secret routing data (random ids, counters, sizes); a
 * copied browser profile reveals no record text and no usable key.
 */
export interface AccountRow {
  /** SHA-256 of the normalized username: lookups work, the name is not stored in clear. */
  key: string;
  v: 1;
  userId: string;
  kdf: { alg: 'PBKDF2-SHA256'; iterations: number; salt: string };
  /** HKDF(master, "verify"): tells a wrong password from damaged key material. */
  verifier: Uint8Array;
  /** IV ‖ AES-GCM(KEK, pkcs8) of the ECDH and ECDSA private keys. */
  wrappedEcdh: Uint8Array;
  wrappedEcdsa: Uint8Array;
  ecdhSpki: Uint8Array;
  ecdsaSpki: Uint8Array;
  personalGroup: string;
  /** Failed unlocks since the last success, written before each attempt. */
  failedAttempts: number;
  /** The same private keys wrapped under each unlock code this device was handed (DESIGN §8); the codes are not kept. */
  codeSlots?: CodeSlot[];
  /** A password change or code use the server has not heard of yet (workers/vault/account-sync.ts). */
  pendingCredentials?: PendingCredentials;
}

export interface CodeSlot {
  /** The server's id of the code. */
  id: string;
  /** HKDF salt of the code's KEK. */
  salt: Uint8Array;
  /** IV ‖ AES-GCM(code KEK, pkcs8), like wrappedEcdh / wrappedEcdsa. */
  wrappedEcdh: Uint8Array;
  wrappedEcdsa: Uint8Array;
}

export interface PendingCredentials {
  /** The new auth key, sealed under the account's current KEK (it would log in online). */
  sealedAuthKey: Uint8Array;
  /** What proves the change to the server (CredentialsProof JSON: the auth key it knows, or the code used), sealed the same way. */
  sealedProof: Uint8Array;
}

export interface GroupRow {
  id: string;
  /** Current epoch: new writes use its keys. */
  epoch: number;
  owner: string;
  /** Highest server sequence of this group applied to local pages (the base of new changes). */
  appliedSeq?: number;
  /** As the server last listed them (account-sync.ts): names for "acting for …" and the owner's surrogate list. */
  ownerName?: string;
  members?: { userId: string; username: string; role: 'owner' | 'member' }[];
  /** Force full sync (full-sync.ts): pages are rebuilt once everything has been pulled again. */
  rebuild?: 'pulling' | 'pulled';
}

export interface EnvelopeRow {
  group: string;
  epoch: number;
  kid: string;
  envelope: unknown;
  /** For envelopes another user signed: that user, and their ECDSA key as the server's key directory gave it. */
  signer?: { userId: string; ecdsaSpki: Uint8Array };
}

/** A sealed log page or directory page of one collection (workers/vault/storage/page-store.ts). */
export interface PageRow {
  partition: string;
  collection: string;
  /** Log position (pages) or directory page index (directory). */
  page: number;
  /** header ‖ IV ‖ ciphertext (workers/vault/storage/sealed-item.ts). */
  data: Uint8Array;
}

export interface ManifestRow {
  partition: string;
  collection: string;
  data: Uint8Array;
}

export interface ChunkRow {
  blob: string;
  index: number;
  /** IV ‖ AES-GCM ciphertext, as a Blob so large attachments stay out of the JS heap. */
  data: Blob;
}

export interface BlobRow {
  id: string;
  partition: string;
  chunks: number;
  /** Epoch whose blob key sealed the chunks. */
  epoch: number;
  /** Ciphertext bytes, for storage stats. */
  bytes: number;
}

/**
 * One local write waiting to be pushed, written in the same transaction as
 * its pages (DESIGN §6): each changed record's full state sealed under the
 * group epoch's record key (one AES-GCM message per record, so the server
 * can route and compact per record). The rest is plaintext routing
 * metadata.
 */
export interface OutboxRow {
  seq?: number;
  group: string;
  epoch: number;
  /** The group's server sequence the write was made on. */
  baseSeq: number;
  /** Number of changes (indexed with the group, so counting needs no values). */
  n: number;
  /** Per change: its client id (pushing it twice stores it once) and record id. */
  changeIds: string[];
  recordIds: string[];
  /** The changes' ciphertexts back to back; change i ends at ends[i]. One buffer, so storing a write of 1,000 records clones one value, not 1,000. */
  ends: number[];
  data: Uint8Array;
  /**
   * The local user who made the write: on a shared device only that user's
   * session pushes it (another member's would be accepted under the wrong name).
   */
  by?: string;
}

/**
 * Remote changes of one group from one pulled page, stored by the service
 * worker and applied by the vault when a member is unlocked. Keyed by the
 * server sequence of its first change.
 */
export interface InboxRow {
  seq: number;
  group: string;
  n: number;
  changes: InboxChange[];
  /**
   * Random id of the pull that stored the row. A full sync pulls the same
   * changes again under the same keys: an apply that read the older row
   * must not retire the newer one (workers/common/inbox-rows.ts).
   */
  pull?: string;
}

export interface InboxChange {
  seq: number;
  changeId: string;
  recordId: string;
  epoch: number;
  deviceId: string;
  data: Uint8Array;
}

/** An attachment whose encrypted chunks still have to be uploaded. */
export interface BlobUploadRow {
  id: string;
  group: string;
  epoch: number;
  chunks: number;
}

/**
 * A server session of one local user on this device (DESIGN §7). The token
 * is useless without the device key, which is a non-extractable CryptoKey.
 */
export interface ServerSessionRow {
  userId: string;
  deviceId: string;
  token: string;
  /** Groups this user may sync; the service worker pushes their outbox entries with this session. */
  groups: string[];
  /** Pull cursors (global server sequence) for changes and blobs. */
  cursor: number;
  blobCursor: number;
  /** The server's policy signing key (Ed25519 SPKI, base64), pinned at enrollment or login. */
  policyKey?: string;
  /** The newest signed policy for this user on this device (common/policy-store.ts). */
  policy?: { statement: string; sig: string };
}

/** Non-secret sync status shown in the UI, and the device key (CryptoKey, non-extractable). */
export interface SyncStateRow {
  key: 'status' | 'deviceKey';
  lastContact?: number;
  lastSync?: number;
  lastError?: string | null;
  privateKey?: CryptoKey;
  publicJwk?: JsonWebKey;
}

/** Device-level settings that are not secret (e.g. the HLC node id). */
export interface MetaRow {
  key: string;
  value: string;
}

export const DB_NAME = 'fieldvault';

export type VaultDb = Dexie & {
  accounts: EntityTable<AccountRow, 'key'>;
  groups: EntityTable<GroupRow, 'id'>;
  envelopes: Dexie.Table<EnvelopeRow, [string, number, string]>;
  pages: Dexie.Table<PageRow, [string, string, number]>;
  directory: Dexie.Table<PageRow, [string, string, number]>;
  manifests: Dexie.Table<ManifestRow, [string, string]>;
  chunks: Dexie.Table<ChunkRow, [string, number]>;
  blobs: EntityTable<BlobRow, 'id'>;
  meta: EntityTable<MetaRow, 'key'>;
  outbox: EntityTable<OutboxRow, 'seq'>;
  inbox: EntityTable<InboxRow, 'seq'>;
  blobUploads: EntityTable<BlobUploadRow, 'id'>;
  serverSessions: EntityTable<ServerSessionRow, 'userId'>;
  syncState: EntityTable<SyncStateRow, 'key'>;
};

/**
 * Opens the vault database. Transactions are `strict` so a committed write
 * has reached disk before we report success (Chromium defaults to relaxed).
 */
export function openVaultDb(name = DB_NAME): VaultDb {
  const db = new Dexie(name, { chromeTransactionDurability: 'strict' }) as VaultDb;
  db.version(1).stores({
    accounts: '&key, userId',
    groups: '&id',
    envelopes: '[group+epoch+kid], kid',
    pages: '[partition+collection+page]',
    manifests: '[partition+collection]',
    chunks: '[blob+index]',
    blobs: '&id, partition',
    meta: '&key',
  });
  // v2: sync (outbox/inbox written with pages; sessions and status for the service worker).
  db.version(2).stores({
    outbox: '++seq, group',
    inbox: '&seq, group',
    blobUploads: '&id',
    serverSessions: '&userId',
    syncState: '&key',
  });
  // v3: the log-structured page store (directory pages); outbox and inbox hold a write / a pulled page per row.
  db.version(3)
    .stores({
      directory: '[partition+collection+page]',
      outbox: '++seq, group, [group+n]',
      inbox: '&seq, group, [group+n]',
    })
    .upgrade(async (tx) => {
      // Rows of v2 were one change each; each becomes a row of one.
      await tx.table('outbox').toCollection().modify((r: Record<string, unknown>) => {
        const { changeId, recordId, data } = r as { changeId: string; recordId: string; data: Uint8Array };
        for (const k of ['changeId', 'recordId']) delete r[k];
        Object.assign(r, { n: 1, changeIds: [changeId], recordIds: [recordId], ends: [data.length] });
      });
      await tx.table('inbox').toCollection().modify((r: Record<string, unknown>) => {
        const { seq, changeId, recordId, epoch, deviceId, data } = r as unknown as InboxChange;
        for (const k of ['changeId', 'recordId', 'epoch', 'deviceId', 'data']) delete r[k];
        Object.assign(r, { n: 1, changes: [{ seq, changeId, recordId, epoch, deviceId, data }] });
      });
    });
  return db;
}
