import { z } from 'zod';
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
export const AdminLoginRequest = z.object({ username: Username, password: z.string().min(1).max(200) });
export const AdminSessionResponse = z.object({ userId: Uuid, username: Username, role: Role });
export type AdminSessionResponse = z.infer<typeof AdminSessionResponse>;

/** POST /admin/users */
export const CreateUserRequest = z.object({ username: Username, displayName: z.string().max(200).optional(), role: Role.default('user') });
export const CreateUserResponse = z.object({
  userId: Uuid,
  username: Username,
  enrollmentCode: z.string(),
  expiresAt: z.string(),
  /** Opens the app with server and username filled in. */
  enrollmentLink: z.string(),
});
export type CreateUserResponse = z.infer<typeof CreateUserResponse>;
