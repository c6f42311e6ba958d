import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../../src/lib/bytes';
import { CommandStatement, PolicyStatement } from '../../src/protocol/policy';
import { createDpopProof, sha256Base64url } from '../../src/protocol/dpop';
import { credentialsSignedText, groupUnlockCode, type CredentialsUpdate } from '../../src/protocol/unlock-codes';
import { openVaultDb, type AccountRow } from '../../workers/common/db';
import { verifyPolicy, verifySigned } from '../../workers/common/policy-store';
import { accountKey, keyAad, normalizeUsername, openPendingCredentials, pendingCredentials, unwrapAccount } from '../../workers/vault/keys/account';
import { BlobStore, CHUNK_BYTES } from '../../workers/vault/storage/blob-store';
import { open, seal } from '../../workers/vault/crypto/aead';
import { openEnvelope, openEnvelopeBytes, sealEnvelope } from '../../workers/vault/crypto/envelope';
import { displayFingerprint, keyId } from '../../workers/vault/crypto/fingerprint';
import { deriveGroupKeys } from '../../workers/vault/crypto/group-keys';
import { hkdfBytes, importHkdfBase } from '../../workers/vault/crypto/hkdf';
import { brand, type GroupSecret, type Kek } from '../../workers/vault/crypto/keys';
import { KDF_MIN_ITERATIONS, deriveAuthKey, deriveKek, deriveMasterSecret, deriveVerifier } from '../../workers/vault/crypto/password-kdf';
import { unwrapPrivateKey, wrapPrivateKey } from '../../workers/vault/crypto/private-key-wrap';
import { openRecord, sealRecord } from '../../workers/vault/sync/record-format';
import { decodeDirectory, encodeDirectory } from '../../workers/vault/storage/directory';
import { decodeManifest, encodeManifest } from '../../workers/vault/storage/manifest';
import { createMutex } from '../../workers/vault/storage/mutex';
import { PageStore } from '../../workers/vault/storage/page-store';
import { PageBuilder, decodeRecords, encodeRecords } from '../../workers/vault/storage/record-codec';
import { openJson, sealJson, type Slot } from '../../workers/vault/storage/sealed-item';
import type { StoredRecord } from '../../src/domain/record';
import { toBundle } from '../../workers/vault/sync/server-account';
import { deriveCodeKek, openSlot, parseCode, slotFor } from '../../workers/vault/keys/unlock-codes';
import { thumbprint } from '../../server/services/dpop';
import { PolicySigner } from '../../server/services/policy-signer';
import { hmac, seal as serverSeal, sha256Hex, unseal, verifySlowHash } from '../../server/services/secrets';
import { verifyAccountSignature } from '../../server/services/unlock-codes';

/**
 * docs/formats.md, held both ways against tests/vectors/*.json (written by
 * tests/vectors/generate.ts from the spec with bare WebCrypto): the
 * project's decoders open the stored bytes to the stated inputs, and what
 * the project's encoders write (with their own random IVs) is, byte for
 * byte, what the spec says for that IV.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
const vec = (name: string): any => JSON.parse(readFileSync(join(__dirname, '../vectors', name), 'utf8'));
const subtle = crypto.subtle;
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = async (b: Uint8Array<ArrayBuffer>) => new Uint8Array(await subtle.digest('SHA-256', b));

const aesKey = (hex: string, usages: KeyUsage[] = ['encrypt', 'decrypt']) => subtle.importKey('raw', fromHex(hex), 'AES-GCM', false, usages);
const gcmEncrypt = async (keyHex: string, iv: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, await aesKey(keyHex), plain));
const gcmDecrypt = async (keyHex: string, iv: Uint8Array<ArrayBuffer>, body: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, await aesKey(keyHex), body));

/** Encode direction for a stored vector: AES-GCM with the vector's key and IV gives exactly the vector's bytes. */
async function expectVectorBox(keyHex: string, prefix: Uint8Array, ivHex: string, plain: Uint8Array<ArrayBuffer>, aadText: string, sealedHex: string) {
  const iv = fromHex(ivHex);
  const ct = await gcmEncrypt(keyHex, iv, plain, utf8(aadText));
  expect(toHex(prefix) + ivHex + toHex(ct)).toBe(sealedHex);
}

/**
 * Encode direction for the project's own output: prefix ‖ IV ‖ AES-GCM(key, plain, aad) exactly,
 * for the IV the project chose (read from its output), under the spec's key.
 */
async function expectSpecLayout(keyHex: string, box: Uint8Array, prefix: Uint8Array, plain: Uint8Array<ArrayBuffer>, aadText: string) {
  expect(toHex(box.subarray(0, prefix.length))).toBe(toHex(prefix));
  const iv = new Uint8Array(box.subarray(prefix.length, prefix.length + 12));
  const ct = await gcmEncrypt(keyHex, iv, plain, utf8(aadText));
  expect(box.length).toBe(prefix.length + 12 + ct.length);
  expect(toHex(box.subarray(prefix.length + 12))).toBe(toHex(ct));
}

const importEc = (pkcs8Hex: string, alg: 'ECDH' | 'ECDSA', usages: KeyUsage[]) =>
  subtle.importKey('pkcs8', fromHex(pkcs8Hex), { name: alg, namedCurve: 'P-256' }, false, usages);
const importEcPublic = (spkiHex: string, alg: 'ECDH' | 'ECDSA') =>
  subtle.importKey('spki', fromHex(spkiHex), { name: alg, namedCurve: 'P-256' }, true, alg === 'ECDSA' ? ['verify'] : []);
const ecdsaVerify = async (spkiHex: string, sig: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>) =>
  subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, await importEcPublic(spkiHex, 'ECDSA'), sig, data);

const kdf = vec('kdf.json');
const account = vec('account.json');
const envelope = vec('envelope.json');
const groupKeys = vec('group-keys.json');
const records = vec('record.json');
const chunks = vec('chunk.json');
const unlock = vec('unlock-code.json');
const dpop = vec('dpop.json');
const statements = vec('signed-statements.json');
const server = vec('server-secrets.json');
const pageStore = vec('page-store.json');

