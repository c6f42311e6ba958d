#!/usr/bin/env node
/**
 * `npm run bench`: builds the bench page (Vite JS API), serves it on
 * 127.0.0.1, drives headless Chromium through every case for the vault and
 * for plain Dexie in the same run, prints a table and writes
 * bench/results.json. See tests/bench/README.md.
 *
 *   node tests/bench/run-bench.mjs [--cases bulk,reads,single,update,attach,disk] [--page-kib 16,64]
 *                                  [--sizes 10000,100000] [--batch 1000] [--reps 5] [--storage disk|memory]
 *                                  [--timeout-min 40] [--out bench/results.json]
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { CHROMIUM_ARGS, chromiumPath } from '../support/chromium.mjs';
import { serveStatic } from '../support/static-server.mjs';
import { label, logger, median, round, withTimeout } from './runner-util.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '../..');

const { values: opt } = parseArgs({
  options: {
    'page-kib': { type: 'string', default: '16,64' },
    sizes: { type: 'string', default: '10000,100000' },
    batch: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '5' },
    'timeout-min': { type: 'string', default: '40' },
    out: { type: 'string', default: 'bench/results.json' },
    cases: { type: 'string', default: 'all' },
    storage: { type: 'string', default: 'disk' },
  },
});
/** Case groups (--cases): what each runs is in README.md. */
const GROUPS = ['bulk', 'reads', 'single', 'update', 'attach', 'disk'];
const CASES = opt.cases === 'all' ? new Set(GROUPS) : new Set(opt.cases.split(',').map((x) => x.trim()).filter(Boolean));
for (const g of CASES) if (!GROUPS.includes(g)) throw new Error(`--cases: unknown group ${g} (groups: ${GROUPS.join(', ')})`);
const runs = (g) => CASES.has(g);
if (!['disk', 'memory'].includes(opt.storage)) throw new Error('--storage expects disk or memory');
const list = (s) => s.split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x) && x > 0);
const PAGE_KIB = list(opt['page-kib']);
const SIZES = list(opt.sizes).sort((a, b) => a - b);
const REPS = Math.max(1, Number(opt.reps) || 1);
const BIG = SIZES.at(-1);
if (!PAGE_KIB.length || !SIZES.length) throw new Error('--page-kib and --sizes need at least one number each');

/** Fixed workload (documented in README.md). */
const BATCH = Math.max(1, Number(opt.batch) || 1000);
const GETS = 1000;
const SINGLE_PUTS = 200;
const ATTACHMENT_MIB = 20;
/** bulk_update: distinct existing records updated per rep (fewer if the store is smaller). */
const UPDATES = 10_000;
/** disk: share of the records updated before the second figure. */
const DISK_UPDATE_SHARE = 0.3;
const N_UPDATES = Math.min(UPDATES, BIG);
const KDF_ITERATIONS = 600_000;
/** Bulk loads above this size run once per subject (each costs tens of seconds); smaller ones REPS times. */
const BULK_REPEAT_MAX = 20_000;
const STEP_TIMEOUT_MS = 5 * 60_000;

const { started, log } = logger();

// ---------------------------------------------------------------- subjects

/** Dexie once, the vault once per page size; `key` names their samples. */
const SUBJECTS = [
  { key: 'dexie', kind: 'dexie' },
  ...PAGE_KIB.map((kib) => ({ key: `vault${kib}`, kind: 'vault', pageKib: kib })),
];
const dbName = (s, n, rep) => `bench-${s.key}-n${n}-r${rep}`;

/** samples[subjectKey][metric] = [values...] */
const samples = Object.fromEntries(SUBJECTS.map((s) => [s.key, {}]));
const add = (s, metric, value) => (samples[s.key][metric] ??= []).push(value);
/** Result checks: both sides must find the same records. */
const answers = {};

function driver(page) {
  const evaluate = (fn, arg, what) => withTimeout(page.evaluate(fn, arg), STEP_TIMEOUT_MS, what);
  /** Runs `fn` with a fresh worker on `db`; the worker is always terminated after. */
  return async function withWorker(subject, db, fn) {
    const handle = await evaluate(([k, i]) => window.bench.spawn(k, i), [subject.kind, { dbName: db, pageKib: subject.pageKib }], 'spawn');
    const call = (method, ...args) =>
      evaluate(([h, m, a]) => window.bench.call(h, m, a), [handle, method, args], `${subject.key}.${method}`);
    try {
      return await fn(call);
    } finally {
      await page.evaluate((h) => window.bench.terminate(h), handle);
    }
  };
}

