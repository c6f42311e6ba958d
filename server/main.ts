import { buildApp } from './app';
import { CONFIG_HELP, loadConfig, publicOrigin } from './config';

/**
 * CLI entry: `tsx server/main.ts [--port 8080] [--host 127.0.0.1]
 * [--data-dir ./.data] [--database-url postgres://…] [--public-url …]`.
 * Prints the first-admin setup link while no admin exists, and shuts down
 * gracefully on SIGTERM/SIGINT (in-flight requests finish, then the
 * database closes).
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: npm run server -- [options]\n${CONFIG_HELP}\n`);
    return;
  }
  const { config } = loadConfig(argv);
  const app = await buildApp(config);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      app.log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    app.log.info(`${signal}: shutting down`);
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        app.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  const port = (app.server.address() as { port: number }).port;
  const token = await app.services.admin.setupTokenIfNeeded();
  // Printed, not logged: the one place the token appears, on the operator's console.
  if (token) process.stdout.write(`First-admin setup: ${publicOrigin(config, port)}/setup#${token}\n`);
  process.stdout.write(`FieldVault server listening on ${publicOrigin(config, port)} (${app.services.dbh.dialect})\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`Server failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
