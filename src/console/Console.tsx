import { useEffect, useRef } from 'preact/hooks';
import type { AdminSessionResponse } from '../protocol/admin';
import { Header, SECTIONS } from './components/Header';
import { Audit } from './pages/Audit';
import { DeviceDetail } from './pages/DeviceDetail';
import { Devices } from './pages/Devices';
import { Groups } from './pages/Groups';
import { SignIn } from './pages/SignIn';
import { UserDetail } from './pages/UserDetail';
import { Users } from './pages/Users';
import { href, route, sectionOf, type Route, type Section } from './router';
import { staff } from './session';

/**
 * The console (/admin): the sign-in form until a session exists, then the
 * header and the page of the hash route. A role opens only its sections
 * (the server refuses the rest anyway); an empty hash opens the first.
 */
export function Console() {
  const me = staff.value;
  if (me === undefined)
    return (
      <p class="loading" role="status">
        Checking your session…
      </p>
    );
  return me ? <Signed me={me} /> : <SignIn />;
}

const TITLES: Record<Section, string> = { devices: 'Devices', groups: 'Device groups', users: 'Users', audit: 'Audit log' };

function Signed({ me }: { me: AdminSessionResponse }) {
  const r = route.value;
  const sections: readonly Section[] = SECTIONS[me.role].map(([s]) => s);
  const section = sectionOf(r);
  const allowed = section !== null && sections.includes(section);
  const first = sections[0];

  // An empty hash (or a section this role does not have, e.g. after signing in as someone else) opens the role's first section.
  useEffect(() => {
    if (!allowed && first) location.replace(href(first));
  }, [allowed, first]);

  useEffect(() => {
    document.title = section ? `${TITLES[section]} · FieldVault console` : 'FieldVault console';
  }, [section]);

  // After navigating, focus moves to the new page's heading (or what the page marks), as a page load would.
  const mounted = useRef(false);
  useEffect(() => {
    if (!mounted.current) {
      mounted.current = true;
      return;
    }
    const target = document.querySelector<HTMLElement>('main [data-autofocus]') ?? document.querySelector<HTMLElement>('main h1');
    target?.focus();
  }, [r]);

  return (
    <>
      <Header me={me} current={section} />
      <main class="console">{!first ? <p>This account has no console access.</p> : allowed ? page(r) : null}</main>
    </>
  );
}

function page(r: Route) {
  switch (r.name) {
    case 'devices':
      return <Devices />;
    case 'device':
      return <DeviceDetail key={r.id} id={r.id} />;
    case 'groups':
      return <Groups id={r.id} />;
    case 'users':
      return <Users />;
    case 'user':
      return <UserDetail key={r.id} id={r.id} />;
    case 'audit':
      return <Audit />;
    case 'home':
      return null;
  }
}
