// Ad-hoc CPU profiler for a bench worker operation (not part of the repo).
import { chromium } from '@playwright/test';
import { serveStatic } from '/work/main/tests/bench/serve.mjs';
import { writeFileSync } from 'node:fs';
const [,, kind, pageKib, n, ...ops] = process.argv;
const server = await serveStatic('/work/main/dist-bench');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-gpu'] });
const page = await browser.newPage();
page.on('console', m => console.log('console:', m.text()));
await page.goto(server.url);
await page.waitForFunction(() => document.title === 'bench ready');
const cdp = await page.context().newCDPSession(page);
let workerSession = null; let msgId = 1; const pending = new Map();
cdp.on('Target.attachedToTarget', (e) => { if (e.targetInfo.type === 'worker') workerSession = e.sessionId; });
cdp.on('Target.receivedMessageFromTarget', (e) => { const m = JSON.parse(e.message); if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } });
await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
const wsend = (method, params = {}) => new Promise((res) => { const id = msgId++; pending.set(id, res); cdp.send('Target.sendMessageToTarget', { sessionId: workerSession, message: JSON.stringify({ id, method, params }) }); });
const db = `prof-${kind}-${pageKib}`;
const spawn = () => page.evaluate(([k, i]) => window.bench.spawn(k, i), [kind, { dbName: db, pageKib: Number(pageKib) }]);
const call = (h, m, ...a) => page.evaluate(([h, m, a]) => window.bench.call(h, m, a), [h, m, a]);
let h = await spawn();
await call(h, 'open');
for (const op of ops) {
  const [name, ...args] = op.split(':');
  const profile = name.endsWith('!');
  const method = name.replace('!', '');
  if (method === 'restart') { await page.evaluate((h) => window.bench.terminate(h), h); h = await spawn(); if (kind === 'vault') await call(h, 'unlockTimed'); else await call(h, 'open'); continue; }
  const parsed = args.map((x) => (isNaN(Number(x)) ? x : Number(x)));
  if (profile) { await wsend('Profiler.enable'); await wsend('Profiler.setSamplingInterval', { interval: 200 }); await wsend('Profiler.start'); }
  const r = await call(h, method, ...parsed);
  console.log(method, JSON.stringify(r));
  if (profile) {
    const { result } = await wsend('Profiler.stop');
    const p = result.profile; writeFileSync(`/tmp/${method}.cpuprofile`, JSON.stringify(p));
    const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]));
    const dt = new Map(); for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
    for (const [id, t] of dt) { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t); }
    const tot = [...self.values()].reduce((a, b) => a + b, 0);
    console.log('total sampled ms', (tot / 1000).toFixed(0));
    for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((t / 1000).toFixed(1).padStart(8), k);
  }
}
await browser.close(); await server.close();
