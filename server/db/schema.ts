/**
 * Row types of the server database, as Kysely sees them. One schema for
 * SQLite and PostgreSQL, so only portable column types are used: text,
 * bigint (times are epoch milliseconds, sequences are counters), binary
 * (blob/bytea) and JSON kept as text. Ids are UUID strings.
 */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string | null;
  role: 'user' | 'support' | 'admin';
  created_at: number;
  /** scrypt hash of the device-derived auth key (format in services/hashing.ts); null until enrolled. */
  auth_hash: string | null;
  /** The KeyBundle JSON the devices stored here at enrollment (opaque wrapped keys + KDF params). */
  bundle: string | null;
  /** SHA-256 hex of the account's ECDH SPKI: the `kid` of envelopes addressed to this user. */
  ecdh_kid: string | null;
  enrolled_at: number | null;
  /** scrypt hash of a console password (admins and support); null for field users. */
  password_hash: string | null;
  /** Signing time of the last accepted credentials update: older ones are replays. */
  credentials_at?: number | null;
  /** Console TOTP secret, sealed under the server secret (services/secrets.ts seal); null = no second factor. */
  totp_sealed?: string | null;
  /** The TOTP step of the last code accepted: a code works once. */
  totp_last_step?: number | null;
  /** This user's own policy (Policy JSON); null = none. */
  policy?: string | null;
}

export interface EnrollmentCodesTable {
  /** SHA-256 hex of the normalized code; the code itself is never stored. */
  code_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface GroupsTable {
  id: string;
  owner_user_id: string;
  /** 'personal' (a user's main account) or 'shared'. */
  kind: string;
  created_at: number;
  /** Current key epoch; a removed member starts the next one. */
  epoch?: number;
}

export interface MembershipsTable {
  group_id: string;
  user_id: string;
  role: 'owner' | 'member';
  created_at: number;
}

export interface EnvelopesTable {
  group_id: string;
  epoch: number;
  /** Recipient key fingerprint (SHA-256 hex of its SPKI). */
  kid: string;
  /** The envelope JSON, opaque here. */
  envelope: string;
  created_by: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  /** RFC 7638 thumbprint of the device public key: one row per device key. */
  jkt: string;
  /** The public JWK {kty,crv,x,y} as JSON. */
  public_jwk: string;
  model: string;
  os: string;
  browser: string;
  app_version: string;
  last_user_id: string | null;
  created_at: number;
  /** Last time the device reached the server with a valid proof. */
  last_seen_at: number;
  last_sync_at: number | null;
  /** Device group (policies, bulk commands); null = none. */
  group_id?: string | null;
  /** Web Push subscription of the device's service worker (all three or none). */
  push_endpoint?: string | null;
  push_p256dh?: string | null;
  push_auth?: string | null;
}

export interface SessionsTable {
  /** SHA-256 hex of the bearer token. */
  token_hash: string;
  user_id: string;
  device_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface DpopJtisTable {
  /** `<jkt>.<jti>`: a proof id is unique per device key. */
  key: string;
  expires_at: number;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface ChangesTable {
  /** Global sequence, assigned in commit order (see repositories/changes.ts). */
  seq: number;
  change_id: string;
  group_id: string;
  record_id: string;
  epoch: number;
  base_seq: number;
  user_id: string;
  device_id: string;
  /** The ciphertext; null once superseded (compacted): the row stays so a retried push is still recognized. */
  data: Buffer | null;
  size: number;
  created_at: number;
  superseded_by: number | null;
}

export interface BlobsTable {
  id: string;
  group_id: string;
  epoch: number;
  chunks: number;
  user_id: string;
  device_id: string;
  created_at: number;
  /** Sequence assigned when the last chunk arrives; null while incomplete. */
  complete_seq: number | null;
}

export interface BlobChunksTable {
  blob_id: string;
  idx: number;
  data: Buffer;
  size: number;
  created_at: number;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor_user_id: string | null;
  /** Who acted, as people read it: a username, 'cli' or 'setup'. */
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  /** Extra JSON detail; never a secret. */
  detail: string | null;
}

export interface SyncLogTable {
  id: string;
  at: number;
  device_id: string;
  user_id: string;
  kind: 'push' | 'pull';
  changes: number;
  bytes: number;
  /** Error code and sentence of a refused push or pull; null when it went through. */
  error?: string | null;
}

export interface SetupTokensTable {
  /** SHA-256 hex of the one-time token. */
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AdminSessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface UnlockCodesTable {
  id: string;
  user_id: string;
  /** SHA-256 hex of the normalized code: how an online use finds it. */
  code_hash: string;
  /** The code encrypted under the server's code key (services/unlock-codes.ts), so support can reveal it. */
  code_enc: string;
  /** The account keys wrapped under this code by a device (CodeWrap JSON, opaque); null until one uploads it. */
  wrap: string | null;
  created_at: number;
  revealed_at: number | null;
  spent_at: number | null;
}

/** Which device was handed which code: each device gets each code once. */
export interface UnlockCodeHandoffsTable {
  code_id: string;
  device_id: string;
  at: number;
}

export interface DeviceGroupsTable {
  id: string;
  name: string;
  /** Policy JSON; null = none. */
  policy: string | null;
  created_at: number;
}

export interface CommandsTable {
  id: string;
  device_id: string;
  kind: 'lock' | 'unlock' | 'wipe' | 'full-sync';
  created_at: number;
  /** Username of the admin who sent it. */
  created_by: string;
  /** After this the device ignores it (and the server stops handing it out). */
  expires_at: number;
  acked_at: number | null;
  /** What the device reported ('done', or a plain error). */
  result: string | null;
}

export interface Database {
  users: UsersTable;
  enrollment_codes: EnrollmentCodesTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
  envelopes: EnvelopesTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  dpop_jtis: DpopJtisTable;
  counters: CountersTable;
  changes: ChangesTable;
  blobs: BlobsTable;
  blob_chunks: BlobChunksTable;
  audit_log: AuditLogTable;
  sync_log: SyncLogTable;
  setup_tokens: SetupTokensTable;
  admin_sessions: AdminSessionsTable;
  unlock_codes: UnlockCodesTable;
  unlock_code_handoffs: UnlockCodeHandoffsTable;
  device_groups: DeviceGroupsTable;
  commands: CommandsTable;
}
