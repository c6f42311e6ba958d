import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobList, BlobStatus, MAX_CHUNK_BYTES } from '../../src/protocol/blobs';
import { DB_KINDS, expectOk, type EnrolledUser, type TestServer, serverWithUsers } from './support/harness';

describe.each(DB_KINDS)('blobs (%s)', (kind) => {
  let s: TestServer;
  let ann: EnrolledUser;
  let ben: EnrolledUser;
  serverWithUsers(kind, ['ann', 'ben'], (server, [a, b]) => {
    [s, ann, ben] = [server, a!, b!];
  });

  const call = (u: EnrolledUser, method: 'GET' | 'PUT', path: string, body?: unknown, query?: Record<string, number>) =>
    u.device.inject(s.app, method, path, { token: u.token, body, query });

  it('uploads resumably, lists when complete, downloads the same bytes, and keeps other users out', async () => {
    const id = randomUUID();
    const chunks = [randomBytes(MAX_CHUNK_BYTES), randomBytes(1000), randomBytes(17)];
    const declared = await call(ann, 'PUT', `/blobs/${id}`, { group: ann.group, chunks: 3, epoch: 1 });
    expectOk(declared, 200);
    expect(BlobStatus.parse(declared.json)).toEqual({ id, group: ann.group, epoch: 1, chunks: 3, present: [] });
    // Declaring again is a no-op; declaring differently is a conflict.
    expectOk(await call(ann, 'PUT', `/blobs/${id}`, { group: ann.group, chunks: 3, epoch: 1 }), 200);
    expect((await call(ann, 'PUT', `/blobs/${id}`, { group: ann.group, chunks: 4, epoch: 1 })).status).toBe(409);

    expectOk(await call(ann, 'PUT', `/blobs/${id}/chunks/0`, chunks[0]), 204);
    expectOk(await call(ann, 'PUT', `/blobs/${id}/chunks/2`, chunks[2]), 204);
    // "Connection lost": the device asks what is there and sends the rest.
    const status = await call(ann, 'GET', `/blobs/${id}`);
    expect(status.json.present).toEqual([0, 2]);
    const before = BlobList.parse((await call(ann, 'GET', '/blobs')).json);
    expect(before.blobs.map((b) => b.id)).not.toContain(id);
    expectOk(await call(ann, 'PUT', `/blobs/${id}/chunks/1`, chunks[1]), 204);

    const list = BlobList.parse((await call(ann, 'GET', '/blobs', undefined, { after: before.cursor })).json);
    expect(list.blobs).toEqual([{ seq: list.cursor, id, group: ann.group, epoch: 1, chunks: 3 }]);
    expect(list.more).toBe(false);
    for (let i = 0; i < 3; i++) {
      const got = await call(ann, 'GET', `/blobs/${id}/chunks/${i}`);
      expectOk(got, 200);
      expect(got.headers['content-type']).toBe('application/octet-stream');
      expect(got.body.equals(chunks[i]!)).toBe(true);
    }
    // Complete blobs are immutable; the same bytes again are fine.
    expectOk(await call(ann, 'PUT', `/blobs/${id}/chunks/1`, chunks[1]), 204);
    expect((await call(ann, 'PUT', `/blobs/${id}/chunks/1`, randomBytes(10))).status).toBe(409);

    // Another user: 403 everywhere, and not in their list.
    expect((await call(ben, 'GET', `/blobs/${id}`)).status).toBe(403);
    expect((await call(ben, 'GET', `/blobs/${id}/chunks/0`)).status).toBe(403);
    expect((await call(ben, 'PUT', `/blobs/${id}/chunks/0`, randomBytes(10))).status).toBe(403);
    expect((await call(ben, 'PUT', `/blobs/${id}`, { group: ann.group, chunks: 3, epoch: 1 })).status).toBe(403);
    expect((await call(ben, 'PUT', `/blobs/${randomUUID()}`, { group: ann.group, chunks: 1, epoch: 1 })).status).toBe(403);
    expect(BlobList.parse((await call(ben, 'GET', '/blobs')).json).blobs.map((b) => b.id)).not.toContain(id);
  });

  it('refuses chunks that are too large, out of range, or not bytes', async () => {
    const id = randomUUID();
    expectOk(await call(ann, 'PUT', `/blobs/${id}`, { group: ann.group, chunks: 1, epoch: 1 }), 200);
    const big = await call(ann, 'PUT', `/blobs/${id}/chunks/0`, randomBytes(MAX_CHUNK_BYTES + 1));
    expect(big.status).toBe(413);
    expect(big.json.error).toBe('TooLarge');
    const range = await call(ann, 'PUT', `/blobs/${id}/chunks/1`, randomBytes(10));
    expect(range.status).toBe(400);
    expect(range.json.message).toContain('params.index');
    const json = await call(ann, 'PUT', `/blobs/${id}/chunks/0`, { not: 'bytes' });
    expect(json.status).toBe(400);
    expect((await call(ann, 'GET', `/blobs/${id}`)).json.present).toEqual([]);
    expect((await call(ann, 'GET', `/blobs/${randomUUID()}`)).status).toBe(404);
  });

  it('pages the list of complete blobs', async () => {
    const start = BlobList.parse((await call(ann, 'GET', '/blobs')).json).cursor;
    const ids = Array.from({ length: 3 }, () => randomUUID());
    for (const id of ids) {
      expectOk(await call(ann, 'PUT', `/blobs/${id}`, { group: ann.group, chunks: 1, epoch: 1 }), 200);
      expectOk(await call(ann, 'PUT', `/blobs/${id}/chunks/0`, randomBytes(5)), 204);
    }
    const p1 = BlobList.parse((await call(ann, 'GET', '/blobs', undefined, { after: start, limit: 2 })).json);
    expect(p1.blobs.map((b) => b.id)).toEqual(ids.slice(0, 2));
    expect(p1.more).toBe(true);
    const p2 = BlobList.parse((await call(ann, 'GET', '/blobs', undefined, { after: p1.cursor, limit: 2 })).json);
    expect(p2.blobs.map((b) => b.id)).toEqual(ids.slice(2));
    expect(p2.more).toBe(false);
  });
});
