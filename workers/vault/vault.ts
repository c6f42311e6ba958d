import Dexie from 'dexie';
import { AttachmentMeta } from '../../src/domain/attachment';
import { ENTITY_TYPES, entityType, type EntityTypeDef } from '../../src/domain/entity-types';
import { HlcClock } from '../../src/domain/hlc';
import { compareBy, compileMatcher } from '../../src/domain/query-match';
import { applyEdit, toView, tombstone } from '../../src/domain/record-ops';
import type { StoredRecord } from '../../src/domain/record';
import { validateRecord, type RecordValues } from '../../src/domain/validate';
import { VaultError, type FieldErrors } from '../../src/lib/errors';
import { DB_NAME, openVaultDb, type VaultDb } from '../common/db';
import { SYNC_CHANNEL, type SyncMessage } from '../common/sync-channel';
import { finishPendingWipe, readWipeNotice, type WipeNotice } from '../common/wipe';
import { isAdminLocked } from '../common/commands';
import { accountKey, changePassword, createAccount, openGroups, unlockAccount, type UnlockedAccount } from './keys/account';
import { syncAccount } from './sync/account-sync';
import type { ChangeEvent, DirectoryUser, PolicyVerdict, Query, RecordView, QueryResult, SessionInfo, StorageStats, SyncStatus, VaultApi } from './api';
import { addSurrogate, lookupUser, removeSurrogate } from './keys/surrogates';
import { checkPolicy, wipeIfDue } from '../common/policy-gate';
import { refreshPolicyForLogin } from '../common/policy-store';
import { attemptsDetail, type Reason, type Verdict } from '../../src/domain/policy-engine';
import { codeLogin, enroll, loginOnline, type ServerContext } from './sync/server-account';
import { resetWithCode } from './keys/unlock-codes';
import { BlobStore } from './storage/blob-store';
import { ChangeFeed } from './storage/change-feed';
import { displayFingerprint } from './crypto/fingerprint';
import { KDF_DEFAULT_ITERATIONS } from './crypto/password-kdf';
import { createMutex, type Mutex } from './storage/mutex';
import { applyInbox } from './sync/inbox';
import { rebuildIfPulled } from './sync/rebuild';
import { outboxEntries, type RecordKeys } from './sync/outbox';
import { DEFAULT_PAGE_STORE_OPTIONS, PageStore, type PageStoreOptions, type SyncWrites } from './storage/page-store';

export interface VaultOptions {
  dbName?: string;
  /** The sync server's origin; in the browser, the app's own. */
  origin?: string;
  appVersion?: string;
  kdfIterations?: number;
  pageStore?: Partial<PageStoreOptions>;
  /** Organisation recovery key id pinned at build time (workers/vault/recovery-key.ts). */
  recoveryKid?: string;
}

interface Partition {
  pages: PageStore;
  blobs: BlobStore;
  records: RecordKeys;
}

interface Session {
  account: UnlockedAccount;
  partitions: Map<string, Partition>;
  active: string;
  clock: HlcClock;
  /** Whether this account syncs with a server from this device; a purely local account keeps no outbox. */
  syncs: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LIMIT = 10_000;

/**
 * The vault: the one object that holds keys. It composes accounts, page
 * store, blob store and queries behind the VaultApi contract; the worker
 * entry exposes it over comlink.
 */
export class Vault implements VaultApi {
  private readonly db: VaultDb;
  private readonly mutex: Mutex = createMutex();
  private readonly feed: ChangeFeed;
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private current: Session | null = null;
  private syncChannel: BroadcastChannel | null = null;
  private applying: Promise<number> = Promise.resolve(0);
  private accountSync: Promise<void> = Promise.resolve();
  /** Envelopes from the server that failed verification since unlock. */
  private rejectedEnvelopes = 0;
  /** Changes from the inbox that failed their integrity check since this worker started, for the UI. */
  private rejected = 0;

