import type { EnvelopeWire } from '../../../src/protocol/auth';
import { signerKey, type UnlockedAccount } from './account';
import { openEnvelopeBytes, sealEnvelope, type Recipient } from '../crypto/envelope';
import type { ServerContext } from '../sync/server-account';

/**
 * Wrapping a group's key for one more recipient (a surrogate, the
 * organisation's recovery key), as its owner (DESIGN §2, §3): the key of
 * each epoch the owner holds, opened from the owner's own envelope, sealed
 * to the recipient and signed by the owner. The raw key bytes exist only
 * for each single wrap and are zeroed after.
 */
export async function wrapGroupKeys(
  ctx: ServerContext,
  account: UnlockedAccount,
  group: string,
  recipient: Recipient,
  epochs: (epoch: number) => boolean = () => true,
): Promise<EnvelopeWire[]> {
  const mine = (await ctx.db.envelopes.where('kid').equals(account.ecdh.kid).toArray()).filter((r) => r.group === group && epochs(r.epoch));
  const opener = { privateKey: account.ecdh.privateKey, spki: account.ecdh.spki };
  const signer = { privateKey: account.ecdsa.privateKey, kid: account.ecdsa.kid };
  const out: EnvelopeWire[] = [];
  for (const row of mine) {
    const gdk = await openEnvelopeBytes(row.envelope, opener, await signerKey(row, account, account.userId));
    try {
      out.push(toWire(await sealEnvelope(gdk, group, row.epoch, recipient, signer)));
    } finally {
      gdk.fill(0);
    }
  }
  return out;
}

export const toWire = (e: Awaited<ReturnType<typeof sealEnvelope>>): EnvelopeWire => ({ group: e.group, epoch: e.epoch, kid: e.kid, envelope: e });

/** A recipient from an ECDH P-256 SPKI (the key directory's, the recovery key's). */
export async function ecdhRecipient(spki: Uint8Array<ArrayBuffer>): Promise<Recipient> {
  return { publicKey: await crypto.subtle.importKey('spki', spki, { name: 'ECDH', namedCurve: 'P-256' }, true, []), spki };
}
