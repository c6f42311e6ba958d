import { VaultError, isVaultError } from '../../../src/lib/errors';
import { fromBase64, randomBytes } from '../../../src/lib/bytes';
import { AccountGroupsResponse, DirectoryEntry } from '../../../src/protocol/groups';
import { ApiClient } from '../../common/api-client';
import { deviceKey } from '../../common/device-key';
import type { UnlockedAccount } from './account';
import type { DirectoryUser } from '../api';
import { sealEnvelope, type Recipient } from '../crypto/envelope';
import { displayFingerprint, keyId } from '../crypto/fingerprint';
import { ecdhRecipient, toWire, wrapGroupKeys } from './group-key-wrap';
import { pinnedRecovery } from './recovery-key';
import type { ServerContext } from '../sync/server-account';

/**
 * Surrogates (DESIGN §2, §3): the owner of a personal group lets another
 * user act for them by wrapping the group key to that user's ECDH key, and
 * removes them by starting a new epoch wrapped only to those who remain.
 * Keys come from the server's directory; people compare fingerprints, and
 * the one they accepted is checked again right before anything is wrapped.
 */

async function api(ctx: ServerContext, account: UnlockedAccount): Promise<ApiClient> {
  const session = await ctx.db.serverSessions.get(account.userId);
  if (!session) throw new VaultError('InvalidArgument', 'this account does not sync with a server, so it cannot have surrogates');
  return new ApiClient(ctx.origin, await deviceKey(ctx.db), session.token);
}

async function directory(client: ApiClient, username: string): Promise<DirectoryEntry & { recipient: Recipient; fingerprint: string }> {
  const d = await client.json(`/directory/users/${encodeURIComponent(username)}`, DirectoryEntry).catch((e: unknown) => {
    throw isVaultError(e, 'NotFound') ? new VaultError('UnknownUser', username) : e;
  });
  const spki = fromBase64(d.ecdhSpki);
  const recipient = await ecdhRecipient(spki).catch(() => {
    throw new VaultError('Tampered', `the directory's key for ${d.username}`);
  });
  return { ...d, recipient, fingerprint: displayFingerprint(await keyId(spki)) };
}

export async function lookupUser(ctx: ServerContext, account: UnlockedAccount, username: string): Promise<DirectoryUser> {
  const d = await directory(await api(ctx, account), username);
  return { userId: d.userId, username: d.username, fingerprint: d.fingerprint };
}

/** Wraps the personal group's key of every epoch to `username` and registers them as a member. */
export async function addSurrogate(ctx: ServerContext, account: UnlockedAccount, username: string, fingerprint: string): Promise<void> {
  const client = await api(ctx, account);
  const target = await directory(client, username);
  if (target.userId === account.userId) throw new VaultError('InvalidArgument', 'you cannot be your own surrogate');
  if (target.fingerprint !== fingerprint) throw new VaultError('KeyChanged', target.username);
  const group = account.personalGroup;
  const envelopes = await wrapGroupKeys(ctx, account, group, target.recipient);
  await client.send(`/groups/${group}/members`, { body: { username: target.username, envelopes } });
}

/**
 * Removes a member of the personal group and starts its next epoch: a new
 * random key, wrapped to every member who remains (this user included),
 * stored here at once so new records use it.
 */
export async function removeSurrogate(ctx: ServerContext, account: UnlockedAccount, userId: string): Promise<void> {
  const client = await api(ctx, account);
  const group = account.personalGroup;
  if (userId === account.userId) throw new VaultError('InvalidArgument', 'you cannot remove yourself from your own records');
  const listing = await client.json('/account/groups', AccountGroupsResponse);
  const listed = listing.groups.find((g) => g.id === group);
  if (!listed) throw new VaultError('NotFound');
  // Already gone (a retry after an answer that got lost): nothing left to do here; the account sync fetches the new epoch.
  if (!listed.members.some((m) => m.userId === userId)) return;
  const epoch = listed.epoch + 1;
  const remaining = listed.members.filter((m) => m.userId !== userId && m.userId !== account.userId);
  const recipients: Recipient[] = [{ publicKey: account.ecdh.publicKey, spki: account.ecdh.spki }];
  for (const m of remaining) recipients.push((await directory(client, m.username)).recipient);
  const recovery = await pinnedRecovery(ctx, listing.recovery);
  if (recovery) recipients.push(recovery);
  const signer = { privateKey: account.ecdsa.privateKey, kid: account.ecdsa.kid };
  const gdk = randomBytes(32);
  let sealed;
  try {
    sealed = await Promise.all(recipients.map((r) => sealEnvelope(gdk, group, epoch, r, signer)));
  } finally {
    gdk.fill(0);
  }
  await client.send(`/groups/${group}/members/${userId}/remove`, { body: { epoch, envelopes: sealed.map(toWire) } });
  const own = sealed[0]!;
  await ctx.db.transaction('rw', ctx.db.envelopes, ctx.db.groups, async () => {
    await ctx.db.envelopes.put({ group, epoch, kid: own.kid, envelope: own });
    await ctx.db.groups.update(group, { epoch, members: listed.members.filter((m) => m.userId !== userId) });
  });
}
