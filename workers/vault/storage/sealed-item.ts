import { VaultError } from '../../../src/lib/errors';
import { padText, unpadText, utf8 } from '../../../src/lib/bytes';
import { open, seal } from '../crypto/aead';
import type { PageKey } from '../crypto/keys';

/**
 * The stored form of everything the page store seals: log pages, directory
 * pages and manifests (DESIGN §4; byte layout in docs/formats.md):
 *
 *   header (9 bytes, clear): version u8 ‖ epoch u32 BE ‖ generation u32 BE
 *   IV (12) ‖ AES-256-GCM( u32 BE length ‖ UTF-8 JSON ‖ zeros to a multiple of 4 KiB )
 *
 * The AAD binds the format version, what the item is (page n, directory
 * page n, or the manifest), partition, collection, generation and epoch, so
 * an item cannot be swapped, moved or replayed under another name.
 *
 * v3 is the log-structured store and the only version written. v1 and v2
 * (pages placed by a hash of the record id) are still opened, to migrate them.
 */
export const FORMAT_VERSION = 3;
const READABLE_VERSIONS: ReadonlySet<number> = new Set([1, 2, 3]);
export const HEADER_BYTES = 9;
export const PAD_BYTES = 4096;

export interface Header {
  version: number;
  epoch: number;
  generation: number;
}

/** Where a sealed item lives. */
export type Slot =
  | { partition: string; collection: string; kind: 'page' | 'dir'; n: number }
  | { partition: string; collection: string; kind: 'manifest' };

export const describeSlot = (s: Slot): string =>
  s.kind === 'manifest' ? `manifest ${s.collection}` : `${s.kind === 'page' ? 'page' : 'directory page'} ${s.collection}/${s.n}`;

/** "fv<version>/<page|n | dir|n | manifest>|<partition>|<collection>|<generation>|<epoch>", UTF-8. */
function aad(s: Slot, h: Header): Uint8Array<ArrayBuffer> {
  const which = s.kind === 'manifest' ? 'manifest' : `${s.kind}|${s.n}`;
  return utf8(`fv${h.version}/${which}|${s.partition}|${s.collection}|${h.generation}|${h.epoch}`);
}

function encodeHeader(h: Header): Uint8Array {
  const b = new Uint8Array(HEADER_BYTES);
  const dv = new DataView(b.buffer);
  dv.setUint8(0, h.version);
  dv.setUint32(1, h.epoch);
  dv.setUint32(5, h.generation);
  return b;
}

/** Reads the clear header. Throws UnsupportedVersion for formats this build does not know. */
export function readHeader(data: Uint8Array, s: Slot): Header {
  if (data.length < HEADER_BYTES) throw new VaultError('Tampered', `${describeSlot(s)} is truncated`);
  const dv = new DataView(data.buffer, data.byteOffset, HEADER_BYTES);
  const version = dv.getUint8(0);
  if (!READABLE_VERSIONS.has(version)) throw new VaultError('UnsupportedVersion', `${describeSlot(s)} format v${version}`);
  return { version, epoch: dv.getUint32(1), generation: dv.getUint32(5) };
}

/** Seals a JSON text (already serialized, so callers can size it first) in the current format. */
export function sealJson(key: PageKey, s: Slot, epoch: number, generation: number, json: string): Promise<Uint8Array<ArrayBuffer>> {
  const h: Header = { version: FORMAT_VERSION, epoch, generation };
  return seal(key, padText(json, PAD_BYTES), aad(s, h), encodeHeader(h));
}

/**
 * Opens a sealed item and parses its JSON. `keyFor` picks the key of the
 * epoch named in the header. Every failure is Tampered naming the slot.
 */
export async function openJson<T>(
  keyFor: (epoch: number) => PageKey | undefined,
  s: Slot,
  data: Uint8Array<ArrayBuffer>,
): Promise<{ header: Header; value: T }> {
  const what = describeSlot(s);
  const header = readHeader(data, s);
  const key = keyFor(header.epoch);
  if (!key) throw new VaultError('Tampered', `${what} names unknown epoch ${header.epoch}`);
  const plain = await open(key, data, aad(s, header), what, HEADER_BYTES);
  const text = unpadText(plain);
  if (text === null) throw new VaultError('Tampered', `${what} length`);
  try {
    return { header, value: JSON.parse(text) as T };
  } catch {
    throw new VaultError('Tampered', `${what} content`);
  }
}
