import { ENTITY_TYPES } from '../domain/entity-types';
import { UpdateBanner, StorageBanner } from './components/Banners';
import { ActingForBanner, GroupSwitcher } from './components/GroupSwitcher';
import { SyncBadge } from './components/SyncBadge';
import { route } from './router';
import { AccountScreen } from './screens/AccountScreen';
import { RecordEditor } from './screens/RecordEditor';
import { RecordList } from './screens/RecordList';
import { Settings } from './screens/Settings';
import { hasAccounts, lockNow, session } from './state';

export function App() {
  if (hasAccounts.value === null) return <p class="loading">Opening…</p>;
  if (!session.value) return <AccountScreen firstRun={!hasAccounts.value} />;
  return <Shell />;
}

function Shell() {
  const r = route.value;
  if (r.name === 'enroll') {
    // Already signed in: the enrollment link has nothing left to do.
    location.replace('#/contact');
    return null;
  }
  const current = r.name === 'settings' ? 'settings' : r.type;
  // Lists and editors belong to one partition: switching remounts them.
  const active = session.value!.active;
  return (
    <div class="shell">
      <header class="bar">
        <span class="brand">FieldVault</span>
        <nav aria-label="Sections">
          {ENTITY_TYPES.map((t) => (
            <a href={`#/${t.name}`} aria-current={current === t.name ? 'page' : undefined}>
              {t.pluralLabel}
            </a>
          ))}
          <a href="#/settings" aria-current={current === 'settings' ? 'page' : undefined}>
            Settings
          </a>
        </nav>
        <GroupSwitcher />
        <SyncBadge />
        <button type="button" class="ghost" onClick={() => void lockNow()}>
          Lock
        </button>
      </header>
      <UpdateBanner />
      <StorageBanner />
      <ActingForBanner />
      <main>
        {r.name === 'settings' ? (
          <Settings />
        ) : r.name === 'edit' ? (
          <RecordEditor key={`${active}/${r.type}/${r.id ?? 'new'}`} type={r.type} id={r.id} prefill={r.prefill} />
        ) : (
          <RecordList key={`${active}/${r.type}`} type={r.type} />
        )}
      </main>
    </div>
  );
}
