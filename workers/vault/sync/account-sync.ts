import { isVaultError } from '../../../src/lib/errors';
import { constantTimeEqual, fromBase64, toBase64, utf8 } from '../../../src/lib/bytes';
import Dexie from 'dexie';
import { AccountGroupsResponse } from '../../../src/protocol/groups';
import { UnlockCodesResponse, credentialsSignedText } from '../../../src/protocol/unlock-codes';
import { ApiClient, serverNow } from '../../common/api-client';
import type { AccountRow, CodeSlot, EnvelopeRow } from '../../common/db';
import { deviceKey } from '../../common/device-key';
import { accountKey, openPendingCredentials, signerKey, type UnlockedAccount } from '../keys/account';
import { openEnvelope } from '../crypto/envelope';
import { keyId } from '../crypto/fingerprint';
import { forgetGroup } from './forget-group';
import { wrapForRecovery } from '../keys/recovery-key';
import { toBundle, type ServerContext } from './server-account';
import { slotFor } from '../keys/unlock-codes';

/**
 * What an unlocked account keeps in step with the server, beyond records
 * (DESIGN §8): new credentials after a password change or a used unlock
 * code, and the unlock codes themselves. Needs the account's keys, so it
 * runs in the vault worker (the service worker moves ciphertext only).
 * Does nothing for an account that never enrolled with a server.
 */
export interface AccountSyncResult {
  /** Groups or epochs changed: the session's partitions must be reopened. */
  groupsChanged: boolean;
  /** Envelopes from the server that failed verification and were not stored. */
  rejectedEnvelopes: number;
}

export async function syncAccount(ctx: ServerContext, account: UnlockedAccount): Promise<AccountSyncResult> {
  const none = { groupsChanged: false, rejectedEnvelopes: 0 };
  const session = await ctx.db.serverSessions.get(account.userId);
  if (!session) return none;
  const key = await accountKey(account.username);
  const device = await deviceKey(ctx.db);
  const row = await ctx.db.accounts.get(key);
  if (!row) return none;
  const api = new ApiClient(ctx.origin, device, session.token);
  const result = await refreshGroups(ctx, api, account);
  await refreshCodes(ctx, api, account, key);
  // Last, so that a refused update (kept for the next try) does not hold up groups and codes.
  if (row.pendingCredentials) await pushCredentials(ctx, new ApiClient(ctx.origin, device), account, row);
  return result;
}

/**
 * Brings this device's groups in line with the server's list: new groups
 * and epochs (their envelopes verified before they are stored), names for
 * the UI, and groups the user left. A group nobody on this device can open
 * any more is forgotten with all its data. New groups restart the pull
 * from the beginning, so their history arrives too.
 */