function accountRow(): AccountRow {
  return {
    key: kdf.usernames[1].accountKey,
    v: 1,
    userId: account.userId,
    kdf: account.bundle.kdf,
    verifier: fromHex(account.verifierHex),
    wrappedEcdh: fromHex(account.ecdh.wrappedHex),
    wrappedEcdsa: fromHex(account.ecdsa.wrappedHex),
    ecdhSpki: fromHex(account.ecdh.spkiHex),
    ecdsaSpki: fromHex(account.ecdsa.spkiHex),
    personalGroup: account.personalGroup,
    failedAttempts: 0,
  };
}

let projectKek: Promise<Kek> | undefined;
/** The KEK as the project derives it from the vector password (one 600,000-iteration PBKDF2 for the whole file). */
const kekFromPassword = () =>
  (projectKek ??= deriveMasterSecret(kdf.password.typed, kdf.kdf).then((m) => deriveKek(m)));

describe('§2 password KDF and §3 usernames (kdf.json)', () => {
  it('PBKDF2 → master → HKDF gives the vector KEK, verifier and auth key', async () => {
    expect(kdf.kdf.iterations).toBeGreaterThanOrEqual(KDF_MIN_ITERATIONS);
    expect(toHex(fromBase64(kdf.kdf.salt))).toBe(kdf.saltHex);
    const master = await deriveMasterSecret(kdf.password.typed, kdf.kdf); // typed: not NFC; the project normalizes
    expect(toHex(await deriveVerifier(master))).toBe(kdf.verifierHex);
    expect(toHex(await deriveAuthKey(master))).toBe(kdf.authKeyHex);
    expect(toHex(await hkdfBytes(master, new Uint8Array(0), utf8('fv1/kek'), 32))).toBe(kdf.kekHex);
    // The master itself: an HKDF base over the raw PBKDF2 output.
    const raw = await importHkdfBase(fromHex(kdf.masterHex));
    expect(toHex(await hkdfBytes(raw, new Uint8Array(0), utf8('fv1/verify'), 32))).toBe(kdf.verifierHex);
    expect(utf8(kdf.password.typed.normalize('NFC'))).toEqual(fromHex(kdf.password.utf8Hex));
  });

  it('the project KEK opens what the vector KEK sealed (and the reverse)', async () => {
    const kek = await kekFromPassword();
    const box = await seal(kek, utf8('x'), utf8('aad'));
    expect(fromUtf8(await gcmDecrypt(kdf.kekHex, box.slice(0, 12), box.slice(12), utf8('aad')))).toBe('x');
  });

  it('refuses parameters under the floor', async () => {
    await expect(deriveMasterSecret('pw', { ...kdf.kdf, iterations: KDF_MIN_ITERATIONS - 1 })).rejects.toMatchObject({ code: 'KdfTooWeak' });
  });

  it('normalizes usernames (NFC, trim, lower case) and hashes them into the account key', async () => {
    for (const u of kdf.usernames) {
      expect(normalizeUsername(u.input)).toBe(u.normalized);
      expect(await accountKey(u.input)).toBe(u.accountKey);
    }
  });
});

describe('§4 account keys, pending credentials, key bundle (account.json)', () => {
  it('key ids and fingerprints are SHA-256 of the SPKI', async () => {
    for (const k of [account.ecdh, account.ecdsa]) {
      expect(await keyId(fromHex(k.spkiHex))).toBe(k.kid);
      expect(displayFingerprint(k.kid)).toBe(k.fingerprint);
    }
  });

  it('decodes: the project unwraps the stored private keys with the KEK derived from the password', async () => {
    expect(fromUtf8(keyAad(account.userId, 'ecdh'))).toBe(account.ecdh.aad.text);
    expect(fromUtf8(keyAad(account.userId, 'ecdsa'))).toBe(account.ecdsa.aad.text);
    const kek = await kekFromPassword();
    expect(toHex(await open(kek, fromHex(account.ecdh.wrappedHex), keyAad(account.userId, 'ecdh'), 'ecdh'))).toBe(account.ecdh.pkcs8Hex);
    const unlocked = await unwrapAccount(accountRow(), kek, account.username);
    expect(unlocked.ecdh.kid).toBe(account.ecdh.kid);
    const sig = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, unlocked.ecdsa.privateKey, utf8('probe')));
    expect(sig.length).toBe(64);
    expect(await ecdsaVerify(account.ecdsa.spkiHex, sig, utf8('probe'))).toBe(true);
    const priv = await unwrapPrivateKey(kek, fromHex(account.ecdh.wrappedHex), keyAad(account.userId, 'ecdh'), { name: 'ECDH', namedCurve: 'P-256' }, ['deriveBits'], 'k');
    expect(priv.extractable).toBe(false);
  });

  it('encodes: vector IVs reproduce the stored bytes; the project writes IV ‖ AES-GCM(KEK, pkcs8, AAD)', async () => {
    for (const [role, k] of [['ecdh', account.ecdh], ['ecdsa', account.ecdsa]] as const) {
      await expectVectorBox(account.kekHex, new Uint8Array(0), k.ivHex, fromHex(k.pkcs8Hex), k.aad.text, k.wrappedHex);
      const extractable = await subtle.importKey('pkcs8', fromHex(k.pkcs8Hex), { name: role === 'ecdh' ? 'ECDH' : 'ECDSA', namedCurve: 'P-256' }, true, role === 'ecdh' ? ['deriveBits'] : ['sign']);
      const box = await wrapPrivateKey(await kekFromPassword(), extractable, keyAad(account.userId, role));
      await expectSpecLayout(account.kekHex, box, new Uint8Array(0), fromHex(k.pkcs8Hex), k.aad.text);
    }
  });

  it('pending credentials: decode the vector, and the project seals them as specified', async () => {
    const p = account.pending;
    await expectVectorBox(account.kekHex, new Uint8Array(0), p.auth.ivHex, fromHex(p.newAuthKeyHex), p.auth.aad.text, p.auth.sealedHex);
    await expectVectorBox(account.kekHex, new Uint8Array(0), p.proof.ivHex, utf8(p.proofJson), p.proof.aad.text, p.proof.sealedHex);
    const kek = await kekFromPassword();
    const row = { ...accountRow(), pendingCredentials: { sealedAuthKey: fromHex(p.auth.sealedHex), sealedProof: fromHex(p.proof.sealedHex) } };
    const opened = await openPendingCredentials(kek, row);
    expect(toHex(opened.authKey)).toBe(p.newAuthKeyHex);
    expect(opened.proof).toEqual(JSON.parse(p.proofJson));
    const made = await pendingCredentials(accountRow(), null, kek, fromHex(p.newAuthKeyHex), JSON.parse(p.proofJson));
    await expectSpecLayout(account.kekHex, made.sealedAuthKey, new Uint8Array(0), fromHex(p.newAuthKeyHex), p.auth.aad.text);
    await expectSpecLayout(account.kekHex, made.sealedProof, new Uint8Array(0), utf8(p.proofJson), p.proof.aad.text);
  });

  it('key bundle and the signed credentials update', async () => {
    expect(toBundle(accountRow())).toEqual(account.bundle);
    const { sig, signedText, ...body } = account.credentialsUpdate;
    expect(credentialsSignedText(body as Omit<CredentialsUpdate, 'sig'>)).toBe(signedText);
    expect(fromBase64(sig).length).toBe(64);
    expect(await ecdsaVerify(account.ecdsa.spkiHex, fromBase64(sig), utf8(signedText))).toBe(true);
    expect(verifyAccountSignature(account.bundle.ecdsaSpki, signedText, sig)).toBe(true);
  });
});

