import { z } from 'zod';
import type { StoredRecord } from '../../src/domain/record';
import { VaultError } from '../../src/lib/errors';
import { fromUtf8, utf8 } from '../../src/lib/bytes';
import { open, seal } from './crypto/aead';
import type { RecordKey } from './crypto/keys';

/**
 * A record as it travels to the server (DESIGN §6):
 *
 *   version u8 ‖ IV (12) ‖ AES-256-GCM( u32 BE length ‖ JSON {t, r} ‖ zeros to 256 B )
 *   AAD = "fv1/record|<group>|<record id>|<epoch>"
 *
 * The collection name and every field travel inside the ciphertext; group,
 * record id and epoch are the routing metadata the server sees anyway, bound
 * here so a change cannot be replayed under another record or group.
 */
export const RECORD_FORMAT_VERSION = 1;
const PAD = 256;

export interface SyncedRecord {
  collection: string;
  record: StoredRecord;
}

/** HLC stamp: 13 hex wall + 4 hex counter + device id (src/domain/hlc.ts). */
const Stamp = z.string().regex(/^[0-9a-f]{17}[0-9A-Za-z_-]{1,64}$/);
/**
 * What a decrypted change must look like before it is merged: authentic
 * (it decrypted under the group key) is not the same as well-formed (an
 * older or buggy app version may have written it).
 */
const SyncedRecordShape = z.object({
  t: z.string().regex(/^[a-z][a-z0-9_]*$/),
  r: z.object({
    id: z.string().uuid(),
    f: z.record(z.string(), z.tuple([z.unknown(), Stamp])),
    c: Stamp,
    u: Stamp,
    d: Stamp.optional(),
    z: Stamp.optional(),
    by: z.string().max(100),
  }),
});

const aad = (group: string, id: string, epoch: number) => utf8(`fv1/record|${group}|${id}|${epoch}`);

export function sealRecord(key: RecordKey, group: string, epoch: number, collection: string, record: StoredRecord): Promise<Uint8Array<ArrayBuffer>> {
  const body = utf8(JSON.stringify({ t: collection, r: record }));
  const plain = new Uint8Array(Math.ceil((4 + body.length) / PAD) * PAD);
  new DataView(plain.buffer).setUint32(0, body.length);
  plain.set(body, 4);
  return seal(key, plain, aad(group, record.id, epoch), new Uint8Array([RECORD_FORMAT_VERSION]));
}

/** Opens a change for `group`/`recordId`/`epoch`. Throws Tampered (naming the record) or UnsupportedVersion. */
export async function openRecord(
  key: RecordKey,
  group: string,
  recordId: string,
  epoch: number,
  data: Uint8Array<ArrayBuffer>,
): Promise<SyncedRecord> {
  const what = `change for record ${recordId}`;
  if (data.length < 1) throw new VaultError('Tampered', `${what} is empty`);
  if (data[0] !== RECORD_FORMAT_VERSION) throw new VaultError('UnsupportedVersion', `${what} format v${data[0]}`);
  const plain = await open(key, data, aad(group, recordId, epoch), what, 1);
  let json: unknown;
  try {
    const len = new DataView(plain.buffer, plain.byteOffset).getUint32(0);
    json = JSON.parse(fromUtf8(plain.subarray(4, 4 + len)));
  } catch {
    throw new VaultError('Tampered', `${what} content`);
  }
  const v = SyncedRecordShape.safeParse(json);
  if (!v.success || v.data.r.id !== recordId) throw new VaultError('Tampered', `${what} content`);
  return { collection: v.data.t, record: v.data.r as StoredRecord };
}
