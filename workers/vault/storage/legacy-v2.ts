import type { StoredRecord } from '../../../src/domain/record';
import { VaultError } from '../../../src/lib/errors';
import type { VaultDb } from '../../common/db';
import type { PageKey } from '../crypto/keys';
import { decodeRecords } from './record-codec';
import { describeSlot, openJson, type Slot } from './sealed-item';

/**
 * Reads a collection stored by the page store of formats v1 and v2, which
 * placed records by a hash of their id (linear hashing): a manifest
 * `{v: 1, level, split, count, bytes, gens}` and pages 0..gens.length-1,
 * each carrying the generation `gens` lists (0 = never written). Used once,
 * to migrate the collection to the log (page-store.ts).
 */
export interface LegacyCollection {
  records: StoredRecord[];
  /** Page numbers stored, all to be deleted by the migration. */
  pages: number[];
  /** Pages that could not be read, named as scans report them. */
  damaged: string[];
}

export async function readLegacyCollection(
  db: VaultDb,
  partition: string,
  collection: string,
  keyFor: (epoch: number) => PageKey | undefined,
): Promise<LegacyCollection> {
  const manifestSlot: Slot = { partition, collection, kind: 'manifest' };
  const row = await db.manifests.get([partition, collection]);
  if (!row) return { records: [], pages: [], damaged: [] };
  const { value } = await openJson<{ gens?: unknown }>(keyFor, manifestSlot, row.data as Uint8Array<ArrayBuffer>);
  const gens = value.gens;
  if (!Array.isArray(gens) || !gens.every((g) => Number.isInteger(g) && g >= 0)) throw new VaultError('Tampered', `${describeSlot(manifestSlot)} content`);
  const stored = await db.pages.where('[partition+collection+page]').between([partition, collection, 0], [partition, collection, Infinity]).toArray();
  // A log page under an old-format manifest: the manifest was put back from before the migration.
  // Migrating would drop the log as unreadable legacy pages.
  if (stored.some((r) => r.data[0]! >= 3)) throw new VaultError('Tampered', `${describeSlot(manifestSlot)} is older than its pages`);
  const byPage = new Map(stored.map((r) => [r.page, r]));
  const records: StoredRecord[] = [];
  const damaged: string[] = [];
  await Promise.all(
    (gens as number[]).map(async (g, page) => {
      if (g === 0) return;
      const slot: Slot = { partition, collection, kind: 'page', n: page };
      const r = byPage.get(page);
      try {
        if (!r) throw new VaultError('Tampered', `${describeSlot(slot)} is missing`);
        const { header, value: body } = await openJson<unknown>(keyFor, slot, r.data as Uint8Array<ArrayBuffer>);
        if (header.generation !== g) throw new VaultError('Tampered', `${describeSlot(slot)} generation ${header.generation}, expected ${g}`);
        records.push(...decodeRecords(body, header.version));
      } catch (e) {
        if (!(e instanceof VaultError) && !(e instanceof TypeError)) throw e;
        damaged.push(e instanceof VaultError && e.detail ? e.detail : describeSlot(slot));
      }
    }),
  );
  return { records, pages: stored.map((r) => r.page), damaged };
}
