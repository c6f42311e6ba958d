import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, inject } from 'vitest';
import type { EnvelopeWire, KeyBundle, SessionResponse } from '../../../src/protocol/auth';
import { buildApp } from '../../../server/app';
import type { ServerConfig } from '../../../server/config';
import { freshDatabase } from '../../support/postgres';
import { TestDevice, type Answer } from './device';

export type DbKind = 'sqlite' | 'postgres';
export const DB_KINDS: DbKind[] = ['sqlite', 'postgres'];

/** scrypt cost for tests: real algorithm, a fraction of production's work. */
export const TEST_SCRYPT = { N: 2 ** 14, r: 8, p: 1 };

export function testConfig(dataDir: string, databaseUrl: string | undefined, over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl,
    publicUrl: undefined,
    distDir: null,
    serverSecret: undefined,
    authKeyScrypt: TEST_SCRYPT,
    passwordScrypt: TEST_SCRYPT,
    rateLimits: { auth: { max: 10_000, windowMs: 60_000 }, admin: { max: 10_000, windowMs: 60_000 }, reveal: { max: 10_000, windowMs: 60_000 } },
    push: { subject: 'mailto:test@fieldvault.invalid', hosts: ['127.0.0.1'], allowHttp: true },
    trustProxy: false,
    logLevel: 'silent',
    ...over,
  };
}

export interface TestServer {
  app: FastifyInstance;
  kind: DbKind;
  dataDir: string;
  close(): Promise<void>;
}

/** A server on a fresh database of the given kind (temp dir for SQLite, new database for PostgreSQL). */
export async function startTestServer(kind: DbKind, over: Partial<ServerConfig> = {}, logStream?: { write(line: string): void }): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fv-srvtest-'));
  const pgdb = kind === 'postgres' ? await freshDatabase(inject('pgUrl')) : undefined;
  const app = await buildApp(testConfig(dataDir, pgdb?.url, over), logStream ? { logStream } : {});
  return {
    app,
    kind,
    dataDir,
    async close() {
      await app.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const b64 = (n: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('base64');

/** What the vault would send at enrollment: real P-256 SPKIs, opaque random wrapped keys, one envelope for the personal group. */
export async function newAccountMaterial(): Promise<{ authKey: string; bundle: KeyBundle; envelopes: EnvelopeWire[]; kid: string; signingKey: CryptoKey }> {
  const ecdh = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const ecdsa = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const ecdhSpki = Buffer.from(await crypto.subtle.exportKey('spki', ecdh.publicKey));
  const ecdsaSpki = Buffer.from(await crypto.subtle.exportKey('spki', ecdsa.publicKey));
  const kid = createHash('sha256').update(ecdhSpki).digest('hex');
  const personalGroup = randomUUID();
  const bundle: KeyBundle = {
    v: 1,
    kdf: { alg: 'PBKDF2-SHA256', iterations: 600_000, salt: b64(16) },
    verifier: b64(32),
    wrappedEcdh: b64(80),
    wrappedEcdsa: b64(80),
    ecdhSpki: ecdhSpki.toString('base64'),
    ecdsaSpki: ecdsaSpki.toString('base64'),
    personalGroup,
  };
  const envelopes: EnvelopeWire[] = [{ group: personalGroup, epoch: 1, kid, envelope: { v: 1, alg: 'ECDH-ES+A256KW', kid, wrapped: b64(40), sig: b64(64) } }];
  return { authKey: b64(32), bundle, envelopes, kid, signingKey: ecdsa.privateKey };
}

export interface EnrolledUser {
  username: string;
  userId: string;
  device: TestDevice;
  session: SessionResponse;
  token: string;
  authKey: string;
  group: string;
  kid: string;
  bundle: KeyBundle;
  /** The account's ECDSA private key (what signs credentials updates). */
  signingKey: CryptoKey;
}

/** Creates a user (as the CLI would) and enrolls them from a new device. */
export async function enrollUser(app: FastifyInstance, username: string, origin?: string): Promise<EnrolledUser> {
  const created = await app.services.admin.createUser({ username, role: 'user' }, { userId: null, name: 'test' });
  const device = await TestDevice.create();
  const m = await newAccountMaterial();
  const res = await device.inject(app, 'POST', '/enroll/complete', {
    body: { username, code: created.enrollmentCode, authKey: m.authKey, bundle: m.bundle, envelopes: m.envelopes, device: device.info() },
    origin,
  });
  expectOk(res, 200);
  const session = res.json as SessionResponse;
  return { username, userId: session.userId, device, session, token: session.token, authKey: m.authKey, group: m.bundle.personalGroup, kid: m.kid, bundle: m.bundle, signingKey: m.signingKey };
}

export function expectOk(res: Answer, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
}

/** A change as a device would push it: opaque ciphertext bytes, base64. */
export function change(group: string, recordId: string, baseSeq = 0, data = b64(64)) {
  return { changeId: randomUUID(), group, recordId, epoch: 1, baseSeq, data };
}

/** The password every staff user of these tests has. */
export const STAFF_PASSWORD = 'correct horse battery';
/** The Origin the console's pages send (inject addresses the server as localhost:80). */
export const CONSOLE_ORIGIN = 'http://localhost:80';

/** Signs a console user in; returns the session cookie ("name=value"). */
export async function consoleCookie(app: FastifyInstance, username: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/admin/login', headers: { origin: CONSOLE_ORIGIN }, payload: { username, password: STAFF_PASSWORD } });
  if (res.statusCode !== 200) throw new Error(`console login of ${username}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

/** Creates a support user "helpdesk" and, on a server with no admin yet, the first admin "root"; returns their signed-in cookies. */
export async function staffSessions(app: FastifyInstance): Promise<{ admin: string | null; support: string }> {
  let admin: string | null = null;
  const token = await app.services.admin.setupTokenIfNeeded();
  if (token) {
    await app.services.admin.setup({ token, username: 'root', password: STAFF_PASSWORD }, null);
    admin = await consoleCookie(app, 'root');
  }
  await app.services.admin.createUser({ username: 'helpdesk', role: 'support', password: STAFF_PASSWORD }, { userId: null, name: 'test' });
  return { admin, support: await consoleCookie(app, 'helpdesk') };
}

/** Registers beforeAll/afterAll: a server of `kind` with `usernames` enrolled, each from a device of their own, handed to `ready`. */
export function serverWithUsers(kind: DbKind, usernames: string[], ready: (s: TestServer, users: EnrolledUser[]) => void | Promise<void>): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(kind);
    const users: EnrolledUser[] = [];
    for (const name of usernames) users.push(await enrollUser(server.app, name));
    await ready(server, users);
  });
  afterAll(async () => server?.close());
}
