import { describeError } from '../errors';
import { refreshSession, session } from '../state';
import { useVaultChanges } from '../use-vault-changes';
import { vault } from '../vault-client';

/**
 * "My records" or "Acting for …": which partition the lists and the editor
 * work in. Shown only when there is a choice. An empty change event from the
 * vault means its groups changed (a surrogate added or removed): re-read.
 */
export function GroupSwitcher() {
  useVaultChanges((c) => {
    if (c === '') void refreshSession();
  });
  const s = session.value;
  if (!s || s.groups.length < 2) return null;
  return (
    <select
      aria-label="Whose records"
      value={s.active}
      onChange={(e) => {
        const id = e.currentTarget.value;
        vault.switchGroup(id).then(
          (info) => (session.value = info),
          (err: unknown) => alert(describeError(err)),
        );
      }}
    >
      {s.groups.map((g) => (
        <option value={g.id}>{g.name}</option>
      ))}
    </select>
  );
}

/** Says plainly, on every screen, when the user is acting for someone else. */
export function ActingForBanner() {
  const s = session.value;
  const g = s?.groups.find((x) => x.id === s.active);
  if (!s || !g || g.id === s.groups[0]?.id) return null;
  return (
    <p class="banner" role="status">
      {g.name}: what you add or change here is kept in their records, marked as made by you.
    </p>
  );
}
