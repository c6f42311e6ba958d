/**
 * The id directory of a collection (DESIGN §4): record id → seq of the log
 * page that holds its current version. It lives in memory while unlocked
 * and is persisted as a snapshot in encrypted directory pages; the pages
 * written after the snapshot are replayed over it. Pure codecs here; the
 * page store does the I/O.
 */
export type Directory = Map<string, number>;

/** Plaintext budget of one directory page (JSON, before padding). */
export const DIRECTORY_PAGE_BYTES = 256 * 1024;

/**
 * Snapshot bodies: JSON `[[seq, [id, id, …]], …]`, ids grouped by the page
 * holding them (so a seq is written once, not once per id), each body at
 * most about `maxBytes`. A page's ids may continue in the next body.
 */
export function encodeDirectory(dir: Directory, maxBytes = DIRECTORY_PAGE_BYTES): string[] {
  const bySeq = new Map<number, string[]>();
  for (const [id, seq] of dir) {
    let ids = bySeq.get(seq);
    if (!ids) bySeq.set(seq, (ids = []));
    ids.push(id);
  }
  const bodies: string[] = [];
  let parts: string[] = [];
  let size = 2;
  const flush = () => {
    if (parts.length) bodies.push(`[${parts.join(',')}]`);
    parts = [];
    size = 2;
  };
  for (const [seq, ids] of [...bySeq].sort((a, b) => a[0] - b[0])) {
    let start = 0;
    while (start < ids.length) {
      // Ids have a bounded length (UUIDs in the app), so slices are sized by the first one.
      const per = JSON.stringify(ids[start]).length + 1;
      const room = Math.max(1, Math.floor((maxBytes - size - 16) / per));
      const slice = ids.slice(start, start + room);
      const part = `[${seq},${JSON.stringify(slice)}]`;
      if (size + part.length > maxBytes && parts.length) flush();
      parts.push(part);
      size += part.length + 1;
      start += slice.length;
    }
  }
  flush();
  return bodies;
}

/** Adds one parsed snapshot body to `into`. Throws TypeError on a shape it does not know. */
export function decodeDirectory(body: unknown, into: Directory): void {
  if (!Array.isArray(body)) throw new TypeError('"directory" expected an array');
  for (const entry of body) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isInteger(entry[0]) || !Array.isArray(entry[1])) throw new TypeError('"directory" entry is malformed');
    const seq = entry[0] as number;
    for (const id of entry[1] as unknown[]) {
      if (typeof id !== 'string') throw new TypeError('"directory" id must be a string');
      into.set(id, seq);
    }
  }
}
