import type { FastifyInstance } from 'fastify';
import {
  AdminLoginRequest,
  AdminSessionResponse,
  AdminSetupRequest,
  AdminSetupResponse,
  CreateUserRequest,
  CreateUserResponse,
  UserDetailResponse,
  UserIdParams,
  UserSearchQuery,
  UserSearchResponse,
} from '../../src/protocol/admin';
import { RevealCodeRequest, RevealCodeResponse } from '../../src/protocol/unlock-codes';
import { answer, forbidden, parseOr400, unauthorized } from '../errors';
import { actorOf, adminCookieName, expectedOrigin, isSecure, readCookie, sessionCookie } from '../plugins/admin-auth';
import { rateLimited } from '../plugins/rate-limit';
import { ADMIN_SESSION_TTL_MS } from '../services/admin';
import { equalsConstantTime } from '../services/secrets';

/** The admin API: first-admin setup (JSON form), console sign-in, creating users; for support too: user lookup and revealing an unlock code. */
export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const { admin, unlockCodes, config } = app.services;
  const limited = { config: rateLimited(config.rateLimits.admin) };

  app.post('/admin/setup', limited, async (request, reply) => {
    const body = parseOr400(AdminSetupRequest, request.body, 'body');
    const user = await admin.setup(body, request.ip);
    return reply.code(201).send(answer(AdminSetupResponse, { userId: user.id, username: user.username }));
  });

  app.post('/admin/login', limited, async (request, reply) => {
    // Login CSRF (signing a victim into another account) is refused too.
    const origin = request.headers.origin;
    if (origin !== undefined && !equalsConstantTime(origin, expectedOrigin(app, request))) throw forbidden('The request did not come from this server’s own pages.');
    const body = parseOr400(AdminLoginRequest, request.body, 'body');
    const { token, user } = await admin.login(body.username, body.password, request.ip, body.totp);
    const secure = isSecure(app, request);
    reply.header('set-cookie', sessionCookie(adminCookieName(secure), token, ADMIN_SESSION_TTL_MS / 1000, secure));
    return answer(AdminSessionResponse, { userId: user.id, username: user.username, role: user.role });
  });

  app.post('/admin/logout', async (request, reply) => {
    const secure = isSecure(app, request);
    const token = readCookie(request, adminCookieName(secure));
    if (token) await admin.logout(token);
    return reply.header('set-cookie', sessionCookie(adminCookieName(secure), '', 0, secure)).code(204).send();
  });

  app.get('/admin/session', async (request) => {
    const token = readCookie(request, adminCookieName(isSecure(app, request)));
    const user = token ? await admin.session(token) : undefined;
    if (!user) throw unauthorized('Sign in to the console first.');
    return answer(AdminSessionResponse, { userId: user.id, username: user.username, role: user.role });
  });

  const support = { preHandler: app.requireSupport };
  app.get('/admin/users', support, async (request) => {
    const q = parseOr400(UserSearchQuery, request.query, 'query');
    return answer(UserSearchResponse, { users: await admin.searchUsers(q.q) });
  });

  app.get('/admin/users/:id', support, async (request) => {
    const { id } = parseOr400(UserIdParams, request.params, 'params');
    return answer(UserDetailResponse, await admin.userDetail(id));
  });

  app.post('/admin/users/:id/unlock-code', { ...support, config: rateLimited(config.rateLimits.reveal) }, async (request) => {
    const { id } = parseOr400(UserIdParams, request.params, 'params');
    const body = parseOr400(RevealCodeRequest, request.body, 'body');
    return answer(RevealCodeResponse, await unlockCodes.reveal(id, body.reason, actorOf(request)));
  });

  app.post('/admin/users/:id/enrollment-code', { preHandler: app.requireAdmin }, async (request, reply) => {
    const { id } = parseOr400(UserIdParams, request.params, 'params');
    const issued = await admin.newEnrollmentCode({ id }, { ...actorOf(request), origin: expectedOrigin(app, request) });
    return reply.code(201).send(answer(CreateUserResponse, issued));
  });

  app.post('/admin/users', { preHandler: app.requireAdmin }, async (request, reply) => {
    const body = parseOr400(CreateUserRequest, request.body, 'body');
    const created = await admin.createUser(body, { ...actorOf(request), origin: expectedOrigin(app, request) });
    return reply.code(201).send(answer(CreateUserResponse, created));
  });
}
