import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Policy } from '../../src/domain/policy';
import type { CreateUserResponse, UserDetailResponse, UserSummary } from '../../src/protocol/admin';
import type { ServerConfig } from '../config';
import type { DatabaseHandle } from '../db/database';
import { deleteAdminSession, deleteAdminSessionsOf, findAdminSession, insertAdminSession, insertSetupToken, spendSetupToken } from '../db/repositories/admin';
import { writeAudit } from '../db/repositories/audit';
import { insertCode, retireCodes } from '../db/repositories/enrollment-codes';
import { devicesOfUser } from '../db/repositories/devices';
import { adminExists, findUserById, findUserByUsername, insertUser, searchUsers, setTotp, spendTotpStep, type UserRow } from '../db/repositories/users';
import { ApiHttpError, MESSAGES, conflict, notFound, unauthorized } from '../errors';
import { groupCode, hmac, newEnrollmentCode, newToken, seal, sha256Hex, slowHash, unseal, verifySlowHash } from './secrets';
import { base32, newTotpSecret, otpauthUri, verifyTotp } from './totp';

/**
 * Administration: first-admin setup, console sign-in, creating users with
 * enrollment codes. Every action is written to the audit log with who did
 * it; codes, tokens and passwords never are.
 */
export const ENROLLMENT_CODE_TTL_MS = 7 * 24 * 3600_000;
export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;
export const ADMIN_SESSION_TTL_MS = 12 * 3600_000;

export type Role = 'user' | 'support' | 'admin';

/** Who performs an admin action: a signed-in console user, or the CLI on the server machine. */
export interface Actor {
  userId: string | null;
  name: string;
  /** The console role of a signed-in actor (absent for the CLI). */
  role?: Role;
  ip?: string | null;
  /** Origin the enrollment link should open when PUBLIC_URL is not set (the console's own). */
  origin?: string | undefined;
}

/** Binds a sealed TOTP secret to its user: it cannot be copied to another row. */
const totpAad = (userId: string) => `fv1/totp|${userId}`;

export interface ConsoleUser {
  id: string;
  username: string;
  role: Role;
}

