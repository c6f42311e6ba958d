import { test, type BrowserContext, type Page } from '@playwright/test';
import { testServer, type TestServer } from './server';

export interface Devices {
  server: TestServer;
  /** One browser context per device, each with one page. */
  contexts: BrowserContext[];
  pages: Page[];
}

/**
 * Registers beforeAll/afterAll for a spec: the real server (SQLite, or the
 * PostgreSQL database `database()` makes) and `count` devices. `ready` gets
 * them once started, to assign to the spec's own variables.
 */
export function serverAndDevices(count: number, ready: (d: Devices) => void | Promise<void>, database?: () => Promise<{ url: string; drop(): Promise<void> }>): void {
  let d: Devices | undefined;
  let db: { url: string; drop(): Promise<void> } | null = null;
  test.beforeAll(async ({ browser }) => {
    db = database ? await database() : null;
    const server = await testServer({ databaseUrl: db?.url });
    await server.start();
    const contexts: BrowserContext[] = [];
    for (let i = 0; i < count; i++) contexts.push(await browser.newContext());
    d = { server, contexts, pages: await Promise.all(contexts.map((c) => c.newPage())) };
    await ready(d);
  });
  test.afterAll(async () => {
    for (const c of d?.contexts ?? []) await c.close();
    await d?.server.stop();
    await db?.drop();
    d?.server.remove();
  });
}
