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
  write('record.json', {
    description: 'Records as they travel to the server, sealed under the record key of group-keys.json (docs/formats.md §7).',
    recordKeyHex: hex(recordKey),
    vectors: recordVectors,
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