export class AdminService {
  /** Seals console users' TOTP secrets; null where no server secret is known (the CLI's user commands need none). */
  private readonly totpKey: Buffer | null;

  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly config: ServerConfig,
    secret: Buffer | null,
  ) {
    this.totpKey = secret && hmac(secret, 'totp-key', '');
  }

  private sealingKey(): Buffer {
    if (!this.totpKey) throw new Error('the server secret is needed for authenticator codes');
    return this.totpKey;
  }

  /**
   * While no admin exists, makes a one-time setup token (stored hashed,
   * valid 24 h) and returns it for the console line; otherwise null.
   */
  async setupTokenIfNeeded(now = Date.now()): Promise<string | null> {
    if (await adminExists(this.dbh.db)) return null;
    const token = newToken();
    await insertSetupToken(this.dbh.db, sha256Hex(token), now, now + SETUP_TOKEN_TTL_MS);
    return token;
  }

  async needsSetup(): Promise<boolean> {
    return !(await adminExists(this.dbh.db));
  }

  /** Spends a setup token and creates the first admin. 403 if the token is not valid or an admin exists. */
  async setup(req: { token: string; username: string; password: string }, ip: string | null, now = Date.now()): Promise<ConsoleUser> {
    const passwordHash = await slowHash(req.password, this.config.passwordScrypt);
    const id = randomUUID();
    await this.dbh.db.transaction().execute(async (trx) => {
      // Serialized so two setups racing with two printed tokens cannot both make an admin.
      await this.dbh.serialize(trx, 'setup');
      if ((await adminExists(trx)) || !(await spendSetupToken(trx, sha256Hex(req.token), now)))
        throw new ApiHttpError(403, 'Forbidden', 'This setup link is not valid any more. Restart the server for a new one if no admin exists.');
      if (!(await insertUser(trx, { id, username: req.username, display_name: null, role: 'admin', created_at: now, auth_hash: null, bundle: null, ecdh_kid: null, enrolled_at: null, password_hash: passwordHash })))
        throw conflict('That username is taken.');
      await writeAudit(trx, { actorUserId: id, actor: 'setup', action: 'admin.setup', target: req.username, ip }, now);
    });
    return { id, username: req.username, role: 'admin' };
  }

  /**
   * Console sign-in for admin and support users. Any failure (unknown user,
   * field user, wrong password) is the same 401 after the same scrypt work.
   * Returns the cookie token (stored hashed).
   */
  async login(username: string, password: string, ip: string | null, totp?: string, now = Date.now()): Promise<{ token: string; user: ConsoleUser }> {
    const user = await findUserByUsername(this.dbh.db, username);
    const staff = user && user.role !== 'user' ? user : undefined;
    const ok = await verifySlowHash(password, staff?.password_hash, this.config.passwordScrypt);
    const failed = async (detail?: Record<string, unknown>) => {
      await writeAudit(this.dbh.db, { actorUserId: null, actor: username, action: 'admin.login.failed', target: username, ip, detail }, now);
    };
    if (!ok || !staff) {
      await failed();
      throw unauthorized(MESSAGES.wrongLogin);
    }
    if (staff.totp_sealed) {
      if (totp === undefined) {
        // The password was right: that is worth a trace even though nobody is signed in yet.
        await writeAudit(this.dbh.db, { actorUserId: staff.id, actor: staff.username, action: 'admin.login.totp_required', target: staff.username, ip }, now);
        throw new ApiHttpError(401, 'TotpRequired', 'Enter the 6-digit code from your authenticator app.');
      }
      const secret = unseal(this.sealingKey(), totpAad(staff.id), staff.totp_sealed);
      if (secret === null) throw new ApiHttpError(500, 'ServerError', 'The authenticator secret could not be read; was the server secret changed?');
      const last = staff.totp_last_step == null ? null : Number(staff.totp_last_step);
      const step = verifyTotp(Buffer.from(secret, 'base64'), totp, now, last);
      if (step === null || !(await spendTotpStep(this.dbh.db, staff.id, step))) {
        await failed({ factor: 'totp' });
        throw new ApiHttpError(401, 'TotpRequired', 'That authenticator code is not right, or it was used already. Enter the current one.');
      }
    }
    const token = newToken();
    await insertAdminSession(this.dbh.db, { token_hash: sha256Hex(token), user_id: staff.id, created_at: now, expires_at: now + ADMIN_SESSION_TTL_MS });
    await writeAudit(this.dbh.db, { actorUserId: staff.id, actor: staff.username, action: 'admin.login', target: staff.username, ip }, now);
    return { token, user: { id: staff.id, username: staff.username, role: staff.role } };
  }

  /**
   * Turns on the authenticator (TOTP) second factor for a support or admin
   * user; returns what their app takes, shown once. Turning it on again
   * replaces the secret (a lost phone).
   */
  async enableTotp(username: string, actor: Actor, now = Date.now()): Promise<{ uri: string; secret: string }> {
    const secret = newTotpSecret();
    const user = await this.changeTotp(username, (id) => seal(this.sealingKey(), totpAad(id), secret.toString('base64')), 'admin.totp.enable', actor, now);
    return { uri: otpauthUri('FieldVault', user.username, secret), secret: base32(secret) };
  }

  async disableTotp(username: string, actor: Actor, now = Date.now()): Promise<void> {
    await this.changeTotp(username, () => null, 'admin.totp.disable', actor, now);
  }

  /**
   * Sets (or with null removes) a support or admin user's sealed TOTP
   * secret, and signs them out everywhere: sessions opened without the new
   * factor, or with a lost phone's, end now. Audited.
   */
  private async changeTotp(username: string, sealed: (userId: string) => string | null, action: string, actor: Actor, now: number): Promise<UserRow> {
    const user = await findUserByUsername(this.dbh.db, username);
    if (!user || user.role === 'user') throw notFound('That support or admin user');
    const value = sealed(user.id);
    await this.dbh.db.transaction().execute(async (trx) => {
      await setTotp(trx, user.id, value);
      await deleteAdminSessionsOf(trx, user.id);
      await writeAudit(trx, { actorUserId: actor.userId, actor: actor.name, action, target: user.username, ip: actor.ip ?? null }, now);
    });
    return user;
  }

  async session(token: string, now = Date.now()): Promise<ConsoleUser | undefined> {
    const s = await findAdminSession(this.dbh.db, sha256Hex(token), now);
    return s ? { id: s.id, username: s.username, role: s.role } : undefined;
  }

  async logout(token: string): Promise<void> {
    await deleteAdminSession(this.dbh.db, sha256Hex(token));
  }

  /** Creates a user with a fresh enrollment code (shown once, stored hashed, valid 7 days). 409 if the username is taken. */
  async createUser(req: { username: string; displayName?: string | undefined; role: Role; password?: string | undefined }, actor: Actor, now = Date.now()): Promise<CreateUserResponse> {
    const id = randomUUID();
    const passwordHash = req.password !== undefined && req.role !== 'user' ? await slowHash(req.password, this.config.passwordScrypt) : null;
    const code = newEnrollmentCode();
    const expiresAt = now + ENROLLMENT_CODE_TTL_MS;
    await this.dbh.db.transaction().execute(async (trx) => {
      const row = { id, username: req.username, display_name: req.displayName ?? null, role: req.role, created_at: now, auth_hash: null, bundle: null, ecdh_kid: null, enrolled_at: null, password_hash: passwordHash };
      if (!(await insertUser(trx, row))) throw conflict('That username is taken.');
      await insertCode(trx, { code_hash: sha256Hex(code), user_id: id, created_at: now, expires_at: expiresAt, used_at: null });
      await writeAudit(trx, { actorUserId: actor.userId, actor: actor.name, action: 'user.create', target: req.username, ip: actor.ip ?? null, detail: { role: req.role } }, now);
    });
    return this.codeResponse(id, req.username, code, expiresAt, actor.origin);
  }

  /** A new enrollment code for a user who has not enrolled yet (the old ones stop working); by username (the CLI) or id (the console). */
  async newEnrollmentCode(who: { username: string } | { id: string }, actor: Actor, now = Date.now()): Promise<CreateUserResponse> {
    const user = 'id' in who ? await findUserById(this.dbh.db, who.id) : await findUserByUsername(this.dbh.db, who.username);
    if (!user) throw notFound('That user');
    const username = user.username;
    if (user.auth_hash !== null) throw conflict('That user has enrolled already.');
    const code = newEnrollmentCode();
    const expiresAt = now + ENROLLMENT_CODE_TTL_MS;
    await this.dbh.db.transaction().execute(async (trx) => {
      await retireCodes(trx, user.id, now);
      await insertCode(trx, { code_hash: sha256Hex(code), user_id: user.id, created_at: now, expires_at: expiresAt, used_at: null });
      await writeAudit(trx, { actorUserId: actor.userId, actor: actor.name, action: 'user.enrollment-code', target: username, ip: actor.ip ?? null }, now);
    });
    return this.codeResponse(user.id, username, code, expiresAt, actor.origin);
  }

  async searchUsers(q: string): Promise<z.infer<typeof UserSummary>[]> {
    return (await searchUsers(this.dbh.db, q)).map(summary);
  }

  async userDetail(id: string): Promise<UserDetailResponse> {
    const user = await findUserById(this.dbh.db, id);
    if (!user) throw notFound('That user');
    const devices = await devicesOfUser(this.dbh.db, id);
    // The user's own policy, for the console's editor; one that no longer validates (a newer rule set) shows as none, as it applies.
    const policy = user.policy ? Policy.safeParse(parseJsonOrNull(user.policy)) : null;
    return {
      user: summary(user),
      policy: policy?.success ? policy.data : null,
      devices: devices.map((d) => ({
        id: d.id,
        model: d.model,
        os: d.os,
        browser: d.browser,
        appVersion: d.app_version,
        lastSeenAt: new Date(d.last_seen_at).toISOString(),
        lastSyncAt: d.last_sync_at === null ? null : new Date(d.last_sync_at).toISOString(),
      })),
    };
  }

  private codeResponse(userId: string, username: string, code: string, expiresAt: number, origin: string | undefined): CreateUserResponse {
    const base = this.config.publicUrl ?? origin ?? `http://localhost:${this.config.port}`;
    const link = `${base}/#/enroll?u=${encodeURIComponent(username)}&code=${code}`;
    return { userId, username, enrollmentCode: groupCode(code), expiresAt: new Date(expiresAt).toISOString(), enrollmentLink: link };
  }
}

const summary = (u: UserRow): z.infer<typeof UserSummary> => ({ id: u.id, username: u.username, displayName: u.display_name, role: u.role, enrolled: u.bundle !== null });

/** A stored JSON text, or null if it is not JSON (shown as "no policy" rather than failing the page). */
function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
