import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { RateLimitRule } from '../config';

/**
 * Rate limits (DESIGN §7) on the endpoints that check a secret: prelogin,
 * login, enrollment, setup and console sign-in. Off by default; each such
 * route opts in with `rateLimited(rule)`. Counters are per process (in
 * memory): behind a load balancer the effective limit is per process.
 */
export async function registerRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    // Thrown, then shaped by the error handler into { error: 'RateLimited', message }.
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error('rate limited'), { statusCode: ctx.statusCode }),
  });
}

/** Route config for a rate-limited route. */
export const rateLimited = (rule: RateLimitRule) => ({ rateLimit: { max: rule.max, timeWindow: rule.windowMs } });
