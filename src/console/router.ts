import { signal } from '@preact/signals';

/**
 * Hash routes of the console: #/devices, #/devices/<id>, #/groups,
 * #/groups/<id>, #/users, #/users/<id>, #/audit. An empty or unknown hash
 * is `home` (each role has its own first page). Which role may open which
 * page is decided in App.tsx, not here.
 */
export type Route =
  | { name: 'home' }
  | { name: 'devices' }
  | { name: 'device'; id: string }
  | { name: 'groups'; id?: string }
  | { name: 'users' }
  | { name: 'user'; id: string }
  | { name: 'audit' };

export function parseRoute(hash: string): Route {
  // A malformed escape in a pasted link means no such page, not a console that fails to load.
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return '';
    }
  };
  const [a = '', b] = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').map(decode);
  if (a === 'devices') return b ? { name: 'device', id: b } : { name: 'devices' };
  if (a === 'groups') return b ? { name: 'groups', id: b } : { name: 'groups' };
  if (a === 'users') return b ? { name: 'user', id: b } : { name: 'users' };
  if (a === 'audit') return { name: 'audit' };
  return { name: 'home' };
}

export const route = signal<Route>(parseRoute(location.hash));
addEventListener('hashchange', () => (route.value = parseRoute(location.hash)));

/** The console's top-level sections (the header's links). */
export type Section = 'devices' | 'groups' | 'users' | 'audit';

/** The section a route belongs to (a device's page is under Devices); null for home. */
export const sectionOf = (r: Route): Section | null => (r.name === 'home' ? null : r.name === 'device' ? 'devices' : r.name === 'user' ? 'users' : r.name);

/** The href of a page, e.g. href('devices', id) → "#/devices/<id>". */
export const href = (section: Section, id?: string): string => `#/${section}${id ? `/${encodeURIComponent(id)}` : ''}`;

export function go(hash: string): void {
  location.hash = hash;
}