  constructor(private readonly opts: VaultOptions = {}) {
    this.db = openVaultDb(opts.dbName ?? DB_NAME);
    if (typeof BroadcastChannel !== 'undefined') {
      this.syncChannel = new BroadcastChannel(SYNC_CHANNEL);
      this.syncChannel.onmessage = (m: MessageEvent<SyncMessage>) => {
        if (m.data?.type === 'wiped') {
          // Nothing is left to hold keys for; the page reloads into an empty app.
          this.endSession();
          return;
        }
        void this.applyInbox().catch(reportApplyFailure);
        void this.syncAccount().catch(() => undefined);
      };
    }
    this.feed = new ChangeFeed(`${opts.dbName ?? DB_NAME}:changes`, (e) => {
      this.current?.partitions.get(e.partition)?.pages.invalidate(e.collection);
      this.notify(e);
    });
  }

  wipeNotice(): Promise<WipeNotice | null> {
    return readWipeNotice();
  }

  async hasAccounts(): Promise<boolean> {
    // A wipe a crash interrupted is finished before anything else.
    if (await finishPendingWipe(this.db)) {
      await this.db.open(); // a fresh, empty database for whoever sets the device up again
      return false;
    }
    // Start-up: a wipe some user's policy calls for (no contact for too long) happens now.
    for (const session of await this.db.serverSessions.toArray()) {
      if (await wipeIfDue(this.db, await checkPolicy(this.db, session.userId, this.opts.appVersion ?? 'dev', Date.now()), () => this.server().origin)) {
        await this.db.open();
        return false;
      }
    }
    return (await this.db.accounts.count()) > 0;
  }

  async session(): Promise<SessionInfo | null> {
    return this.current ? this.info(this.current) : null;
  }

  async createAccount(username: string, password: string): Promise<SessionInfo> {
    const account = await createAccount(this.db, username, password, this.opts.kdfIterations ?? KDF_DEFAULT_ITERATIONS);
    return this.start(account);
  }

  async unlock(username: string, password: string): Promise<SessionInfo> {
    this.endSession();
    await this.admit(username);
    try {
      return await this.start(await unlockAccount(this.db, username, password));
    } catch (e) {
      if (!(e instanceof VaultError && e.code === 'WrongPassword')) throw e;
      // The attempt that reaches the limit wipes (or locks) at once; before it, the person is told how many are left.
      const v = await this.admit(username);
      throw v?.attemptsLeft ? new VaultError('WrongPassword', attemptsDetail(v.attemptsLeft)) : e;
    }
  }

  async policyCheck(lastActivity: number): Promise<PolicyVerdict> {
    const s = this.current;
    if (!s) return { allow: true };
    const v = await checkPolicy(this.db, s.account.userId, this.opts.appVersion ?? 'dev', Date.now(), Number(lastActivity));
    if (!v.allow && this.current === s) this.endSession();
    if (await wipeIfDue(this.db, v, () => this.server().origin)) await this.db.open();
    return { allow: v.allow, ...(v.reason ? { reason: v.reason } : {}) };
  }

  adminLocked(): Promise<boolean> {
    return isAdminLocked(this.db);
  }

  async enroll(username: string, code: string, password: string): Promise<SessionInfo> {
    this.endSession();
    return this.start(await enroll(this.server(), username, code, password));
  }

  async loginOnline(username: string, password: string): Promise<SessionInfo> {
    this.endSession();
    return this.start(await loginOnline(this.server(), username, password));
  }

  async lock(): Promise<void> {
    this.endSession();
  }

  async resetPassword(username: string, code: string, newPassword: string): Promise<SessionInfo> {
    this.endSession();
    const local = await this.db.accounts.get(await accountKey(username));
    // A lockout after wrong passwords is what an unlock code from support is for; every other rule still applies.
    if (local) await this.admit(username, 'TooManyAttempts');
    return this.start(local ? await resetWithCode(this.db, username, code, newPassword) : await codeLogin(this.server(), username, code, newPassword));
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    const s = this.require();
    s.account = { ...s.account, kek: await changePassword(this.db, s.account.username, oldPassword, newPassword) };
    void this.syncAccount().catch(() => undefined);
  }

