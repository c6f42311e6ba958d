import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../src/domain/record-ops';
import { brand, type RecordKey } from '../../workers/vault/crypto/keys';
import { openRecord, sealRecord } from '../../workers/vault/sync/record-format';

const G = '11111111-1111-4111-8111-111111111111';
const ID = '22222222-2222-4222-8222-222222222222';
const key = async () => brand<'record'>(await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])) as RecordKey;
const rec = applyEdit(undefined, ID, { name: 'Secret name', notes: 'x'.repeat(300) }, '00000000000010000dev', 'u1');

describe('record format (what travels to the server)', () => {
  it('round-trips and pads to 256 bytes', async () => {
    const k = await key();
    const sealed = await sealRecord(k, G, 1, 'contact', rec);
    expect((sealed.length - 1 - 12 - 16) % 256).toBe(0);
    expect(await openRecord(k, G, ID, 1, sealed)).toEqual({ collection: 'contact', record: rec });
    expect(new TextDecoder('latin1').decode(sealed)).not.toContain('Secret');
  });

  it('a flipped byte anywhere, another record id, group or epoch → Tampered', async () => {
    const k = await key();
    const sealed = await sealRecord(k, G, 1, 'contact', rec);
    for (const i of [1, 5, 13, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      await expect(openRecord(k, G, ID, 1, bad)).rejects.toMatchObject({ code: 'Tampered' });
    }
    await expect(openRecord(k, G, '33333333-3333-4333-8333-333333333333', 1, sealed)).rejects.toMatchObject({ code: 'Tampered' });
    await expect(openRecord(k, '44444444-4444-4444-8444-444444444444', ID, 1, sealed)).rejects.toMatchObject({ code: 'Tampered' });
    await expect(openRecord(k, G, ID, 2, sealed)).rejects.toMatchObject({ code: 'Tampered' });
    const future = sealed.slice();
    future[0] = 9;
    await expect(openRecord(k, G, ID, 1, future)).rejects.toMatchObject({ code: 'UnsupportedVersion' });
  });
});
