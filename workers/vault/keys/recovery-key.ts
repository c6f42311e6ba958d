import { fromBase64 } from '../../../src/lib/bytes';
import type { AccountGroupsResponse } from '../../../src/protocol/groups';
import type { ApiClient } from '../../common/api-client';
import type { UnlockedAccount } from './account';
import type { Recipient } from '../crypto/envelope';
import { keyId } from '../crypto/fingerprint';
import { ecdhRecipient, wrapGroupKeys } from './group-key-wrap';
import type { ServerContext } from '../sync/server-account';

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
  return ecdhRecipient(spki);
}

/** Wraps, for each group this account owns, every epoch the recovery key does not have yet. */
export async function wrapForRecovery(ctx: ServerContext, api: ApiClient, account: UnlockedAccount, listing: AccountGroupsResponse): Promise<void> {
  const recovery = await pinnedRecovery(ctx, listing.recovery);
  if (!recovery) return;
  for (const g of listing.groups) {
    if (!g.members.some((m) => m.userId === account.userId && m.role === 'owner')) continue;
    const envelopes = await wrapGroupKeys(ctx, account, g.id, recovery, (epoch) => !g.recoveryEpochs.includes(epoch));
    if (envelopes.length) await api.send(`/groups/${g.id}/recovery`, { body: { envelopes } });
  }
}
