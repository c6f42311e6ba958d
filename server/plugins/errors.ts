import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiHttpError } from '../errors';
import type { ApiError } from '../../src/protocol/common';

/**
 * The one error handler: expected failures become `{ error, message }` with
 * their status; Fastify's own 4xx (bad JSON, too large, wrong content type)
 * get the same shape; anything else is a 500 whose details stay in the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiHttpError | { statusCode?: number; error?: string; message?: string }, request, reply) => {
    const body = toApiError(err);
    if (body.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.error.error, status: body.status }, body.error.message);
    if (body.status === 401) reply.header('www-authenticate', 'DPoP algs="ES256"');
    return reply.code(body.status).header('cache-control', 'no-store').send(body.error);
  });
}

function toApiError(err: unknown): { status: number; error: ApiError } {
  if (err instanceof ApiHttpError) return { status: err.statusCode, error: { error: err.code, message: err.message } };
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.statusCode === 429) return { status: 429, error: { error: 'RateLimited', message: 'Too many attempts. Wait a minute, then try again.' } };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, error: { error: 'TooLarge', message: 'The request body is too large.' } };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, error: { error: 'BadRequest', message: 'body: unsupported content type.' } };
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status: 400, error: { error: 'BadRequest', message: 'body: expected a JSON body.' } };
  if (e.statusCode === 400 && (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY'))
    return { status: 400, error: { error: 'BadRequest', message: 'body: not valid JSON.' } };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return { status: e.statusCode, error: { error: 'BadRequest', message: 'The request was not valid.' } };
  return { status: 500, error: { error: 'ServerError', message: 'The server could not complete the request.' } };
}
