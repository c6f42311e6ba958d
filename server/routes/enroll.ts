import type { FastifyInstance } from 'fastify';
import { EnrollBeginRequest, EnrollBeginResponse, EnrollCompleteRequest, SessionResponse } from '../../src/protocol/auth';
import { answer, parseOr400, proofInvalid } from '../errors';
import { bodyBytes } from '../plugins/body-parsers';
import { rateLimited } from '../plugins/rate-limit';
import { sameKey } from '../services/dpop';

/** POST /enroll/begin and /enroll/complete: first sign-in of an admin-created user with a one-time code. */
export async function enrollRoutes(app: FastifyInstance): Promise<void> {
  const { accounts, dpop, config } = app.services;
  const limited = { config: rateLimited(config.rateLimits.auth) };

  app.post('/enroll/begin', limited, async (request) => {
    const body = parseOr400(EnrollBeginRequest, request.body, 'body');
    return answer(EnrollBeginResponse, await accounts.enrollBegin(body.username, body.code));
  });

  app.post('/enroll/complete', limited, async (request) => {
    const body = parseOr400(EnrollCompleteRequest, request.body, 'body');
    const proof = await dpop.verify(request.headers.dpop, { method: request.method, url: request.url, body: bodyBytes(request.rawBody) });
    if (!sameKey(proof.jwk, body.device.publicKey)) throw proofInvalid('jwk is not body.device.publicKey');
    return answer(SessionResponse, await accounts.enrollComplete(body, proof.jkt));
  });
}
