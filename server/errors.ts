import type { z } from 'zod';
import type { ApiErrorCode } from '../src/protocol/common';

/**
 * The one error type services and routes throw for an expected failure. The
 * error handler (plugins/errors.ts) turns it into `{ error, message }` with
 * its status; anything else becomes a 500 whose details stay in the log.
 */
export class ApiHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const MESSAGES = {
  wrongLogin: 'The username or password is not right.',
  signIn: 'This device has to sign in to the server again.',
  wiping: 'Your organisation is removing this app’s data from this device.',
  forbidden: 'You do not have access to this.',
  wrongCode: 'The username or unlock code is not right, or the code was used already.',
  badSignature: 'The update is not signed by this account’s key.',
  oldPassword: 'The previous password is not the one the server knows.',
  enrollment: 'That enrollment code is not valid, was already used or has expired. Ask your administrator for a new one.',
} as const;

export const badRequest = (message: string) => new ApiHttpError(400, 'BadRequest', message);
export const unauthorized = (message: string = MESSAGES.signIn) => new ApiHttpError(401, 'Unauthorized', message);
export const proofInvalid = (why: string) => new ApiHttpError(401, 'ProofInvalid', `The request's device proof is not valid (${why}).`);
export const forbidden = (message: string = MESSAGES.forbidden) => new ApiHttpError(403, 'Forbidden', message);
export const notFound = (what: string) => new ApiHttpError(404, 'NotFound', `${what} was not found.`);
export const conflict = (message: string) => new ApiHttpError(409, 'Conflict', message);
export const enrollmentInvalid = () => new ApiHttpError(400, 'EnrollmentInvalid', MESSAGES.enrollment);

/**
 * Parses `value` with a zod schema or throws 400 BadRequest naming the
 * offending field, e.g. `body.changes.0.group: Invalid UUID`.
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
  const more = r.error.issues.length > 3 ? ` (and ${r.error.issues.length - 3} more)` : '';
  throw badRequest(issues.join('; ') + more);
}

/**
 * Checks an answer against its wire schema before it is sent. A mismatch is
 * a server bug, so it surfaces as a 500 (logged), never as a wrong answer.
 */
export function answer<S extends z.ZodType>(schema: S, value: z.input<S>): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`response failed its schema: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
