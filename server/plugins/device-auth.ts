import type { FastifyInstance, FastifyRequest } from 'fastify';
import { API_PREFIX } from '../../src/protocol/common';
import { touchDevice } from '../db/repositories/devices';
import { findLiveSession, touchSession } from '../db/repositories/sessions';
import { MESSAGES, proofInvalid, unauthorized } from '../errors';
import { sha256Hex } from '../services/secrets';
import type { DeviceAuth } from '../services/sync';
import { bodyBytes } from './body-parsers';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireDevice: the session's user and device. */
    device?: DeviceAuth;
  }
  interface FastifyInstance {
    /** preHandler for every device API call after login: a live session token plus a proof by its device key. */
    requireDevice: (request: FastifyRequest) => Promise<void>;
  }
}

/** What a device with a wipe issued may still do: fetch the wipe, and say it is done. */
const WIPE_OPEN: ReadonlySet<string> = new Set(['GET /device/commands', 'POST /device/commands/:id/ack', 'POST /device/wiped'].map((r) => r.replace(' ', ` ${API_PREFIX}`)));

/**
 * Device-bound sessions (DESIGN §7). `Authorization: DPoP <token>` names a
 * session; the `DPoP` proof must be signed by the key of the device that
 * session was opened for. A copied token without that key gets 401, and
 * every accepted request stamps the device's server contact time. A device
 * with a wipe issued is refused everything but that wipe.
 */
export function registerDeviceAuth(app: FastifyInstance): void {
  app.decorate('requireDevice', async (request: FastifyRequest) => {
    const { dbh, dpop } = app.services;
    const m = /^DPoP ([A-Za-z0-9_-]{32,128})$/.exec(request.headers.authorization ?? '');
    if (!m) throw unauthorized();
    const token = m[1]!;
    const now = Date.now();
    const session = await findLiveSession(dbh.db, sha256Hex(token), now);
    if (!session) throw unauthorized();
    const proof = await dpop.verify(request.headers.dpop, { method: request.method, url: request.url, body: bodyBytes(request.rawBody), token }, now);
    // The proof's key must be the one the session is bound to, not merely any valid key.
    if (proof.jkt !== session.jkt) throw proofInvalid('signed by another key than the session’s device');
    // From the moment a wipe is issued the device gets no more data and can send none: only the command and its acknowledgement.
    if (session.wipe_issued && !WIPE_OPEN.has(`${request.method} ${request.routeOptions.url}`)) throw unauthorized(MESSAGES.wiping);
    await touchSession(dbh.db, session.token_hash, now);
    await touchDevice(dbh.db, session.device_id, session.user_id, now);
    request.device = { userId: session.user_id, deviceId: session.device_id };
  });
}

/** The authenticated device of a request that passed requireDevice. */
export function deviceOf(request: FastifyRequest): DeviceAuth {
  if (!request.device) throw unauthorized();
  return request.device;
}
