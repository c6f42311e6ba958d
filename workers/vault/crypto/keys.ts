/**
 * Key roles are branded so a page key cannot be passed where a KEK is
 * expected. Brands exist only in types; at run time these are CryptoKeys.
 */
declare const role: unique symbol;
export type Key<R extends string> = CryptoKey & { readonly [role]: R };

/** HKDF base derived from the password (never leaves the vault worker). */
export type MasterSecret = Key<'master'>;
/** AES-256-GCM key-encryption key derived from the master secret. */
export type Kek = Key<'kek'>;
/** HKDF base for one group epoch (the GDK of DESIGN §2). */
export type GroupSecret = Key<'group'>;
/** AES-256-GCM key for local pages and manifests of one group epoch. */
export type PageKey = Key<'page'>;
/** AES-256-GCM key for attachment chunks of one group epoch. */
export type BlobKey = Key<'blob'>;
/** AES-256-GCM key for records sent to the server, of one group epoch. */
export type RecordKey = Key<'record'>;

/** Keys that may seal and open AEAD boxes. */
export type AeadKey = Kek | PageKey | BlobKey | RecordKey;

/** Attaches a role brand; only the modules that create keys call this. */
export const brand = <R extends string>(k: CryptoKey): Key<R> => k as Key<R>;
