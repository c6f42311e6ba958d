import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * One build for the whole client: the field app (index.html), its vault
 * worker (bundled from `new Worker(new URL(...))`), the admin and support
 * console (admin.html, served at /admin) and the service worker
 * (workers/sw/sw.ts, built by vite-plugin-pwa with the precache manifest
 * injected).
 */
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // FV_APP_VERSION overrides package.json's version (a release pipeline's build number; the update e2e test's "newer" build).
  // FV_RECOVERY_KID pins the organisation recovery key (README): devices wrap group keys only to that key.
  define: { __APP_VERSION__: JSON.stringify(process.env.FV_APP_VERSION ?? version), __RECOVERY_KID__: JSON.stringify(process.env.FV_RECOVERY_KID ?? '') },
  server: { host: '127.0.0.1', port: 8080, strictPort: true },
  preview: { host: '127.0.0.1', port: 8080, strictPort: true },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        // Its entry chunk is assets/fv-console-<hash>.js (kept out of the precache below).
        'fv-console': fileURLToPath(new URL('./admin.html', import.meta.url)),
      },
    },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'workers/sw',
      filename: 'sw.ts',
      // We register the worker ourselves (src/app/sw-register.ts) so the app
      // can offer the update instead of swapping code under an open form.
      injectRegister: false,
      registerType: 'prompt',
      manifest: {
        name: 'FieldVault',
        short_name: 'FieldVault',
        description: 'Encrypted, offline-first field records',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f5f7fa',
        theme_color: '#1f4e79',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // The console is online only and not for field devices.
        globIgnores: ['admin.html', 'assets/fv-console-*'],
        // The vault worker bundle carries zod and dexie; allow it in the precache.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
});
