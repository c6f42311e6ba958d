/**
 * Known-answer vectors for docs/formats.md, written from the specification
 * with bare WebCrypto and node:crypto (no project code), so that
 * tests/unit/format-vectors.test.ts can hold the project's own encoders and
 * decoders against an independent implementation.
 *
 *   npx tsx tests/vectors/generate.ts
 *
 * Every input is fixed (keys from fixed scalars, fixed IVs, fixed ids), so a
 * run reproduces the same bytes, except ECDSA P-256 signatures (WebCrypto's
 * ECDSA is randomized): those fields change at each run and the test only
 * verifies them. Ed25519 signatures are deterministic and do not change.
 */
import { createECDH, createHash, createHmac, createPrivateKey, createPublicKey, scryptSync, sign as edSign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

// ---- byte helpers (spec encodings) ----
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64'); // standard alphabet, with '=' padding
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url'); // URL alphabet, no padding
const utf8 = (s: string): Uint8Array<ArrayBuffer> => enc.encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.concat(parts));
const sha256 = (b: Uint8Array | string): Uint8Array<ArrayBuffer> => new Uint8Array(createHash('sha256').update(b).digest());
/** A fixed byte string: bytes start, start+1, … (mod 256). */
const seq = (n: number, start: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

async function hkdf(ikm: Uint8Array<ArrayBuffer>, salt: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer>, len: number) {
  const base = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, base, len * 8));
}
async function gcm(keyBytes: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>) {
  const k = await subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, k, plain));
}
/** IV ‖ AES-256-GCM(ciphertext ‖ 16-byte tag): the project's sealed-box layout. */
const sealBox = async (key: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>) =>
  concat(iv, await gcm(key, iv, plain, aad));

/** A P-256 key from a fixed scalar d = SHA-256(label): JWK private/public, pkcs8, spki, raw point. */
async function p256(label: string, alg: 'ECDH' | 'ECDSA') {
  const d = sha256(label);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = new Uint8Array(ecdh.getPublicKey()); // 0x04 ‖ X ‖ Y
  const jwk = { kty: 'EC', crv: 'P-256', x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33)), d: b64url(d) };
  const usages: KeyUsage[] = alg === 'ECDH' ? ['deriveBits'] : ['sign'];
  const privateKey = await subtle.importKey('jwk', jwk, { name: alg, namedCurve: 'P-256' }, true, usages);
  const { d: _d, ...pubJwk } = jwk;
  const publicKey = await subtle.importKey('jwk', pubJwk, { name: alg, namedCurve: 'P-256' }, true, alg === 'ECDH' ? [] : ['verify']);
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', privateKey));
  const spki = new Uint8Array(await subtle.exportKey('spki', publicKey));
  return { label, d, jwk, pubJwk, pkcs8, spki, raw: pub, privateKey, publicKey, kid: hex(sha256(spki)) };
}
const ecdsaSign = async (key: CryptoKey, data: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data)); // IEEE P1363 r ‖ s, 64 bytes

/** u32 BE length ‖ bytes ‖ zeros up to the next multiple of `block`. */
function pad(body: Uint8Array, block: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.ceil((4 + body.length) / block) * block);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

interface Rec { id: string; f: Record<string, [unknown, string]>; c: string; u: string; d?: string; z?: string; by: string; [more: string]: unknown }
/**
 * Page body layout 2 (docs/formats.md §14.6), from the spec: author and field-name-list tables in
 * order of first use; row [id, k, values, u, c|0, b, stamps|0, d|0, more|0] with trailing zeros left out.
 */
function layout2(records: Rec[]): string {
  const b: string[] = [];
  const k: string[][] = [];
  const rows = records.map((r) => {
    const names = Object.keys(r.f);
    let ki = k.findIndex((x) => x.length === names.length && x.every((n, i) => n === names[i]));
    if (ki < 0) ki = k.push(names) - 1;
    let bi = b.indexOf(r.by);
    if (bi < 0) bi = b.push(r.by) - 1;
    const stamps = Object.fromEntries(names.filter((n) => r.f[n]![1] !== r.u).map((n) => [n, r.f[n]![1]]));
    const more = Object.fromEntries(Object.entries(r).filter(([key, v]) => !['id', 'f', 'c', 'u', 'd', 'by'].includes(key) && v !== undefined));
    const row: unknown[] = [r.id, ki, names.map((n) => r.f[n]![0]), r.u, r.c === r.u ? 0 : r.c, bi, Object.keys(stamps).length ? stamps : 0, r.d ?? 0, Object.keys(more).length ? more : 0];
    while (row.length > 4 && row[row.length - 1] === 0) row.pop();
    return row;
  });
  return JSON.stringify({ b, k, r: rows });
}

