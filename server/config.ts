import { createPublicKey } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Server configuration from command-line flags and environment variables
 * (flags win). Everything the processes of one deployment share lives in the
 * database; this is only how to reach it and how to listen.
 */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export interface RateLimitRule {
  max: number;
  /** Window in milliseconds. */
  windowMs: number;
}

export interface ServerConfig {
  port: number;
  host: string;
  /** SQLite file, server secret file. */
  dataDir: string;
  /** postgres://… selects PostgreSQL; unset = SQLite under dataDir. */
  databaseUrl: string | undefined;
  /** The origin people open (https://… in production); links and DPoP `htu` origin checks use it. */
  publicUrl: string | undefined;
  /** The built PWA; null = serve no static files (API-only tests). */
  distDir: string | null;
  /** Server secret from FV_SERVER_SECRET; unset = a file in dataDir, made on first start. */
  serverSecret: string | undefined;
  /** Slow hash of devices' auth keys (high-entropy inputs: moderate cost). */
  authKeyScrypt: ScryptParams;
  /** Slow hash of console passwords (people's passwords: higher cost). */
  passwordScrypt: ScryptParams;
  rateLimits: { auth: RateLimitRule; admin: RateLimitRule; reveal: RateLimitRule };
  /**
   * The organisation's recovery public key (ECDH P-256 SPKI, base64), from
   * FV_RECOVERY_PUBLIC_KEY: devices whose build pins its key id add it as a
   * recipient of every group key they own (README: the trade-off).
   */
  recoveryPublicKey?: string | undefined;
  /**
   * Web Push: the contact push services see (RFC 8292); the hosts a
   * device's push endpoint may name (the server POSTs there, so not just
   * any URL); whether http:// endpoints are accepted (tests only).
   */
  push: { subject: string; hosts: string[]; allowHttp: boolean };
  /** Trust X-Forwarded-* from a reverse proxy (for client IPs and https). */
  trustProxy: boolean;
  logLevel: string;
}

/** The push services of Chromium browsers, Firefox, Safari and Edge; `*.` matches any subdomain. */
export const DEFAULT_PUSH_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.push.apple.com', '*.notify.windows.com'];

export const DEFAULT_AUTH_KEY_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
export const DEFAULT_PASSWORD_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'public-url': { type: 'string' },
  'dist-dir': { type: 'string' },
  'no-static': { type: 'boolean' },
  'trust-proxy': { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

export const CONFIG_HELP = `Options (flag, or environment variable):
  --port N            PORT           port to listen on (default 8080)
  --host H            HOST           address to bind (default 127.0.0.1)
  --data-dir D        DATA_DIR       SQLite file and server secret (default ./.data)
  --database-url U    DATABASE_URL   postgres://… to use PostgreSQL instead of SQLite
  --public-url U      PUBLIC_URL     origin people open, e.g. https://vault.example.org
  --dist-dir D        DIST_DIR       built PWA to serve (default ./dist)
  --trust-proxy       TRUST_PROXY=1  behind a reverse proxy: trust X-Forwarded-*
  --log-level L       LOG_LEVEL      pino level (default info)
                      FV_SERVER_SECRET  server secret (all processes of one deployment share it)
                      FV_RECOVERY_PUBLIC_KEY  optional organisation recovery key (ECDH P-256 SPKI, base64)
                      FV_PUSH_CONTACT   mailto: or https: contact for Web Push services (default PUBLIC_URL if https)
                      FV_PUSH_HOSTS     comma-separated push service hosts devices may subscribe with (*.example.org allowed)`;

/**
 * Parses flags (argv without node and script) and env. Returns the config
 * and the positional arguments (for the admin CLI). Throws a TypeError
 * naming the flag when a value is unusable.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): { config: ServerConfig; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`"--port" expected 0..65535, got ${values.port ?? env.PORT}`);
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL ?? undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new TypeError('"DATABASE_URL" expected a postgres:// URL');
  const publicUrl = values['public-url'] ?? env.PUBLIC_URL ?? undefined;
  if (publicUrl !== undefined) {
    const u = new URL(publicUrl); // throws on garbage
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError('"PUBLIC_URL" expected an http(s) URL');
  }
  const dist = values['no-static'] ? null : resolve(values['dist-dir'] ?? env.DIST_DIR ?? 'dist');
  const scryptN = env.FV_SCRYPT_N ? Number(env.FV_SCRYPT_N) : undefined;
  if (scryptN !== undefined && !(Number.isInteger(Math.log2(scryptN)) && scryptN >= 2 ** 10)) throw new TypeError('"FV_SCRYPT_N" expected a power of two ≥ 1024');
  return {
    positionals,
    config: {
      port,
      host: values.host ?? env.HOST ?? '127.0.0.1',
      dataDir: resolve(values['data-dir'] ?? env.DATA_DIR ?? '.data'),
      databaseUrl: databaseUrl || undefined,
      publicUrl: publicUrl?.replace(/\/+$/, ''),
      distDir: dist,
      serverSecret: env.FV_SERVER_SECRET || undefined,
      recoveryPublicKey: recoveryKey(env.FV_RECOVERY_PUBLIC_KEY),
      authKeyScrypt: scryptN ? { ...DEFAULT_AUTH_KEY_SCRYPT, N: scryptN } : DEFAULT_AUTH_KEY_SCRYPT,
      passwordScrypt: scryptN ? { ...DEFAULT_PASSWORD_SCRYPT, N: scryptN } : DEFAULT_PASSWORD_SCRYPT,
      rateLimits: {
        auth: { max: Number(env.FV_RATE_LIMIT_AUTH ?? 20), windowMs: 60_000 },
        admin: { max: Number(env.FV_RATE_LIMIT_ADMIN ?? 10), windowMs: 60_000 },
        // Revealing a code is escrow use: a handful an hour is plenty for a support desk.
        reveal: { max: Number(env.FV_RATE_LIMIT_REVEAL ?? 10), windowMs: 3600_000 },
      },
      push: {
        subject: pushContact(env.FV_PUSH_CONTACT, publicUrl),
        hosts: env.FV_PUSH_HOSTS ? env.FV_PUSH_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean) : DEFAULT_PUSH_HOSTS,
        allowHttp: env.FV_PUSH_ALLOW_HTTP === '1',
      },
      trustProxy: values['trust-proxy'] ?? /^(1|true|yes)$/i.test(env.TRUST_PROXY ?? ''),
      logLevel: values['log-level'] ?? env.LOG_LEVEL ?? 'info',
    },
  };
}

/** The origin people open: PUBLIC_URL, else localhost on the configured port. */
export function publicOrigin(config: ServerConfig, port = config.port): string {
  return config.publicUrl ?? `http://localhost:${port}`;
}

/** The VAPID contact: FV_PUSH_CONTACT, else an https PUBLIC_URL, else a placeholder push services accept. */
function pushContact(contact: string | undefined, publicUrl: string | undefined): string {
  if (contact) {
    if (!/^(mailto:|https:\/\/)/.test(contact)) throw new TypeError('"FV_PUSH_CONTACT" expected a mailto: or https:// URL');
    return contact;
  }
  return publicUrl?.startsWith('https://') ? publicUrl : 'mailto:admin@fieldvault.invalid';
}

/** Checks FV_RECOVERY_PUBLIC_KEY is a P-256 public key in SPKI form; undefined when unset. */
function recoveryKey(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  try {
    const k = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
    if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1') return b64;
  } catch {
    // reported below
  }
  throw new TypeError('"FV_RECOVERY_PUBLIC_KEY" expected a base64 P-256 public key (SPKI)');
}
