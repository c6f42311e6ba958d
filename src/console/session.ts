import { signal } from '@preact/signals';
import type { AdminSessionResponse } from '../protocol/admin';
import { ApiError, api } from './api';

/**
 * Who is signed in to the console, and the one way every page reports a
 * failure: a 401 (the session ended or was never there) goes back to the
 * sign-in form with the server's sentence; anything else is shown where it
 * happened.
 */

/** undefined while the session is checked, null when signed out. */
export const staff = signal<AdminSessionResponse | null | undefined>(undefined);
/** Why the sign-in form is back (the session ended), shown there. */
export const signInNotice = signal<string | null>(null);

export const messageOf = (e: unknown): string => (e instanceof ApiError ? e.message : 'Something went wrong. Please try again.');

/** Shows an error with `show`; a 401 instead ends the session here and shows the server's sentence on the sign-in form. */
export function fail(e: unknown, show: (m: string) => void): void {
  if (e instanceof ApiError && e.status === 401) {
    signInNotice.value = e.message;
    staff.value = null;
  } else show(messageOf(e));
}

/** Asks the server who the cookie belongs to (at start). */
export async function loadSession(): Promise<void> {
  try {
    staff.value = await api.session();
  } catch (e) {
    staff.value = null;
    if (!(e instanceof ApiError && e.status === 401)) signInNotice.value = messageOf(e);
  }
}

/** Ends the session on the server, then here; `show` gets the error if the server could not be told. */
export async function signOut(show: (m: string) => void): Promise<void> {
  try {
    await api.logout();
    signInNotice.value = null;
    staff.value = null;
  } catch (e) {
    fail(e, show);
  }
}

export const isAdmin = (): boolean => staff.value?.role === 'admin';
