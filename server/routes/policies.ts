import type { FastifyInstance } from 'fastify';
import { UserIdParams } from '../../src/protocol/admin';
import {
  CommandAck,
  CommandRequest,
  DeviceGroup,
  DeviceGroupAssignment,
  DeviceGroupRequest,
  DeviceGroupsResponse,
  DevicesResponse,
  PendingCommands,
  PolicyRequest,
  SignedPolicy,
  SyncLogResponse,
  AUDIT_PAGE,
  AuditQuery,
  AuditResponse,
  WipedReport,
} from '../../src/protocol/policy';
import { listAudit } from '../db/repositories/audit';
import { syncLogOf } from '../db/repositories/sync-log';
import { z } from 'zod';
import { Uuid } from '../../src/protocol/common';
import { answer, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';
import { actorOf } from '../plugins/admin-auth';

/** Policies and commands: what devices fetch and acknowledge, and what admins set and send (support may not). */
export async function policyRoutes(app: FastifyInstance): Promise<void> {
  const { policies, commands } = app.services;
  const admin = { preHandler: app.requireAdmin };
  const IdParams = z.object({ id: Uuid });

  app.get('/device/policy', { preHandler: app.requireDevice }, async (request) => answer(SignedPolicy, await policies.signedFor(deviceOf(request))));

  const device = { preHandler: app.requireDevice };
  app.get('/device/commands', device, async (request) => answer(PendingCommands, await commands.pendingFor(deviceOf(request))));
  app.post('/device/commands/:id/ack', device, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const body = parseOr400(CommandAck, request.body, 'body');
    await commands.ack(deviceOf(request), id, body.result);
    return reply.code(204).send();
  });

  app.post('/device/wiped', device, async (request, reply) => {
    const { reason } = parseOr400(WipedReport, request.body, 'body');
    await commands.wipedByPolicy(deviceOf(request), reason);
    return reply.code(204).send();
  });

  app.get('/admin/devices', admin, async () => answer(DevicesResponse, { devices: await commands.devices() }));
  app.post('/admin/devices/:id/commands', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const { kind } = parseOr400(CommandRequest, request.body, 'body');
    return reply.code(201).send({ ids: await commands.send({ deviceId: id }, kind, actorOf(request)) });
  });
  app.post('/admin/device-groups/:id/commands', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const { kind } = parseOr400(CommandRequest, request.body, 'body');
    return reply.code(201).send({ ids: await commands.send({ groupId: id }, kind, actorOf(request)) });
  });

  app.get('/admin/devices/:id/sync-log', admin, async (request) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const rows = await syncLogOf(app.services.dbh.db, id);
    return answer(SyncLogResponse, {
      entries: rows.map((r) => ({ at: new Date(Number(r.at)).toISOString(), kind: r.kind, changes: Number(r.changes), bytes: Number(r.bytes), user: r.username ?? null, error: r.error ?? null })),
    });
  });

  app.get('/admin/audit', admin, async (request) => {
    const q = parseOr400(AuditQuery, request.query, 'query');
    const [at, id] = q.before ? q.before.split(':') : [];
    const rows = await listAudit(app.services.dbh.db, AUDIT_PAGE + 1, at !== undefined && id !== undefined ? { at: Number(at), id } : undefined);
    const page = rows.slice(0, AUDIT_PAGE);
    const last = page[page.length - 1];
    return answer(AuditResponse, {
      entries: page.map((r) => ({
        at: new Date(Number(r.at)).toISOString(),
        actor: r.actor,
        action: r.action,
        target: r.target,
        targetDevice: r.device_model,
        ip: r.ip,
        detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
      })),
      next: rows.length > AUDIT_PAGE && last ? `${Number(last.at)}:${last.id}` : null,
    });
  });

  app.get('/admin/device-groups', admin, async () => answer(DeviceGroupsResponse, { groups: await policies.listGroups() }));

  app.post('/admin/device-groups', admin, async (request, reply) => {
    const body = parseOr400(DeviceGroupRequest, request.body, 'body');
    return reply.code(201).send(answer(DeviceGroup, await policies.createGroup(body, actorOf(request))));
  });

  app.put('/admin/device-groups/:id/policy', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const body = parseOr400(PolicyRequest, request.body, 'body');
    await policies.setGroupPolicy(id, body.policy, actorOf(request));
    return reply.code(204).send();
  });

  app.delete('/admin/devices/:id', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    await commands.remove(id, actorOf(request));
    return reply.code(204).send();
  });

  app.put('/admin/devices/:id/group', admin, async (request, reply) => {
    const { id } = parseOr400(IdParams, request.params, 'params');
    const body = parseOr400(DeviceGroupAssignment, request.body, 'body');
    await policies.assignDevice(id, body.groupId, actorOf(request));
    return reply.code(204).send();
  });

  app.put('/admin/users/:id/policy', admin, async (request, reply) => {
    const { id } = parseOr400(UserIdParams, request.params, 'params');
    const body = parseOr400(PolicyRequest, request.body, 'body');
    await policies.setUserPolicy(id, body.policy, actorOf(request));
    return reply.code(204).send();
  });
}
