import { z } from 'zod';
import { VaultError } from '../../../src/lib/errors';
import { fromBase64, toBase64, utf8, concatBytes } from '../../../src/lib/bytes';
import { aesKwUnwrap, aesKwWrap } from './aes-kw';
import { importHkdfBase } from './hkdf';
import { brand, type GroupSecret } from './keys';
import { keyId } from './fingerprint';

/**
 * PGP-style envelope (DESIGN §3): a group data key wrapped for one
 * recipient's ECDH P-256 key with an ephemeral key pair, HKDF over the shared
 * secret (group, epoch and both public keys in `info`), AES-KW, and an ECDSA
 * signature by the wrapping user over every other field.
 */
export const ENVELOPE_VERSION = 1 as const;
export const Envelope = z.object({
  v: z.literal(ENVELOPE_VERSION),
  alg: z.literal('ECDH-ES+A256KW'),
  /** Recipient key id (SHA-256 of its SPKI). */
  kid: z.string().regex(/^[0-9a-f]{64}$/),
  /** Ephemeral public key, raw uncompressed P-256 point, base64. */
  epk: z.string(),
  /** AES-KW output (40 bytes for a 256-bit key), base64. */
  wrapped: z.string(),
  group: z.string().min(1),
  epoch: z.number().int().nonnegative(),
  /** Key id of the signer's ECDSA key. */
  by: z.string().regex(/^[0-9a-f]{64}$/),
  sig: z.string(),
});
export type Envelope = z.infer<typeof Envelope>;

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const ECDSA_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface Recipient {
  publicKey: CryptoKey;
  spki: Uint8Array<ArrayBuffer>;
}
export interface Signer {
  privateKey: CryptoKey;
  kid: string;
}
export interface Opener {
  privateKey: CryptoKey;
  spki: Uint8Array<ArrayBuffer>;
}

async function kwKey(shared: ArrayBuffer, group: string, epoch: number, epkRaw: Uint8Array, recipientSpki: Uint8Array): Promise<CryptoKey> {
  const base = await importHkdfBase(new Uint8Array(shared));
  const info = concatBytes(utf8(`fv1/envelope|${group}|${epoch}|`), epkRaw, recipientSpki);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info },
    base,
    { name: 'AES-KW', length: 256 },
    false,
    ['wrapKey', 'unwrapKey'],
  );
}

/** Canonical bytes covered by the signature: every field but `sig`, in a fixed order. */
function signedBytes(e: Omit<Envelope, 'sig'>): Uint8Array<ArrayBuffer> {
  return utf8(JSON.stringify([e.v, e.alg, e.kid, e.epk, e.wrapped, e.group, e.epoch, e.by]));
}

/**
 * Wraps `groupKey` (32 raw bytes, held only for this call) for `recipient`.
 */
export async function sealEnvelope(
  groupKey: Uint8Array<ArrayBuffer>,
  group: string,
  epoch: number,
  recipient: Recipient,
  signer: Signer,
): Promise<Envelope> {
  if (groupKey.length !== 32) throw new TypeError(`"groupKey" expected 32 bytes, got ${groupKey.length}`);
  const eph = await crypto.subtle.generateKey(ECDH, false, ['deriveBits']);
  const epkRaw = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey));
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: recipient.publicKey }, eph.privateKey, 256);
  const kw = await kwKey(shared, group, epoch, epkRaw, recipient.spki);
  const body = {
    v: ENVELOPE_VERSION,
    alg: 'ECDH-ES+A256KW' as const,
    kid: await keyId(recipient.spki),
    epk: toBase64(epkRaw),
    wrapped: toBase64(await aesKwWrap(kw, groupKey)),
    group,
    epoch,
    by: signer.kid,
  };
  const sig = new Uint8Array(await crypto.subtle.sign(ECDSA_SIGN, signer.privateKey, signedBytes(body)));
  return { ...body, sig: toBase64(sig) };
}

/** Parses, checks the recipient and the signature, and derives the key-wrapping key. */
async function verified(raw: unknown, opener: Opener, signerPublic: CryptoKey): Promise<{ e: Envelope; what: string; kw: () => Promise<CryptoKey> }> {
  const parsed = Envelope.safeParse(raw);
  if (!parsed.success) {
    const v = (raw as { v?: unknown } | null)?.v;
    if (typeof v === 'number' && v !== ENVELOPE_VERSION) throw new VaultError('UnsupportedVersion', `envelope v${v}`);
    throw new VaultError('Tampered', 'envelope is malformed');
  }
  const e = parsed.data;
  const what = `envelope ${e.group}/${e.epoch}`;
  if (e.kid !== (await keyId(opener.spki))) throw new VaultError('InvalidArgument', `${what} is addressed to another key`);
  let ok = false;
  try {
    ok = await crypto.subtle.verify(ECDSA_SIGN, signerPublic, fromBase64(e.sig), signedBytes(e));
  } catch {
    ok = false;
  }
  if (!ok) throw new VaultError('Tampered', `${what} signature`);
  const kw = async () => {
    const epkRaw = fromBase64(e.epk);
    const epk = await crypto.subtle.importKey('raw', epkRaw, ECDH, false, []);
    const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: epk }, opener.privateKey, 256);
    return kwKey(shared, e.group, e.epoch, epkRaw, opener.spki);
  };
  return { e, what, kw };
}

/**
 * Verifies the signature with `signerPublic`, then unwraps the group key as
 * a non-extractable HKDF base. Throws Tampered if the envelope was altered
 * or signed by someone else, InvalidArgument if it is for another key.
 */
export async function openEnvelope(raw: unknown, opener: Opener, signerPublic: CryptoKey): Promise<GroupSecret> {
  const { e, what, kw } = await verified(raw, opener, signerPublic);
  try {
    return brand<'group'>(await aesKwUnwrap(await kw(), fromBase64(e.wrapped), 'HKDF', ['deriveKey', 'deriveBits']));
  } catch {
    throw new VaultError('Tampered', what);
  }
}

/**
 * The group key's raw bytes, for wrapping it to a new member (DESIGN §2:
 * they exist only for that one operation; the caller zeroes them).
 */
export async function openEnvelopeBytes(raw: unknown, opener: Opener, signerPublic: CryptoKey): Promise<Uint8Array<ArrayBuffer>> {
  const { e, what, kw } = await verified(raw, opener, signerPublic);
  try {
    const k = await aesKwUnwrap(await kw(), fromBase64(e.wrapped), { name: 'AES-GCM', length: 256 }, ['encrypt'], true);
    return new Uint8Array(await crypto.subtle.exportKey('raw', k));
  } catch {
    throw new VaultError('Tampered', what);
  }
}
