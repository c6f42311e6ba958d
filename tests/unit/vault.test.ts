import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { Vault } from '../../workers/vault/vault';
import type { ChangeEvent } from '../../workers/vault/api';

const PW = 'correct horse battery';
const open: Vault[] = [];
function vault(dbName: string) {
  const v = new Vault({ dbName });
  open.push(v);
  return v;
}
const uniqueDb = () => `vault-${Math.random().toString(36).slice(2)}`;
afterEach(() => open.splice(0).forEach((v) => v.close()));

describe('vault', () => {
  it('creates an account, stores, queries, edits and deletes records', async () => {
    const v = vault(uniqueDb());
    expect(await v.hasAccounts()).toBe(false);
    const s = await v.createAccount('Ann', PW);
    expect(s.username).toBe('ann');
    expect(s.fingerprint).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);

    const a = await v.putRecord('contact', { name: 'Zoë Field', organisation: 'Acme', notes: 'met at the well', tags: ['water'] });
    const b = await v.putRecord('contact', { name: 'Adam Stone', organisation: 'Bravo', email: 'adam@example.org' });
    expect((await v.getRecord('contact', a.id)).values.notes).toBe('met at the well');

    const all = await v.query({ type: 'contact' });
    expect(all.items.map((r) => r.values.name)).toEqual(['Adam Stone', 'Zoë Field']);
    expect((await v.query({ type: 'contact', search: 'WELL' })).items.map((r) => r.id)).toEqual([a.id]);
    expect((await v.query({ type: 'contact', search: 'zoë acme' })).total).toBe(1);
    expect((await v.query({ type: 'contact', search: 'zoë bravo' })).total).toBe(0);
    expect((await v.query({ type: 'contact', filters: [{ field: 'organisation', op: 'eq', value: 'bravo' }] })).items[0]!.id).toBe(b.id);
    expect((await v.query({ type: 'contact', sort: { field: 'name', dir: 'desc' } })).items[0]!.id).toBe(a.id);

    const edited = await v.putRecord('contact', { name: 'Zoë Field', organisation: 'Acme Ltd' }, a.id);
    expect(edited.values).toEqual({ name: 'Zoë Field', organisation: 'Acme Ltd' });
    await v.deleteRecord('contact', b.id);
    await expect(v.getRecord('contact', b.id)).rejects.toMatchObject({ code: 'NotFound' });
    expect((await v.query({ type: 'contact' })).total).toBe(1);
    expect((await v.storageStats()).records).toEqual({ contact: 1, visit: 0 });
  });

  it('returns per-field validation errors and stores nothing', async () => {
    const v = vault(uniqueDb());
    await v.createAccount('bea', PW);
    await expect(v.putRecord('contact', { name: '', email: 'not-an-email', colour: 'red' })).rejects.toMatchObject({
      code: 'Validation',
      fields: { name: 'Name is required.', email: expect.stringMatching(/email/), colour: expect.any(String) },
    });
    await expect(v.putRecord('visit', { contact: crypto.randomUUID(), date: '2026-02-30x', status: 'done' })).rejects.toMatchObject({
      code: 'Validation',
    });
    await expect(v.putRecord('visit', { contact: crypto.randomUUID(), date: '2026-02-03', status: 'done' })).rejects.toMatchObject({
      code: 'Validation',
      fields: { contact: 'Choose an existing contact.' },
    });
    expect((await v.query({ type: 'contact' })).total).toBe(0);
    await expect(v.putRecord('planet', { name: 'x' })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('locks: keys are dropped and every data call says Locked', async () => {
    const db = uniqueDb();
    const v = vault(db);
    await v.createAccount('cid', PW);
    const r = await v.putRecord('contact', { name: 'Kept' });
    await v.lock();
    expect(await v.session()).toBeNull();
    await expect(v.getRecord('contact', r.id)).rejects.toMatchObject({ code: 'Locked' });
    await expect(v.unlock('cid', 'nope nope nope')).rejects.toMatchObject({ code: 'WrongPassword' });
    await v.unlock('cid', PW);
    expect((await v.getRecord('contact', r.id)).values.name).toBe('Kept');
  });

  it('two tabs writing at once lose nothing and see each other’s changes', async () => {
    const db = uniqueDb();
    const tab1 = vault(db);
    const tab2 = vault(db);
    await tab1.createAccount('dee', PW);
    await tab2.unlock('dee', PW);
    const seen: ChangeEvent[] = [];
    await tab2.subscribe((e) => void seen.push(e));
    await tab2.query({ type: 'contact' }); // warm tab2's caches
    await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => tab1.putRecord('contact', { name: `one-${i}` })),
      ...Array.from({ length: 60 }, (_, i) => tab2.putRecord('contact', { name: `two-${i}` })),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    for (const t of [tab1, tab2]) expect((await t.query({ type: 'contact', limit: 500 })).total).toBe(120);
    expect(seen.some((e) => e.collection === 'contact')).toBe(true);
  });

  it('bulk puts commit all or nothing', async () => {
    const v = vault(uniqueDb());
    await v.createAccount('eve', PW);
    const ids = await v.putRecords(
      'contact',
      Array.from({ length: 2000 }, (_, i) => ({ values: { name: `bulk ${i}`, notes: 'n'.repeat(200) } })),
    );
    expect(ids.length).toBe(2000);
    expect((await v.query({ type: 'contact', search: 'bulk 1999' })).total).toBe(1);
    await expect(v.putRecords('contact', [{ values: { name: 'ok' } }, { values: { name: '' } }])).rejects.toMatchObject({
      code: 'Validation',
      detail: 'item 1',
    });
    expect((await v.query({ type: 'contact' })).total).toBe(2000);
  });

  it('deletes the chunks of photos removed from a record', async () => {
    const v = vault(uniqueDb());
    await v.createAccount('fay', PW);
    const c = await v.putRecord('contact', { name: 'Host' });
    const photo = await v.putAttachment(new Blob([new Uint8Array(1000).fill(7)], { type: 'image/png' }), 'p.png');
    const visit = await v.putRecord('visit', { contact: c.id, date: '2026-11-01', status: 'done', photos: [photo] });
    const back = new Uint8Array(await new Response(await v.readAttachment(photo)).arrayBuffer());
    expect(back).toEqual(new Uint8Array(1000).fill(7));
    expect((await v.storageStats()).attachments).toBe(1);
    await v.putRecord('visit', { contact: c.id, date: '2026-11-01', status: 'done' }, visit.id);
    expect((await v.storageStats()).attachments).toBe(0);
  });
});
