import type { FastifyInstance } from 'fastify';
import { UnlockCodesAck, UnlockCodesResponse } from '../../src/protocol/unlock-codes';
import { answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';

/** GET /account/unlock-codes and POST /account/unlock-codes/ack: handing unlock codes to a signed-in device (DESIGN §8). */
export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const { unlockCodes } = app.services;
  const auth = { preHandler: app.requireDevice };

  app.get('/account/unlock-codes', auth, async (request, reply) => {
    // Codes in clear: never cached anywhere on the way.
    reply.header('cache-control', 'no-store');
    return answer(UnlockCodesResponse, await unlockCodes.forDevice(deviceOf(request)));
  });

  app.post('/account/unlock-codes/ack', auth, async (request, reply) => {
    const body = parseOr400(UnlockCodesAck, request.body, 'body');
    await unlockCodes.ack(deviceOf(request), body);
    return reply.code(204).send();
  });
}
