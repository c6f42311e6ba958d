import type { FastifyInstance } from 'fastify';
import { MAX_PUSH_BYTES, PullQuery, PullResponse, PushRequest, PushResponse } from '../../src/protocol/sync';
import { writeSyncError } from '../db/repositories/sync-log';
import { ApiHttpError, answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';

/** POST /sync/push and GET /sync/pull (DESIGN §6). */
export async function syncRoutes(app: FastifyInstance): Promise<void> {
  const { sync, dbh } = app.services;
  const auth = { preHandler: app.requireDevice };

  // A refused push or pull of a known device goes to its sync log with what the device was told (admins see it in the console).
  app.addHook('onError', async (request, _reply, error) => {
    if (!request.device) return;
    const kind = request.url.includes('/sync/push') ? 'push' : 'pull';
    const code = error instanceof ApiHttpError ? error.code : 'ServerError';
    const message = error instanceof ApiHttpError ? error.message : 'The server could not complete the request.';
    await writeSyncError(dbh.db, { deviceId: request.device.deviceId, userId: request.device.userId, kind }, `${code}: ${message}`, Date.now()).catch((e: unknown) =>
      request.log.warn({ err: e }, 'sync log: error not recorded'),
    );
  });

  app.post('/sync/push', { ...auth, bodyLimit: MAX_PUSH_BYTES }, async (request) => {
    const body = parseOr400(PushRequest, request.body, 'body');
    return answer(PushResponse, await sync.push(deviceOf(request), body.changes));
  });

  app.get('/sync/pull', auth, async (request) => {
    const q = parseOr400(PullQuery, request.query, 'query');
    return answer(PullResponse, await sync.pull(deviceOf(request), q.after, q.limit));
  });
}
