import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AdminSetupRequest } from '../../src/protocol/admin';
import { ApiHttpError } from '../errors';
import { rateLimited } from '../plugins/rate-limit';

/**
 * First-admin setup as a server-rendered page that works without
 * JavaScript: GET /setup shows a form, POST /setup creates the admin. The
 * token travels in the link's fragment (#…), which browsers never send to
 * servers or put in logs; a one-line script copies it into the form, and
 * without JavaScript people paste it. Everything interpolated is escaped.
 */
const FILL_TOKEN = "document.getElementById('token').value=location.hash.slice(1);";
const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${createHash('sha256').update(FILL_TOKEN).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export async function setupPageRoutes(app: FastifyInstance): Promise<void> {
  const { admin, config } = app.services;

  app.get('/setup', async (_request, reply) => {
    if (!(await admin.needsSetup())) return page(reply, 200, 'Setup is complete', '<p>An admin exists already. Sign in to the console instead.</p>');
    return page(reply, 200, 'Create the first admin', form());
  });

  app.post('/setup', { config: rateLimited(config.rateLimits.admin) }, async (request, reply) => {
    const fields = (request.body ?? {}) as Record<string, string>;
    const parsed = AdminSetupRequest.safeParse(fields);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return page(reply, 400, 'Create the first admin', form(msg, fields.username));
    }
    if (fields.password !== fields.password2) return page(reply, 400, 'Create the first admin', form('The two passwords differ.', fields.username));
    try {
      const user = await admin.setup(parsed.data, request.ip);
      return page(reply, 201, 'Admin created', `<p>The admin <b>${esc(user.username)}</b> was created. This setup link no longer works.</p>`);
    } catch (e) {
      if (e instanceof ApiHttpError && e.statusCode < 500) return page(reply, e.statusCode, 'Setup failed', `<p role="alert">${esc(e.message)}</p>`);
      throw e;
    }
  });
}

function form(error?: string, username?: string): string {
  return `${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/setup" autocomplete="off">
  <label>Setup token (the part of the link after #)<input id="token" name="token" required minlength="20" autocomplete="off"></label>
  <label>Admin username<input name="username" required maxlength="64" pattern="[A-Za-z0-9._@\\-]+" value="${esc(username ?? '')}" autocomplete="username"></label>
  <label>Password (at least 12 characters)<input name="password" type="password" required minlength="12" maxlength="200" autocomplete="new-password"></label>
  <label>Password again<input name="password2" type="password" required minlength="12" maxlength="200" autocomplete="new-password"></label>
  <button type="submit">Create admin</button>
</form>
<script>${FILL_TOKEN}</script>`;
}

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>FieldVault — ${esc(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:1rem 0}input{display:block;width:100%;padding:.5rem;font:inherit;box-sizing:border-box}button{padding:.6rem 1.2rem;font:inherit}[role=alert]{color:#a00}</style>
</head><body><h1>${esc(title)}</h1>
${body}
</body></html>`);
}

/** HTML-escapes text for element content and quoted attributes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
