import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UserIdParams } from '../../src/protocol/admin';
import { DeviceGroup, DeviceGroupAssignment, DeviceGroupRequest, DeviceGroupsResponse, PolicyRequest, SignedPolicy } from '../../src/protocol/policy';
import { z } from 'zod';
import { Uuid } from '../../src/protocol/common';
import { answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';
import type { Actor } from '../services/admin';

/** GET /device/policy for devices; device groups and policies for admins (support may not change them). */
export async function policyRoutes(app: FastifyInstance): Promise<void> {
  const { policies } = app.services;
  const admin = { preHandler: app.requireAdmin };
  const IdParams = z.object({ id: Uuid });
  const actor = (request: FastifyRequest): Actor => ({ userId: request.consoleUser!.id, name: request.consoleUser!.username, role: request.consoleUser!.role, ip: request.ip });

  app.get('/device/policy', { preHandler: app.requireDevice }, async (request) => answer(SignedPolicy, await policies.signedFor(deviceOf(request))));

  app.get('/admin/device-groups', admin, async () => answer(DeviceGroupsResponse, { groups: await policies.listGroups() }));

  app.post('/admin/device-groups', admin, async (request, reply) => {
    const body = parseOr400(DeviceGroupRequest, request.body, 'body');
    return reply.code(201).send(answer(DeviceGroup, await policies.createGroup(body, actor(request))));
  });

  app.put('/admin/device-groups/:id/policy', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const body = parseOr400(PolicyRequest, request.body, 'body');
    await policies.setGroupPolicy(id, body.policy, actor(request));
    return reply.code(204).send();
  });

  app.put('/admin/devices/:id/group', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const body = parseOr400(DeviceGroupAssignment, request.body, 'body');
    await policies.assignDevice(id, body.groupId, actor(request));
    return reply.code(204).send();
  });

  app.put('/admin/users/:id/policy', admin, async (request, reply) => {
    const { id } = parseOr400(UserIdParams, request.params, 'params');
    const body = parseOr400(PolicyRequest, request.body, 'body');
    await policies.setUserPolicy(id, body.policy, actor(request));
    return reply.code(204).send();
  });
}
