#!/usr/bin/env node
/**
 * `npm run bench`: builds the bench page (Vite JS API), serves it on
 * 127.0.0.1, drives headless Chromium through every case for the vault and
 * for plain Dexie in the same run, prints a table and writes
 * bench/results.json. See tests/bench/README.md.
 *
 *   node tests/bench/run-bench.mjs [--page-kib 16,64] [--sizes 10000,100000] [--batch 1000]
 *                                  [--reps 5] [--timeout-min 20] [--out bench/results.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { serveStatic } from '../support/static-server.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '../..');

const { values: opt } = parseArgs({
  options: {
    'page-kib': { type: 'string', default: '16,64' },
    sizes: { type: 'string', default: '10000,100000' },
    batch: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '5' },
    'timeout-min': { type: 'string', default: '20' },
    out: { type: 'string', default: 'bench/results.json' },
  },
});
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
const KDF_ITERATIONS = 600_000;
/** Bulk loads above this size run once per subject (each costs tens of seconds); smaller ones REPS times. */
const BULK_REPEAT_MAX = 20_000;
const STEP_TIMEOUT_MS = 5 * 60_000;

const label = (n) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const started = Date.now();
const log = (msg) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

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
  for (let rep = 0; rep < REPS; rep++)
    for (const s of SUBJECTS)
      await withWorker(s, dbName(s, BIG, 0), async (call) => {
        await call('open');
        const { ms } = await call('singlePutStrict', BIG + rep * SINGLE_PUTS, SINGLE_PUTS);
        add(s, 'single_put', ms);
        log(`single_put_strict ${s.key} rep ${rep + 1}/${REPS}: ${ms.toFixed(0)} ms`);
      });

  // Attachment chunks do not depend on the page size: measured once, on the first page size's vault.
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

// ---------------------------------------------------------------- results

const TARGETS = [
  [`bulk_insert_${label(BIG)}`, 'ratio', '<=', 0.5],
  [`scan_filter_${label(BIG)}`, 'ratio', '<=', 0.6],
  [`search_${label(BIG)}`, 'ratio', '<=', 0.6],
  [`get_by_id_${label(BIG)}`, 'ratio', '<=', 2.0],
  ['single_put_strict', 'ratio', '<=', 2.0],
  ['unlock_minus_kdf_ms', 'value', '<=', 150],
  ['attachment_mb_s', 'value', '>=', 'half of webcrypto_aes_gcm_mb_s'],
];

const pair = (vault, dexie) => ({ vault_ms: round(vault), dexie_ms: round(dexie), ratio: round(vault / dexie, 3) });

/** Every case for one page size, ratios against the same Dexie samples. */
function casesFor(vaultSubject) {
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
  for (const n of SIZES) cases[`bulk_insert_${label(n)}`] = pair(median(v[`bulk_${n}`]), median(d[`bulk_${n}`]));
  cases[`get_by_id_${label(BIG)}`] = coldWarm('get_cold', 'get_warm');
  cases[`scan_filter_${label(BIG)}`] = coldWarm('scan_cold', 'scan_warm');
  cases[`search_${label(BIG)}`] = coldWarm('search_cold', 'search_warm');
  cases.single_put_strict = pair(median(v.single_put), median(d.single_put));
  cases.unlock_ms = { value: round(median(v.unlock)), records: BIG };
  cases.kdf_ms = { value: round(median(v.kdf)), iterations: KDF_ITERATIONS };
  cases.unlock_minus_kdf_ms = { value: round(median(v.unlock_minus_kdf)), records: BIG };
  cases.attachment_mb_s = {
    value: mbs(median(attach.attach_total)),
    write_ms: round(median(attach.attach_write)),
    read_ms: round(median(attach.attach_read)),
    mib: ATTACHMENT_MIB,
  };
  cases.webcrypto_aes_gcm_mb_s = { value: mbs(median(attach.aes_total)), one_shot_mb_s: mbs(median(attach.aes_one_shot)) };
  cases.idb_blob_mb_s = { value: mbs(median(attach.blob_total)) };
  return cases;
}

