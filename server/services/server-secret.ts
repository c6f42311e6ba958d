import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'server-secret';

/**
 * The server secret: keys the HMAC that makes prelogin answers for unknown
 * usernames stable and unguessable. From FV_SERVER_SECRET when set (every
 * process of a multi-process deployment must then use the same value), else
 * a random 32-byte file in the data directory, created once with mode 0600.
 * Several processes starting at once agree: the first to create the file
 * wins, the others read it.
 */
export function loadServerSecret(fromEnv: string | undefined, dataDir: string): { secret: Buffer; source: 'env' | 'file' } {
  if (fromEnv) {
    if (fromEnv.length < 32) throw new TypeError('"FV_SERVER_SECRET" expected at least 32 characters');
    return { secret: Buffer.from(fromEnv, 'utf8'), source: 'env' };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SECRET_FILE);
  // Written whole under a temporary name, then linked into place: a process
  // that loses the race never reads a half-written file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, randomBytes(32).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} is too short to be a server secret; delete it to make a new one`);
  return { secret: Buffer.from(secret, 'utf8'), source: 'file' };
}

/**
 * The secret the servers use, for tools that must not make a new one (the
 * admin CLI): from FV_SERVER_SECRET, else the data directory's file if it
 * exists; null if neither.
 */
export function existingServerSecret(fromEnv: string | undefined, dataDir: string): Buffer | null {
  if (fromEnv || existsSync(join(dataDir, SECRET_FILE))) return loadServerSecret(fromEnv, dataDir).secret;
  return null;
}
