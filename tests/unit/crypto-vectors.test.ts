import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/lib/bytes';
import { hkdfBytes, importHkdfBase } from '../../workers/vault/crypto/hkdf';
import { aesKwUnwrap, aesKwWrap } from '../../workers/vault/crypto/aes-kw';

// RFC 5869 Appendix A, test cases 1-3 (SHA-256).
const HKDF_CASES = [
  {
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    len: 42,
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    ikm: Array.from({ length: 80 }, (_, i) => i.toString(16).padStart(2, '0')).join(''),
    salt: Array.from({ length: 80 }, (_, i) => (0x60 + i).toString(16).padStart(2, '0')).join(''),
    info: Array.from({ length: 80 }, (_, i) => (0xb0 + i).toString(16).padStart(2, '0')).join(''),
    len: 82,
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '',
    info: '',
    len: 42,
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

describe('HKDF-SHA256 (RFC 5869 vectors through our wrapper)', () => {
  for (const [i, c] of HKDF_CASES.entries()) {
    it(`test case ${i + 1}`, async () => {
      const okm = await hkdfBytes(await importHkdfBase(fromHex(c.ikm)), fromHex(c.salt), fromHex(c.info), c.len);
      expect(toHex(okm)).toBe(c.okm);
    });
  }
});

// RFC 3394 §4.1 (128-bit KEK, 128-bit data) and §4.6 (256-bit KEK, 256-bit data).
const KW_CASES = [
  {
    kek: '000102030405060708090A0B0C0D0E0F',
    data: '00112233445566778899AABBCCDDEEFF',
    wrapped: '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5',
  },
  {
    kek: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    data: '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F',
    wrapped: '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21',
  },
];

describe('AES-KW (RFC 3394 vectors through our wrapper)', () => {
  for (const c of KW_CASES) {
    it(`${c.kek.length * 4}-bit KEK wraps ${c.data.length * 4}-bit key`, async () => {
      const kek = await crypto.subtle.importKey('raw', fromHex(c.kek), 'AES-KW', false, ['wrapKey', 'unwrapKey']);
      expect(toHex(await aesKwWrap(kek, fromHex(c.data))).toUpperCase()).toBe(c.wrapped);
      const back = await aesKwUnwrap(kek, fromHex(c.wrapped), 'AES-GCM', ['encrypt'], true);
      expect(toHex(new Uint8Array(await crypto.subtle.exportKey('raw', back))).toUpperCase()).toBe(c.data);
    });
  }

  it('rejects a wrapped key with one flipped bit', async () => {
    const c = KW_CASES[0]!;
    const kek = await crypto.subtle.importKey('raw', fromHex(c.kek), 'AES-KW', false, ['unwrapKey']);
    const bad = fromHex(c.wrapped);
    bad[3]! ^= 1;
    await expect(aesKwUnwrap(kek, bad, 'AES-GCM', ['encrypt'])).rejects.toThrow();
  });
});
