import type { FastifyInstance } from 'fastify';
import { AccountGroupsResponse, AddMemberRequest, AddRecoveryRequest, DirectoryEntry, GroupMemberParams, GroupParams, RemoveMemberRequest, UsernameParams } from '../../src/protocol/groups';
import { answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';

/** The key directory, a user's groups with their envelopes, and the owner's member changes (DESIGN §2, §3). */
export async function groupRoutes(app: FastifyInstance): Promise<void> {
  const { groups } = app.services;
  const auth = { preHandler: app.requireDevice };

  app.get('/directory/users/:username', auth, async (request) => {
    const { username } = parseOr400(UsernameParams, request.params, 'params');
    return answer(DirectoryEntry, await groups.directory(username));
  });

  app.get('/account/groups', auth, async (request) => answer(AccountGroupsResponse, await groups.accountGroups(deviceOf(request))));

  app.post('/groups/:id/members', auth, async (request, reply) => {
    const { id } = parseOr400(GroupParams, request.params, 'params');
    const body = parseOr400(AddMemberRequest, request.body, 'body');
    await groups.addMember(deviceOf(request), id, body, request.ip);
    return reply.code(204).send();
  });

  app.post('/groups/:id/recovery', auth, async (request, reply) => {
    const { id } = parseOr400(GroupParams, request.params, 'params');
    const body = parseOr400(AddRecoveryRequest, request.body, 'body');
    await groups.addRecovery(deviceOf(request), id, body.envelopes, request.ip);
    return reply.code(204).send();
  });

  app.post('/groups/:id/members/:userId/remove', auth, async (request, reply) => {
    const { id, userId } = parseOr400(GroupMemberParams, request.params, 'params');
    const body = parseOr400(RemoveMemberRequest, request.body, 'body');
    await groups.removeMember(deviceOf(request), id, userId, body, request.ip);
    return reply.code(204).send();
  });
}