function checkSame(what, subject, got) {
  const want = answers[what];
  if (!want) answers[what] = { total: got.total, first: got.first, by: subject.key };
  else if (want.total !== got.total || want.first !== got.first)
    throw new Error(`${what}: ${subject.key} found ${got.total} (first ${got.first}), ${want.by} found ${want.total} (first ${want.first})`);
}

async function runCases(withWorker) {
  if (runs('bulk'))
    for (const n of SIZES) {
      const reps = n <= BULK_REPEAT_MAX ? REPS : 1;
      for (let rep = 0; rep < reps; rep++)
        for (const s of SUBJECTS) {
          const { ms } = await withWorker(s, dbName(s, n, rep), async (call) => {
            await call('open');
            return call('bulkInsert', n, BATCH);
          });
          add(s, `bulk_${n}`, ms);
          log(`bulk_insert_${label(n)} ${s.key} rep ${rep + 1}/${reps}: ${ms.toFixed(0)} ms`);
        }
    }
  else if (['reads', 'single', 'update', 'attach'].some(runs))
    // The other groups work on the biggest store: load it, untimed, as the bulk case would have.
    for (const s of SUBJECTS) {
      await withWorker(s, dbName(s, BIG, 0), async (call) => {
        await call('open');
        await call('bulkInsert', BIG, BATCH);
        await call('settle');
      });
      log(`prepared ${label(BIG)} records for ${s.key} (untimed; --cases has no bulk)`);
    }

  // Reads on the biggest data set, each cold figure from a fresh worker
  // (empty page cache, vault unlocked from scratch), interleaved by rep so
  // noise on this shared machine spreads over both sides.
  const open = async (s, call) => {
    if (s.kind !== 'vault') return call('open');
    const u = await call('unlockTimed');
    add(s, 'unlock', u.unlock_ms);
    add(s, 'kdf', u.kdf_ms);
    add(s, 'unlock_minus_kdf', u.unlock_ms - u.kdf_ms);
  };
  if (runs('reads'))
    for (let rep = 0; rep < REPS; rep++)
      for (const s of SUBJECTS) {
        const db = dbName(s, BIG, 0);
        await withWorker(s, db, async (call) => {
          await open(s, call);
          const cold = await call('scanFilter');
          const warm = await call('scanFilter');
          const searchWarm = await call('search');
          for (const r of [cold, warm]) checkSame('scan', s, r);
          checkSame('search', s, searchWarm);
          add(s, 'scan_cold', cold.ms);
          add(s, 'scan_warm', warm.ms);
          add(s, 'search_warm', searchWarm.ms);
        });
        await withWorker(s, db, async (call) => {
          await open(s, call);
          const cold = await call('search');
          checkSame('search', s, cold);
          add(s, 'search_cold', cold.ms);
        });
        await withWorker(s, db, async (call) => {
          await open(s, call);
          const cold = await call('getById', BIG, GETS, 1000 + rep);
          const warm = await call('getById', BIG, GETS, 1000 + rep);
          if (cold.found !== GETS || warm.found !== GETS) throw new Error(`${s.key} found ${cold.found}/${GETS} records`);
          add(s, 'get_cold', cold.ms);
          add(s, 'get_warm', warm.ms);
        });
        log(`reads ${s.key} rep ${rep + 1}/${REPS}: scan ${samples[s.key].scan_cold.at(-1).toFixed(0)} ms cold, search ${samples[s.key].search_cold.at(-1).toFixed(0)} ms cold, ${GETS} gets ${samples[s.key].get_cold.at(-1).toFixed(0)} ms cold`);
      }

  // Writes after the reads, so they do not change what the reads saw; new
  // records each rep, from a fresh worker (cold pages, as after opening the app).
  if (runs('single'))
    for (let rep = 0; rep < REPS; rep++)
      for (const s of SUBJECTS)
        await withWorker(s, dbName(s, BIG, 0), async (call) => {
          await call('open');
          const { ms } = await call('singlePutStrict', BIG + rep * SINGLE_PUTS, SINGLE_PUTS);
          add(s, 'single_put', ms);
          log(`single_put_strict ${s.key} rep ${rep + 1}/${REPS}: ${ms.toFixed(0)} ms`);
        });

  // Updates of existing records, also after the reads: each rep a new seeded
  // sample of N_UPDATES distinct records (round `rep` of their edits), from a
  // fresh worker. The vault's background upkeep (compaction) is awaited after
  // the clock stopped, so the next rep starts settled; its time is reported apart.
  if (runs('update'))
    for (let rep = 0; rep < REPS; rep++)
      for (const s of SUBJECTS)
        await withWorker(s, dbName(s, BIG, 0), async (call) => {
          await call('open');
          const u = await call('bulkUpdate', BIG, N_UPDATES, BATCH, 2000 + rep, rep);
          if (u.updated !== N_UPDATES) throw new Error(`bulk_update: ${s.key} updated ${u.updated}/${N_UPDATES}`);
          checkSame(`update_probe_${rep}`, s, { total: u.updated, first: u.probe });
          const settle = await call('settle');
          add(s, 'update', u.ms);
          add(s, 'update_settle', settle.ms);
          log(`bulk_update_${label(N_UPDATES)} ${s.key} rep ${rep + 1}/${REPS}: ${u.ms.toFixed(0)} ms (settle ${settle.ms.toFixed(0)} ms)`);
        });

  // Attachment chunks do not depend on the page size: measured once, on the first page size's vault.
  if (runs('attach')) {
    const v = SUBJECTS.find((s) => s.kind === 'vault');
    await withWorker(v, dbName(v, BIG, 0), async (call) => {
      await call('open');
      for (let rep = 0; rep < REPS; rep++) {
        const a = await call('attachment', ATTACHMENT_MIB);
        const w = await call('webcrypto', ATTACHMENT_MIB);
        const b = await call('idbBlobs', ATTACHMENT_MIB);
        add(v, 'attach_write', a.write_ms);
        add(v, 'attach_read', a.read_ms);
        add(v, 'attach_total', a.write_ms + a.read_ms);
        add(v, 'aes_total', w.write_ms + w.read_ms);
        add(v, 'aes_one_shot', w.one_shot_ms);
        add(v, 'blob_total', b.write_ms + b.read_ms);
        log(`attachment rep ${rep + 1}/${REPS}: write ${a.write_ms.toFixed(0)} ms, read ${a.read_ms.toFixed(0)} ms; bare AES-GCM ${(w.write_ms + w.read_ms).toFixed(0)} ms; bare IndexedDB Blobs ${(b.write_ms + b.read_ms).toFixed(0)} ms`);
      }
    });
  }
}

