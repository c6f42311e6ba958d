import { defineConfig } from 'vitest/config';

/** Unit tests only; e2e specs run in Chromium under Playwright (playwright.config.ts). */
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
