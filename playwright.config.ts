import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './tests/support/chromium.mjs';

/**
 * E2E in the system Chromium against the production build (dist/), which
 * each spec serves itself (tests/support/static-server.mjs) so it can take
 * the server away to test offline use. One worker: the machine has 2 cores
 * and PBKDF2 at 600,000 iterations is meant to be slow.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'off',
  },
});