function evaluateTargets(cases) {
  return TARGETS.map(([name, field, op, limit]) => {
    const value = cases[name]?.[field];
    const bound = typeof limit === 'number' ? limit : round(cases.webcrypto_aes_gcm_mb_s.value / 2, 1);
    const met = value !== null && value !== undefined && (op === '<=' ? value <= bound : value >= bound);
    return { case: name, field, op, limit: bound, value, met };
  });
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]))).join('  ')).join('\n');
}

function report(results) {
  const head = PAGE_KIB[0];
  const { cases, targets } = results.page_sizes[head];
  const met = (name) => {
    const t = targets.find((x) => x.case === name);
    return t ? `${t.op} ${t.limit} ${t.met ? 'met' : 'MISSED'}` : '';
  };
  const rows = [['case', 'vault ms', 'dexie ms', 'ratio', 'warm vault', 'warm dexie', 'warm ratio', 'target']];
  for (const [name, c] of Object.entries(cases))
    if ('ratio' in c)
      rows.push([name, c.vault_ms, c.dexie_ms, c.ratio, c.vault_warm_ms ?? '', c.dexie_warm_ms ?? '', c.ratio_warm ?? '', met(name)]);
  const other = [['figure', 'value', 'unit', 'target']];
  for (const [name, c] of Object.entries(cases))
    if ('value' in c) other.push([name, c.value, name.endsWith('_mb_s') ? 'MiB/s (write+read)' : 'ms', met(name)]);
  const sizes = [['vault case (ms, cold)', ...PAGE_KIB.map((k) => `${k} KiB`)]];
  for (const name of Object.keys(cases).filter((n) => 'ratio' in cases[n]))
    sizes.push([name, ...PAGE_KIB.map((k) => `${results.page_sizes[k].cases[name].vault_ms} (${results.page_sizes[k].cases[name].ratio})`)]);
  for (const name of ['unlock_minus_kdf_ms']) sizes.push([name, ...PAGE_KIB.map((k) => results.page_sizes[k].cases[name].value)]);
  console.log(`\nChromium ${results.chromium}, ${results.machine.cpus} CPUs; page size ${head} KiB; median of ${REPS} (bulk loads over ${BULK_REPEAT_MAX} records: 1 run)`);
  console.log(`\n${table(rows)}\n\n${table(other)}`);
  if (PAGE_KIB.length > 1) console.log(`\nPage size comparison (vault ms, ratio to Dexie in brackets)\n${table(sizes)}`);
  const missed = targets.filter((t) => !t.met);
  console.log(`\nTargets met: ${targets.length - missed.length}/${targets.length}${missed.length ? ` (missed: ${missed.map((t) => t.case).join(', ')})` : ''}`);
}

// ---------------------------------------------------------------- main

async function main() {
  log('building tests/bench with Vite');
  await build({ configFile: resolve(HERE, 'vite.config.ts'), logLevel: 'warn' });
  const server = await serveStatic(resolve(REPO, 'dist-bench'));
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // Hard stop: whatever hangs, Chromium is killed and the runner exits.
  const deadline = setTimeout(() => {
    log(`timeout after ${opt['timeout-min']} min: killing Chromium`);
    void browser.close().finally(() => process.exit(2));
    setTimeout(() => process.exit(2), 10_000).unref();
  }, Number(opt['timeout-min']) * 60_000);
  try {
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && log(`page: ${m.text()}`));
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => document.title === 'bench ready', undefined, { timeout: 30_000 });
    log(`Chromium ${browser.version()} at ${server.url}; page sizes ${PAGE_KIB.join(', ')} KiB; sizes ${SIZES.join(', ')}; ${REPS} reps`);
    await runCases(driver(page));

    const results = {
      chromium: browser.version(),
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', platform: process.platform },
      page_kib: PAGE_KIB[0],
      config: { sizes: SIZES, batch: BATCH, gets: GETS, single_puts: SINGLE_PUTS, attachment_mib: ATTACHMENT_MIB, reps: REPS, kdf_iterations: KDF_ITERATIONS },
      cases: {},
      targets: [],
      page_sizes: {},
      checks: answers,
      elapsed_s: Math.round((Date.now() - started) / 1000),
    };
    for (const s of SUBJECTS.filter((x) => x.kind === 'vault')) {
      const cases = casesFor(s);
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
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
