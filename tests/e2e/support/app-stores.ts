import type { Page, Worker } from '@playwright/test';

/** What a wipe must leave: no accounts, envelopes, pages or server sessions in IndexedDB, no Cache Storage. */
export const NOTHING_LEFT = { accounts: 0, envelopes: 0, pages: 0, sessions: 0, caches: 0 };

/** What is left of the app in this origin, read in a page or a worker of it. */
export function appStores(realm: Pick<Worker, 'evaluate'>) {
  return realm.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('fieldvault');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const count = (store: string) =>
      new Promise<number>((resolve) => {
        if (!db.objectStoreNames.contains(store)) return resolve(0);
        const r = db.transaction(store).objectStore(store).count();
        r.onsuccess = () => resolve(r.result);
      });
    const out = { accounts: await count('accounts'), envelopes: await count('envelopes'), pages: await count('pages'), sessions: await count('serverSessions'), caches: (await caches.keys()).length };
    db.close();
    return out;
  });
}

/** The policies the device holds, one per server session (the signed statements' policy parts; policies are not secret). */
export function storedPolicies(page: Page): Promise<unknown[]> {
  return page.evaluate(
    () =>
      new Promise<unknown[]>((resolve, reject) => {
        const r = indexedDB.open('fieldvault');
        r.onerror = () => reject(r.error);
        r.onsuccess = () => {
          const db = r.result;
          const all = db.transaction('serverSessions').objectStore('serverSessions').getAll();
          all.onsuccess = () => {
            db.close();
            resolve((all.result as { policy?: { statement: string } }[]).map((x) => (x.policy ? (JSON.parse(x.policy.statement) as { policy: unknown }).policy : null)));
          };
        };
      }),
  );
}
