import type { FastifyInstance } from 'fastify';
import { LoginRequest, PreloginRequest, PreloginResponse, SessionResponse } from '../../src/protocol/auth';
import { answer, parseOr400, proofInvalid } from '../errors';
import { sameKey } from '../services/dpop';
import { bodyBytes } from '../plugins/body-parsers';
import { rateLimited } from '../plugins/rate-limit';

/** POST /auth/prelogin and /auth/login (DESIGN §7). */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { accounts, dpop, config } = app.services;
  const limited = { config: rateLimited(config.rateLimits.auth) };

  app.post('/auth/prelogin', limited, async (request) => {
    const body = parseOr400(PreloginRequest, request.body, 'body');
    return answer(PreloginResponse, await accounts.prelogin(body.username));
  });

  app.post('/auth/login', limited, async (request) => {
    const body = parseOr400(LoginRequest, request.body, 'body');
    // Proof of possession: the device being registered signs this very request.
    const proof = await dpop.verify(request.headers.dpop, { method: request.method, url: request.url, body: bodyBytes(request.rawBody) });
    if (!sameKey(proof.jwk, body.device.publicKey)) throw proofInvalid('jwk is not body.device.publicKey');
    return answer(SessionResponse, await accounts.login(body, proof.jkt));
  });
}
