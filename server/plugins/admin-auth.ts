import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../errors';
import type { Actor, ConsoleUser, Role } from '../services/admin';
import { equalsConstantTime } from '../services/secrets';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireAdmin: the signed-in console user. */
    consoleUser?: ConsoleUser;
  }
  interface FastifyInstance {
    /** preHandler for admin routes: a console session cookie of an admin, and a same-origin Origin on unsafe methods. */
    requireAdmin: (request: FastifyRequest) => Promise<void>;
    /** The same for support routes: role support or admin. */
    requireSupport: (request: FastifyRequest) => Promise<void>;
  }
}

/** The console session cookie (the __Host- prefix when served over https pins it to this origin). */
export const adminCookieName = (secure: boolean) => (secure ? '__Host-fv_admin' : 'fv_admin');

export function registerAdminAuth(app: FastifyInstance): void {
  app.decorate('requireAdmin', requireRole(app, ['admin']));
  app.decorate('requireSupport', requireRole(app, ['admin', 'support']));
}

function requireRole(app: FastifyInstance, roles: readonly Role[]) {
  return async (request: FastifyRequest) => {
    // CSRF: SameSite=Strict already keeps the cookie off cross-site requests;
    // the Origin check also stops a same-site (other subdomain or port) page.
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const origin = request.headers.origin;
      if (typeof origin !== 'string' || !equalsConstantTime(origin, expectedOrigin(app, request))) throw forbidden('The request did not come from this server’s own pages.');
    }
    const token = readCookie(request, adminCookieName(isSecure(app, request)));
    const user = token ? await app.services.admin.session(token) : undefined;
    if (!user) throw unauthorized('Sign in to the console first.');
    if (!roles.includes(user.role)) throw forbidden();
    request.consoleUser = user;
  };
}

/** Who acts, for the audit log: the console user a require* preHandler signed in. */
export function actorOf(request: FastifyRequest): Actor {
  const u = request.consoleUser;
  if (!u) throw unauthorized('Sign in to the console first.');
  return { userId: u.id, name: u.username, role: u.role, ip: request.ip };
}

/** The origin this server's own pages have: PUBLIC_URL's, else what the request was addressed to. */
export function expectedOrigin(app: FastifyInstance, request: FastifyRequest): string {
  const pub = app.services.config.publicUrl;
  return pub ? new URL(pub).origin : `${request.protocol}://${request.headers.host ?? ''}`;
}

export function isSecure(app: FastifyInstance, request: FastifyRequest): boolean {
  const pub = app.services.config.publicUrl;
  return pub ? pub.startsWith('https:') : request.protocol === 'https';
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function sessionCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