  syncAccount(): Promise<void> {
    // One run at a time, so two triggers do not wrap the same codes twice.
    const run = this.accountSync.then(async () => {
      const s = this.current;
      if (!s) return;
      const r = await syncAccount(this.server(), s.account);
      this.rejectedEnvelopes += r.rejectedEnvelopes;
      if (r.groupsChanged) await this.reopen(s);
    });
    this.accountSync = run.catch(() => undefined);
    return run;
  }

  async switchGroup(id: string): Promise<SessionInfo> {
    const s = this.require();
    if (!s.partitions.has(id)) throw new VaultError('InvalidArgument', 'you cannot open that group');
    s.active = id;
    return this.info(s);
  }

  async surrogates(): Promise<{ userId: string; username: string }[]> {
    const s = this.require();
    const g = await this.db.groups.get(s.account.personalGroup);
    return (g?.members ?? []).filter((m) => m.userId !== s.account.userId).map(({ userId, username }) => ({ userId, username }));
  }

  async lookupUser(username: string): Promise<DirectoryUser> {
    return lookupUser(this.server(), this.require().account, String(username));
  }

  async addSurrogate(username: string, fingerprint: string): Promise<void> {
    await addSurrogate(this.server(), this.require().account, String(username), String(fingerprint));
    await this.syncAccount();
  }

  async removeSurrogate(userId: string): Promise<void> {
    const s = this.require();
    try {
      await removeSurrogate(this.server(), s.account, String(userId));
    } finally {
      // Also after a failure: the server may have committed the new epoch and only the answer got lost.
      await this.syncAccount().catch(() => undefined);
      await this.reopen(s);
    }
  }

  async putRecord(type: string, values: Record<string, unknown>, id?: string): Promise<RecordView> {
    const t = this.type(type);
    if (id !== undefined && !UUID.test(id)) throw new VaultError('InvalidArgument', 'id must be a UUID');
    const clean = await this.validate(t, values);
    const s = this.require();
    const part = this.partition(s);
    const rid = id ?? crypto.randomUUID();
    const { view, orphaned } = await part.pages.mutate(t.name, [rid], (existing) => {
      const old = existing.get(rid);
      if (id !== undefined && (!old || old.d)) throw new VaultError('NotFound');
      const next = applyEdit(old, rid, clean, stampAfter(s.clock, old), s.account.userId);
      return { put: [next], result: { view: toView(t.name, next), orphaned: removedAttachments(t, old, next) } };
    }, this.outbox(s, part, t.name));
    await this.afterWrite(part, t.name, [rid], orphaned);
    return view;
  }

  async putRecords(type: string, items: { id?: string; values: Record<string, unknown> }[]): Promise<string[]> {
    const t = this.type(type);
    const cleaned: { id: string; values: RecordValues }[] = [];
    for (const [i, item] of items.entries()) {
      if (item.id !== undefined && !UUID.test(item.id)) throw new VaultError('InvalidArgument', `item ${i}: id must be a UUID`);
      const v = validateRecord(t, item.values);
      if (!v.ok) throw new VaultError('Validation', `item ${i}`, v.errors);
      cleaned.push({ id: item.id ?? crypto.randomUUID(), values: v.values });
    }
    const s = this.require();
    const part = this.partition(s);
    const ids = cleaned.map((c) => c.id);
    const orphaned = await part.pages.mutate(t.name, ids, (existing) => {
      const put: StoredRecord[] = [];
      const gone: string[] = [];
      for (const c of cleaned) {
        const old = existing.get(c.id);
        const next = applyEdit(old, c.id, c.values, stampAfter(s.clock, old), s.account.userId);
        put.push(next);
        gone.push(...removedAttachments(t, old, next));
      }
      return { put, result: gone };
    }, this.outbox(s, part, t.name));
    await this.afterWrite(part, t.name, ids, orphaned);
    return ids;
  }

