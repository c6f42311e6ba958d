import { signal } from '@preact/signals';

/**
 * Hash routes, so every screen works from the precached index.html with no
 * server routing: #/contact, #/contact/new, #/contact/<id>, #/settings.
 * Query strings prefill a new record: #/visit/new?contact=<id>.
 */
export type Route =
  | { name: 'list'; type: string }
  | { name: 'edit'; type: string; id?: string; prefill: Record<string, string> }
  | { name: 'settings' }
  /** The enrollment link from the admin: #/enroll?u=<username>&code=<code>. */
  | { name: 'enroll'; params: Record<string, string> };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [a, b] = path.split('/');
  if (a === 'settings') return { name: 'settings' };
  if (a === 'enroll') return { name: 'enroll', params: Object.fromEntries(new URLSearchParams(query)) };
  const type = a || 'contact';
  if (b === 'new') return { name: 'edit', type, prefill: Object.fromEntries(new URLSearchParams(query)) };
  if (b) return { name: 'edit', type, id: b, prefill: {} };
  return { name: 'list', type };
}

export const route = signal<Route>(parseRoute(location.hash));
addEventListener('hashchange', () => (route.value = parseRoute(location.hash)));

export function go(hash: string): void {
  location.hash = hash;
}

/**
 * Runs `work`, then goes to `hash` unless the person went somewhere else
 * meanwhile (a save still under way must not pull them back from the page
 * they opened since).
 */
export async function goAfter(work: () => Promise<unknown>, hash: string): Promise<void> {
  const from = location.hash;
  await work();
  if (location.hash === from) go(hash);
}