describe('§5 envelopes (envelope.json)', () => {
  const opener = async () => ({ privateKey: await importEc(envelope.recipient.pkcs8Hex, 'ECDH', ['deriveBits']), spki: fromHex(envelope.recipient.spkiHex) });

  it('decodes: the project verifies and opens the vector envelope to the GDK', async () => {
    const signer = await importEcPublic(envelope.signer.spkiHex, 'ECDSA');
    expect(toHex(await openEnvelopeBytes(envelope.envelope, await opener(), signer))).toBe(envelope.gdkHex);
    const gdk = await openEnvelope(envelope.wire.envelope, await opener(), signer);
    const keys = await deriveGroupKeys(gdk, envelope.group, envelope.epoch);
    const box = await seal(keys.record, utf8('r'), utf8('a'));
    expect(fromUtf8(await gcmDecrypt(groupKeys.recordKeyHex, box.slice(0, 12), box.slice(12), utf8('a')))).toBe('r');
    const bad = { ...envelope.envelope, epoch: envelope.epoch + 1 };
    await expect(openEnvelopeBytes(bad, await opener(), signer)).rejects.toMatchObject({ code: 'Tampered' });
  });

  it('encodes: ECDH, HKDF info, AES-KW and the signed text reproduce the vector', async () => {
    const eph = await importEc(envelope.ephemeral.pkcs8Hex, 'ECDH', ['deriveBits']);
    const recipient = await importEcPublic(envelope.recipient.spkiHex, 'ECDH');
    const shared = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: recipient }, eph, 256));
    expect(toHex(shared)).toBe(envelope.sharedSecretHex);
    const info = new Uint8Array([...utf8(envelope.hkdf.infoPrefix), ...fromHex(envelope.ephemeral.rawHex), ...fromHex(envelope.recipient.spkiHex)]);
    expect(toHex(info)).toBe(envelope.hkdf.infoHex);
    expect(toHex(await hkdfBytes(await importHkdfBase(shared), new Uint8Array(0), info, 32))).toBe(envelope.kwKeyHex);
    const kw = await subtle.importKey('raw', fromHex(envelope.kwKeyHex), 'AES-KW', false, ['wrapKey']);
    const gdk = await subtle.importKey('raw', fromHex(envelope.gdkHex), 'AES-GCM', true, ['encrypt']);
    expect(toHex(new Uint8Array(await subtle.wrapKey('raw', gdk, kw, 'AES-KW')))).toBe(envelope.wrappedHex);
    const e = envelope.envelope;
    expect(e.epk).toBe(toBase64(fromHex(envelope.ephemeral.rawHex)));
    expect(e.wrapped).toBe(toBase64(fromHex(envelope.wrappedHex)));
    expect(JSON.stringify([e.v, e.alg, e.kid, e.epk, e.wrapped, e.group, e.epoch, e.by])).toBe(envelope.signedText);
    expect(await ecdsaVerify(envelope.signer.spkiHex, fromBase64(e.sig), utf8(envelope.signedText))).toBe(true);
  });

  it("the project's envelope opens by the spec alone", async () => {
    const recipientPub = await importEcPublic(envelope.recipient.spkiHex, 'ECDH');
    const signerPriv = await importEc(account.ecdsa.pkcs8Hex, 'ECDSA', ['sign']);
    const e = await sealEnvelope(fromHex(envelope.gdkHex), envelope.group, envelope.epoch, { publicKey: recipientPub, spki: fromHex(envelope.recipient.spkiHex) }, { privateKey: signerPriv, kid: envelope.signer.kid });
    expect(Object.keys(e)).toEqual(['v', 'alg', 'kid', 'epk', 'wrapped', 'group', 'epoch', 'by', 'sig']);
    expect(e).toMatchObject({ v: 1, alg: 'ECDH-ES+A256KW', kid: envelope.recipient.kid, group: envelope.group, epoch: envelope.epoch, by: envelope.signer.kid });
    const epk = fromBase64(e.epk);
    expect(epk.length).toBe(65);
    expect(epk[0]).toBe(4);
    const shared = new Uint8Array(
      await subtle.deriveBits({ name: 'ECDH', public: await subtle.importKey('raw', epk, { name: 'ECDH', namedCurve: 'P-256' }, false, []) }, (await opener()).privateKey, 256),
    );
    const info = new Uint8Array([...utf8(`fv1/envelope|${e.group}|${e.epoch}|`), ...epk, ...fromHex(envelope.recipient.spkiHex)]);
    const kwBytes = await hkdfBytes(await importHkdfBase(shared), new Uint8Array(0), info, 32);
    const kw = await subtle.importKey('raw', kwBytes, 'AES-KW', false, ['unwrapKey']);
    const gdk = await subtle.unwrapKey('raw', fromBase64(e.wrapped), kw, 'AES-KW', 'AES-GCM', true, ['encrypt']);
    expect(toHex(new Uint8Array(await subtle.exportKey('raw', gdk)))).toBe(envelope.gdkHex);
    const text = JSON.stringify([e.v, e.alg, e.kid, e.epk, e.wrapped, e.group, e.epoch, e.by]);
    expect(await ecdsaVerify(envelope.signer.spkiHex, fromBase64(e.sig), utf8(text))).toBe(true);
  });
});