// ---------------------------------------------------------------- disk use

/** Bytes of the files under `dir` (recursively); 0 if it does not exist. */
async function dirBytes(dir) {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(p);
    else total += await stat(p).then((st) => st.size, () => 0);
  }
  return total;
}

/** On-disk bytes of one origin's IndexedDB (Chromium's `<profile>/Default/IndexedDB/http_127.0.0.1_<port>.indexeddb.{leveldb,blob}`). */
async function originIdbBytes(profile, port) {
  const root = join(profile, 'Default', 'IndexedDB');
  const names = await readdir(root).catch(() => []);
  let total = 0;
  for (const n of names) if (n.startsWith(`http_127.0.0.1_${port}.indexeddb.`)) total += await dirBytes(join(root, n));
  return total;
}

/**
 * disk_N: storage used by N records, vault (headline page size) against
 * Dexie, each in its own origin (its own port on 127.0.0.1) of one on-disk
 * profile, so each origin's usage is that store's alone. Every figure is
 * `navigator.storage.estimate().usage` of the origin taken after a restart
 * of the browser, once every database of the origin has been opened and
 * closed and its files have stopped changing: the quota manager then
 * computes the usage from the files on disk, not from the running estimate
 * it keeps during writes. See README.md.
 */
async function runDisk(launch) {
  const vaultSubject = SUBJECTS.find((s) => s.kind === 'vault');
  const dexieSubject = SUBJECTS.find((s) => s.kind === 'dexie');
  const servers = { vault: await serveStatic(resolve(REPO, 'dist-bench')), dexie: await serveStatic(resolve(REPO, 'dist-bench')) };
  const profile = await mkdtemp(join(tmpdir(), 'fv-bench-disk-'));
  const out = {};
  try {
    /** Runs `fn(withWorker)` on a page of `which`'s origin in a browser on `profile`, then closes the browser. */
    const session = async (which, fn) => {
      const b = await launch(profile);
      try {
        const page = await b.context.newPage();
        await page.goto(servers[which].url);
        await page.waitForFunction(() => document.title === 'bench ready', undefined, { timeout: 30_000 });
        return await fn(driver(page), page);
      } finally {
        await b.close();
      }
    };
    const live = (page) => page.evaluate(async () => (await navigator.storage.estimate()).usage ?? null);
    /** The settled figure for one origin: restart, open and close every database, wait for the files to stop changing, estimate. */
    const measure = async (which) =>
      session(which, async (_w, page) => {
        await page.evaluate(async () => {
          for (const { name } of await indexedDB.databases()) {
            await new Promise((res, rej) => {
              const r = indexedDB.open(name);
              r.onsuccess = () => (r.result.close(), res(undefined));
              r.onerror = () => rej(r.error);
            });
          }
        });
        let last = -1;
        let stableSince = Date.now();
        const t0 = Date.now();
        while (Date.now() - t0 < 30_000) {
          const bytes = await originIdbBytes(profile, servers[which].port);
          if (bytes !== last) (last = bytes), (stableSince = Date.now());
          else if (Date.now() - stableSince >= 3000) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        const usage = await live(page);
        return { usage, files: await originIdbBytes(profile, servers[which].port) };
      });

    const load = (which, subject) =>
      session(which, async (withWorker, page) => {
        await withWorker(subject, `disk-${subject.key}`, async (call) => {
          await call('open');
          await call('bulkInsert', BIG, BATCH);
          await call('settle');
        });
        return live(page);
      });
    const update = (which, subject) =>
      session(which, async (withWorker, page) => {
        await withWorker(subject, `disk-${subject.key}`, async (call) => {
          await call('open');
          const n = Math.round(BIG * DISK_UPDATE_SHARE);
          const u = await call('bulkUpdate', BIG, n, BATCH, 3000, 100);
          if (u.updated !== n) throw new Error(`disk: ${subject.key} updated ${u.updated}/${n}`);
          checkSame('disk_update_probe', subject, { total: u.updated, first: u.probe });
          // Compaction finished: the vault's background upkeep has caught up.
          await call('settle');
        });
        return live(page);
      });

    /** Vault: the outbox pushed (what the service worker does once the server accepts it), then measured again. */
    const sent = async (which, subject) => {
      if (subject.kind !== 'vault') return null;
      await session(which, (withWorker) => withWorker(subject, `disk-${subject.key}`, (call) => call('sent')));
      return measure(which);
    };
    for (const [which, subject] of [['vault', vaultSubject], ['dexie', dexieSubject]]) {
      const liveLoad = await load(which, subject);
      const loaded = await measure(which);
      const loadedSent = await sent(which, subject);
      const liveUpdate = await update(which, subject);
      const updated = await measure(which);
      const updatedSent = await sent(which, subject);
      out[which] = { loaded, updated, liveLoad, liveUpdate, loadedSent, updatedSent };
      log(`disk ${subject.key}: ${loaded.usage} bytes after ${label(BIG)} records (files ${loaded.files}, live estimate ${liveLoad}); ${updated.usage} after updating ${DISK_UPDATE_SHARE * 100}% (files ${updated.files}, live ${liveUpdate})`);
    }
  } finally {
    await servers.vault.close();
    await servers.dexie.close();
    await rm(profile, { recursive: true, force: true });
  }
  const v = out.vault;
  const d = out.dexie;
  return {
    vault_bytes: v.loaded.usage,
    dexie_bytes: d.loaded.usage,
    // Headline ratios: the vault once its outbox is sent (a synced device); *_unsent: with every change still waiting (offline).
    ratio: round(v.loadedSent.usage / d.loaded.usage, 3),
    ratio_unsent: round(v.loaded.usage / d.loaded.usage, 3),
    vault_bytes_sent: v.loadedSent.usage,
    vault_bytes_after: v.updated.usage,
    vault_bytes_after_sent: v.updatedSent.usage,
    dexie_bytes_after: d.updated.usage,
    ratio_after_compaction: round(v.updatedSent.usage / d.updated.usage, 3),
    ratio_after_compaction_unsent: round(v.updated.usage / d.updated.usage, 3),
    updated_share: DISK_UPDATE_SHARE,
    records: BIG,
    page_kib: vaultSubject.pageKib,
    files: { vault: v.loaded.files, dexie: d.loaded.files, vault_after: v.updated.files, dexie_after: d.updated.files },
    live_estimate: { vault: v.liveLoad, dexie: d.liveLoad, vault_after: v.liveUpdate, dexie_after: d.liveUpdate },
  };
}

// ---------------------------------------------------------------- results

/** The issue's targets. A limit that is a string is relative to another figure of the same run (see `bound`). */
const TARGETS = [
  [`bulk_insert_${label(BIG)}`, 'ratio', '<=', 0.5],
  [`bulk_update_${label(N_UPDATES)}`, 'ratio', '<=', 1.0],
  [`get_by_id_${label(BIG)}`, 'ratio', '<=', 1.5],
  [`scan_filter_${label(BIG)}`, 'ratio', '<=', 0.5],
  [`search_${label(BIG)}`, 'ratio', '<=', 0.5],
  ['single_put_strict', 'ratio', '<=', 2.0],
  ['unlock_minus_kdf_ms', 'value', '<=', 150],
  ['attachment_mb_s', 'value', '>=', '0.75 × idb_blob_mb_s'],
  [`disk_${label(BIG)}`, 'ratio', '<=', 1.5],
  [`disk_${label(BIG)}`, 'ratio_after_compaction', '<=', 1.5],
];
const bound = (cases, limit) => (typeof limit === 'number' ? limit : round(0.75 * (cases.idb_blob_mb_s?.value ?? NaN), 1));

const pair = (vault, dexie) => ({ vault_ms: round(vault), dexie_ms: round(dexie), ratio: round(vault / dexie, 3) });
const has = (xs) => Array.isArray(xs) && xs.length > 0;

/** Every case that ran for one page size, ratios against the same Dexie samples. */
function casesFor(vaultSubject, disk) {
  const v = samples[vaultSubject.key];
  const d = samples.dexie;
  const attach = samples[SUBJECTS.find((s) => s.kind === 'vault').key];
  const mbs = (ms) => round((2 * ATTACHMENT_MIB) / (ms / 1000), 1);
  const coldWarm = (cold, warm) => ({
    ...pair(median(v[cold]), median(d[cold])),
    vault_warm_ms: round(median(v[warm])),
    dexie_warm_ms: round(median(d[warm])),
    ratio_warm: round(median(v[warm]) / median(d[warm]), 3),
  });
  const cases = {};
  for (const n of SIZES) if (has(v[`bulk_${n}`])) cases[`bulk_insert_${label(n)}`] = pair(median(v[`bulk_${n}`]), median(d[`bulk_${n}`]));
  if (has(v.update))
    cases[`bulk_update_${label(N_UPDATES)}`] = { ...pair(median(v.update), median(d.update)), vault_settle_ms: round(median(v.update_settle)), records: BIG };
  if (has(v.get_cold)) cases[`get_by_id_${label(BIG)}`] = coldWarm('get_cold', 'get_warm');
  if (has(v.scan_cold)) cases[`scan_filter_${label(BIG)}`] = coldWarm('scan_cold', 'scan_warm');
  if (has(v.search_cold)) cases[`search_${label(BIG)}`] = coldWarm('search_cold', 'search_warm');
  if (has(v.single_put)) cases.single_put_strict = pair(median(v.single_put), median(d.single_put));
  if (has(v.unlock)) {
    cases.unlock_ms = { value: round(median(v.unlock)), records: BIG };
    cases.kdf_ms = { value: round(median(v.kdf)), iterations: KDF_ITERATIONS };
    cases.unlock_minus_kdf_ms = { value: round(median(v.unlock_minus_kdf)), records: BIG };
  }
  if (has(attach.attach_total)) {
    cases.attachment_mb_s = {
      value: mbs(median(attach.attach_total)),
      write_ms: round(median(attach.attach_write)),
      read_ms: round(median(attach.attach_read)),
      mib: ATTACHMENT_MIB,
    };
    cases.webcrypto_aes_gcm_mb_s = { value: mbs(median(attach.aes_total)), one_shot_mb_s: mbs(median(attach.aes_one_shot)) };
    cases.idb_blob_mb_s = { value: mbs(median(attach.blob_total)) };
  }
  // Measured for the headline page size only.
  if (disk && vaultSubject.pageKib === disk.page_kib) cases[`disk_${label(BIG)}`] = disk;
  return cases;
}

/** Targets of the cases that ran (a subset run with --cases judges only what it measured). */
function evaluateTargets(cases) {
  return TARGETS.filter(([name]) => name in cases).map(([name, field, op, limit]) => {
    const value = cases[name]?.[field];
    const b = bound(cases, limit);
    const met = value !== null && value !== undefined && Number.isFinite(b) && (op === '<=' ? value <= b : value >= b);
    return { case: name, field, op, limit: b, value, met };
  });
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]))).join('  ')).join('\n');
}

