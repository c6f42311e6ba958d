import { expect } from '@playwright/test';
import type { TestServer } from './server';

/** A signed-in console user (admin or support) calling the admin API as the console page would: cookie and same-origin Origin. */
export async function consoleSession(server: TestServer, username: string, password: string) {
  const headers = { 'content-type': 'application/json', origin: server.url };
  const login = await fetch(`${server.url}/api/v1/admin/login`, { method: 'POST', headers, body: JSON.stringify({ username, password }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const call = (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) =>
    fetch(`${server.url}/api/v1${path}`, { method, headers: { ...headers, cookie }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return {
    call,
    /** The user's id, looked up by exact username. */
    async userId(username: string): Promise<string> {
      const { users } = (await (await call('GET', `/admin/users?q=${encodeURIComponent(username)}`)).json()) as { users: { id: string; username: string }[] };
      return users.find((u) => u.username === username)!.id;
    },
  };
}
