import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every regular file under `dir`, recursively. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...listFiles(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

export interface Finding {
  file: string;
  what: string;
}

/**
 * Looks through every file of a browser profile for secrets that must never
 * be at rest in the clear: marker strings (as UTF-8 and UTF-16LE, the two
 * ways Chromium stores strings) and any 32-byte run of `secretBytes`.
 *
 * Any 32-byte run of the secret contains a whole 16-byte block aligned at a
 * multiple of 16 in the secret, so indexing those blocks by their first 8
 * bytes finds every run with one lookup per file position.
 */
export function scanProfile(dir: string, markers: string[], secretBytes?: Uint8Array): Finding[] {
  const needles = markers.flatMap((m) => [
    { what: `marker "${m}" (utf8)`, buf: Buffer.from(m, 'utf8') },
    { what: `marker "${m}" (utf16)`, buf: Buffer.from(m, 'utf16le') },
  ]);
  const blocks = new Map<bigint, number[]>();
  if (secretBytes) {
    const s = Buffer.from(secretBytes);
    for (let off = 0; off + 16 <= s.length; off += 16) {
      const k = s.readBigUInt64LE(off);
      blocks.set(k, [...(blocks.get(k) ?? []), off]);
    }
  }
  const findings: Finding[] = [];
  const files = listFiles(dir);
  for (const file of files) {
    const data = readFileSync(file);
    for (const n of needles) if (data.includes(n.buf)) findings.push({ file, what: n.what });
    if (!secretBytes || data.length < 16) continue;
    const s = Buffer.from(secretBytes);
    for (let i = 0; i + 16 <= data.length; i++) {
      const offs = blocks.get(data.readBigUInt64LE(i));
      if (!offs) continue;
      for (const off of offs) {
        if (data.compare(s, off, off + 16, i, i + 16) === 0) {
          findings.push({ file, what: `16-byte block at ${off} of the photo (at file offset ${i})` });
          break;
        }
      }
    }
  }
  return findings;
}
