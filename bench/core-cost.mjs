// The two cores side by side in one run: the wasm core and the fallback core (the same C++ through
// wasm2js, dist/liliput.min.core.js), each loaded by the real tracker script on bench/pages/wasm.html
// in headless Chromium; the fallback is reached as a browser without WebAssembly reaches it.
// Prints file sizes (raw, gzip -9 as js-glue/scripts/package-gates.mjs counts), time to ready and
// track() cost measured as bench/run.mjs does (10,000 calls in blocks of 100, console no-ops,
// crossOriginIsolated for 5 µs timers), runs alternating between the cores.
//
// usage: node bench/core-cost.mjs      (after bash scripts/build.sh; BENCH_RUNS=N, default 5)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const DIST = join(ROOT, 'js-glue/dist');
const RUNS = Math.max(1, +(process.env.BENCH_RUNS || 5));
const CALLS = 10000;
const BLOCK = 100;
const CORES = { wasm: 'wasm core (liliput.min.wasm)', js: 'fallback core (liliput.min.core.js)' };
const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = (s.length - 1) / 2; return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2; };
const range = (a) => `${Math.round(median(a))} (${Math.round(Math.min(...a))}–${Math.round(Math.max(...a))})`;

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

async function startSite(tmp) {
  const port = await freePort();
  const child = spawn(join(ROOT, 'build-native/collector/collector'),
    ['--port', String(port), '--db', join(tmp, 'site.db'), '--site', join(BENCH, 'pages'), '--tracker', DIST],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 10000;
  while (!out.includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`collector did not start: ${out}`);
    await sleep(20);
  }
  return { port, stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); }) };
}

// One page: time to ready (navigation start → tracker.ready resolved) and the track() loop.
async function measure(browser, port, core) {
  const ctx = await browser.newContext({ permissions: ['local-network-access'] });
  await ctx.addInitScript({ content: "for (const k of ['log', 'debug', 'info', 'warn']) console[k] = function () {};" });
  if (core === 'js') await ctx.addInitScript({ content: 'delete window.WebAssembly;' });
  // COOP + COEP on the page only: crossOriginIsolated brings performance.now() to 5 µs.
  await ctx.route((u) => u.pathname.endsWith('.html'), async (route) => {
    const resp = await route.fetch();
    await route.fulfill({ response: resp, headers: { ...resp.headers(),
      'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } });
  });
  const fetched = [];
  const page = await ctx.newPage();
  page.on('response', (r) => { if (/liliput\.min\.(wasm|core\.js)/.test(r.url())) fetched.push(new URL(r.url()).pathname); });
  await page.goto(`http://localhost:${port}/wasm.html`, { waitUntil: 'load' });
  const readyMs = await page.evaluate(async () => {
    while (!(window.tracker && window.tracker.ready && window.tracker.ready.then)) await new Promise((r) => setTimeout(r, 5));
    const ok = await window.tracker.ready;
    if (!ok) throw new Error('tracker degraded');
    return performance.now();
  });
  await sleep(300);
  const per = await page.evaluate(({ N, B }) => {
    const t = window.tracker;
    const out = [];
    for (let k = 0; k < N / B; k++) {
      const t0 = performance.now();
      for (let i = 0; i < B; i++) t.track('page-view', { a: 1, b: 'x' });
      out.push(((performance.now() - t0) * 1e6) / B);
    }
    return out;
  }, { N: CALLS, B: BLOCK });
  // The same calls with the core's share: the glue hands a task's calls to the core in one
  // crossing (trackBatch) from a microtask, after the calls return; awaiting a microtask queued
  // behind it puts that crossing inside each block's time.
  await sleep(300);
  const perWithCore = await page.evaluate(async ({ N, B }) => {
    const t = window.tracker;
    const out = [];
    for (let k = 0; k < N / B; k++) {
      const t0 = performance.now();
      for (let i = 0; i < B; i++) t.track('page-view', { a: 1, b: 'x' });
      await null;
      await null;
      out.push(((performance.now() - t0) * 1e6) / B);
    }
    return out;
  }, { N: CALLS, B: BLOCK });
  const iso = await page.evaluate(() => window.crossOriginIsolated);
  await ctx.close();
  const want = core === 'js' ? '/tracker/liliput.min.core.js' : '/tracker/liliput.min.wasm';
  if (!fetched.includes(want) || fetched.length !== 1) throw new Error(`${core}: fetched ${fetched.join(', ')}`);
  return { readyMs, median: median(per), first1k: median(per.slice(0, 1000 / BLOCK)),
    withCore: median(perWithCore), iso };
}

const sizes = Object.fromEntries(['liliput.min.wasm', 'liliput.min.core.js', 'liliput.min.js'].map((f) => {
  const b = readFileSync(join(DIST, f));
  return [f, { raw: b.length, gz: gzipSync(b, { level: 9 }).length }];
}));

const tmp = mkdtempSync(join(tmpdir(), 'wasm-tracker-core-cost-'));
const site = await startSite(tmp);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROME_ARGS });
const version = browser.version();
const res = { wasm: [], js: [] };
try {
  for (const core of Object.keys(CORES)) await measure(browser, site.port, core);  // warm-up
  for (let run = 0; run < RUNS; run++) {
    for (const core of run % 2 ? ['js', 'wasm'] : ['wasm', 'js']) res[core].push(await measure(browser, site.port, core));
  }
} finally {
  await browser.close();
  await site.stop();
  rmSync(tmp, { recursive: true, force: true });
}

console.log(`Chromium ${version}, ${RUNS} runs per core, alternating; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ` +
  `crossOriginIsolated: ${[...res.wasm, ...res.js].every((r) => r.iso)}`);
console.log('Medians over runs (min–max).\n');
console.log('| | core file raw (bytes) | core file gzip -9 | time to ready (ms) | track() median (ns/call) | track(), calls 1–1,000 (ns/call) | track() + the core\'s batch crossing (ns/call) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [core, file] of [['wasm', 'liliput.min.wasm'], ['js', 'liliput.min.core.js']]) {
  const r = res[core];
  console.log(`| ${CORES[core]} | ${sizes[file].raw.toLocaleString('en-US')} | ${sizes[file].gz.toLocaleString('en-US')} | ` +
    `${range(r.map((x) => x.readyMs))} | ${range(r.map((x) => x.median))} | ${range(r.map((x) => x.first1k))} | ` +
    `${range(r.map((x) => x.withCore))} |`);
}
console.log(`\nliliput.min.js (both cores): ${sizes['liliput.min.js'].raw.toLocaleString('en-US')} raw, ` +
  `${sizes['liliput.min.js'].gz.toLocaleString('en-US')} gzip -9.`);