function report(results) {
  const head = PAGE_KIB[0];
  const { cases, targets } = results.page_sizes[head];
  const met = (name, field) => {
    const t = targets.find((x) => x.case === name && (!field || x.field === field));
    return t ? `${t.op} ${t.limit} ${t.met ? 'met' : 'MISSED'}` : '';
  };
  const timedCases = Object.keys(cases).filter((n) => 'vault_ms' in cases[n]);
  const rows = [['case', 'vault ms', 'dexie ms', 'ratio', 'warm vault', 'warm dexie', 'warm ratio', 'target']];
  for (const name of timedCases) {
    const c = cases[name];
    rows.push([name, c.vault_ms, c.dexie_ms, c.ratio, c.vault_warm_ms ?? '', c.dexie_warm_ms ?? '', c.ratio_warm ?? '', met(name, 'ratio')]);
  }
  const other = [['figure', 'value', 'unit', 'target']];
  for (const [name, c] of Object.entries(cases))
    if ('value' in c) other.push([name, c.value, name.endsWith('_mb_s') ? 'MiB/s (write+read)' : 'ms', met(name)]);
  const diskName = `disk_${label(BIG)}`;
  const disk = cases[diskName];
  const sizes = [['vault case (ms, cold)', ...PAGE_KIB.map((k) => `${k} KiB`)]];
  for (const name of timedCases)
    sizes.push([name, ...PAGE_KIB.map((k) => `${results.page_sizes[k].cases[name]?.vault_ms} (${results.page_sizes[k].cases[name]?.ratio})`)]);
  if ('unlock_minus_kdf_ms' in cases) sizes.push(['unlock_minus_kdf_ms', ...PAGE_KIB.map((k) => results.page_sizes[k].cases.unlock_minus_kdf_ms?.value)]);
  console.log(`\nChromium ${results.chromium}, ${results.machine.cpus} CPUs, ${results.storage} storage; page size ${head} KiB; median of ${REPS} (bulk loads over ${BULK_REPEAT_MAX} records: 1 run); cases: ${[...CASES].join(',')}`);
  if (rows.length > 1) console.log(`\n${table(rows)}`);
  if (other.length > 1) console.log(`\n${table(other)}`);
  if (disk) {
    const mib = (b) => (b === null || b === undefined ? '' : `${(b / 2 ** 20).toFixed(1)} MiB`);
    const dt = [
      [diskName, 'vault', 'dexie', 'ratio', 'target'],
      [`after ${label(BIG)} inserts, outbox sent`, mib(disk.vault_bytes_sent), mib(disk.dexie_bytes), disk.ratio, met(diskName, 'ratio')],
      [`after ${label(BIG)} inserts, outbox waiting`, mib(disk.vault_bytes), mib(disk.dexie_bytes), disk.ratio_unsent, ''],
      [`after updating ${disk.updated_share * 100}%, settled, sent`, mib(disk.vault_bytes_after_sent), mib(disk.dexie_bytes_after), disk.ratio_after_compaction, met(diskName, 'ratio_after_compaction')],
      [`after updating ${disk.updated_share * 100}%, settled, waiting`, mib(disk.vault_bytes_after), mib(disk.dexie_bytes_after), disk.ratio_after_compaction_unsent, ''],
    ];
    console.log(`\n${table(dt)}`);
  }
  if (PAGE_KIB.length > 1 && sizes.length > 1) console.log(`\nPage size comparison (vault ms, ratio to Dexie in brackets)\n${table(sizes)}`);
  const missed = targets.filter((t) => !t.met);
  console.log(`\nTargets met: ${targets.length - missed.length}/${targets.length}${missed.length ? ` (missed: ${missed.map((t) => `${t.case}${t.field === 'ratio' || t.field === 'value' ? '' : `.${t.field}`}`).join(', ')})` : ''}`);
}