const NODE = '4d2c8e1f0a3b5c6d';
/** HLC stamp: 13 hex ms ‖ 4 hex counter ‖ node id. */
const hlc = (wall: number, counter = 0) => wall.toString(16).padStart(13, '0') + counter.toString(16).padStart(4, '0') + NODE;
const T = 1_700_000_000_000;
const AUTHOR_B = '6c8f3b21-4d5e-4f60-9a7b-8c9d0e1f2a3b';

/** Records of the §14 page-store vector (and of the v2 synced records). a1→a2, b1→b2, d1→d2 are versions of one record. */
const PAGE_RECORDS = (() => {
  const A = 'a1000000-0000-4000-8000-00000000000a';
  const B = 'b2000000-0000-4000-8000-00000000000b';
  const C = 'c3000000-0000-4000-8000-00000000000c';
  const D = 'd4000000-0000-4000-8000-00000000000d';
  const E = 'e5000000-0000-4000-8000-00000000000e';
  const F = 'f6000000-0000-4000-8000-00000000000f';
  const U = '5b7e2a10-3c4d-4e5f-8a6b-7c8d9e0f1a2b'; // USER_ID
  return {
    a1: { id: A, f: { name: ['Ana', hlc(T + 1000)] }, c: hlc(T + 1000), u: hlc(T + 1000), by: U } as Rec,
    b1: { id: B, f: { name: ['Ben', hlc(T + 1100)], phone: ['555-0100', hlc(T + 1100)] }, c: hlc(T + 1100), u: hlc(T + 1100), by: U } as Rec,
    c: { id: C, f: { name: ['Cléo', hlc(T + 1200)] }, c: hlc(T + 1200), u: hlc(T + 1200), by: AUTHOR_B } as Rec,
    // A cleared field (phone), a field stamp different from u (name), c ≠ u.
    a2: { id: A, f: { name: ['Ana Lima', hlc(T + 2000)], phone: [null, hlc(T + 2100, 1)], email: ['ana@example.org', hlc(T + 2100, 1)] }, c: hlc(T + 1000), u: hlc(T + 2100, 1), by: U } as Rec,
    // Same field names as a2 (shares its "k" entry), the second author, c = u, every stamp = u.
    d1: { id: D, f: { name: ['Dov', hlc(T + 2200)], phone: ['555-0101', hlc(T + 2200)], email: ['dov@example.org', hlc(T + 2200)] }, c: hlc(T + 2200), u: hlc(T + 2200), by: AUTHOR_B } as Rec,
    e: { id: E, f: {}, c: hlc(T + 1500), u: hlc(T + 2300), d: hlc(T + 2300), by: U } as Rec,
    f: { id: F, f: { name: ['Fay', hlc(T + 2400)] }, c: hlc(T + 1600), u: hlc(T + 2400), z: hlc(T + 2350), by: U } as Rec,
    b2: { id: B, f: { name: ['Ben', hlc(T + 1100)], phone: ['555-0199', hlc(T + 3000)] }, c: hlc(T + 1100), u: hlc(T + 3000), by: AUTHOR_B } as Rec,
    d2: { id: D, f: { name: ['Dov', hlc(T + 2200)], phone: ['555-0101', hlc(T + 2200)], email: [null, hlc(T + 3100)] }, c: hlc(T + 2200), u: hlc(T + 3100), by: AUTHOR_B } as Rec,
  };
})();

const write = (name: string, v: unknown) => writeFileSync(join(here, name), JSON.stringify(v, null, 2) + '\n');
const text = (s: string) => ({ text: s, hex: hex(utf8(s)) });

// ---- fixed inputs shared by several vectors ----
const USER_ID = '5b7e2a10-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
const GROUP = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const EPOCH = 1;
const DEVICE_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const GDK = seq(32, 0xa0);

