import type { FastifyInstance } from 'fastify';
import { LoginRequest, PreloginRequest, PreloginResponse, SessionResponse } from '../../src/protocol/auth';
import { CodeLoginRequest, CodeLoginResponse, CredentialsUpdate } from '../../src/protocol/unlock-codes';
import { answer, parseOr400, proofInvalid } from '../errors';
import { sameKey } from '../services/dpop';
import { bodyBytes } from '../plugins/body-parsers';
import { rateLimited } from '../plugins/rate-limit';

/** POST /auth/prelogin, /auth/login (DESIGN §7), /auth/code-login and /auth/credentials (DESIGN §8). */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { accounts, unlockCodes, dpop, config } = app.services;
  const limited = { config: rateLimited(config.rateLimits.auth) };

  app.post('/auth/prelogin', limited, async (request) => {
    const body = parseOr400(PreloginRequest, request.body, 'body');
    return answer(PreloginResponse, await accounts.prelogin(body.username));
  });

  app.post('/auth/code-login', limited, async (request) => {
    const body = parseOr400(CodeLoginRequest, request.body, 'body');
    const proof = await dpop.verify(request.headers.dpop, { method: request.method, url: request.url, body: bodyBytes(request.rawBody) });
    if (!sameKey(proof.jwk, body.device.publicKey)) throw proofInvalid('jwk is not body.device.publicKey');
    return answer(CodeLoginResponse, await unlockCodes.codeLogin(body, proof.jkt, request.ip));
  });

  app.post('/auth/credentials', limited, async (request, reply) => {
    const body = parseOr400(CredentialsUpdate, request.body, 'body');
    // The account signature authorizes it; the device proof makes the exact request single-use.
    const proof = await dpop.verify(request.headers.dpop, { method: request.method, url: request.url, body: bodyBytes(request.rawBody) });
    await unlockCodes.updateCredentials(body, request.ip, proof.jkt);
    return reply.code(204).send();
  });

  app.post('/auth/login', limited, async (request) => {
    const body = parseOr400(LoginRequest, request.body, 'body');
    // Proof of possession: the device being registered signs this very request.
    const proof = await dpop.verify(request.headers.dpop, { method: request.method, url: request.url, body: bodyBytes(request.rawBody) });
    if (!sameKey(proof.jwk, body.device.publicKey)) throw proofInvalid('jwk is not body.device.publicKey');
    return answer(SessionResponse, await accounts.login(body, proof.jkt));
  });
}