/** The group keys as the project derives them from the vector GDK. */
const projectGroupKeys = async () =>
  deriveGroupKeys(brand<'group'>(await importHkdfBase(fromHex(groupKeys.gdkHex))) as GroupSecret, groupKeys.group, groupKeys.epoch);

describe('§6 group working keys (group-keys.json)', () => {
  it('HKDF(GDK, "fv1|group|epoch", "fv1/page" | "fv1/blob" | "fv1/record")', async () => {
    const base = await importHkdfBase(fromHex(groupKeys.gdkHex));
    expect(toHex(utf8(`fv1|${groupKeys.group}|${groupKeys.epoch}`))).toBe(groupKeys.salt.hex);
    for (const [info, want] of [['fv1/page', groupKeys.pageKeyHex], ['fv1/blob', groupKeys.blobKeyHex], ['fv1/record', groupKeys.recordKeyHex]]) {
      expect(toHex(await hkdfBytes(base, fromHex(groupKeys.salt.hex), utf8(info!), 32))).toBe(want);
    }
    const keys = await projectGroupKeys();
    for (const [k, want] of [[keys.page, groupKeys.pageKeyHex], [keys.blob, groupKeys.blobKeyHex], [keys.record, groupKeys.recordKeyHex]] as const) {
      const box = await seal(k, utf8('probe'), utf8(''));
      expect(fromUtf8(await gcmDecrypt(want, box.slice(0, 12), box.slice(12), utf8('')))).toBe('probe');
    }
  });
});

describe('§7 synced records (record.json)', () => {
  for (const v of records.vectors) {
    it(`${v.name} (v1, still read): decodes`, async () => {
      const key = (await projectGroupKeys()).record;
      const opened = await openRecord(key, v.group, v.recordId, v.epoch, fromHex(v.sealedHex));
      expect(opened).toEqual({ collection: v.collection, record: v.record });
      expect(toHex(fromBase64(v.sealedBase64))).toBe(v.sealedHex);
      // plaintext = u32 BE length ‖ JSON ‖ zeros to a multiple of 256
      const plain = fromHex(v.plaintextHex);
      expect(plain.length % 256).toBe(0);
      const len = new DataView(plain.buffer).getUint32(0);
      expect(fromUtf8(plain.subarray(4, 4 + len))).toBe(v.json);
      expect(plain.subarray(4 + len).every((b) => b === 0)).toBe(true);
      await expectVectorBox(records.recordKeyHex, new Uint8Array([1]), v.ivHex, plain, v.aad.text, v.sealedHex);
      await expect(openRecord(key, v.group, v.recordId, v.epoch + 1, fromHex(v.sealedHex))).rejects.toMatchObject({ code: 'Tampered' });
    });
  }
});

describe('§7 synced records v2, written (record.json)', () => {
  for (const v of records.v2) {
    it(`${v.name}: decodes, and the project writes exactly this layout`, async () => {
      const key = (await projectGroupKeys()).record;
      expect(v.aad.text).toBe(`fv2/record|${v.group}|${v.recordId}|${v.epoch}`);
      const plain = fromHex(v.plaintextHex);
      expect(plain.length % 256).toBe(0);
      const len = new DataView(plain.buffer).getUint32(0);
      expect(fromUtf8(plain.subarray(4, 4 + len))).toBe(v.json);
      expect(plain.subarray(4 + len).every((b) => b === 0)).toBe(true);
      await expectVectorBox(records.recordKeyHex, new Uint8Array([2]), v.ivHex, plain, v.aad.text, v.sealedHex);
      // Decode: the project opens the vector bytes to the record, unknown properties kept.
      expect(await openRecord(key, v.group, v.recordId, v.epoch, fromHex(v.sealedHex))).toEqual({ collection: v.collection, record: v.record });
      await expect(openRecord(key, v.group, v.recordId, v.epoch + 1, fromHex(v.sealedHex))).rejects.toMatchObject({ code: 'Tampered' });
      // The same bytes under a v1 version byte: the AAD names the version, so they do not open.
      const relabelled = fromHex(v.sealedHex);
      relabelled[0] = 1;
      await expect(openRecord(key, v.group, v.recordId, v.epoch, relabelled)).rejects.toMatchObject({ code: 'Tampered' });
      // Encode: version 2 ‖ IV ‖ AES-GCM(record key, exactly the vector plaintext, fv2 AAD).
      const mine = await sealRecord(key, v.group, v.epoch, v.collection, v.record);
      await expectSpecLayout(records.recordKeyHex, mine, new Uint8Array([2]), plain, v.aad.text);
    });
  }
});