async function refreshGroups(ctx: ServerContext, api: ApiClient, account: UnlockedAccount): Promise<AccountSyncResult> {
  const { db } = ctx;
  const res = await api.json('/account/groups', AccountGroupsResponse);
  const signers = new Map(await Promise.all(res.signers.map(async (d) => [await keyId(fromBase64(d.ecdsaSpki)), d] as const)));
  const listed = new Map(res.groups.map((g) => [g.id, g]));
  let groupsChanged = false;
  let rejectedEnvelopes = 0;

  for (const g of res.groups) {
    const owner = g.members.find((m) => m.role === 'owner');
    const row = await db.groups.get(g.id);
    const epoch = Math.max(row?.epoch ?? 0, g.epoch);
    // New members change names shown too (who changed a record), not only keys.
    if (!row || row.epoch !== epoch || JSON.stringify(row.members) !== JSON.stringify(g.members)) groupsChanged = true;
    await db.groups.put({ ...row, id: g.id, epoch, owner: owner?.userId ?? row?.owner ?? '', ownerName: owner?.username ?? row?.ownerName, members: g.members });
  }
  const opener = { privateKey: account.ecdh.privateKey, spki: account.ecdh.spki };
  for (const e of res.envelopes) {
    if (e.kid !== account.ecdh.kid || (await db.envelopes.get([e.group, e.epoch, e.kid]))) continue;
    const by = (e.envelope as { by?: unknown }).by;
    const d = typeof by === 'string' ? signers.get(by) : undefined;
    const row: EnvelopeRow = { group: e.group, epoch: e.epoch, kid: e.kid, envelope: e.envelope, ...(d ? { signer: { userId: d.userId, ecdsaSpki: fromBase64(d.ecdsaSpki) } } : {}) };
    try {
      await openEnvelope(row.envelope, opener, await signerKey(row, account, listed.get(e.group)?.members.find((m) => m.role === 'owner')?.userId));
    } catch (err) {
      if (!isVaultError(err)) throw err;
      rejectedEnvelopes++;
      continue;
    }
    await db.envelopes.put(row);
    groupsChanged = true;
  }

  const session = await db.serverSessions.get(account.userId);
  const had = new Set(session?.groups ?? []);
  for (const id of had) {
    if (listed.has(id) || id === account.personalGroup) continue;
    groupsChanged = true;
    await db.envelopes.where('[group+epoch+kid]').between([id, Dexie.minKey, account.ecdh.kid], [id, Dexie.maxKey, account.ecdh.kid]).filter((r) => r.kid === account.ecdh.kid).delete();
    // This user's unsent changes there can never be accepted now.
    await db.outbox.where('group').equals(id).filter((r) => r.by === account.userId).delete();
    // Another account on this (shared) device may still open it.
    if ((await db.envelopes.where('[group+epoch+kid]').between([id, Dexie.minKey, Dexie.minKey], [id, Dexie.maxKey, Dexie.maxKey]).count()) === 0) await forgetGroup(db, id);
  }
  await wrapForRecovery(ctx, api, account, res);
  const added = [...listed.keys()].some((id) => !had.has(id));
  await db.serverSessions.update(account.userId, { groups: [...listed.keys()], ...(added ? { cursor: 0, blobCursor: 0 } : {}) });
  return { groupsChanged, rejectedEnvelopes };
}

/**
 * Tells the server the new auth key and key bundle, signed with the account
 * key, and which codes were spent here. Cleared only if nothing changed
 * the pending state meanwhile (another password change in another tab).
 */
async function pushCredentials(ctx: ServerContext, api: ApiClient, account: UnlockedAccount, row: AccountRow): Promise<void> {
  const pending = row.pendingCredentials!;
  const { authKey, proof } = await openPendingCredentials(account.kek, row);
  const body = { username: account.username, authKey: toBase64(authKey), bundle: toBundle(row), proof, iat: serverNow() };
  authKey.fill(0);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, account.ecdsa.privateKey, utf8(credentialsSignedText(body))));
  try {
    await api.send('/auth/credentials', { body: { ...body, sig: toBase64(sig) } });
  } catch (e) {
    // A newer update was accepted already (another device; a code used here was spent all the same): ours is moot.
    if (!isVaultError(e, 'Conflict')) throw e;
  }
  await ctx.db.accounts
    .where('key')
    .equals(row.key)
    .modify((r) => {
      if (r.pendingCredentials && constantTimeEqual(r.pendingCredentials.sealedAuthKey, pending.sealedAuthKey)) delete r.pendingCredentials;
    });
}

/**
 * Wraps the account keys under the codes this device has not had yet, then
 * acknowledges them (with the wraps, so a code also works on a new device);
 * drops slots of codes that were spent elsewhere.
 */
async function refreshCodes(ctx: ServerContext, api: ApiClient, account: UnlockedAccount, key: string): Promise<void> {
  const { fresh, active } = await api.json('/account/unlock-codes', UnlockCodesResponse);
  const row = await ctx.db.accounts.get(key);
  if (!row) return;
  const slots: CodeSlot[] = await Promise.all(fresh.map((c) => slotFor(row, account.kek, c.id, c.code)));
  const valid = new Set(active);
  const replaced = new Set(slots.map((s) => s.id));
  // Stored before the server hears of it: a crash in between only means the codes come again.
  await ctx.db.accounts
    .where('key')
    .equals(key)
    .modify((r) => {
      r.codeSlots = [...(r.codeSlots ?? []).filter((s) => valid.has(s.id) && !replaced.has(s.id)), ...slots];
    });
  if (!slots.length) return;
  await api.send('/account/unlock-codes/ack', {
    body: { codes: slots.map((s) => ({ id: s.id, wrap: { salt: toBase64(s.salt), wrappedEcdh: toBase64(s.wrappedEcdh), wrappedEcdsa: toBase64(s.wrappedEcdsa) } })) },
  });
}

