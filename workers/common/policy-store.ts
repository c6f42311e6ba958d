import { fromBase64, utf8 } from '../../src/lib/bytes';
import { PolicyStatement, SignedPolicy } from '../../src/protocol/policy';
import { ApiClient, bestEffort } from './api-client';
import { loadDeviceKey } from './device-key';
import type { ServerSessionRow, VaultDb } from './db';

/**
 * Signed policies on the device (issue 5). The service worker fetches them
 * at every sync and keeps the newest that verifies with the key the session
 * pinned; the vault verifies again before using one, so a copy altered in
 * IndexedDB is caught (and treated as the strictest state).
 */
/** The JSON a signed statement carries, if the signature verifies with the pinned key; null otherwise. */
export async function verifySigned(policyKey: string | undefined, signed: SignedPolicy): Promise<unknown> {
  if (!policyKey) return null;
  try {
    const key = await crypto.subtle.importKey('spki', fromBase64(policyKey), { name: 'Ed25519' }, false, ['verify']);
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, fromBase64(signed.sig), utf8(signed.statement)))) return null;
    return JSON.parse(signed.statement) as unknown;
  } catch {
    return null;
  }
}

export async function verifyPolicy(s: Pick<ServerSessionRow, 'policyKey' | 'userId' | 'deviceId'>, signed: SignedPolicy): Promise<PolicyStatement | null> {
  const st = PolicyStatement.safeParse(await verifySigned(s.policyKey, signed));
  return st.success && st.data.userId === s.userId && st.data.deviceId === s.deviceId ? st.data : null;
}

/** Fetches this session's policy and stores it if it verifies and is not older than the one kept. Returns 1 when stored. */
export async function fetchPolicy(db: VaultDb, api: ApiClient, s: ServerSessionRow): Promise<number> {
  const signed = await api.json('/device/policy', SignedPolicy);
  const fresh = await verifyPolicy(s, signed);
  if (!fresh) return 0; // a bad answer is ignored; the copy kept stays in force
  // Verified outside the transaction (WebCrypto would let IndexedDB commit it early); inside, only "is the kept copy still the one checked".
  const before = await db.serverSessions.get(s.userId);
  const kept = before?.policy ? await verifyPolicy(before, before.policy) : null;
  if (!before || (kept && kept.issuedAt > fresh.issuedAt)) return 0;
  return db.transaction('rw', db.serverSessions, async () => {
    const row = await db.serverSessions.get(s.userId);
    if (!row || row.policy?.sig !== before.policy?.sig) return 0; // changed meanwhile: the next sync decides
    await db.serverSessions.update(s.userId, { policy: signed });
    return 1;
  });
}

/** How long a login waits for the server's current policy before going on with the one kept. */
const LOGIN_POLICY_WAIT_MS = 5_000;

/**
 * "Check policy on login": where the kept policy asks for it and the server
 * answers, the current policy is fetched before the login is decided (an
 * admin's change applies at once, not at the next sync). Offline, or when
 * the server is slow, the last signed policy stands.
 */
export async function refreshPolicyForLogin(db: VaultDb, origin: () => string, userId: string): Promise<void> {
  const s = await db.serverSessions.get(userId);
  const kept = s?.policy ? await verifyPolicy(s, s.policy) : null;
  // A kept copy that does not verify (tampered) is refreshed too: a fresh signed one is the way out.
  const wanted = s?.policy !== undefined && (kept === null || kept.policy.checkPolicyOnLogin === true);
  if (!s || !wanted || (typeof navigator !== 'undefined' && navigator.onLine === false)) return;
  const device = await loadDeviceKey(db);
  if (!device) return;
  await bestEffort(() => fetchPolicy(db, new ApiClient(origin(), device, s.token), s), LOGIN_POLICY_WAIT_MS);
}
