import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The bench page and its two workers, built apart from the app (no PWA
 * plugin, no service worker) into <repo>/dist-bench.
 */
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../../dist-bench', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Readable stacks in profiles; V8's speed does not depend on it.
    minify: false,
    // The vault worker carries zod and Dexie; that is expected.
    chunkSizeWarningLimit: 1000,
  },
});