  async getRecord(type: string, id: string): Promise<RecordView> {
    const t = this.type(type);
    const r = await this.partition(this.require()).pages.get(t.name, id);
    if (!r || r.d) throw new VaultError('NotFound');
    return toView(t.name, r);
  }

  async deleteRecord(type: string, id: string): Promise<void> {
    const t = this.type(type);
    const s = this.require();
    const part = this.partition(s);
    const orphaned = await part.pages.mutate(t.name, [id], (existing) => {
      const old = existing.get(id);
      if (!old || old.d) throw new VaultError('NotFound');
      const dead = tombstone(old, stampAfter(s.clock, old), s.account.userId);
      return { put: [dead], result: removedAttachments(t, old, dead) };
    }, this.outbox(s, part, t.name));
    await this.afterWrite(part, t.name, [id], orphaned);
  }

  async query(q: Query): Promise<QueryResult> {
    const t = this.type(q.type);
    const fields = new Set(t.fields.map((f) => f.name));
    for (const f of q.filters ?? []) if (!fields.has(f.field)) throw new VaultError('InvalidArgument', `unknown filter field ${f.field}`);
    const sort = q.sort ?? t.defaultSort;
    if (!fields.has(sort.field)) throw new VaultError('InvalidArgument', `unknown sort field ${sort.field}`);
    const match = compileMatcher(t, q.filters ?? [], q.search);
    const hits: StoredRecord[] = [];
    const { damaged } = await this.partition(this.require()).pages.scan(
      t.name,
      (records) => {
        for (const r of records) hits.push(r);
      },
      match,
    );
    hits.sort(compareBy(sort.field, sort.dir));
    const offset = Math.max(0, q.offset ?? 0);
    const limit = Math.min(MAX_LIMIT, Math.max(1, q.limit ?? 50));
    return { items: hits.slice(offset, offset + limit).map((r) => toView(t.name, r)), total: hits.length, damaged };
  }

  async putAttachment(file: Blob, name: string): Promise<AttachmentMeta> {
    if (!(file instanceof Blob)) throw new VaultError('InvalidArgument', 'file must be a Blob');
    return this.partition(this.require()).blobs.put(file, String(name));
  }

  async readAttachment(meta: AttachmentMeta): Promise<ReadableStream<Uint8Array>> {
    const m = AttachmentMeta.safeParse(meta);
    if (!m.success) throw new VaultError('InvalidArgument', 'attachment metadata');
    return this.partition(this.require()).blobs.read(m.data);
  }

  async deleteAttachment(id: string): Promise<void> {
    await this.partition(this.require()).blobs.delete(id);
  }

  async storageStats(): Promise<StorageStats> {
    const part = this.partition(this.require());
    const est = typeof navigator !== 'undefined' && navigator.storage?.estimate ? await navigator.storage.estimate() : {};
    const records: Record<string, number> = {};
    let pages = 0;
    for (const t of ENTITY_TYPES) {
      const st = await part.pages.stats(t.name);
      records[t.name] = st.records;
      pages += st.pages;
    }
    return { usage: est.usage ?? null, quota: est.quota ?? null, records, pages, attachments: await part.blobs.count() };
  }

