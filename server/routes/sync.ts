import type { FastifyInstance } from 'fastify';
import { MAX_PUSH_BYTES, PullQuery, PullResponse, PushRequest, PushResponse } from '../../src/protocol/sync';
import { answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';

/** POST /sync/push and GET /sync/pull (DESIGN §6). */
export async function syncRoutes(app: FastifyInstance): Promise<void> {
  const { sync } = app.services;
  const auth = { preHandler: app.requireDevice };

  app.post('/sync/push', { ...auth, bodyLimit: MAX_PUSH_BYTES }, async (request) => {
    const body = parseOr400(PushRequest, request.body, 'body');
    return answer(PushResponse, await sync.push(deviceOf(request), body.changes));
  });

  app.get('/sync/pull', auth, async (request) => {
    const q = parseOr400(PullQuery, request.query, 'query');
    return answer(PullResponse, await sync.pull(deviceOf(request), q.after, q.limit));
  });
}
