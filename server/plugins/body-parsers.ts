import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact body bytes as received (what a DPoP proof's `bh` hashes). */
    rawBody?: Buffer;
  }
}

/**
 * Body parsing that keeps the raw bytes: JSON (parsed with Fastify's own
 * prototype-poisoning-safe parser), raw octets for attachment chunks, and
 * HTML form posts for the no-JS setup page.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    parseJson(req, (body as Buffer).toString('utf8'), done);
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    done(null, body);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/** The body bytes a proof must cover: what was received, or nothing. */
export const bodyBytes = (rawBody: Buffer | undefined): Buffer => rawBody ?? Buffer.alloc(0);