  async syncStatus(): Promise<SyncStatus> {
    const s = this.require();
    const groups = [...s.partitions.keys()];
    const [session, pending, incoming, status, account] = await Promise.all([
      this.db.serverSessions.get(s.account.userId),
      countChanges(this.db.outbox, groups),
      countChanges(this.db.inbox, groups),
      this.db.syncState.get('status'),
      accountKey(s.account.username).then((k) => this.db.accounts.get(k)),
    ]);
    return {
      enrolled: session !== undefined,
      pending,
      incoming,
      lastSync: status?.lastSync ?? null,
      lastContact: status?.lastContact ?? null,
      lastError: status?.lastError ?? null,
      rejected: this.rejected,
      rejectedEnvelopes: this.rejectedEnvelopes,
      unlockCodes: account?.codeSlots?.length ?? 0,
      credentialsPending: account?.pendingCredentials !== undefined,
    };
  }

  /**
   * Applies pulled changes to every partition the unlocked user can open.
   * Runs at unlock and whenever the service worker says it synced.
   */
  applyInbox(): Promise<number> {
    // One pass at a time; a request during a pass queues one more.
    const run = this.applying.then(() => this.applyInboxOnce());
    this.applying = run.catch(() => 0);
    return run;
  }

  private async applyInboxOnce(): Promise<number> {
    const s = this.current;
    if (!s) return 0;
    let applied = 0;
    for (const part of s.partitions.values()) {
      const group = part.pages.partition;
      const rebuild = await rebuildIfPulled(this.db, group, part.pages);
      if (rebuild.state === 'pulling') continue;
      if (rebuild.state === 'rebuilt') {
        // This tab's cached pages and every other tab's are stale now.
        part.pages.invalidate();
        for (const collection of rebuild.collections) this.feed.publish({ partition: group, collection, ids: [] });
      }
      const r = await applyInbox(this.db, part.pages.partition, part.pages, part.records, s.clock);
      if (this.current !== s) return applied; // locked meanwhile
      applied += r.applied;
      this.rejected += r.rejected.length;
      for (const [collection, ids] of r.changed) this.changed(part, collection, ids);
    }
    return applied;
  }

  async subscribe(listener: (e: ChangeEvent) => void): Promise<void> {
    this.listeners.add(listener);
  }

  /**
   * Resolves once background upkeep of the unlocked user's pages (directory
   * snapshots, compaction) has caught up. For tests and benchmarks: the app
   * never needs to wait for it.
   */
  async settle(): Promise<void> {
    const s = this.current;
    if (!s) return;
    await Promise.all([...s.partitions.values()].map((p) => p.pages.settle()));
  }

  /** Closes the database and the change channel (tests, wipe). */
  close(): void {
    this.endSession();
    this.syncChannel?.close();
    this.feed.close();
    this.db.close();
  }

  /** Dropping the session drops every CryptoKey and decrypted page it held; background upkeep stops. */
  private endSession(): void {
    for (const p of this.current?.partitions.values() ?? []) p.pages.close();
    this.current = null;
  }

  /** A partition per group the account can open, each under the keys of all its epochs. */
  private async partitionsFor(account: UnlockedAccount): Promise<Map<string, Partition>> {
    const groups = await openGroups(this.db, account);
    const partitions = new Map<string, Partition>();
    const pageOpts = { ...DEFAULT_PAGE_STORE_OPTIONS, ...this.opts.pageStore };
    for (const [id, g] of groups) {
      const page = new Map([...g.epochs].map(([e, k]) => [e, k.page]));
      const blob = new Map([...g.epochs].map(([e, k]) => [e, k.blob]));
      const record = new Map([...g.epochs].map(([e, k]) => [e, k.record]));
      partitions.set(id, {
        pages: new PageStore(this.db, id, { current: g.current, byEpoch: page }, this.mutex, pageOpts),
        blobs: new BlobStore(this.db, id, { current: g.current, byEpoch: blob }),
        records: { current: g.current, byEpoch: record },
      });
    }
    if (!partitions.has(account.personalGroup)) throw new VaultError('Tampered', 'personal group key is missing');
    return partitions;
  }

