import { z } from 'zod';
import type { StoredRecord } from '../../../src/domain/record';
import { VaultError } from '../../../src/lib/errors';
import { padTexts, unpadText, utf8, utf8Each } from '../../../src/lib/bytes';
import { open, sealMany } from '../crypto/aead';
import type { RecordKey } from '../crypto/keys';
import { decodeRecords, encodeRecords } from '../storage/record-codec';

/**
 * A record as it travels to the server (DESIGN §6):
 *
 *   version u8 ‖ IV (12) ‖ AES-256-GCM( u32 BE length ‖ JSON ‖ zeros to a multiple of 256 B )
 *   AAD = "fv<version>/record|<group>|<record id>|<epoch>"
 *
 *   v1 JSON: {"t": collection, "r": StoredRecord}
 *   v2 JSON: {"t": collection, "p": the record as a one-record page body (record-codec.ts, layout 2)}
 *
 * v2 is written (about half the bytes of v1: field names and the common
 * stamp are not repeated); v1 is still read. The collection name and every
 * field travel inside the ciphertext; group, record id and epoch are the
 * routing metadata the server sees anyway, bound here so a change cannot be
 * replayed under another record or group.
 */
export const RECORD_FORMAT_VERSION = 2;
const READABLE: ReadonlySet<number> = new Set([1, 2]);
const PAD = 256;

export interface SyncedRecord {
  collection: string;
  record: StoredRecord;
}

/** HLC stamp: 13 hex wall + 4 hex counter + device id (src/domain/hlc.ts). */
const Stamp = z.string().regex(/^[0-9a-f]{17}[0-9A-Za-z_-]{1,64}$/);
const Collection = z.string().regex(/^[a-z][a-z0-9_]*$/);
/**
 * What a decrypted change must look like before it is merged: authentic
 * (it decrypted under the group key) is not the same as well-formed (an
 * older or buggy app version may have written it). Properties a later
 * version adds are kept, so they survive this device's merge and re-push.
 */
const RecordShape = z.looseObject({
  id: z.string().uuid(),
  f: z.record(z.string(), z.tuple([z.unknown(), Stamp])),
  c: Stamp,
  u: Stamp,
  d: Stamp.optional(),
  z: Stamp.optional(),
  by: z.string().max(100),
});
const V1 = z.object({ t: Collection, r: RecordShape });
const V2 = z.object({ t: Collection, p: z.unknown() });

const aadText = (version: number, group: string, id: string, epoch: number) => `fv${version}/record|${group}|${id}|${epoch}`;
const aad = (version: number, group: string, id: string, epoch: number) => utf8(aadText(version, group, id, epoch));

/** Seals each record of `collection` as one change (one AES-GCM message each), in the current format. */
export function sealRecords(key: RecordKey, group: string, epoch: number, collection: string, records: readonly StoredRecord[]): Promise<Uint8Array<ArrayBuffer>[]> {
  const t = JSON.stringify(collection);
  const texts = records.map((r) => `{"t":${t},"p":${encodeRecords([r])}}`);
  const plaintexts = padTexts(texts, PAD);
  const aads = utf8Each(records.map((r) => aadText(RECORD_FORMAT_VERSION, group, r.id, epoch)));
  return sealMany(key, records.map((_, i) => ({ plaintext: plaintexts[i]!, aad: aads[i]! })), new Uint8Array([RECORD_FORMAT_VERSION]));
}

export async function sealRecord(key: RecordKey, group: string, epoch: number, collection: string, record: StoredRecord): Promise<Uint8Array<ArrayBuffer>> {
  return (await sealRecords(key, group, epoch, collection, [record]))[0]!;
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
  const version = data[0]!;
  if (!READABLE.has(version)) throw new VaultError('UnsupportedVersion', `${what} format v${version}`);
  const plain = await open(key, data, aad(version, group, recordId, epoch), what, 1);
  let json: unknown;
  try {
    const text = unpadText(plain);
    if (text === null) throw new TypeError('length');
    json = JSON.parse(text);
  } catch {
    throw new VaultError('Tampered', `${what} content`);
  }
  let collection: string;
  let record: unknown;
  if (version === 1) {
    const v = V1.safeParse(json);
    if (!v.success) throw new VaultError('Tampered', `${what} content`);
    ({ t: collection, r: record } = v.data);
  } else {
    const v = V2.safeParse(json);
    let list: StoredRecord[] = [];
    try {
      if (v.success) list = decodeRecords(v.data.p, 2);
    } catch {
      /* reported below */
    }
    if (!v.success || list.length !== 1) throw new VaultError('Tampered', `${what} content`);
    collection = v.data.t;
    record = list[0];
  }
  const r = RecordShape.safeParse(record);
  if (!r.success || r.data.id !== recordId) throw new VaultError('Tampered', `${what} content`);
  return { collection, record: r.data as StoredRecord };
}