describe('§14 the local page store (page-store.json)', () => {
  const ps = pageStore;
  const projectPageKey = async () => (await projectGroupKeys()).page;
  const slot = (kind: 'page' | 'dir' | 'manifest', n: number, collection = ps.collection): Slot =>
    kind === 'manifest' ? { partition: ps.partition, collection, kind } : { partition: ps.partition, collection, kind, n };
  /** The vector's plaintext: u32 BE length ‖ JSON ‖ zeros to a multiple of 4 KiB. */
  const padded = (json: string) => {
    const body = utf8(json);
    const out = new Uint8Array(Math.ceil((4 + body.length) / 4096) * 4096);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(body, 4);
    return out;
  };
  /** Both directions for one sealed item: the vector bytes are the spec's, the project opens them, and its sealJson writes the spec layout. */
  async function checkItem(item: any, s: Slot, generation: number) {
    const header = fromHex(item.headerHex);
    expect([header[0], new DataView(header.buffer).getUint32(1), new DataView(header.buffer).getUint32(5)]).toEqual([3, ps.epoch, generation]);
    expect(item.aad.text).toBe(`fv3/${s.kind === 'manifest' ? 'manifest' : `${s.kind}|${s.n}`}|${ps.partition}|${s.collection}|${generation}|${ps.epoch}`);
    const plain = padded(item.json);
    expect(plain.length).toBe(item.plaintextBytes);
    expect(fromHex(item.sealedHex).length).toBe(9 + 12 + plain.length + 16);
    await expectVectorBox(ps.pageKeyHex, header, item.ivHex, plain, item.aad.text, item.sealedHex);
    const key = await projectPageKey();
    const opened = await openJson<unknown>((e) => (e === ps.epoch ? key : undefined), s, fromHex(item.sealedHex));
    expect(opened.header).toEqual({ version: 3, epoch: ps.epoch, generation });
    expect(opened.value).toEqual(JSON.parse(item.json));
    const moved = s.kind === 'manifest' ? slot('page', 0) : { ...s, n: s.n + 1 };
    await expect(openJson<unknown>(() => key, moved, fromHex(item.sealedHex))).rejects.toMatchObject({ code: 'Tampered' });
    const mine = await sealJson(key, s, ps.epoch, generation, item.json);
    await expectSpecLayout(ps.pageKeyHex, mine, header, plain, item.aad.text);
    return opened;
  }

  it('the page key is the §6 page key', () => {
    expect(ps.pageKeyHex).toBe(groupKeys.pageKeyHex);
  });

  for (const pg of ps.pages) {
    it(`log page ${pg.seq} (v3, body layout 2): decodes to its records; encodeRecords and PageBuilder.finish write the same text`, async () => {
      const { value } = await checkItem(pg, slot('page', pg.seq), pg.generation);
      expect(decodeRecords(value, 3)).toEqual(pg.records);
      expect(decodeRecords(JSON.parse(pg.json), 2)).toEqual(pg.records); // v2 pages carry the same layout
      expect(encodeRecords(pg.records as StoredRecord[])).toBe(pg.json);
      const b = new PageBuilder();
      for (const r of pg.records) b.set(r);
      expect(b.finish()).toBe(pg.json);
      expect(b.size).toBe(pg.json.length);
    });
  }

  it('the layout-2 rows: tombstone, cleared field, two authors, a field stamp other than u, trailing zeros left out', () => {
    const body = JSON.parse(ps.pages.find((p: any) => p.seq === 5).json);
    expect(body.b.length).toBe(2);
    const [a, d, e, f] = body.r;
    expect(a.length).toBe(7); // stamps present, no d/more
    expect(a[2][1]).toBeNull();
    expect(d).toHaveLength(6); // c = u → 0; author 1; nothing after
    expect(d[4]).toBe(0);
    expect(e).toHaveLength(8); // tombstone: d, no more
    expect(f).toHaveLength(9); // more = {z}
    expect(f[8]).toEqual({ z: ps.current.find((r: any) => r.id === f[0]).z });
  });

  for (const m of ps.manifests) {
    it(`manifest (${m.name}): decodes, and encodeManifest writes exactly the text`, async () => {
      const { value } = await checkItem(m, slot('manifest', 0, m.collection), m.generation);
      expect(decodeManifest(value)).toEqual(m.manifest);
      expect(encodeManifest(m.manifest)).toBe(m.json);
    });
  }

  it('manifest: malformed contents are refused', () => {
    const good = JSON.parse(ps.manifests[0].json);
    expect(decodeManifest({ ...good, pages: [[2, 3, 3, 1], 4] }).pages).toEqual([{ seq: 2, gen: 3, n: 3, cur: 1 }, { seq: 3, gen: 3, n: 4, cur: 4 }]);
    for (const bad of [
      { ...good, v: 2 },
      { ...good, pages: [4] }, // a bare count needs a previous entry
      { ...good, pages: [[2, 3, 3]] },
      { ...good, pages: [2, 3, 3, 1] }, // the flat form is not the format
      { ...good, pages: [[5, 7, 4, 3], [2, 3, 3, 1]] }, // not ascending
      { ...good, pages: [[2, 3, 3, 4]] }, // cur > n
      { ...good, next: 6 }, // a page at or past next
      { ...good, snap: [1, 1] },
    ])
      expect(() => decodeManifest(bad)).toThrow(TypeError);
  });

  it('directory page: decodes into the snapshot, and encodeDirectory writes exactly the text', async () => {
    const d = ps.directoryPages[0];
    const { value } = await checkItem(d, slot('dir', d.index), d.generation);
    const snapshot = new Map<string, number>();
    decodeDirectory(value, snapshot);
    const expected = new Map<string, number>((JSON.parse(d.json) as [number, string[]][]).flatMap(([s, ids]) => ids.map((id) => [id, s] as [string, number])));
    expect(snapshot).toEqual(expected);
    // Insertion order = id order of the vector, so the project's grouping reproduces the text.
    const ordered = new Map([...expected].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
    expect(encodeDirectory(ordered)).toEqual([d.json]);
    // Snapshot, then pages with seq >= upto in seq order: the vector's directory.
    const snap = ps.manifests[0].manifest.snap;
    for (const pg of ps.pages) if (pg.seq >= snap.upto) for (const r of pg.records) snapshot.set(r.id, pg.seq);
    expect(Object.fromEntries(snapshot)).toEqual(ps.directory);
  });

  const storeWith = async (db: ReturnType<typeof openVaultDb>, opts: { pageBytes: number } = { pageBytes: 16 * 1024 }) =>
    new PageStore(db, ps.partition, { current: ps.epoch, byEpoch: new Map([[ps.epoch, await projectPageKey()]]) }, createMutex(), { ...opts, cacheBytes: 1 << 20 });
  let dbs = 0;
  const freshVaultDb = () => openVaultDb(`format-vectors-pages-${process.pid}-${++dbs}`);

  it('the project reads the vector collection from IndexedDB: snapshot + replay, later pages win, old versions are dead', async () => {
    const db = freshVaultDb();
    const row = (page: number, hexData: string) => ({ partition: ps.partition, collection: ps.collection, page, data: fromHex(hexData) });
    await db.pages.bulkPut(ps.pages.map((p: any) => row(p.seq, p.sealedHex)));
    await db.directory.bulkPut(ps.directoryPages.map((d: any) => row(d.index, d.sealedHex)));
    await db.manifests.put({ partition: ps.partition, collection: ps.collection, data: fromHex(ps.manifests[0].sealedHex) });
    const store = await storeWith(db);
    store.close(); // no background upkeep: page 2 is compactable
    for (const r of ps.current) expect(await store.get(ps.collection, r.id)).toEqual(r);
    const seen: StoredRecord[] = [];
    await store.scan(ps.collection, (rs) => seen.push(...rs));
    expect(new Map(seen.map((r) => [r.id, r]))).toEqual(new Map(ps.current.map((r: any) => [r.id, r])));
    expect(seen.length).toBe(ps.current.length);
    expect(await store.stats(ps.collection)).toEqual({ records: 5, pages: 3 });
    // A page row at or past `next`: the manifest was put back from an older copy.
    await db.pages.put(row(7, ps.pages[0].sealedHex));
    await expect((await storeWith(db)).get(ps.collection, ps.current[0].id)).rejects.toMatchObject({ code: 'Tampered' });
    db.close();
  });

  it('what the project stores opens by the spec alone: manifest, log pages (each at its seq and generation), directory snapshot', async () => {
    const db = freshVaultDb();
    const store = await storeWith(db, { pageBytes: 300 }); // about one record a page: enough pages for a snapshot
    const made = Array.from({ length: 80 }, (_, i) => ({
      id: `0000${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`,
      f: { name: [`n${i}`, ps.current[0].u], note: ['x'.repeat(150), ps.current[0].c] },
      c: ps.current[0].c,
      u: ps.current[0].u,
      by: account.userId,
    })) as StoredRecord[];
    await store.mutate(ps.collection, made.map((r) => r.id), () => ({ put: made, result: undefined }));
    const again: StoredRecord = { ...made[3]!, f: { name: ['again', ps.current[1].u as string] }, u: ps.current[1].u };
    await store.mutate(ps.collection, [again.id], () => ({ put: [again], result: undefined }));
    await store.settle(); // writes the directory snapshot
    store.close();
    const specOpen = async (data: Uint8Array, which: string) => {
      const dv = new DataView(data.buffer, data.byteOffset, 9);
      const [version, epoch, generation] = [dv.getUint8(0), dv.getUint32(1), dv.getUint32(5)];
      expect([version, epoch]).toEqual([3, ps.epoch]);
      const plain = await gcmDecrypt(ps.pageKeyHex, new Uint8Array(data.subarray(9, 21)), new Uint8Array(data.subarray(21)), utf8(`fv3/${which}|${ps.partition}|${ps.collection}|${generation}|${epoch}`));
      expect(plain.length % 4096).toBe(0);
      const len = new DataView(plain.buffer).getUint32(0);
      expect(plain.subarray(4 + len).every((b) => b === 0)).toBe(true);
      return { generation, json: fromUtf8(plain.subarray(4, 4 + len)) };
    };
    const mrow = (await db.manifests.get([ps.partition, ps.collection]))!;
    const m = await specOpen(mrow.data, 'manifest');
    const man = JSON.parse(m.json);
    expect(Object.keys(man)).toEqual(['v', 'next', 'count', 'pages', 'snap']);
    expect(man.v).toBe(3);
    expect(man.count).toBe(80);
    expect(man.snap).not.toBeNull();
    const [snapGen, snapPages, upto] = man.snap;
    // Pages: exactly the listed ones are stored, each under its seq and generation, with n records.
    const listed = new Map<number, { gen: number; n: number }>();
    let prev: [number, number] | undefined;
    for (const e of man.pages as (number | number[])[]) {
      const [s, gen, n] = typeof e === 'number' ? [prev![0] + 1, prev![1], e] : [e[0]!, e[1]!, e[2]!];
      listed.set(s, { gen, n });
      prev = [s, gen];
    }
    expect(man.pages.some((e: unknown) => typeof e === 'number')).toBe(true); // a bulk write's pages are delta-coded
    const rows = await db.pages.where('[partition+collection+page]').between([ps.partition, ps.collection, 0], [ps.partition, ps.collection, Infinity]).toArray();
    expect(rows.map((r) => r.page)).toEqual([...listed.keys()]);
    const bodies = new Map<number, any>();
    for (const r of rows) {
      const pg = await specOpen(r.data, `page|${r.page}`);
      expect(pg.generation).toBe(listed.get(r.page)!.gen);
      expect(pg.generation).toBeLessThanOrEqual(m.generation);
      const body = JSON.parse(pg.json);
      expect(Object.keys(body)).toEqual(['b', 'k', 'r']);
      expect(body.r.length).toBe(listed.get(r.page)!.n);
      bodies.set(r.page, body);
    }
    // Directory: the snapshot pages, then replay of pages >= upto, names the page of each record's current version.
    const drows = await db.directory.where('[partition+collection+page]').between([ps.partition, ps.collection, 0], [ps.partition, ps.collection, Infinity]).toArray();
    expect(drows.map((r) => r.page)).toEqual(Array.from({ length: snapPages }, (_, i) => i));
    const dir = new Map<string, number>();
    for (const r of drows) {
      const d = await specOpen(r.data, `dir|${r.page}`);
      expect(d.generation).toBe(snapGen);
      for (const [s, ids] of JSON.parse(d.json) as [number, string[]][]) for (const id of ids) dir.set(id, s);
    }
    for (const [s, body] of [...bodies].sort((x, y) => x[0] - y[0])) if (s >= upto) for (const r of body.r) dir.set(r[0], s);
    expect(dir.size).toBe(80);
    const byId = new Map<string, unknown>();
    for (const [id, s] of dir) byId.set(id, decodeRecords(bodies.get(s), 3).find((r) => r.id === id));
    expect(byId.get(again.id)).toEqual(again);
    for (const r of made) if (r.id !== again.id) expect(byId.get(r.id)).toEqual(r);
    db.close();
  });
});

describe('§8 attachment chunks (chunk.json)', () => {
  const plainOf = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff);
  let n = 0;
  const store = async () => {
    const db = openVaultDb(`format-vectors-${process.pid}-${++n}`);
    return { db, store: new BlobStore(db, groupKeys.group, { current: 1, byEpoch: new Map([[1, (await projectGroupKeys()).blob]]) }) };
  };

  it('chunk size is the specified 256 KiB', () => {
    expect(CHUNK_BYTES).toBe(chunks.chunkBytes);
  });

  for (const b of chunks.blobs) {
    it(`${b.name}: the vector chunks are exact, and the project reads them`, async () => {
      const plain = plainOf(b.size);
      const { db, store: s } = await store();
      const rows = [];
      for (const c of b.chunks) {
        const part = plain.slice(c.index * chunks.chunkBytes, (c.index + 1) * chunks.chunkBytes);
        const sealed = new Uint8Array([...fromHex(c.ivHex), ...(await gcmEncrypt(chunks.blobKeyHex, fromHex(c.ivHex), part, utf8(c.aad.text)))]);
        expect(sealed.length).toBe(c.sealedBytes);
        expect(toHex(await sha256(sealed))).toBe(c.sealedSha256);
        if (c.sealedHex) expect(toHex(sealed)).toBe(c.sealedHex);
        rows.push({ blob: b.blobId, index: c.index, data: new Blob([sealed]) });
      }
      await db.chunks.bulkPut(rows);
      await db.blobs.put({ id: b.blobId, partition: b.partition, chunks: b.chunks.length, epoch: b.epoch, bytes: 0 });
      const meta = { id: b.blobId, name: 'x', type: 'application/octet-stream', size: b.size, chunks: b.chunks.length };
      expect(toHex(new Uint8Array(await new Response(s.read(meta)).arrayBuffer()))).toBe(toHex(plain));
      db.close();
    });

    it(`${b.name}: the project writes IV ‖ AES-GCM(blob key, chunk, AAD)`, async () => {
      const plain = plainOf(b.size);
      const { db, store: s } = await store();
      const meta = await s.put(new Blob([plain]), 'f.bin');
      expect(meta.chunks).toBe(b.chunks.length);
      const stored = await db.chunks.where('[blob+index]').between([meta.id, 0], [meta.id, Infinity]).toArray();
      expect(stored.map((r) => r.index)).toEqual(b.chunks.map((c: { index: number }) => c.index));
      for (const r of stored) {
        const last = r.index === meta.chunks - 1;
        const part = plain.slice(r.index * chunks.chunkBytes, (r.index + 1) * chunks.chunkBytes);
        const box = new Uint8Array(await r.data.arrayBuffer());
        await expectSpecLayout(chunks.blobKeyHex, box, new Uint8Array(0), part, `fv1/chunk|${groupKeys.group}|${meta.id}|${r.index}|${last ? 1 : 0}`);
      }
      expect(await db.blobs.get(meta.id)).toMatchObject({ partition: groupKeys.group, chunks: b.chunks.length, epoch: 1 });
      db.close();
    });
  }
});

