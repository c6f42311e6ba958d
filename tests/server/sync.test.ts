import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PullResponse, PushResponse } from '../../src/protocol/sync';
import { TestDevice } from './support/device';
import { DB_KINDS, change, expectOk, type EnrolledUser, type TestServer, serverWithUsers } from './support/harness';

describe.each(DB_KINDS)('sync (%s)', (kind) => {
  let s: TestServer;
  let ann: EnrolledUser;
  let ben: EnrolledUser;
  serverWithUsers(kind, ['ann', 'ben'], (server, [a, b]) => {
    [s, ann, ben] = [server, a!, b!];
  });

  const push = (u: EnrolledUser, changes: unknown[], device = u.device, token = u.token) => device.inject(s.app, 'POST', '/sync/push', { token, body: { changes } });
  const pull = (u: EnrolledUser, query: Record<string, number> = {}, device = u.device, token = u.token) => device.inject(s.app, 'GET', '/sync/pull', { token, query });
  async function pullAll(u: EnrolledUser, after = 0, limit = 1000) {
    const out: PullResponse['changes'] = [];
    for (;;) {
      const res = await pull(u, { after, limit });
      expectOk(res, 200);
      const page = PullResponse.parse(res.json);
      out.push(...page.changes);
      after = page.cursor;
      if (!page.more) return { changes: out, cursor: after };
    }
  }

  it('push is idempotent by changeId: the same change twice is stored once, with the same seq', async () => {
    const c = change(ann.group, randomUUID());
    const first = await push(ann, [c]);
    expectOk(first, 200);
    const { accepted } = PushResponse.parse(first.json);
    const again = await push(ann, [c]);
    expectOk(again, 200);
    expect(again.json.accepted).toEqual(accepted);
    // Even twice in one batch.
    const d = change(ann.group, randomUUID());
    const both = await push(ann, [d, d]);
    expectOk(both, 200);
    expect(both.json.accepted[0]).toEqual(both.json.accepted[1]);
    const all = await pullAll(ann);
    expect(all.changes.filter((x) => x.changeId === c.changeId)).toHaveLength(1);
    expect(all.changes.filter((x) => x.changeId === d.changeId)).toHaveLength(1);
    const stored = all.changes.find((x) => x.changeId === c.changeId)!;
    expect(stored).toMatchObject({ group: c.group, recordId: c.recordId, epoch: 1, data: c.data, seq: accepted[0]!.seq, deviceId: ann.session.deviceId });
  });

  it('reuse of a changeId for another record is a conflict', async () => {
    const c = change(ann.group, randomUUID());
    expectOk(await push(ann, [c]), 200);
    const res = await push(ann, [{ ...c, recordId: randomUUID() }]);
    expect(res.status).toBe(409);
    expect(res.json.error).toBe('Conflict');
  });

  it('pull pages by limit and cursor, in sequence order', async () => {
    const start = (await pullAll(ben)).cursor;
    const batch = Array.from({ length: 7 }, () => change(ben.group, randomUUID()));
    const pushed = PushResponse.parse((await push(ben, batch)).json).accepted;
    expect(pushed.map((a) => a.seq)).toEqual([...pushed.map((a) => a.seq)].sort((a, b) => a - b));

    const p1 = PullResponse.parse((await pull(ben, { after: start, limit: 3 })).json);
    expect(p1.changes.map((c) => c.changeId)).toEqual(batch.slice(0, 3).map((c) => c.changeId));
    expect(p1.more).toBe(true);
    expect(p1.cursor).toBe(p1.changes[2]!.seq);
    const p2 = PullResponse.parse((await pull(ben, { after: p1.cursor, limit: 3 })).json);
    expect(p2.changes.map((c) => c.changeId)).toEqual(batch.slice(3, 6).map((c) => c.changeId));
    const p3 = PullResponse.parse((await pull(ben, { after: p2.cursor, limit: 3 })).json);
    expect(p3.changes.map((c) => c.changeId)).toEqual([batch[6]!.changeId]);
    expect(p3.more).toBe(false);
    const p4 = PullResponse.parse((await pull(ben, { after: p3.cursor, limit: 3 })).json);
    expect(p4).toEqual({ changes: [], cursor: p3.cursor, more: false, serverTime: expect.any(Number) });
  });

  it('compaction drops changes the pusher had seen, and keeps concurrent ones', async () => {
    const record = randomUUID();
    const other = randomUUID();
    const seqOf = async (c: ReturnType<typeof change>) => PushResponse.parse((await push(ann, [c])).json).accepted[0]!.seq;
    const c1 = change(ann.group, record, 0);
    const s1 = await seqOf(c1);
    const o1 = change(ann.group, other, 0);
    await seqOf(o1);
    // Made without having seen c1: concurrent, both stay.
    const c2 = change(ann.group, record, s1 - 1);
    const s2 = await seqOf(c2);
    let live = (await pullAll(ann)).changes.map((c) => c.changeId);
    expect(live).toEqual(expect.arrayContaining([c1.changeId, c2.changeId, o1.changeId]));

    // Made after seeing c1 and c2: carries the merged state, so both go. The other record is untouched.
    const c3 = change(ann.group, record, s2);
    const s3 = await seqOf(c3);
    live = (await pullAll(ann)).changes.map((c) => c.changeId);
    expect(live).not.toContain(c1.changeId);
    expect(live).not.toContain(c2.changeId);
    expect(live).toContain(c3.changeId);
    expect(live).toContain(o1.changeId);

    // A base beyond the log's end compacts nothing it could not have seen.
    const c4 = change(ann.group, record, s3 + 1_000_000);
    await seqOf(c4);
    const c5 = change(ann.group, record, 0);
    await seqOf(c5);
    live = (await pullAll(ann)).changes.map((c) => c.changeId);
    expect(live).toEqual(expect.arrayContaining([c4.changeId, c5.changeId]));
    expect(live).not.toContain(c3.changeId);

    // Within one batch, a later change cannot compact an earlier one of the same batch either.
    const r2 = randomUUID();
    const x1 = change(ann.group, r2, 0);
    const x2 = change(ann.group, r2, 1_000_000_000);
    expectOk(await push(ann, [x1, x2]), 200);
    live = (await pullAll(ann)).changes.map((c) => c.changeId);
    expect(live).toEqual(expect.arrayContaining([x1.changeId, x2.changeId]));

    // A late retry of a superseded change is recognized, not stored again.
    const retry = await push(ann, [c1]);
    expect(retry.json.accepted).toEqual([{ changeId: c1.changeId, seq: s1 }]);
    expect((await pullAll(ann)).changes.map((c) => c.changeId)).not.toContain(c1.changeId);
  });

  it.each([
    ['a missing field', { changes: [{ changeId: randomUUID(), recordId: randomUUID(), epoch: 1, baseSeq: 0, data: 'AA==' }] }, 'body.changes.0.group'],
    ['a bad uuid', { changes: [{ changeId: 'nope', group: randomUUID(), recordId: randomUUID(), epoch: 1, baseSeq: 0, data: 'AA==' }] }, 'body.changes.0.changeId'],
    ['bad base64', { changes: [{ changeId: randomUUID(), group: randomUUID(), recordId: randomUUID(), epoch: 1, baseSeq: 0, data: '$$$' }] }, 'body.changes.0.data'],
    ['a negative baseSeq', { changes: [{ changeId: randomUUID(), group: randomUUID(), recordId: randomUUID(), epoch: 1, baseSeq: -1, data: 'AA==' }] }, 'body.changes.0.baseSeq'],
    ['no changes', { changes: [] }, 'body.changes'],
    ['not an object', [1, 2], 'body'],
  ])('a malformed push (%s) is 400 naming the field, and nothing is stored', async (_name, body, field) => {
    const before = (await pullAll(ann)).changes.length;
    const res = await ann.device.inject(s.app, 'POST', '/sync/push', { token: ann.token, body });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('BadRequest');
    expect(res.json.message).toContain(field);
    expect((await pullAll(ann)).changes.length).toBe(before);
  });

  it('malformed JSON and a bad query are 400 too', async () => {
    const bad = await ann.device.inject(s.app, 'POST', '/sync/push', { token: ann.token, body: new TextEncoder().encode('{"changes":'), headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'BadRequest', message: 'body: not valid JSON.' });
    const q = await ann.device.inject(s.app, 'GET', '/sync/pull', { token: ann.token, query: { limit: 0 } });
    expect(q.status).toBe(400);
    expect(q.json.message).toContain('query.limit');
  });

  it('a user cannot write to or read from another user’s group', async () => {
    const before = (await pullAll(ann)).changes.length;
    // One foreign change in an otherwise good batch refuses the whole batch.
    const res = await push(ben, [change(ben.group, randomUUID()), change(ann.group, randomUUID())]);
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('Forbidden');
    expect((await pullAll(ann)).changes.length).toBe(before);
    const benSees = (await pullAll(ben)).changes;
    expect(benSees.every((c) => c.group === ben.group)).toBe(true);
    const annSees = (await pullAll(ann)).changes;
    expect(annSees.every((c) => c.group === ann.group)).toBe(true);
  });

  it('a second device of the same user sees the first one’s changes', async () => {
    const tablet = await TestDevice.create();
    const login = await tablet.inject(s.app, 'POST', '/auth/login', { body: { username: 'ann', authKey: ann.authKey, device: tablet.info() } });
    expectOk(login, 200);
    const c = change(ann.group, randomUUID());
    expectOk(await push(ann, [c]), 200);
    const res = await pull(ann, {}, tablet, login.json.token);
    expect(PullResponse.parse(res.json).changes.map((x) => x.changeId)).toContain(c.changeId);
  });

  it('writes the sync log per device, with counts', async () => {
    const rows = await s.app.services.dbh.db.selectFrom('sync_log').selectAll().where('device_id', '=', ben.session.deviceId).execute();
    expect(rows.some((r) => r.kind === 'push' && Number(r.changes) === 7)).toBe(true);
    expect(rows.some((r) => r.kind === 'pull' && Number(r.changes) === 3)).toBe(true);
  });

  it('concurrent pushes get distinct seqs in commit order and pulls miss nothing', async () => {
    const start = (await pullAll(ann)).cursor;
    const batches = Array.from({ length: 8 }, () => Array.from({ length: 5 }, () => change(ann.group, randomUUID())));
    const results = await Promise.all(batches.map((b) => push(ann, b)));
    results.forEach((r) => expectOk(r, 200));
    const seqs = results.flatMap((r) => (r.json as { accepted: { seq: number }[] }).accepted.map((a) => a.seq));
    expect(new Set(seqs).size).toBe(40);
    const got = (await pullAll(ann, start, 6)).changes.map((c) => c.changeId).sort();
    expect(got).toEqual(batches.flat().map((c) => c.changeId).sort());
  });
});
