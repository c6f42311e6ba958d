import type { EcPublicJwk } from '../../src/protocol/common';
import type { VaultDb } from './db';

/**
 * The device key (DESIGN §2, §7): ECDSA P-256 generated non-extractable in
 * this browser and kept in IndexedDB as a CryptoKey. It signs every request
 * to the server, so a session token copied elsewhere is useless. It is not a
 * data key: the service worker may use it to sync ciphertext.
 */
export interface DeviceKey {
  privateKey: CryptoKey;
  jwk: EcPublicJwk;
}

export async function loadDeviceKey(db: VaultDb): Promise<DeviceKey | undefined> {
  const row = await db.syncState.get('deviceKey');
  return row?.privateKey && row.publicJwk ? { privateKey: row.privateKey, jwk: toEcJwk(row.publicJwk) } : undefined;
}

export async function deviceKey(db: VaultDb): Promise<DeviceKey> {
  const existing = await loadDeviceKey(db);
  if (existing) return existing;
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  // Another tab may have raced us: the first key stored wins, everywhere.
  await db.transaction('rw', db.syncState, async () => {
    if (!(await db.syncState.get('deviceKey'))) await db.syncState.put({ key: 'deviceKey', privateKey: pair.privateKey, publicJwk });
  });
  return (await loadDeviceKey(db))!;
}

function toEcJwk(j: JsonWebKey): EcPublicJwk {
  return { kty: 'EC', crv: 'P-256', x: j.x!, y: j.y! };
}

/** What the admin console shows for this device; from the user agent, nothing secret. */
export function describeDevice(appVersion: string): { model: string; os: string; browser: string; appVersion: string } {
  const ua = typeof navigator === 'undefined' ? 'unknown' : navigator.userAgent;
  const os = /Android [\d.]+/.exec(ua)?.[0] ?? /iPhone OS [\d_]+/.exec(ua)?.[0]?.replace(/_/g, '.') ?? /Windows NT [\d.]+|Mac OS X [\d_.]+|Linux|CrOS/.exec(ua)?.[0] ?? 'unknown';
  const browser = /(Edg|Chrome|Chromium|Firefox|Version)\/[\d.]+/.exec(ua)?.[0]?.replace('Version', 'Safari') ?? 'unknown';
  const model = /\(([^;)]+);/.exec(ua)?.[1] ?? 'unknown';
  return { model: model.slice(0, 200), os: os.slice(0, 200), browser: browser.slice(0, 200), appVersion };
}