async function main() {
  // ---- §2 password KDF ----
  const passwordTyped = 'correct horse Cafe\u0301 12'; // e + COMBINING ACUTE: NFC turns it into U+00E9
  const passwordNfc = passwordTyped.normalize('NFC');
  const salt = seq(16, 0x00);
  const iterations = 600_000;
  const pw = await subtle.importKey('raw', utf8(passwordNfc), 'PBKDF2', false, ['deriveBits']);
  const master = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, pw, 256));
  const empty = new Uint8Array(0);
  const kek = await hkdf(master, empty, utf8('fv1/kek'), 32);
  const verifier = await hkdf(master, empty, utf8('fv1/verify'), 32);
  const authKey = await hkdf(master, empty, utf8('fv1/auth'), 32);
  const usernames = ['  Alice.Smith@Example.ORG ', 'ALICE.SMITH@example.org', '\u212Bngstr\u00f6m', 'Jose\u0301\t'].map((input) => {
    const normalized = input.normalize('NFC').trim().toLowerCase();
    return { input, normalized, accountKey: hex(sha256(utf8(`fv1/account|${normalized}`))) };
  });
  write('kdf.json', {
    description: 'Password → PBKDF2-SHA256 → master → HKDF (empty salt) → KEK, verifier, auth key; username normalisation and the account key (docs/formats.md §2, §3).',
    password: { typed: passwordTyped, nfc: passwordNfc, utf8Hex: hex(utf8(passwordNfc)) },
    kdf: { alg: 'PBKDF2-SHA256', iterations, salt: b64(salt) },
    saltHex: hex(salt),
    masterHex: hex(master),
    kekHex: hex(kek),
    verifierHex: hex(verifier),
    authKeyHex: hex(authKey),
    hkdfInfo: { kek: text('fv1/kek'), verify: text('fv1/verify'), auth: text('fv1/auth') },
    usernames,
  });

  // ---- §4 account keys ----
  const ecdh = await p256('fieldvault/vectors/account-ecdh', 'ECDH');
  const ecdsa = await p256('fieldvault/vectors/account-ecdsa', 'ECDSA');
  const ivE = seq(12, 0x10);
  const ivS = seq(12, 0x20);
  const aadE = `fv1/account-key|${USER_ID}|ecdh`;
  const aadS = `fv1/account-key|${USER_ID}|ecdsa`;
  const wrappedEcdh = await sealBox(kek, ivE, ecdh.pkcs8, utf8(aadE));
  const wrappedEcdsa = await sealBox(kek, ivS, ecdsa.pkcs8, utf8(aadS));
  const keyJson = (k: typeof ecdh) => ({ dHex: hex(k.d), jwk: k.jwk, pkcs8Hex: hex(k.pkcs8), spkiHex: hex(k.spki), rawHex: hex(k.raw), kid: k.kid, fingerprint: k.kid.slice(0, 32).toUpperCase().match(/.{4}/g)!.join(' ') });
  // Pending credentials: a new auth key and its proof, sealed under the (new) KEK.
  const newAuthKey = seq(32, 0x40);
  const proof = JSON.stringify({ oldAuthKey: b64(authKey) });
  const ivPa = seq(12, 0x30);
  const ivPp = seq(12, 0x38);
  const sealedAuthKey = await sealBox(kek, ivPa, newAuthKey, utf8(`fv1/pending-auth|${USER_ID}`));
  const sealedProof = await sealBox(kek, ivPp, utf8(proof), utf8(`fv1/pending-proof|${USER_ID}`));
  const bundle = {
    v: 1,
    kdf: { alg: 'PBKDF2-SHA256', iterations, salt: b64(salt) },
    verifier: b64(verifier),
    wrappedEcdh: b64(wrappedEcdh),
    wrappedEcdsa: b64(wrappedEcdsa),
    ecdhSpki: b64(ecdh.spki),
    ecdsaSpki: b64(ecdsa.spki),
    personalGroup: GROUP,
  };
  const username = usernames[1]!.normalized;
  const update = { username, authKey: b64(newAuthKey), bundle, proof: { oldAuthKey: b64(authKey) }, iat: 1_700_000_000_000 };
  const signedText = JSON.stringify([
    'fv1/credentials',
    update.username,
    update.authKey,
    [bundle.v, bundle.kdf.alg, bundle.kdf.iterations, bundle.kdf.salt, bundle.verifier, bundle.wrappedEcdh, bundle.wrappedEcdsa, bundle.ecdhSpki, bundle.ecdsaSpki, bundle.personalGroup],
    ['auth', update.proof.oldAuthKey],
    update.iat,
  ]);
  write('account.json', {
    description: 'Account private keys sealed under the KEK of kdf.json, pending credentials, the key bundle and a signed credentials update (docs/formats.md §4, §9). credentialsUpdate.sig is ECDSA (randomized): verify it, do not compare it.',
    kekHex: hex(kek),
    userId: USER_ID,
    personalGroup: GROUP,
    username,
    ecdh: { ...keyJson(ecdh), ivHex: hex(ivE), aad: text(aadE), wrappedHex: hex(wrappedEcdh) },
    ecdsa: { ...keyJson(ecdsa), ivHex: hex(ivS), aad: text(aadS), wrappedHex: hex(wrappedEcdsa) },
    verifierHex: hex(verifier),
    pending: {
      newAuthKeyHex: hex(newAuthKey),
      proofJson: proof,
      auth: { ivHex: hex(ivPa), aad: text(`fv1/pending-auth|${USER_ID}`), sealedHex: hex(sealedAuthKey) },
      proof: { ivHex: hex(ivPp), aad: text(`fv1/pending-proof|${USER_ID}`), sealedHex: hex(sealedProof) },
    },
    bundle,
    credentialsUpdate: { ...update, signedText, sig: b64(await ecdsaSign(ecdsa.privateKey, utf8(signedText))) },
  });

  // ---- §5 envelope ----
  const eph = await p256('fieldvault/vectors/envelope-ephemeral', 'ECDH');
  const shared = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: ecdh.publicKey }, eph.privateKey, 256));
  const info = concat(utf8(`fv1/envelope|${GROUP}|${EPOCH}|`), eph.raw, ecdh.spki);
  const kwBytes = await hkdf(shared, empty, info, 32);
  const kw = await subtle.importKey('raw', kwBytes, 'AES-KW', false, ['wrapKey']);
  const gdkKey = await subtle.importKey('raw', GDK, 'AES-GCM', true, ['encrypt']);
  const wrapped = new Uint8Array(await subtle.wrapKey('raw', gdkKey, kw, 'AES-KW'));
  const body = { v: 1, alg: 'ECDH-ES+A256KW', kid: ecdh.kid, epk: b64(eph.raw), wrapped: b64(wrapped), group: GROUP, epoch: EPOCH, by: ecdsa.kid };
  const envSigned = JSON.stringify([body.v, body.alg, body.kid, body.epk, body.wrapped, body.group, body.epoch, body.by]);
  const envelope = { ...body, sig: b64(await ecdsaSign(ecdsa.privateKey, utf8(envSigned))) };
  write('envelope.json', {
    description: 'A group data key wrapped for the account ECDH key of account.json, signed by its ECDSA key (docs/formats.md §5). sig is ECDSA (randomized): verify it.',
    gdkHex: hex(GDK),
    group: GROUP,
    epoch: EPOCH,
    recipient: { spkiHex: hex(ecdh.spki), pkcs8Hex: hex(ecdh.pkcs8), kid: ecdh.kid },
    signer: { spkiHex: hex(ecdsa.spki), kid: ecdsa.kid },
    ephemeral: { dHex: hex(eph.d), pkcs8Hex: hex(eph.pkcs8), rawHex: hex(eph.raw) },
    sharedSecretHex: hex(shared),
    hkdf: { saltHex: '', infoHex: hex(info), infoPrefix: `fv1/envelope|${GROUP}|${EPOCH}|`, length: 32 },
    kwKeyHex: hex(kwBytes),
    wrappedHex: hex(wrapped),
    signedText: envSigned,
    envelope,
    wire: { group: GROUP, epoch: EPOCH, kid: ecdh.kid, envelope },
  });

  // ---- §6 group working keys ----
  const gSalt = utf8(`fv1|${GROUP}|${EPOCH}`);
  const pageKey = await hkdf(GDK, gSalt, utf8('fv1/page'), 32);
  const blobKey = await hkdf(GDK, gSalt, utf8('fv1/blob'), 32);
  const recordKey = await hkdf(GDK, gSalt, utf8('fv1/record'), 32);
  write('group-keys.json', {
    description: 'HKDF-SHA256 of the group data key (GDK) into the page, blob and record keys of one group epoch (docs/formats.md §6).',
    gdkHex: hex(GDK),
    group: GROUP,
    epoch: EPOCH,
    salt: text(`fv1|${GROUP}|${EPOCH}`),
    pageKeyHex: hex(pageKey),
    blobKeyHex: hex(blobKey),
    recordKeyHex: hex(recordKey),
  });

  // ---- §7 synced records ----
  const node = '4d2c8e1f0a3b5c6d';
  const st = (wall: number, counter: number) => wall.toString(16).padStart(13, '0') + counter.toString(16).padStart(4, '0') + node;
  const records = [
    {
      name: 'live record with a photo',
      recordId: '7c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
      collection: 'contact',
      record: {
        id: '7c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
        f: {
          name: ['Zoë Example', st(1_700_000_000_000, 0)],
          phone: [null, st(1_700_000_000_500, 1)],
          photos: [[{ id: '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b', name: 'front.jpg', type: 'image/jpeg', size: 262_184, chunks: 2 }], st(1_700_000_000_000, 0)],
        },
        c: st(1_700_000_000_000, 0),
        u: st(1_700_000_000_500, 1),
        by: USER_ID,
      },
      ivHex: hex(seq(12, 0x50)),
    },
    {
      name: 'tombstone',
      recordId: '8d2e3f4a-5b6c-4d7e-9f8a-1b2c3d4e5f6a',
      collection: 'visit',
      record: { id: '8d2e3f4a-5b6c-4d7e-9f8a-1b2c3d4e5f6a', f: {}, c: st(1_699_000_000_000, 0), u: st(1_700_000_100_000, 0), d: st(1_700_000_100_000, 0), by: USER_ID },
      ivHex: hex(seq(12, 0x60)),
    },
  ];
  const recordVectors = [];
  for (const r of records) {
    const json = JSON.stringify({ t: r.collection, r: r.record });
    const bodyBytes = utf8(json);
    const plain = new Uint8Array(Math.ceil((4 + bodyBytes.length) / 256) * 256);
    new DataView(plain.buffer).setUint32(0, bodyBytes.length);
    plain.set(bodyBytes, 4);
    const aad = `fv1/record|${GROUP}|${r.recordId}|${EPOCH}`;
    const iv = Buffer.from(r.ivHex, 'hex');
    const sealed = concat(new Uint8Array([1]), await sealBox(recordKey, new Uint8Array(iv), plain, utf8(aad)));
    recordVectors.push({ ...r, group: GROUP, epoch: EPOCH, json, plaintextHex: hex(plain), aad: text(aad), sealedHex: hex(sealed), sealedBase64: b64(sealed) });
  }
  // v2 (written): {"t": collection, "p": the record as a one-row page body, layout 2 (§14.6)}.
  const v2Records = [
    { name: 'v2: live record, a cleared field, a field stamp older than u', collection: 'contact', record: PAGE_RECORDS.a2, ivHex: hex(seq(12, 0x51)) },
    { name: 'v2: tombstone', collection: 'visit', record: PAGE_RECORDS.e, ivHex: hex(seq(12, 0x61)) },
    { name: 'v2: re-created after a delete (z), with a property a later version adds', collection: 'contact', record: { ...PAGE_RECORDS.f, x: { since: 3 } }, ivHex: hex(seq(12, 0x71)) },
  ];
  const recordV2Vectors = [];
  for (const r of v2Records) {
    const json = `{"t":${JSON.stringify(r.collection)},"p":${layout2([r.record])}}`;
    const plain = pad(utf8(json), 256);
    const aad = `fv2/record|${GROUP}|${r.record.id}|${EPOCH}`;
    const sealed = concat(new Uint8Array([2]), await sealBox(recordKey, new Uint8Array(Buffer.from(r.ivHex, 'hex')), plain, utf8(aad)));
    recordV2Vectors.push({ name: r.name, recordId: r.record.id, collection: r.collection, record: r.record, group: GROUP, epoch: EPOCH, ivHex: r.ivHex, json, plaintextHex: hex(plain), aad: text(aad), sealedHex: hex(sealed), sealedBase64: b64(sealed) });
  }
  write('record.json', {
    description: 'Records as they travel to the server, sealed under the record key of group-keys.json (docs/formats.md §7). "vectors" are format v1 (still read, no longer written); "v2" is the format written now.',
    recordKeyHex: hex(recordKey),
    vectors: recordVectors,
    v2: recordV2Vectors,
  });

  // ---- §14 the local page store ----
  const COLLECTION = 'contact';
  const R = PAGE_RECORDS;
  const sealItem = async (which: string, collection: string, generation: number, json: string, iv: Uint8Array<ArrayBuffer>) => {
    const header = new Uint8Array(9);
    const dv = new DataView(header.buffer);
    dv.setUint8(0, 3);
    dv.setUint32(1, EPOCH);
    dv.setUint32(5, generation);
    const aad = `fv3/${which}|${GROUP}|${collection}|${generation}|${EPOCH}`;
    const plain = pad(utf8(json), 4096);
    return { aad: text(aad), headerHex: hex(header), ivHex: hex(iv), plaintextBytes: plain.length, sealedHex: hex(concat(header, await sealBox(pageKey, iv, plain, utf8(aad)))) };
  };
  // A collection as a log: pages 2, 5 and 6 (the tail); a snapshot of the directory as of seq 6; the manifest of generation 9.
  const logPages = [
    { seq: 2, gen: 3, records: [R.a1, R.b1, R.c], cur: 1, iv: seq(12, 0xc1) },
    { seq: 5, gen: 7, records: [R.a2, R.d1, R.e, R.f], cur: 3, iv: seq(12, 0xd1) },
    { seq: 6, gen: 9, records: [R.b2, R.d2], cur: 2, iv: seq(12, 0xe1) },
  ];
  const pagesOut = [];
  for (const pg of logPages) {
    const json = layout2(pg.records);
    pagesOut.push({ seq: pg.seq, generation: pg.gen, n: pg.records.length, cur: pg.cur, records: pg.records, json, ...(await sealItem(`page|${pg.seq}`, COLLECTION, pg.gen, json, pg.iv)) });
  }
  // Directory as of the snapshot (upto = 6, the tail's seq then): B was already on page 6, D still on page 5.
  const snapshotDir: [string, number][] = [[R.a2.id, 5], [R.b2.id, 6], [R.c.id, 2], [R.d1.id, 5], [R.e.id, 5], [R.f.id, 5]];
  const bySeq = new Map<number, string[]>();
  for (const [id, s] of snapshotDir) bySeq.set(s, [...(bySeq.get(s) ?? []), id]);
  const dirJson = JSON.stringify([...bySeq].sort((x, y) => x[0] - y[0]));
  const snap = { gen: 1, pages: 1, upto: 6 };
  const directoryOut = [{ index: 0, generation: snap.gen, json: dirJson, ...(await sealItem('dir|0', COLLECTION, snap.gen, dirJson, seq(12, 0xf1))) }];
  // Page list entries: [seq, gen, n, cur], or just n for the page right after the previous entry's, same gen, all current.
  const manifestFor = (m: { next: number; count: number; pages: number[][]; snap: number[] | null; damaged?: string[] }) =>
    JSON.stringify({
      v: 3,
      next: m.next,
      count: m.count,
      pages: m.pages.map(([s, g, n, cur], i) => {
        const prev = m.pages[i - 1];
        return prev && s === prev[0]! + 1 && g === prev[1] && cur === n ? n : [s, g, n, cur];
      }),
      snap: m.snap,
      ...(m.damaged ? { damaged: m.damaged } : {}),
    });
  const manifests = [
    {
      name: 'log with a directory snapshot',
      collection: COLLECTION,
      generation: 9,
      manifest: { v: 3, next: 7, count: 5, pages: logPages.map((p) => ({ seq: p.seq, gen: p.gen, n: p.records.length, cur: p.cur })), snap },
      json: manifestFor({ next: 7, count: 5, pages: logPages.map((p) => [p.seq, p.gen, p.records.length, p.cur]), snap: [snap.gen, snap.pages, snap.upto] }),
      iv: seq(12, 0xb1),
    },
    {
      name: 'migrated from v2 (pages 1 and 2 delta-coded) with a damaged old page, no snapshot yet',
      collection: 'visit',
      generation: 4,
      manifest: { v: 3, next: 3, count: 5, pages: [{ seq: 0, gen: 4, n: 2, cur: 2 }, { seq: 1, gen: 4, n: 3, cur: 3 }, { seq: 2, gen: 4, n: 1, cur: 1 }], snap: null, damaged: ['page visit/1'] },
      json: manifestFor({ next: 3, count: 5, pages: [[0, 4, 2, 2], [1, 4, 3, 3], [2, 4, 1, 1]], snap: null, damaged: ['page visit/1'] }),
      iv: seq(12, 0xb9),
    },
  ];
  const manifestsOut = [];
  for (const m of manifests) manifestsOut.push({ name: m.name, collection: m.collection, generation: m.generation, manifest: m.manifest, json: m.json, ...(await sealItem('manifest', m.collection, m.generation, m.json, m.iv)) });
  // What a reader rebuilds: snapshot, then pages with seq >= upto replayed in seq order (later wins).
  const dir = new Map(snapshotDir);
  for (const pg of logPages) if (pg.seq >= snap.upto) for (const r of pg.records) dir.set(r.id, pg.seq);
  const current = [...dir].map(([id, s]) => logPages.find((p) => p.seq === s)!.records.find((r) => r.id === id)!);
  write('page-store.json', {
    description: 'One collection of the log-structured page store, sealed under the page key of group-keys.json (docs/formats.md §14): three log pages (6 is the open tail), a one-page directory snapshot as of seq 6, the manifest; plus a migrated manifest with a damaged list. "directory" and "current" are what a reader rebuilds.',
    pageKeyHex: hex(pageKey),
    partition: GROUP,
    epoch: EPOCH,
    collection: COLLECTION,
    pages: pagesOut,
    directoryPages: directoryOut,
    manifests: manifestsOut,
    directory: Object.fromEntries(dir),
    current,
  });

  // ---- §8 attachment chunks ----
  const CHUNK = 256 * 1024;
  const blobs = [];
  for (const [name, blobId, size, ivBase] of [
    ['two chunks', '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b', CHUNK + 40, 0x70],
    ['empty file (one empty chunk)', '4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c', 0, 0x80],
  ] as const) {
    const plain = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff);
    const count = Math.max(1, Math.ceil(size / CHUNK));
    const chunks = [];
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      const aad = `fv1/chunk|${GROUP}|${blobId}|${i}|${last ? 1 : 0}`;
      const iv = seq(12, ivBase + i * 12);
      const part = plain.subarray(i * CHUNK, (i + 1) * CHUNK);
      const sealed = await sealBox(blobKey, iv, new Uint8Array(part), utf8(aad));
      chunks.push({ index: i, ivHex: hex(iv), aad: text(aad), plainBytes: part.length, sealedBytes: sealed.length, sealedSha256: hex(sha256(sealed)), ...(sealed.length <= 1024 ? { sealedHex: hex(sealed) } : {}) });
    }
    blobs.push({ name, blobId, partition: GROUP, epoch: EPOCH, size, plaintext: 'byte i = (7*i + 3) mod 256', chunks });
  }
  write('chunk.json', {
    description: 'Attachment chunks sealed under the blob key of group-keys.json (docs/formats.md §8). Large chunks are given by length and SHA-256 of the sealed bytes.',
    blobKeyHex: hex(blobKey),
    chunkBytes: CHUNK,
    blobs,
  });

  // ---- §9 unlock code slots ----
  const code = '0123456789ABCDEFGHJKMNPQRSTV';
  const codeSalt = seq(16, 0x90);
  const codeInfo = `fv1/unlock-kek|${USER_ID}`;
  const codeKek = await hkdf(utf8(code), codeSalt, utf8(codeInfo), 32);
  const slotE = await sealBox(codeKek, seq(12, 0xa0), ecdh.pkcs8, utf8(aadE));
  const slotS = await sealBox(codeKek, seq(12, 0xb0), ecdsa.pkcs8, utf8(aadS));
  write('unlock-code.json', {
    description: 'One unlock code slot for the account keys of account.json (docs/formats.md §9).',
    userId: USER_ID,
    typed: ['o123-4567-89ab-cdef-ghjk-mnpq-rstv', '0123 4567 89AB CDEF GHJK MNPQ RSTV', 'O123456789abcdefghjkmnpqrstv'],
    code,
    display: code.match(/.{1,4}/g)!.join('-'),
    codeSha256Hex: hex(sha256(code)),
    saltHex: hex(codeSalt),
    info: text(codeInfo),
    codeKekHex: hex(codeKek),
    slot: {
      id: 'c0de0000-1111-4222-8333-444455556666',
      wrappedEcdh: { ivHex: hex(seq(12, 0xa0)), aad: text(aadE), sealedHex: hex(slotE) },
      wrappedEcdsa: { ivHex: hex(seq(12, 0xb0)), aad: text(aadS), sealedHex: hex(slotS) },
    },
    wire: { salt: b64(codeSalt), wrappedEcdh: b64(slotE), wrappedEcdsa: b64(slotS) },
  });

  // ---- §10 DPoP ----
  const dev = await p256('fieldvault/vectors/device', 'ECDSA');
  const dpopHeader = JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: dev.jwk.x, y: dev.jwk.y } });
  const dpops = [];
  for (const req of [
    { name: 'POST with a session token and a body', method: 'post', url: 'https://vault.example.org/api/v1/sync/push?x=1#f', token: 'QWxhZGRpbjpvcGVuIHNlc2FtZS10b2tlbi0wMDAwMDE', body: '{"changes":[]}', now: 1_700_000_000_999, jti: seq(16, 0xc0) },
    { name: 'GET without a token or a body', method: 'GET', url: 'https://vault.example.org/api/v1/auth/prelogin', token: undefined, body: undefined, now: 1_700_000_001_000, jti: seq(16, 0xd0) },
  ]) {
    const u = new URL(req.url);
    const claims: Record<string, string | number> = {
      jti: b64url(req.jti),
      htm: req.method.toUpperCase(),
      htu: u.origin + u.pathname,
      iat: Math.floor(req.now / 1000),
      bh: b64url(sha256(req.body ?? '')),
    };
    if (req.token !== undefined) claims.ath = b64url(sha256(req.token));
    const claimsText = JSON.stringify(claims);
    const input = `${b64url(utf8(dpopHeader))}.${b64url(utf8(claimsText))}`;
    const sig = await ecdsaSign(dev.privateKey, utf8(input));
    dpops.push({ name: req.name, request: { method: req.method, url: req.url, token: req.token ?? null, body: req.body ?? null, now: req.now }, jtiHex: hex(req.jti), claims, claimsText, signingInput: input, proof: `${input}.${b64url(sig)}` });
  }
  const jkt = b64url(sha256(JSON.stringify({ crv: 'P-256', kty: 'EC', x: dev.jwk.x, y: dev.jwk.y })));
  write('dpop.json', {
    description: 'DPoP proofs by a fixed device key (docs/formats.md §10). jti is random in the app: compare every claim but jti; signatures are ECDSA (randomized): verify them.',
    device: { jwk: dev.jwk, publicJwk: dev.pubJwk, spkiHex: hex(dev.spki), jkt },
    headerText: dpopHeader,
    vectors: dpops,
  });

  // ---- §11 signed statements, §12 server secrets ----
  const serverSecret = 'fieldvault-test-vector-server-secret-0001';
  const secret = Buffer.from(serverSecret, 'utf8');
  const hm = (label: string, value: string) => createHmac('sha256', secret).update(`${label}\0${value}`).digest();
  const seed = hm('policy-signing-key', '');
  const edPkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const edKey = createPrivateKey({ key: edPkcs8, format: 'der', type: 'pkcs8' });
  const edSpki = createPublicKey(edKey).export({ format: 'der', type: 'spki' });
  const edSig = (s: string) => edSign(null, Buffer.from(s, 'utf8'), edKey).toString('base64');
  const policyStatement = JSON.stringify({
    v: 1,
    deviceId: DEVICE_ID,
    userId: USER_ID,
    issuedAt: 1_700_000_000_000,
    policy: { sessionTimeoutMinutes: 15, passwordAttempts: { max: 5, action: 'wipe' }, forceServerContactHours: 72, checkPolicyOnLogin: true },
  });
  const commandStatement = JSON.stringify({ v: 1, id: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f', deviceId: DEVICE_ID, kind: 'wipe', issuedAt: 1_700_000_000_000, expiresAt: 1_700_604_800_000 });
  write('signed-statements.json', {
    description: 'Ed25519 policy and command statements signed with the key derived from a fixed server secret (docs/formats.md §11). Ed25519 is deterministic: every byte is fixed.',
    serverSecret,
    seedHex: seed.toString('hex'),
    pkcs8Hex: edPkcs8.toString('hex'),
    publicKeySpki: edSpki.toString('base64'),
    deviceId: DEVICE_ID,
    userId: USER_ID,
    policy: { statement: policyStatement, sig: edSig(policyStatement) },
    command: { statement: commandStatement, sig: edSig(commandStatement) },
  });

  const unlockKey = hm('unlock-code-key', '');
  const totpKey = hm('totp-key', '');
  const serverSeal = async (key: Buffer, iv: Uint8Array<ArrayBuffer>, aad: string, value: string) => b64(await sealBox(new Uint8Array(key), iv, utf8(value), utf8(aad)));
  const codeId = 'c0de0000-1111-4222-8333-444455556666';
  const totpSecret = seq(20, 0xe0);
  const scryptSalt = seq(16, 0xf0);
  const scryptHash = scryptSync(newAuthKey, scryptSalt, 32, { N: 1024, r: 8, p: 1 });
  write('server-secrets.json', {
    description: 'What the server derives from its secret and what it stores sealed or hashed (docs/formats.md §12).',
    serverSecret,
    derived: {
      'unlock-code-key': unlockKey.toString('hex'),
      'totp-key': totpKey.toString('hex'),
      'policy-signing-key': seed.toString('hex'),
      'vapid-key/0': hm('vapid-key', '0').toString('hex'),
    },
    prelogin: { username: 'nobody@example.org', salt: hm('prelogin-salt', 'nobody@example.org').subarray(0, 16).toString('base64') },
    unlockCode: { id: codeId, userId: USER_ID, code, aad: `fv1/unlock-code|${codeId}|${USER_ID}`, ivHex: hex(seq(12, 0x11)), sealed: await serverSeal(unlockKey, seq(12, 0x11), `fv1/unlock-code|${codeId}|${USER_ID}`, code), codeHash: hex(sha256(code)) },
    totp: { userId: USER_ID, secretHex: hex(totpSecret), text: b64(totpSecret), aad: `fv1/totp|${USER_ID}`, ivHex: hex(seq(12, 0x22)), sealed: await serverSeal(totpKey, seq(12, 0x22), `fv1/totp|${USER_ID}`, b64(totpSecret)) },
    slowHash: { secretHex: hex(newAuthKey), params: { N: 1024, r: 8, p: 1 }, stored: ['scrypt', 1024, 8, 1, b64(scryptSalt), scryptHash.toString('base64')].join('$') },
    token: { token: 'QWxhZGRpbjpvcGVuIHNlc2FtZS10b2tlbi0wMDAwMDE', sha256Hex: hex(sha256('QWxhZGRpbjpvcGVuIHNlc2FtZS10b2tlbi0wMDAwMDE')) },
  });
}

await main();