  /**
   * After groups or epochs changed: partitions whose keys are the same stay
   * as they are (their caches warm), the rest are reopened, and a partition
   * that is gone stops being the active one. Listeners hear of it with an
   * empty change event, their cue to re-read the session.
   */
  private async reopen(s: Session): Promise<void> {
    const next = await this.partitionsFor(s.account);
    if (this.current !== s) return;
    for (const [id, p] of next) {
      const old = s.partitions.get(id);
      if (old && old.records.current === p.records.current && old.records.byEpoch.size === p.records.byEpoch.size) next.set(id, old);
    }
    for (const [id, old] of s.partitions) if (next.get(id) !== old) old.pages.close();
    s.partitions = next;
    if (!next.has(s.active)) s.active = s.account.personalGroup;
    this.notify({ partition: '', collection: '', ids: [] });
    void this.applyInbox().catch(reportApplyFailure);
  }

  /** Refuses a login the user's policy does not allow now (PolicyDenied naming the reason). Unknown users pass: the password check answers them. */
  /** Refuses (or wipes) as the user's policy says; else the verdict that admitted them (null for an unknown username). */
  private async admit(username: string, except?: Reason): Promise<Verdict | null> {
    const row = await this.db.accounts.get(await accountKey(username));
    if (!row) return null;
    await refreshPolicyForLogin(this.db, () => this.server().origin, row.userId);
    const v = await checkPolicy(this.db, row.userId, this.opts.appVersion ?? 'dev', Date.now());
    if (await wipeIfDue(this.db, v, () => this.server().origin)) {
      await this.db.open();
      throw new VaultError('PolicyDenied', v.reason);
    }
    if (!v.allow && v.reason !== except) throw new VaultError('PolicyDenied', v.reason);
    return v;
  }

  private async start(account: UnlockedAccount): Promise<SessionInfo> {
    const partitions = await this.partitionsFor(account);
    this.rejectedEnvelopes = 0;
    const [, session, deviceId] = await Promise.all([
      // The directories of the records the user sees first are read now, as part of unlocking.
      partitions.get(account.personalGroup)!.pages.preload(ENTITY_TYPES.map((t) => t.name)).catch(() => undefined),
      this.db.serverSessions.get(account.userId),
      this.deviceId(),
    ]);
    this.current = { account, partitions, active: account.personalGroup, clock: new HlcClock(deviceId), syncs: session !== undefined };
    // In the background: unlock does not wait for sync.
    void this.applyInbox().catch(reportApplyFailure);
    void this.syncAccount().catch(() => undefined);
    return this.info(this.current);
  }

  private server(): ServerContext {
    return {
      db: this.db,
      origin: this.opts.origin ?? globalThis.location.origin,
      appVersion: this.opts.appVersion ?? 'dev',
      recoveryKid: this.opts.recoveryKid,
    };
  }

  private async info(s: Session): Promise<SessionInfo> {
    const ids = [s.account.personalGroup, ...[...s.partitions.keys()].filter((id) => id !== s.account.personalGroup)];
    const rows = await this.db.groups.bulkGet(ids);
    return {
      username: s.account.username,
      userId: s.account.userId,
      groups: ids.map((id, i) => ({ id, name: id === s.account.personalGroup ? 'My records' : `Acting for ${rows[i]?.ownerName ?? 'another user'}` })),
      active: s.active,
      people: Object.fromEntries([...rows.flatMap((g) => (g?.members ?? []).map((m) => [m.userId, m.username] as const)), [s.account.userId, s.account.username]]),
      fingerprint: displayFingerprint(s.account.ecdh.kid),
    };
  }

  /** Stable per-device id: the HLC node, so concurrent edits tie-break by device. */
  private async deviceId(): Promise<string> {
    const row = await this.db.meta.get('deviceId');
    if (row) return row.value;
    const value = crypto.randomUUID().replace(/-/g, '').slice(0, 16);
    await this.db.meta.put({ key: 'deviceId', value });
    return (await this.db.meta.get('deviceId'))!.value;
  }

  private require(): Session {
    if (!this.current) throw new VaultError('Locked');
    return this.current;
  }

