import { utf8 } from '../../../src/lib/bytes';
import { hkdfAesKey } from './hkdf';
import type { BlobKey, GroupSecret, PageKey, RecordKey } from './keys';

/** The working keys of one group epoch, derived from its GDK (DESIGN §2). */
export interface GroupKeys {
  group: string;
  epoch: number;
  page: PageKey;
  blob: BlobKey;
  /** Seals records that travel to the server (DESIGN §6); never used for local pages. */
  record: RecordKey;
}

export async function deriveGroupKeys(gdk: GroupSecret, group: string, epoch: number): Promise<GroupKeys> {
  const salt = utf8(`fv1|${group}|${epoch}`);
  const [page, blob, record] = await Promise.all([
    hkdfAesKey<'page'>(gdk, salt, 'fv1/page', 'AES-GCM', ['encrypt', 'decrypt']),
    hkdfAesKey<'blob'>(gdk, salt, 'fv1/blob', 'AES-GCM', ['encrypt', 'decrypt']),
    hkdfAesKey<'record'>(gdk, salt, 'fv1/record', 'AES-GCM', ['encrypt', 'decrypt']),
  ]);
  return { group, epoch, page, blob, record };
}
