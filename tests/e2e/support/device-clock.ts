import type { Page } from '@playwright/test';

/**
 * The device's clock in a test, moved in every realm of the app at once.
 *
 * Playwright's clock (page.clock) fakes Date and the timers of pages only:
 * the vault worker and the service worker, where the policy decisions are
 * made (workers/common/policy-gate.ts) and server contact is stamped, keep
 * reading the real clock (checked with Playwright 1.65 and Chromium 156,
 * whether the clock is installed before the page loads or after). So each
 * worker realm of the page (the vault worker, the service worker) also gets
 * an offset added to its Date.now, set before its first line runs: a DevTools
 * session auto-attaches to new workers with waitForDebuggerOnStart, the way
 * page.clock's own script is added to new documents. The app is unchanged.
 *
 * `advance` moves every realm forward and lets the page's timers due by
 * then fire (page.clock.fastForward); `setBack` moves every realm back
 * without firing anything (page.clock.setSystemTime), as a person changing
 * the device's clock does.
 */
export interface DeviceClock {
  /** Jumps forward by `ms` everywhere; the page's timers that fall due fire once. */
  advance(ms: number): Promise<void>;
  /** Sets the clock back by `ms` everywhere. */
  setBack(ms: number): Promise<void>;
  /** How far the device's clock is from the real one (ms). */
  readonly offset: number;
}

/** Evaluated in a worker before its script runs (and again for each change): Date.now reads the real clock plus the offset. */
const shim = (offset: number) =>
  `(() => {
    if (!globalThis.__deviceClock) {
      const realNow = Date.now.bind(Date);
      globalThis.__deviceClock = { offset: 0 };
      Date.now = () => realNow() + globalThis.__deviceClock.offset;
    }
    globalThis.__deviceClock.offset = ${offset};
  })()`;

interface Attached {
  sessionId: string;
  waitingForDebugger: boolean;
  targetInfo: { type: string; url: string };
}

/** Installs the clock on `page` (and its workers); call it before the page opens the app. */
export async function deviceClock(page: Page): Promise<DeviceClock> {
  await page.clock.install();
  const cdp = await page.context().newCDPSession(page);
  const sessions = new Set<string>();
  const pending = new Map<number, () => void>();
  let nextId = 0;
  let offset = 0;

  /** One command to a worker's session (non-flat mode: the worker's answer comes back as a message). */
  const send = (sessionId: string, method: string, params: object) =>
    new Promise<void>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(() => {
        // The worker went away meanwhile: nothing left to set.
        pending.delete(id);
        resolve();
      });
    });
  const apply = (sessionId: string) => send(sessionId, 'Runtime.evaluate', { expression: shim(offset) });

  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const id = (JSON.parse(e.message) as { id?: number }).id;
    if (id === undefined) return;
    pending.get(id)?.();
    pending.delete(id);
  });
  cdp.on('Target.attachedToTarget', (e: Attached) => {
    const resume = async () => void (e.waitingForDebugger && (await send(e.sessionId, 'Runtime.runIfWaitingForDebugger', {})));
    // Anything else that waits for us (a frame in another process) just goes on.
    if (e.targetInfo.type !== 'worker' && e.targetInfo.type !== 'service_worker') return void resume();
    sessions.add(e.sessionId);
    void apply(e.sessionId).then(resume);
  });
  cdp.on('Target.detachedFromTarget', (e: { sessionId: string }) => sessions.delete(e.sessionId));
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });

  const setAll = async (next: number) => {
    offset = next;
    await Promise.all([...sessions].map(apply));
  };
  return {
    async advance(ms) {
      // The workers first: a page timer that fires asks them, and must find them moved already.
      await setAll(offset + ms);
      await page.clock.fastForward(ms);
    },
    async setBack(ms) {
      await setAll(offset - ms);
      await page.clock.setSystemTime(Date.now() + offset);
    },
    get offset() {
      return offset;
    },
  };
}
