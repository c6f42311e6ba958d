import type { FastifyInstance } from 'fastify';
import { PushInfoResponse, PushSubscriptionRequest } from '../../src/protocol/push';
import { findDevice } from '../db/repositories/devices';
import { answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';

/** A device's Web Push subscription: the key to subscribe with, and storing or dropping the subscription. */
export async function pushRoutes(app: FastifyInstance): Promise<void> {
  const { push, dbh } = app.services;
  const device = { preHandler: app.requireDevice };

  app.get('/device/push', device, async (request) => {
    const row = await findDevice(dbh.db, deviceOf(request).deviceId);
    return answer(PushInfoResponse, { publicKey: push.publicKey, endpoint: row?.push_endpoint ?? null });
  });

  app.put('/device/push-subscription', device, async (request, reply) => {
    await push.subscribe(deviceOf(request), parseOr400(PushSubscriptionRequest, request.body, 'body'));
    return reply.code(204).send();
  });

  app.delete('/device/push-subscription', device, async (request, reply) => {
    await push.unsubscribe(deviceOf(request));
    return reply.code(204).send();
  });
}
