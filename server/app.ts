import Fastify, { type FastifyInstance } from 'fastify';
import { API_PREFIX } from '../src/protocol/common';
import type { ServerConfig } from './config';
import { openDatabase, type DatabaseHandle } from './db/database';
import { registerAdminAuth } from './plugins/admin-auth';
import { registerBodyParsers } from './plugins/body-parsers';
import { registerDeviceAuth } from './plugins/device-auth';
import { registerErrorHandler } from './plugins/errors';
import { registerRateLimit } from './plugins/rate-limit';
import { registerSecurityHeaders } from './plugins/security-headers';
import { registerStatic, wantsAppShell } from './plugins/static';
import { accountRoutes } from './routes/account';
import { adminRoutes } from './routes/admin';
import { authRoutes } from './routes/auth';
import { blobRoutes } from './routes/blobs';
import { enrollRoutes } from './routes/enroll';
import { groupRoutes } from './routes/groups';
import { policyRoutes } from './routes/policies';
import { pushRoutes } from './routes/push';
import { healthRoutes } from './routes/health';
import { setupPageRoutes } from './routes/setup-page';
import { syncRoutes } from './routes/sync';
import { AccountService } from './services/accounts';
import { AdminService } from './services/admin';
import { BlobService } from './services/blobs';
import { DpopVerifier } from './services/dpop';
import { GroupService } from './services/groups';
import { CommandService } from './services/commands';
import { PolicyService } from './services/policies';
import { PolicySigner } from './services/policy-signer';
import { PushService } from './services/web-push';
import { loadServerSecret } from './services/server-secret';
import { SyncService } from './services/sync';
import { UnlockCodeService } from './services/unlock-codes';

/** The app's services, decorated on the Fastify instance as `app.services`. */
export interface Services {
  config: ServerConfig;
  dbh: DatabaseHandle;
  dpop: DpopVerifier;
  accounts: AccountService;
  sync: SyncService;
  blobs: BlobService;
  admin: AdminService;
  unlockCodes: UnlockCodeService;
  groups: GroupService;
  policies: PolicyService;
  commands: CommandService;
  push: PushService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Headers that carry credentials: never logged. */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.dpop', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/**
 * Builds the server: database (migrated), services, plugins and routes.
 * Does not listen; tests drive it with `app.inject()`, main.ts listens.
 * Closing the app closes the database.
 */
export async function buildApp(config: ServerConfig, opts: { logStream?: { write(line: string): void } } = {}): Promise<FastifyInstance> {
  const dbh = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const { secret, source } = loadServerSecret(config.serverSecret, config.dataDir);
  const app = Fastify({
    logger: { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, ...(opts.logStream ? { stream: opts.logStream } : {}) },
    trustProxy: config.trustProxy,
    // The largest body of all but push and chunk uploads (which set their own).
    bodyLimit: 1024 * 1024,
  });
  app.addHook('onClose', async () => dbh.destroy());
  if (source === 'file' && dbh.dialect === 'postgres')
    app.log.warn('FV_SERVER_SECRET is not set: using the data directory’s secret file. Every server process sharing this database needs the same secret.');

  const publicOrigin = config.publicUrl ? new URL(config.publicUrl).origin : undefined;
  const signer = new PolicySigner(secret);
  const push = new PushService(dbh, secret, config.push, app.log);
  app.decorate('services', {
    config,
    dbh,
    dpop: new DpopVerifier(dbh.db, publicOrigin),
    accounts: new AccountService(dbh, config, secret, signer.publicKey),
    sync: new SyncService(dbh),
    blobs: new BlobService(dbh),
    admin: new AdminService(dbh, config, secret),
    unlockCodes: new UnlockCodeService(dbh, config, secret, signer.publicKey),
    policies: new PolicyService(dbh, signer),
    push,
    commands: new CommandService(dbh, signer, push),
    groups: new GroupService(dbh, config.recoveryPublicKey),
  } satisfies Services);

  registerBodyParsers(app);
  registerErrorHandler(app);
  registerSecurityHeaders(app);
  registerDeviceAuth(app);
  registerAdminAuth(app);
  await registerRateLimit(app);

  await app.register(
    async (api) => {
      await api.register(healthRoutes);
      await api.register(authRoutes);
      await api.register(enrollRoutes);
      await api.register(syncRoutes);
      await api.register(accountRoutes);
      await api.register(groupRoutes);
      await api.register(policyRoutes);
      await api.register(pushRoutes);
      await api.register(blobRoutes);
      await api.register(adminRoutes);
    },
    { prefix: API_PREFIX },
  );
  await app.register(setupPageRoutes);
  if (config.distDir) await registerStatic(app, config.distDir);

  app.setNotFoundHandler(async (request, reply) => {
    if (config.distDir && wantsAppShell(request.method, request.url)) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply.code(404).send({ error: 'NotFound', message: 'Nothing here.' });
  });
  return app;
}
