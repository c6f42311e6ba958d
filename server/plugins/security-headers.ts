import type { FastifyInstance } from 'fastify';

/**
 * Headers on every answer: no MIME sniffing, no referrer leaks (setup and
 * enrollment links carry secrets in their fragment, but be safe), no
 * framing (clickjacking of the console), and API answers never cached.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