  private partition(s: Session): Partition {
    return s.partitions.get(s.active)!;
  }

  private type(name: string): EntityTypeDef {
    const t = entityType(name);
    if (!t) throw new VaultError('InvalidArgument', `unknown record type ${String(name)}`);
    return t;
  }

  /** Config-driven validation plus the one rule config cannot state: refs must point at live records. */
  private async validate(t: EntityTypeDef, values: Record<string, unknown>): Promise<RecordValues> {
    const v = validateRecord(t, values);
    if (!v.ok) throw new VaultError('Validation', undefined, v.errors);
    const errors: FieldErrors = {};
    const part = this.partition(this.require());
    for (const f of t.fields) {
      const ref = v.values[f.name];
      if (f.kind !== 'ref' || typeof ref !== 'string') continue;
      const target = await part.pages.get(f.refType!, ref);
      if (!target || target.d) errors[f.name] = `Choose an existing ${f.refType}.`;
    }
    if (Object.keys(errors).length) throw new VaultError('Validation', undefined, errors);
    return v.values;
  }

  private async afterWrite(part: Partition, collection: string, ids: string[], orphaned: string[]): Promise<void> {
    for (const a of orphaned) await part.blobs.delete(a);
    this.changed(part, collection, ids);
  }

  private changed(part: Partition, collection: string, ids: string[]): void {
    const e: ChangeEvent = { partition: part.pages.partition, collection, ids };
    this.feed.publish(e);
    this.notify(e);
  }

  /**
   * The outbox row of a write to a partition's collection (DESIGN §6). A
   * purely local account (no server session on this device) has nowhere
   * to send it: an outbox there would only grow, a full sealed copy per
   * change, for ever.
   */
  private outbox(s: Session, part: Partition, collection: string): SyncWrites {
    return s.syncs ? { outbox: outboxEntries(part.pages.partition, part.records, collection) } : {};
  }

  private notify(e: ChangeEvent): void {
    for (const l of this.listeners) {
      try {
        void Promise.resolve(l(e)).catch(() => this.listeners.delete(l));
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}

/** An apply that failed is retried at the next sync; the console says why (a code and a page name, never data). */
function reportApplyFailure(e: unknown): void {
  console.warn('FieldVault: received changes not applied yet:', e instanceof VaultError ? `${e.code}${e.detail ? ` (${e.detail})` : ''}` : e);
}

/** Changes waiting in the outbox or inbox of `groups`, from the [group+n] index alone (no values read). */
async function countChanges(table: VaultDb['outbox'] | VaultDb['inbox'], groups: string[]): Promise<number> {
  let n = 0;
  for (const g of groups) {
    const keys = (await table.where('[group+n]').between([g, Dexie.minKey], [g, Dexie.maxKey]).keys()) as unknown as [string, number][];
    for (const k of keys) n += k[1];
  }
  return n;
}

/**
 * A stamp later than every stamp the record carries. Taken inside the write
 * (under the partition's Web Lock, on the freshest pages), so an edit wins
 * over what it replaces even if this device's clock went back since, or
 * another tab of this device stamped the record in the same millisecond.
 */
function stampAfter(clock: HlcClock, old: StoredRecord | undefined): string {
  if (old) clock.observe(old.u);
  return clock.tick();
}

/** Attachment ids referenced by `old` but no longer by `next`: their chunks can go. */
function removedAttachments(t: EntityTypeDef, old: StoredRecord | undefined, next: StoredRecord): string[] {
  if (!old) return [];
  const ids = (r: StoredRecord) =>
    t.fields
      .filter((f) => f.kind === 'photos')
      .flatMap((f) => ((r.f[f.name]?.[0] as AttachmentMeta[] | null | undefined) ?? []).map((a) => a.id));
  const keep = new Set(ids(next));
  return ids(old).filter((id) => !keep.has(id));
}
