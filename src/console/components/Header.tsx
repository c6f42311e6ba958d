import { useState } from 'preact/hooks';
import type { AdminSessionResponse } from '../../protocol/admin';
import { href, type Section } from '../router';
import { signOut } from '../session';
import { Alert } from './Alert';

/** The sections a role may open, in the header's order: support works with users only. */
export const SECTIONS = {
  admin: [
    ['devices', 'Devices'],
    ['groups', 'Groups'],
    ['users', 'Users'],
    ['audit', 'Audit log'],
  ],
  support: [['users', 'Users']],
  user: [],
} as const satisfies Record<AdminSessionResponse['role'], readonly (readonly [Section, string])[]>;

export function Header({ me, current }: { me: AdminSessionResponse; current: Section | null }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <header class="bar">
        <span class="brand">FieldVault console</span>
        <nav aria-label="Console">
          {SECTIONS[me.role].map(([section, label]) => (
            <a key={section} href={href(section)} aria-current={current === section ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          Signed in as <strong>{me.username}</strong> ({me.role})
        </span>
        <button
          type="button"
          class="ghost small"
          onClick={() => {
            setError(null);
            void signOut(setError);
          }}
        >
          Sign out
        </button>
      </header>
      <Alert message={error} />
    </>
  );
}
