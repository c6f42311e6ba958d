/** Small byte helpers shared by formats and crypto. Pure, no I/O. */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (s: string): Uint8Array<ArrayBuffer> => encoder.encode(s);
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);

/**
 * u32 BE byte length ‖ UTF-8 of `text` ‖ zeros to a multiple of `multiple`:
 * the plaintext layout of the sealed formats, so sizes leak only to that multiple.
 */
export function padText(text: string, multiple: number): Uint8Array<ArrayBuffer> {
  const body = utf8(text);
  const out = new Uint8Array(Math.ceil((4 + body.length) / multiple) * multiple);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** The text of padText's layout; null when the length prefix does not fit. Throws TypeError on invalid UTF-8. */
export function unpadText(p: Uint8Array): string | null {
  if (p.length < 4) return null;
  const len = new DataView(p.buffer, p.byteOffset, 4).getUint32(0);
  return len > p.length - 4 ? null : fromUtf8(p.subarray(4, 4 + len));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new TypeError(`"hex" expected an even-length hex string`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Compares without an early exit, so timing does not reveal where two secrets differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Asserts a byte length, naming the parameter (noble-style). */
export function assertBytes(name: string, b: Uint8Array, len?: number): void {
  if (!(b instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array`);
  if (len !== undefined && b.length !== len) throw new TypeError(`"${name}" expected ${len} bytes, got ${b.length}`);
}
