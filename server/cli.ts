import { z } from 'zod';
import { Role } from '../src/protocol/admin';
import { Username } from '../src/protocol/common';
import { CONFIG_HELP, loadConfig } from './config';
import { openDatabase } from './db/database';
import { ApiHttpError } from './errors';
import { AdminService } from './services/admin';
import { existingServerSecret } from './services/server-secret';

/**
 * Admin CLI: talks to the database directly with the server's own config
 * (same flags and env), so it works with the server stopped or running.
 *
 *   npm run admin -- create-user <username> [--role user|support|admin]
 *   npm run admin -- new-code <username>
 *   npm run admin -- totp-enable <username>   (support and admin users)
 *   npm run admin -- totp-disable <username>
 *
 * The first two print the enrollment code (groups of five) and link, once;
 * they are stored only as a hash. totp-enable prints the authenticator
 * secret and its otpauth:// URI, once. Actions are audited with actor "cli". A support or
 * admin user gets a console password from FV_CONSOLE_PASSWORD (an
 * environment variable, so it stays out of the shell history and `ps`).
 */
const COMMANDS = ['create-user', 'new-code', 'totp-enable', 'totp-disable'] as const;
const USAGE = `Usage:
  npm run admin -- create-user <username> [--role user|support|admin]
  npm run admin -- new-code <username>
  npm run admin -- totp-enable <username>    authenticator codes at console sign-in
  npm run admin -- totp-disable <username>
Set FV_CONSOLE_PASSWORD (12+ characters) to give a support or admin user a console password.
${CONFIG_HELP}`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // --role is the CLI's own flag; the rest are the server's.
  const roleAt = argv.indexOf('--role');
  const role = roleAt >= 0 ? argv.splice(roleAt, 2)[1] : 'user';
  const { config, positionals } = loadConfig(argv);
  const [command, name] = positionals;
  if (!COMMANDS.includes(command as (typeof COMMANDS)[number]) || !name) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  const username = Username.safeParse(name);
  const parsedRole = Role.safeParse(role);
  if (!username.success || !parsedRole.success) {
    process.stderr.write(`${!username.success ? `username: ${z.prettifyError(username.error)}` : `--role: expected user, support or admin`}\n`);
    return 2;
  }
  const password = process.env.FV_CONSOLE_PASSWORD || undefined;
  if (password !== undefined && (parsedRole.data === 'user' || password.length < 12)) {
    process.stderr.write('FV_CONSOLE_PASSWORD: only for --role support or admin, and at least 12 characters\n');
    return 2;
  }
  const dbh = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolSize: 1 });
  try {
    const totp = command === 'totp-enable' || command === 'totp-disable';
    // Authenticator secrets are sealed under the servers' secret: never a new one made here, nor the local file when the servers share FV_SERVER_SECRET.
    const secret = totp ? existingServerSecret(config.serverSecret, config.dataDir) : null;
    if (totp && (!secret || (config.databaseUrl && !config.serverSecret))) {
      process.stderr.write('Set FV_SERVER_SECRET to the servers’ secret (or, with SQLite, start the server once so it makes its secret file).\n');
      return 2;
    }
    const admin = new AdminService(dbh, config, secret);
    const actor = { userId: null, name: 'cli' };
    if (command === 'totp-enable') {
      const t = await admin.enableTotp(username.data, actor);
      process.stdout.write(`Authenticator secret for ${username.data}: ${t.secret}\nOr open/scan: ${t.uri}\n`);
      return 0;
    }
    if (command === 'totp-disable') {
      await admin.disableTotp(username.data, actor);
      process.stdout.write(`Authenticator codes are no longer asked of ${username.data}.\n`);
      return 0;
    }
    const r = command === 'create-user' ? await admin.createUser({ username: username.data, role: parsedRole.data, password }, actor) : await admin.newEnrollmentCode({ username: username.data }, actor);
    process.stdout.write(`User:            ${r.username} (${r.userId})\nEnrollment code: ${r.enrollmentCode}\nExpires:         ${r.expiresAt}\nLink:            ${r.enrollmentLink}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ApiHttpError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await dbh.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`admin: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