// ---------------------------------------------------------------- main

const LAUNCH = { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS };

/**
 * A Chromium whose IndexedDB is on disk: a persistent context on `profile`
 * (a fresh temp dir unless given), as an installed app's. With `memory`, a
 * browser.newContext(), which Chromium makes off the record: IndexedDB then
 * lives in memory (how this runner measured before --storage existed).
 * Resolves to { context, version, close() }; close() also removes a temp profile.
 */
async function launch(profile, storage = 'disk') {
  if (storage === 'memory') {
    const browser = await chromium.launch(LAUNCH);
    const context = await browser.newContext();
    return { context, version: browser.version(), close: () => browser.close() };
  }
  const own = !profile;
  const dir = profile ?? (await mkdtemp(join(tmpdir(), 'fv-bench-profile-')));
  const context = await chromium.launchPersistentContext(dir, LAUNCH);
  let version = context.browser()?.version();
  if (!version) {
    const page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    version = String((await cdp.send('Browser.getVersion')).product).replace(/^[^/]*\//, '');
    await cdp.detach();
  }
  return {
    context,
    version,
    close: async () => {
      await context.close();
      if (own) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every Chromium this run started, so the hard stop can close them. */
const browsers = new Set();
async function tracked(profile, storage) {
  const b = await launch(profile, storage);
  browsers.add(b);
  const close = b.close;
  b.close = async () => {
    browsers.delete(b);
    await close();
  };
  return b;
}

async function main() {
  log('building tests/bench with Vite');
  await build({ configFile: resolve(HERE, 'vite.config.ts'), logLevel: 'warn' });
  const server = await serveStatic(resolve(REPO, 'dist-bench'));
  // Hard stop: whatever hangs, Chromium is killed and the runner exits.
  const deadline = setTimeout(() => {
    log(`timeout after ${opt['timeout-min']} min: killing Chromium`);
    void Promise.allSettled([...browsers].map((b) => b.close())).finally(() => process.exit(2));
    setTimeout(() => process.exit(2), 10_000).unref();
  }, Number(opt['timeout-min']) * 60_000);
  let b;
  try {
    b = await tracked(undefined, opt.storage);
    const version = b.version;
    const mainCases = ['bulk', 'reads', 'single', 'update', 'attach'].some(runs);
    if (mainCases) {
      const page = await b.context.newPage();
      page.on('console', (m) => m.type() === 'error' && log(`page: ${m.text()}`));
      page.on('pageerror', (e) => log(`page error: ${e.message}`));
      await page.goto(server.url);
      await page.waitForFunction(() => document.title === 'bench ready', undefined, { timeout: 30_000 });
      log(`Chromium ${version} (${opt.storage} storage) at ${server.url}; page sizes ${PAGE_KIB.join(', ')} KiB; sizes ${SIZES.join(', ')}; ${REPS} reps; cases ${[...CASES].join(',')}`);
      await runCases(driver(page));
    }
    await b.close();
    b = undefined;
    let disk = null;
    if (runs('disk')) {
      log(`disk: ${label(BIG)} records per side, own origins of an on-disk profile`);
      disk = await runDisk((profile) => tracked(profile, 'disk'));
    }

    const results = {
      chromium: version,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', platform: process.platform },
      storage: opt.storage,
      page_kib: PAGE_KIB[0],
      config: {
        sizes: SIZES, batch: BATCH, gets: GETS, single_puts: SINGLE_PUTS, updates: N_UPDATES, attachment_mib: ATTACHMENT_MIB,
        reps: REPS, kdf_iterations: KDF_ITERATIONS, disk_update_share: DISK_UPDATE_SHARE, cases: [...CASES],
      },
      cases: {},
      targets: [],
      page_sizes: {},
      checks: answers,
      elapsed_s: Math.round((Date.now() - started) / 1000),
    };
    for (const s of SUBJECTS.filter((x) => x.kind === 'vault')) {
      const cases = casesFor(s, disk);
      results.page_sizes[s.pageKib] = { cases, targets: evaluateTargets(cases) };
    }
    Object.assign(results, { cases: results.page_sizes[PAGE_KIB[0]].cases, targets: results.page_sizes[PAGE_KIB[0]].targets });
    const out = resolve(REPO, opt.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    report(results);
    console.log(`\nWrote ${opt.out} in ${results.elapsed_s} s`);
  } finally {
    clearTimeout(deadline);
    await b?.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
