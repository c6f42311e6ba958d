import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { z } from 'zod';
import { Field, describedBy } from '../../app/components/Field';
import type { UserSummary } from '../../protocol/admin';
import { api } from '../api';
import { Alert } from '../components/Alert';
import { CreateUserForm } from '../components/CreateUserForm';
import { href } from '../router';
import { isAdmin } from '../session';
import { useAction } from '../use-action';

/**
 * Users (support and admins): find a user by part of the username and open
 * them; admins also create users here. The search and its results live
 * outside the page, so they are still there when coming back from a user.
 */
type User = z.infer<typeof UserSummary>;

const query = signal('');
/** null until a search ran. */
const results = signal<User[] | null>(null);

export function Users() {
  const { busy, error, run } = useAction();
  const search = () =>
    run(async () => {
      results.value = (await api.searchUsers(query.value.trim())).users;
    });

  // Opening the page lists users straight away (the first 50, or the last search's).
  useEffect(() => {
    void search();
  }, []);

  const users = results.value;
  return (
    <section>
      <h1 tabIndex={-1}>Users</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
        aria-busy={busy}
      >
        <Field id="q" label="Find a user" hint="Part of the username.">
          <input {...describedBy('q', undefined, 'Part of the username.')} type="search" autoCapitalize="none" spellcheck={false} maxLength={64} value={query.value} onInput={(e) => (query.value = e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      <Alert message={error} />
      {users && (
        <>
          <p class="count" role="status">
            {users.length === 0 ? 'No user matches.' : users.length === 1 ? '1 user found.' : `${users.length} users found.`}
          </p>
          {users.length > 0 && (
            <ul class="records">
              {users.map((u) => (
                <li key={u.id}>
                  <a href={href('users', u.id)}>
                    <strong>{u.username}</strong>
                    <span class="sub">
                      {u.displayName ?? 'No display name'} · {u.role} · Enrolled: {u.enrolled ? 'yes' : 'no'}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {isAdmin() && <CreateUserForm onCreated={() => void search()} />}
    </section>
  );
}
