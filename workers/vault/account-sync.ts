import { isVaultError } from '../../src/lib/errors';
import { toBase64, utf8 } from '../../src/lib/bytes';
import { UnlockCodesResponse, credentialsSignedText } from '../../src/protocol/unlock-codes';
import { ApiClient, serverNow } from '../common/api-client';
import type { AccountRow, CodeSlot } from '../common/db';
import { deviceKey } from '../common/device-key';
import { accountKey, openPendingAuthKey, type UnlockedAccount } from './account';
import { toBundle, type ServerContext } from './server-account';
import { slotFor } from './unlock-codes';

/**
 * What an unlocked account keeps in step with the server, beyond records
 * (DESIGN §8): new credentials after a password change or a used unlock
 * code, and the unlock codes themselves. Needs the account's keys, so it
 * runs in the vault worker (the service worker moves ciphertext only).
 * Does nothing for an account that never enrolled with a server.
 */
export async function syncAccount(ctx: ServerContext, account: UnlockedAccount): Promise<void> {
  const session = await ctx.db.serverSessions.get(account.userId);
  if (!session) return;
  const key = await accountKey(account.username);
  const device = await deviceKey(ctx.db);
  const row = await ctx.db.accounts.get(key);
  if (!row) return;
  if (row.pendingCredentials) await pushCredentials(ctx, new ApiClient(ctx.origin, device), account, row);
  await refreshCodes(ctx, new ApiClient(ctx.origin, device, session.token), account, key);
}

/**
 * Tells the server the new auth key and key bundle, signed with the account
 * key, and which codes were spent here. Cleared only if nothing changed
 * the pending state meanwhile (another password change in another tab).
 */
async function pushCredentials(ctx: ServerContext, api: ApiClient, account: UnlockedAccount, row: AccountRow): Promise<void> {
  const pending = row.pendingCredentials!;
  const authKey = await openPendingAuthKey(account.kek, row, pending.sealedAuthKey as Uint8Array<ArrayBuffer>);
  const body = { username: account.username, authKey: toBase64(authKey), bundle: toBundle(row), spentCodes: pending.spentCodes, iat: serverNow() };
  authKey.fill(0);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, account.ecdsa.privateKey, utf8(credentialsSignedText(body))));
  try {
    await api.send('/auth/credentials', { body: { ...body, sig: toBase64(sig) } });
  } catch (e) {
    // A newer update was accepted already (from another device): ours is moot.
    if (!isVaultError(e, 'Conflict')) throw e;
  }
  await ctx.db.accounts
    .where('key')
    .equals(row.key)
    .modify((r) => {
      if (sameBytes(r.pendingCredentials?.sealedAuthKey, pending.sealedAuthKey)) delete r.pendingCredentials;
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

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