describe('§9 unlock codes (unlock-code.json)', () => {
  const row = (): AccountRow => ({ ...accountRow(), codeSlots: [] });
  const slot = () => ({ id: unlock.slot.id, salt: fromHex(unlock.saltHex), wrappedEcdh: fromHex(unlock.slot.wrappedEcdh.sealedHex), wrappedEcdsa: fromHex(unlock.slot.wrappedEcdsa.sealedHex) });

  it('typed forms normalize to the code; the display form is groups of four', () => {
    for (const t of unlock.typed) expect(parseCode(t)).toBe(unlock.code);
    expect(groupUnlockCode(unlock.code)).toBe(unlock.display);
  });

  it('decodes: the project derives the code KEK and opens the slot', async () => {
    const codeKek = await deriveCodeKek(unlock.code, fromHex(unlock.saltHex), unlock.userId);
    expect(toHex(await open(codeKek, fromHex(unlock.slot.wrappedEcdsa.sealedHex), keyAad(unlock.userId, 'ecdsa'), 's'))).toBe(account.ecdsa.pkcs8Hex);
    const opened = await openSlot(row(), slot(), unlock.code);
    expect(toHex(await open(opened, fromHex(unlock.slot.wrappedEcdh.sealedHex), keyAad(unlock.userId, 'ecdh'), 's'))).toBe(account.ecdh.pkcs8Hex);
    await expect(openSlot(row(), slot(), unlock.code.replace('0', '1'))).rejects.toMatchObject({ code: 'WrongCode' });
    expect(toHex(await hkdfBytes(await importHkdfBase(utf8(unlock.code)), fromHex(unlock.saltHex), utf8(unlock.info.text), 32))).toBe(unlock.codeKekHex);
    expect(unlock.wire).toEqual({ salt: toBase64(fromHex(unlock.saltHex)), wrappedEcdh: toBase64(fromHex(unlock.slot.wrappedEcdh.sealedHex)), wrappedEcdsa: toBase64(fromHex(unlock.slot.wrappedEcdsa.sealedHex)) });
  });

  it('encodes: vector IVs reproduce the slot; the project writes slots as specified', async () => {
    await expectVectorBox(unlock.codeKekHex, new Uint8Array(0), unlock.slot.wrappedEcdh.ivHex, fromHex(account.ecdh.pkcs8Hex), unlock.slot.wrappedEcdh.aad.text, unlock.slot.wrappedEcdh.sealedHex);
    await expectVectorBox(unlock.codeKekHex, new Uint8Array(0), unlock.slot.wrappedEcdsa.ivHex, fromHex(account.ecdsa.pkcs8Hex), unlock.slot.wrappedEcdsa.aad.text, unlock.slot.wrappedEcdsa.sealedHex);
    const made = await slotFor(row(), await kekFromPassword(), unlock.slot.id, unlock.code);
    expect(made.salt.length).toBe(16);
    const kekHex = toHex(await hkdfBytes(await importHkdfBase(utf8(unlock.code)), made.salt as Uint8Array<ArrayBuffer>, utf8(unlock.info.text), 32));
    await expectSpecLayout(kekHex, made.wrappedEcdh, new Uint8Array(0), fromHex(account.ecdh.pkcs8Hex), account.ecdh.aad.text);
    await expectSpecLayout(kekHex, made.wrappedEcdsa, new Uint8Array(0), fromHex(account.ecdsa.pkcs8Hex), account.ecdsa.aad.text);
  });
});

