import { fromBase64 } from '../../src/lib/bytes';
import type { AccountGroupsResponse } from '../../src/protocol/groups';
import type { ApiClient } from '../common/api-client';
import { signerKey, type UnlockedAccount } from './account';
import { openEnvelopeBytes, sealEnvelope, type Recipient } from './crypto/envelope';
import { keyId } from './crypto/fingerprint';
import type { ServerContext } from './server-account';

/**
 * The organisation's optional recovery key (DESIGN §3, README): an extra
 * recipient of every group key. The server announces it, but a device wraps
 * to it only if its own build pins the same key id: otherwise a server could
 * name a key of its own and receive every group key.
 */
export async function pinnedRecovery(ctx: ServerContext, announced: AccountGroupsResponse['recovery']): Promise<Recipient | null> {
  if (!announced || !ctx.recoveryKid || announced.kid !== ctx.recoveryKid) return null;
  const spki = fromBase64(announced.ecdhSpki);
  if ((await keyId(spki)) !== ctx.recoveryKid) return null;
  return { publicKey: await crypto.subtle.importKey('spki', spki, { name: 'ECDH', namedCurve: 'P-256' }, true, []), spki };
}

/** Wraps, for each group this account owns, every epoch the recovery key does not have yet. */
export async function wrapForRecovery(ctx: ServerContext, api: ApiClient, account: UnlockedAccount, listing: AccountGroupsResponse): Promise<void> {
  const recovery = await pinnedRecovery(ctx, listing.recovery);
  if (!recovery) return;
  const opener = { privateKey: account.ecdh.privateKey, spki: account.ecdh.spki };
  const signer = { privateKey: account.ecdsa.privateKey, kid: account.ecdsa.kid };
  for (const g of listing.groups) {
    if (!g.members.some((m) => m.userId === account.userId && m.role === 'owner')) continue;
    const mine = (await ctx.db.envelopes.where('kid').equals(account.ecdh.kid).toArray()).filter((r) => r.group === g.id && !g.recoveryEpochs.includes(r.epoch));
    if (!mine.length) continue;
    const envelopes = [];
    for (const row of mine) {
      const gdk = await openEnvelopeBytes(row.envelope, opener, await signerKey(row, account, account.userId));
      try {
        const e = await sealEnvelope(gdk, g.id, row.epoch, recovery, signer);
        envelopes.push({ group: e.group, epoch: e.epoch, kid: e.kid, envelope: e });
      } finally {
        gdk.fill(0);
      }
    }
    await api.send(`/groups/${g.id}/recovery`, { body: { envelopes } });
  }
}
