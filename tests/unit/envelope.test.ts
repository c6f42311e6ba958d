import { describe, expect, it } from 'vitest';
import { randomBytes, fromBase64, toBase64 } from '../../src/lib/bytes';
import { openEnvelope, sealEnvelope, type Envelope } from '../../workers/vault/crypto/envelope';
import { keyId } from '../../workers/vault/crypto/fingerprint';
import { hkdfBytes } from '../../workers/vault/crypto/hkdf';

async function party() {
  const ecdh = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const ecdsa = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', ecdh.publicKey));
  const sspki = new Uint8Array(await crypto.subtle.exportKey('spki', ecdsa.publicKey));
  return { ecdh, ecdsa, spki, signer: { privateKey: ecdsa.privateKey, kid: await keyId(sspki) } };
}

/** Same GDK ⇒ same HKDF output: lets tests compare unwrapped non-extractable keys. */
const probe = (k: CryptoKey) => hkdfBytes(k, new Uint8Array(0), new Uint8Array([1]), 16);

describe('envelope (ECDH-ES+A256KW, signed)', () => {
  it('round-trips a group key to its recipient', async () => {
    const alice = await party();
    const bob = await party();
    const gdk = randomBytes(32);
    const env = await sealEnvelope(gdk, 'g1', 3, { publicKey: bob.ecdh.publicKey, spki: bob.spki }, alice.signer);
    expect(env.kid).toBe(await keyId(bob.spki));
    const opened = await openEnvelope(env, { privateKey: bob.ecdh.privateKey, spki: bob.spki }, alice.ecdsa.publicKey);
    const expected = await crypto.subtle.importKey('raw', gdk, 'HKDF', false, ['deriveBits']);
    expect(await probe(opened)).toEqual(await probe(expected));
    expect(opened.extractable).toBe(false);
  });

  it('refuses the wrong recipient', async () => {
    const alice = await party();
    const bob = await party();
    const eve = await party();
    const env = await sealEnvelope(randomBytes(32), 'g1', 1, { publicKey: bob.ecdh.publicKey, spki: bob.spki }, alice.signer);
    await expect(openEnvelope(env, { privateKey: eve.ecdh.privateKey, spki: eve.spki }, alice.ecdsa.publicKey)).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    // Even claiming to be the recipient (right spki, wrong private key) fails.
    await expect(openEnvelope(env, { privateKey: eve.ecdh.privateKey, spki: bob.spki }, alice.ecdsa.publicKey)).rejects.toMatchObject({
      code: 'Tampered',
    });
  });

  it('rejects a signature by someone else', async () => {
    const alice = await party();
    const bob = await party();
    const mallory = await party();
    const env = await sealEnvelope(randomBytes(32), 'g1', 1, { publicKey: bob.ecdh.publicKey, spki: bob.spki }, mallory.signer);
    await expect(openEnvelope(env, { privateKey: bob.ecdh.privateKey, spki: bob.spki }, alice.ecdsa.publicKey)).rejects.toMatchObject({
      code: 'Tampered',
    });
  });

  it('rejects a flipped byte in any field', async () => {
    const alice = await party();
    const bob = await party();
    const env = await sealEnvelope(randomBytes(32), 'g1', 1, { publicKey: bob.ecdh.publicKey, spki: bob.spki }, alice.signer);
    const flipB64 = (s: string) => {
      const b = fromBase64(s);
      b[b.length >> 1]! ^= 1;
      return toBase64(b);
    };
    const variants: Envelope[] = [
      { ...env, epk: flipB64(env.epk) },
      { ...env, wrapped: flipB64(env.wrapped) },
      { ...env, sig: flipB64(env.sig) },
      { ...env, group: 'g2' },
      { ...env, epoch: 2 },
    ];
    for (const v of variants)
      await expect(openEnvelope(v, { privateKey: bob.ecdh.privateKey, spki: bob.spki }, alice.ecdsa.publicKey)).rejects.toMatchObject({
        code: 'Tampered',
      });
    await expect(openEnvelope({ ...env, v: 2 }, { privateKey: bob.ecdh.privateKey, spki: bob.spki }, alice.ecdsa.publicKey)).rejects.toMatchObject({
      code: 'UnsupportedVersion',
    });
  });
});
