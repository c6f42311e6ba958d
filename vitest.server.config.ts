import { defineConfig } from 'vitest/config';

/**
 * The sync server's integration suite (tests/server): every suite runs
 * against SQLite and PostgreSQL. PostgreSQL comes from TEST_DATABASE_URL,
 * or a throwaway cluster the global setup starts and removes.
 */
export default defineConfig({
  test: {
    include: ['tests/server/**/*.test.ts'],
    globalSetup: ['tests/server/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
