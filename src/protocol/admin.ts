import { z } from 'zod';
import { Policy } from '../domain/policy';
import { Username, Uuid } from './common';

/** Admin API used by the CLI now and by the console later (issue 5). */
export const Role = z.enum(['user', 'support', 'admin']);

/**
 * POST /admin/setup (JSON) or POST /setup (the no-JS form) — spends the
 * one-time setup token printed at first start and creates the first admin.
 */
export const AdminSetupRequest = z.object({ token: z.string().min(20).max(200), username: Username, password: z.string().min(12).max(200) });
export const AdminSetupResponse = z.object({ userId: Uuid, username: Username });

/** POST /admin/login — sets an HttpOnly, SameSite=Strict session cookie. POST /admin/logout clears it. */
export const AdminLoginRequest = z.object({ username: Username, password: z.string().min(1).max(200), totp: z.string().regex(/^\d{6}$/).optional() });
export const AdminSessionResponse = z.object({ userId: Uuid, username: Username, role: Role });
export type AdminSessionResponse = z.infer<typeof AdminSessionResponse>;

/** POST /admin/users */
export const CreateUserRequest = z
  .object({
    username: Username,
    displayName: z.string().max(200).optional(),
    role: Role.default('user'),
    /** Console password, for support and admin users (field users sign in on devices, never in the console). */
    password: z.string().min(12).max(200).optional(),
  })
  .refine((r) => r.password === undefined || r.role !== 'user', { path: ['password'], message: 'only support and admin users have a console password' });
export const CreateUserResponse = z.object({
  userId: Uuid,
  username: Username,
  enrollmentCode: z.string(),
  expiresAt: z.string(),
  /** Opens the app with server and username filled in. */
  enrollmentLink: z.string(),
});
export type CreateUserResponse = z.infer<typeof CreateUserResponse>;

/** GET /admin/users?q= — support and admin look users up by (part of) the username. */
export const UserSearchQuery = z.object({ q: z.string().trim().max(64).default('') });
export const UserSummary = z.object({ id: Uuid, username: Username, displayName: z.string().nullable(), role: Role, enrolled: z.boolean() });
export const UserSearchResponse = z.object({ users: z.array(UserSummary) });

/** GET /admin/users/:id — a user and the devices they last used. */
export const DeviceSummary = z.object({
  id: Uuid,
  model: z.string(),
  os: z.string(),
  browser: z.string(),
  appVersion: z.string(),
  lastSeenAt: z.string(),
  lastSyncAt: z.string().nullable(),
});
/** `policy` is the user's own (not merged with a device group's); null when none is set. */
export const UserDetailResponse = z.object({ user: UserSummary, devices: z.array(DeviceSummary), policy: Policy.nullable() });
export type UserDetailResponse = z.infer<typeof UserDetailResponse>;
export const UserIdParams = z.object({ id: Uuid });
