import { basename } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the built PWA (dist/). The service worker script and the HTML are
 * revalidated on every load (`no-cache`) so updates reach devices; hashed
 * bundles under /assets/ are immutable. Unknown non-API paths fall back to
 * index.html (the app routes in the fragment, but deep links still work);
 * /admin is the admin and support console (/support redirects there).
 */
export async function registerStatic(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    cacheControl: false,
    setHeaders(res, path) {
      const name = basename(path);
      if (name === 'sw.js') {
        res.setHeader('cache-control', 'no-cache');
        res.setHeader('service-worker-allowed', '/');
      } else if (/\/assets\//.test(path)) {
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      } else {
        res.setHeader('cache-control', 'no-cache');
      }
    },
  });
  // The admin and support console (admin.html, a second entry of the same build): online only, revalidated like the app's HTML.
  app.get('/admin', async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('admin.html'));
  // The support page became the console; old links and bookmarks still land there.
  app.get('/support', async (_request, reply) => reply.redirect('/admin', 302));
}

/** Whether a 404 should get the app shell instead: a GET for a page, not for the API or a file. */
export function wantsAppShell(method: string, url: string): boolean {
  const path = new URL(url, 'http://x').pathname;
  return (method === 'GET' || method === 'HEAD') && !path.startsWith('/api/') && !/\.[A-Za-z0-9]+$/.test(path);
}
