import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../../support/chromium.mjs';

/**
 * A real Chromium process on a profile directory we own, driven over CDP, so
 * a test can read the profile's files afterwards or SIGKILL the browser
 * mid-write the way a crash or a killed app would.
 */
export interface ProfileBrowser {
  context: BrowserContext;
  /** Closes the browser cleanly (flushes the profile). */
  close(): Promise<void>;
  /** SIGKILLs the browser process group: no shutdown, no flush. */
  kill(): Promise<void>;
}

export function tempProfile(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fv-profile-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchProfile(dir: string): Promise<ProfileBrowser> {
  const proc: ChildProcess = spawn(
    chromiumPath(),
    ['--headless=new', `--user-data-dir=${dir}`, '--remote-debugging-port=0', ...CHROMIUM_ARGS, 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ws = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${buf.slice(-500)}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${buf.slice(-500)}`)));
  });
  const browser: Browser = await chromium.connectOverCDP(ws);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    context: browser.contexts()[0]!,
    async close() {
      // Browser.close is Chromium's own orderly shutdown: profile files are flushed.
      const cdp = await browser.newBrowserCDPSession();
      await cdp.send('Browser.close').catch(() => undefined);
      const timeout = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
    },
    async kill() {
      process.kill(-proc.pid!, 'SIGKILL');
      await exited;
    },
  };
}