describe('§10 DPoP proofs (dpop.json)', () => {
  const b64urlJson = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

  it('the thumbprint is RFC 7638', () => {
    expect(thumbprint(dpop.device.publicJwk)).toBe(dpop.device.jkt);
  });

  for (const v of dpop.vectors) {
    it(`${v.name}: the vector proof verifies and the project makes the same proof (but for jti and the signature)`, async () => {
      const [h, c, s] = v.proof.split('.');
      expect(`${h}.${c}`).toBe(v.signingInput);
      expect(Buffer.from(h, 'base64url').toString('utf8')).toBe(dpop.headerText);
      expect(Buffer.from(c, 'base64url').toString('utf8')).toBe(v.claimsText);
      expect(v.claims.jti).toBe(b64url(fromHex(v.jtiHex)));
      expect(await ecdsaVerify(dpop.device.spkiHex, new Uint8Array(Buffer.from(s, 'base64url')), utf8(v.signingInput))).toBe(true);
      if (v.request.token !== null) expect(await sha256Base64url(v.request.token)).toBe(v.claims.ath);
      else expect(v.claims.ath).toBeUndefined();

      const key = await subtle.importKey('jwk', dpop.device.jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
      const proof = await createDpopProof(key, dpop.device.publicJwk, {
        method: v.request.method,
        url: v.request.url,
        token: v.request.token ?? undefined,
        body: v.request.body,
        now: v.request.now,
      });
      const [ph, pc, ps] = proof.split('.') as [string, string, string];
      expect(ph).toBe(h);
      const claims = b64urlJson(pc);
      expect(Object.keys(claims)).toEqual(Object.keys(v.claims));
      expect({ ...claims, jti: v.claims.jti }).toEqual(v.claims);
      expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const sig = new Uint8Array(Buffer.from(ps, 'base64url'));
      expect(sig.length).toBe(64);
      expect(await ecdsaVerify(dpop.device.spkiHex, sig, utf8(`${ph}.${pc}`))).toBe(true);
    });
  }
});

describe('§11 signed policy statements and commands (signed-statements.json)', () => {
  const signer = new PolicySigner(Buffer.from(statements.serverSecret, 'utf8'));

  it('the signing key is Ed25519 from HMAC(server secret, "policy-signing-key\\0")', () => {
    expect(hmac(Buffer.from(statements.serverSecret, 'utf8'), 'policy-signing-key', '').toString('hex')).toBe(statements.seedHex);
    expect(signer.publicKey).toBe(statements.publicKeySpki);
  });

  it('the server signs the exact statement text; the device verifies it', async () => {
    for (const s of [statements.policy, statements.command]) expect(signer.sign(s.statement)).toBe(s.sig);
    const session = { policyKey: statements.publicKeySpki, userId: statements.userId, deviceId: statements.deviceId };
    expect(await verifyPolicy(session, statements.policy)).toEqual(PolicyStatement.parse(JSON.parse(statements.policy.statement)));
    expect(CommandStatement.parse(await verifySigned(statements.publicKeySpki, statements.command))).toEqual(JSON.parse(statements.command.statement));
    expect(await verifyPolicy({ ...session, deviceId: statements.userId }, statements.policy)).toBeNull();
    expect(await verifySigned(statements.publicKeySpki, { ...statements.command, statement: statements.command.statement.replace('wipe', 'lock') })).toBeNull();
  });
});

describe('§12 server-side secrets (server-secrets.json)', () => {
  const secret = Buffer.from(server.serverSecret, 'utf8');

  it('derivations: HMAC-SHA256(secret, label ‖ 0x00 ‖ value)', () => {
    for (const [k, want] of Object.entries(server.derived)) {
      const [label, value = ''] = k.split('/');
      expect(hmac(secret, label!, value).toString('hex')).toBe(want);
    }
    expect(hmac(secret, 'prelogin-salt', server.prelogin.username).subarray(0, 16).toString('base64')).toBe(server.prelogin.salt);
  });

  it('sealed unlock codes and TOTP secrets: base64(IV ‖ ciphertext ‖ tag)', async () => {
    for (const [keyHex, v, plain] of [
      [server.derived['unlock-code-key'], server.unlockCode, server.unlockCode.code],
      [server.derived['totp-key'], server.totp, server.totp.text],
    ] as const) {
      const key = Buffer.from(keyHex, 'hex');
      expect(unseal(key, v.aad, v.sealed)).toBe(plain);
      await expectVectorBox(keyHex, new Uint8Array(0), v.ivHex, utf8(plain), v.aad, toHex(fromBase64(v.sealed)));
      const mine = fromBase64(serverSeal(key, v.aad, plain));
      await expectSpecLayout(keyHex, mine, new Uint8Array(0), utf8(plain), v.aad);
    }
    expect(sha256Hex(server.unlockCode.code)).toBe(server.unlockCode.codeHash);
    expect(sha256Hex(server.token.token)).toBe(server.token.sha256Hex);
  });

  it('slow hashes: scrypt$N$r$p$salt$hash', async () => {
    expect(await verifySlowHash(Buffer.from(server.slowHash.secretHex, 'hex'), server.slowHash.stored, server.slowHash.params)).toBe(true);
    expect(await verifySlowHash(Buffer.from('00', 'hex'), server.slowHash.stored, server.slowHash.params)).toBe(false);
  });
});
