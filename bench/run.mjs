// The benchmark harness: measures wasm-tracker against a plain-JS baseline in the same run, in
// headless Chromium, and writes docs/benchmarks.md. Started by bench/run.sh (which builds first);
// not part of the test suite. Environment: BENCH_RUNS (default 5), BENCH_OUT (default
// docs/benchmarks.md), BENCH_KEEP=1 keeps the temporary directory (databases, profiling build).
// Raw results go to bench/results/latest.json (git-ignored); BENCH_RENDER=that file re-renders.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync, cpSync, statSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join, resolve, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const RUNS = Math.max(1, +(process.env.BENCH_RUNS || 5));
const OUT = resolve(ROOT, process.env.BENCH_OUT || 'docs/benchmarks.md');
const CALLS = 10000;
const BLOCK = 100;
const DIST = join(ROOT, 'js-glue/dist');
const PAGES = join(BENCH, 'pages');
const TMP = mkdtempSync(join(tmpdir(), 'wasm-tracker-bench-'));
const TRACKERS = ['baseline', 'wasm'];
const LABEL = { baseline: 'plain-JS baseline', wasm: 'wasm-tracker' };
const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const t0Wall = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[bench ${((Date.now() - t0Wall) / 1000).toFixed(1)}s]`, ...a);
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts }).trim();
const shBuf = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 64 << 20 });

// ---------------------------------------------------------------- statistics
const sorted = (a) => [...a].filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
function quantile(a, q) {
  const s = sorted(a);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const median = (a) => quantile(a, 0.5);
const spread = (a) => ({ med: median(a), min: sorted(a)[0], max: sorted(a).at(-1), n: sorted(a).length });

// ---------------------------------------------------------------- processes
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

async function startCollector(name, extra = []) {
  const port = await freePort();
  const db = join(TMP, `${name}.db`);
  const args = ['--port', String(port), '--db', db, ...extra];
  const child = spawn(join(ROOT, 'build-native/collector/collector'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 10000;
  while (!out.includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`collector ${name} did not start: ${out}`);
    await sleep(20);
  }
  return {
    port, child, base: `http://127.0.0.1:${port}`,
    stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); }),
  };
}

// ---------------------------------------------------------------- machine and versions
function machine() {
  const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] || cpus()[0].model;
  const first = (s) => s.split('\n')[0];
  let gitHead = sh('git', ['-C', ROOT, 'rev-parse', '--short=12', 'HEAD']);
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'wasm', 'js-glue', 'collector', 'bench', 'CMakeLists.txt', 'cmake'], { encoding: 'utf8' })
    .split('\n').filter(Boolean).map((l) => l.slice(3).split('/')[0]);
  if (dirty.length) gitHead += ' (with uncommitted changes in: ' + [...new Set(dirty)].join(', ') + ')';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: sh('nproc', []),
    cpu: cpuModel,
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    load: loadavg().map((x) => x.toFixed(2)).join(' '),
    chromium: first(sh('/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })),
    node: process.version,
    emxx: first(sh('em++', ['--version'])),
    playwright: JSON.parse(readFileSync(join(BENCH, 'node_modules/playwright-core/package.json'), 'utf8')).version,
    git: gitHead,
  };
}

// ---------------------------------------------------------------- sizes
function sizesOf(file) {
  return {
    raw: statSync(file).size,
    gz: shBuf('gzip', ['-9', '-c', file]).length,
    br: shBuf('brotli', ['-c', '-q', '11', file]).length,
  };
}

function fileForUrl(u) {
  const p = new URL(u).pathname;
  if (p.startsWith('/tracker/')) return join(DIST, p.slice('/tracker/'.length));
  return join(PAGES, p.slice(1));
}

// ---------------------------------------------------------------- collector read API
async function getJson(url, init) { const r = await fetch(url, init); return r.json(); }
async function eventsOfType(coll, type) {
  const out = [];
  let after = 0;
  for (;;) {
    const r = await getJson(`${coll.base}/events?type=${encodeURIComponent(type)}&after=${after}&limit=10000`);
    out.push(...r.events);
    if (r.events.length < 10000) return { events: out, total: r.total };
    after = r.events.at(-1).row;
  }
}
async function countOfType(coll, type) {
  return (await getJson(`${coll.base}/events?type=${encodeURIComponent(type)}&limit=1`)).total;
}
async function waitCount(coll, type, n, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let c = 0;
  while (Date.now() < end) {
    c = await countOfType(coll, type);
    if (c >= n) return c;
    await sleep(25);
  }
  return c;
}

// ---------------------------------------------------------------- browser helpers
let browser;
let site;   // collector serving bench/pages and js-glue/dist
let profDir = null;
const pageUrl = (tr, q = {}) => `http://localhost:${site.port}/${tr === 'wasm' ? 'wasm' : 'baseline'}.html?${new URLSearchParams(q)}`;

// noWasm: the page has no WebAssembly (as in iOS Lockdown Mode): the tracker runs the fallback core
// (the same core through wasm2js, dist/liliput.min.core.js); instrument.js's instantiate hook never
// fires, so ready is read from the tracker's marker here.
const NO_WASM = `delete window.WebAssembly;
(function poll() {
  var m = window.tracker && window.tracker.__wasmTracker;
  if (m && m.app && m.app.ready) m.app.ready.then(function (ok) { window.__benchReady = performance.now(); window.__benchWasm.ok = ok; });
  else setTimeout(poll, 1);
})();`;

async function newCtx({ isolate = false, profiling = false, quiet = false, noWasm = false } = {}) {
  // A document fulfilled by a route has no IP address, so Chromium's Local Network Access treats
  // it as public and blocks its requests to 127.0.0.1 unless the permission is granted.
  const ctx = await browser.newContext(isolate ? { permissions: ['local-network-access'] } : {});
  await ctx.addInitScript({ path: join(BENCH, 'instrument.js') });
  if (noWasm) await ctx.addInitScript({ content: NO_WASM });
  if (quiet) {
    // Variant: console.log/debug/info/warn are no-ops in the page (console.error stays).
    await ctx.addInitScript({ content: "for (const k of ['log', 'debug', 'info', 'warn']) console[k] = function () {};" });
  }
  if (isolate) {
    // COOP + COEP on the bench page only (the collector sends neither): crossOriginIsolated
    // brings performance.now() from 100 µs to 5 µs resolution. Sub-resources are untouched.
    await ctx.route((u) => u.pathname.endsWith('.html'), async (route) => {
      const resp = await route.fetch();
      await route.fulfill({
        response: resp,
        headers: { ...resp.headers(), 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
      });
    });
  }
  if (profiling && profDir) {
    // Same glue, same core, but the wasm keeps its function names (--profiling-funcs).
    await ctx.route((u) => u.pathname === '/tracker/liliput.min.js' || u.pathname === '/tracker/liliput.min.wasm', (route) => {
      const f = join(profDir, basename(new URL(route.request().url()).pathname));
      route.fulfill({ path: f, contentType: f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    });
  }
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  return { ctx, page, cdp };
}

function netLog(cdp) {
  const log = { req: [], done: new Map(), resp: new Map() };
  cdp.on('Network.requestWillBeSent', (e) => log.req.push({ id: e.requestId, method: e.request.method, url: e.request.url, type: e.type }));
  cdp.on('Network.responseReceived', (e) => log.resp.set(e.requestId, { type: e.type, url: e.response.url, status: e.response.status }));
  cdp.on('Network.loadingFinished', (e) => log.done.set(e.requestId, e.encodedDataLength));
  return log;
}
const isTrack = (u) => new URL(u).pathname === '/track';

async function metrics(cdp) {
  const { metrics: m } = await cdp.send('Performance.getMetrics');
  const o = {};
  for (const { name, value } of m) o[name] = value;
  return o;
}

async function waitReady(page) {
  await page.waitForFunction(() => window.__benchReady !== undefined, null, { timeout: 15000 });
}

// ---------------------------------------------------------------- scenarios
let seq = 0;
const uniq = (tag, tr, run) => `bench-${tag}-${tr}-${run}-${++seq}`;

// Load cost: one event before load ("the first event"); ready; first event at the collector.
async function scLoad(tr, run, { noWasm = false } = {}) {
  const { ctx, page, cdp } = await newCtx({ noWasm });
  const net = netLog(cdp);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  const type = uniq('load', tr, run);
  await page.goto(pageUrl(tr, { pre: 1, type }), { waitUntil: 'load' });
  await waitReady(page);
  const arrived = await waitCount(site, type, 1, 8000);
  await sleep(300);
  const m = await metrics(cdp);
  const info = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const b = window.__benchWasm;
    return {
      ready: window.__benchReady,
      loadEventStart: nav.loadEventStart,
      dcl: nav.domContentLoadedEventStart,
      inst: b.instEnd !== undefined ? b.instEnd - b.instStart : null,
      instToReady: b.instEnd !== undefined ? window.__benchReady - b.instEnd : null,
      resources: performance.getEntriesByType('resource').map((r) => ({ name: r.name, start: r.startTime, end: r.responseEnd })),
    };
  });
  const files = [];
  for (const r of net.req) {
    const resp = net.resp.get(r.id);
    if (!resp || r.method !== 'GET' || resp.type === 'Document' || isTrack(r.url)) continue;
    const p = new URL(r.url).pathname;
    if (p === '/scenario.js') continue;   // the bench driver, same on both pages
    files.push({ path: p, transferred: net.done.get(r.id) || 0 });
  }
  // Compile and instantiate again from bytes, after ready, to split the two. A unique custom
  // section makes the bytes new to V8 (its module cache would otherwise skip the compile).
  const split = await page.evaluate(async () => {
    const b = window.__benchWasm;
    if (!b.imports) return null;
    const bytes = new Uint8Array(await (await fetch('/tracker/liliput.min.wasm')).arrayBuffer());
    const name = new TextEncoder().encode('bench' + Math.random().toString(36).slice(2, 10));
    const extra = new Uint8Array([0, name.length + 1, name.length, ...name]);
    const all = new Uint8Array(bytes.length + extra.length);
    all.set(bytes);
    all.set(extra, bytes.length);
    const t0 = performance.now();
    const mod = await WebAssembly.compile(all);
    const t1 = performance.now();
    await b.orig.instantiate.call(WebAssembly, mod, b.imports);
    const t2 = performance.now();
    return { compile: t1 - t0, instantiate: t2 - t1 };
  });
  await ctx.close();
  return {
    arrived, ready: info.ready, inst: info.inst, instToReady: info.instToReady, split, files,
    script: m.ScriptDuration * 1000, task: m.TaskDuration * 1000, heap: m.JSHeapUsedSize,
  };
}

// Delivery: 50 events before load → requests (preflights counted from CDP) and load→last event.
async function scDelivery(tr, run) {
  const { ctx, page, cdp } = await newCtx();
  const net = netLog(cdp);
  await cdp.send('Network.enable');
  const type = uniq('pre50', tr, run);
  await page.goto(pageUrl(tr, { pre: 50, type }), { waitUntil: 'load' });
  const arrived = await waitCount(site, type, 50, 10000);
  await sleep(700);   // any late extra request would still be counted
  const loadEpoch = await page.evaluate(() => performance.timing.loadEventStart);
  const ev = await eventsOfType(site, type);
  const posts = net.req.filter((r) => r.method === 'POST' && isTrack(r.url)).length;
  const preflights = net.req.filter((r) => r.method === 'OPTIONS' && isTrack(r.url)).length;
  const preflightTypes = [...new Set(net.req.filter((r) => r.method === 'OPTIONS').map((r) => (net.resp.get(r.id) || {}).type))];
  await ctx.close();
  return {
    arrived, posts, preflights, preflightTypes, requests: posts + preflights,
    seqs: new Set(ev.events.map((e) => e.request)).size,
    loadToLast: Math.max(...ev.events.map((e) => e.received_ms)) - loadEpoch,
  };
}

// Click with fire after ready → arrival at the collector (received_ms vs Date.now() in the handler).
async function scClick(tr, run) {
  const { ctx, page } = await newCtx();
  const type = uniq('click', tr, run);
  await page.goto(pageUrl(tr), { waitUntil: 'load' });
  await waitReady(page);
  await sleep(200);
  await page.evaluate((t) => { window.__bench.fireType = t; }, type);
  await page.click('#fire');
  const arrived = await waitCount(site, type, 1, 8000);
  const clickAt = await page.evaluate(() => window.__bench.clickAt);
  const ev = await eventsOfType(site, type);
  await ctx.close();
  return { arrived, ms: arrived ? ev.events[0].received_ms - clickAt : NaN };
}

// Unload: 20 events after ready, navigation away 10 ms later; counted at the end of the run.
async function scUnload(tr, run) {
  const { ctx, page } = await newCtx();
  const type = uniq('unload', tr, run);
  await page.goto(pageUrl(tr), { waitUntil: 'load' });
  await waitReady(page);
  await sleep(200);
  await page.evaluate((t) => {
    for (let i = 0; i < 20; i++) window.tracker.track(t, { a: 1, b: 'x', i });
    setTimeout(() => { location.href = '/blank.html'; }, 10);
  }, type);
  await page.waitForURL(/blank\.html/, { timeout: 10000 });
  await sleep(1000);
  await ctx.close();
  pendingUnload.push({ tr, run, type, at: Date.now() });
  return null;
}
const pendingUnload = [];

// track() cost, main thread per event, memory. 10,000 calls in blocks of 100.
async function scTrack(tr, run, { profile = false, quiet = false, noWasm = false } = {}) {
  const { ctx, page, cdp } = await newCtx({ isolate: true, profiling: profile, quiet, noWasm });
  await cdp.send('Performance.enable');
  await page.goto(pageUrl(tr), { waitUntil: 'load' });
  await waitReady(page);
  await sleep(300);
  const iso = await page.evaluate(() => window.crossOriginIsolated);
  const gc = async () => { await cdp.send('HeapProfiler.collectGarbage'); return (await cdp.send('Runtime.getHeapUsage')).usedSize; };
  const wasmMem = () => page.evaluate(() => (window.__benchWasm.memory ? window.__benchWasm.memory.buffer.byteLength : null));
  const heap0 = await gc();
  const mem0 = await wasmMem();
  const before = await countOfType(site, 'page-view');
  const m0 = await metrics(cdp);
  let profDone = null;
  if (profile) {
    // console.profile()/profileEnd() inside the evaluated loop bound the profile to the loop
    // itself (a Profiler.stop from here would also catch the tasks queued behind the loop).
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    profDone = new Promise((r) => cdp.once('Profiler.consoleProfileFinished', (e) => r(e.profile)));
  }
  const loop = await page.evaluate(({ N, B, profile }) => {
    const t = window.tracker;
    const per = [];
    if (profile) console.profile('loop');
    const tStart = performance.now();
    for (let k = 0; k < N / B; k++) {
      const t0 = performance.now();
      for (let i = 0; i < B; i++) t.track('page-view', { a: 1, b: 'x' });
      per.push(((performance.now() - t0) * 1e6) / B);
    }
    const totalMs = performance.now() - tStart;
    if (profile) console.profileEnd('loop');
    return { per, totalMs };
  }, { N: CALLS, B: BLOCK, profile });
  const prof = profile ? await profDone : null;
  // Settle: until the collector's count stops moving for 800 ms (max 15 s), so the flushes,
  // retries and persistence the calls caused are inside the metrics delta.
  let last = -1;
  let stableSince = Date.now();
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    const c = await countOfType(site, 'page-view');
    if (c !== last) { last = c; stableSince = Date.now(); }
    else if (Date.now() - stableSince > 800) break;
    await sleep(100);
  }
  const m1 = await metrics(cdp);
  const heap1 = await gc();
  const mem1 = await wasmMem();
  const stats = await page.evaluate(() => {
    const m = window.tracker.__wasmTracker;
    return m && m.app && m.app.host ? m.app.host.stats() : { pending: window.tracker.pending ? window.tracker.pending() : null };
  });
  await ctx.close();
  return {
    iso, median: median(loop.per), p99: quantile(loop.per, 0.99), loopMs: loop.totalMs,
    // the first 1,000 calls: below the wasm core's 1,000-event queue bound (no drop-oldest yet)
    medianFirst1k: median(loop.per.slice(0, 1000 / BLOCK)),
    taskPerEventUs: ((m1.TaskDuration - m0.TaskDuration) * 1e6) / CALLS,
    scriptPerEventUs: ((m1.ScriptDuration - m0.ScriptDuration) * 1e6) / CALLS,
    delivered: last - before, heap0, heap1, mem0, mem1, stats, prof,
  };
}

// ---------------------------------------------------------------- profile analysis
// liliput.min.js line → the module esbuild bundled it from (profiling bundle only).
let moduleOfLine = null;
function loadModuleMap() {
  if (!profDir) return;
  const lines = readFileSync(join(profDir, 'liliput.min.js'), 'utf8').split('\n');
  let cur = '';
  moduleOfLine = lines.map((l) => {
    const m = l.match(/^\s*\/\/ (\S+\.m?js)$/);
    if (m) cur = m[1].endsWith('/t.mjs') ? 'tracker-core.mjs (Emscripten glue)' : m[1].replace(/^(\.\.\/)+/, '');
    return cur;
  });
}

function topSelf(profile, n = 15) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] !== undefined ? profile.timeDeltas[i + 1] : 0;
    const node = byId.get(profile.samples[i]);
    const cf = node.callFrame;
    let where = cf.url ? `${basename(cf.url.split('?')[0])}:${cf.lineNumber + 1}` : '';
    if (moduleOfLine && cf.url.endsWith('/tracker/liliput.min.js') && moduleOfLine[cf.lineNumber]) {
      where = `${moduleOfLine[cf.lineNumber]} (bundle line ${cf.lineNumber + 1})`;
    }
    const key = `${cf.functionName || '(anonymous)'}\u0000${where}`;
    self.set(key, (self.get(key) || 0) + dt);
    total += dt;
  }
  return {
    totalMs: total / 1000,
    rows: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
      .map(([k, us]) => { const [fn, where] = k.split('\u0000'); return { fn, where, ms: us / 1000, pct: (100 * us) / total }; }),
  };
}

// ---------------------------------------------------------------- non-browser parts
function nativeBench() {
  const bin = join(ROOT, 'build-native/wasm/bench/tracker_core_bench');
  if (!existsSync(bin)) return null;
  const out = JSON.parse(sh(bin, ['--benchmark_format=json', '--benchmark_repetitions=5', '--benchmark_min_time=0.2'], { maxBuffer: 16 << 20 }));
  const per = {};
  for (const b of out.benchmarks) {
    if (b.run_type !== 'iteration') continue;
    const name = b.run_name || b.name.split('/')[0];
    const ns = b.items_per_second ? 1e9 / b.items_per_second : b.real_time * ({ ns: 1, us: 1e3, ms: 1e6 }[b.time_unit] || 1);
    (per[name] = per[name] || []).push(ns);
  }
  return { context: out.context, per };
}

async function collectorLoad() {
  const coll = await startCollector('load');
  // Throughput of valid traffic only: hostile bodies (malformed, 150,000-deep) are the collector's
  // robustness tests' and fuzzer's business, and mixing them in skewed the latency figures.
  const args = ['--url', coll.base, '--clients', '8', '--requests', '200', '--events-per-request', '10', '--dup-rate', '0.05',
    '--malformed-rate', '0', '--deep-rate', '0'];
  let out;
  let code = 0;
  try {
    out = sh(join(ROOT, 'build-native/collector/collector_load'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = String(e.stdout || '') + String(e.stderr || '');
    code = e.status;
  }
  await coll.stop();
  return { cmd: `build-native/collector/collector_load ${args.join(' ').replace(coll.base, 'http://127.0.0.1:PORT')}`, out, code };
}

// A --profiling-funcs link of the same objects, for names in the size table and the CPU profile.
function profilingBuild() {
  const dir = join(TMP, 'profiling');
  const bw = join(ROOT, 'build-wasm');
  const cmds = sh('ninja', ['-C', bw, '-t', 'commands', 'wasm/bindings/tracker-core.mjs']).split('\n');
  const link = cmds.at(-1);
  if (!link.includes(' -o wasm/bindings/tracker-core.mjs ')) throw new Error('unexpected link command: ' + link);
  cpSync(DIST, dir, { recursive: true });
  sh('bash', ['-c', link.replace(' -o wasm/bindings/tracker-core.mjs ', ` -o ${dir}/t.mjs --profiling-funcs `)], { cwd: bw });
  cpSync(join(dir, 't.wasm'), join(dir, 'liliput.min.wasm'));
  // Same bundling as js-glue/scripts/build.mjs, with the profiling glue.
  // Not minified, so the profile shows the glue's own function names (esbuild's `// path`
  // comments then tell which module a line belongs to).
  sh(join(ROOT, 'js-glue/node_modules/.bin/esbuild'), [join(ROOT, 'js-glue/src/entries/liliput.js'), '--bundle',
    '--format=iife', '--target=es2020', '--legal-comments=none', '--log-level=error',
    `--alias:tracker-core-glue=${dir}/t.mjs`, `--outfile=${dir}/liliput.min.js`]);
  const sizes = sh('python3', [join(BENCH, 'wasm-sizes.py'), join(dir, 't.wasm'), '25']);
  return { dir, sizes };
}

// ---------------------------------------------------------------- main
async function main() {
  for (const f of ['loader.min.js', 'liliput.min.js', 'liliput.min.wasm']) {
    if (!existsSync(join(DIST, f))) throw new Error(`js-glue/dist/${f} missing: run bash scripts/build.sh`);
  }
  const mach = machine();
  log('machine', JSON.stringify(mach));

  log('native core benchmark');
  const native = nativeBench();
  log('collector load test');
  const load = await collectorLoad();
  log('profiling build + wasm-sizes.py');
  let prof = null;
  try { prof = profilingBuild(); profDir = prof.dir; loadModuleMap(); } catch (e) { log('profiling build failed:', e.message); }

  site = await startCollector('site', ['--site', PAGES, '--tracker', DIST]);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROME_ARGS });
  // fallbackLoad/fallbackTrack: wasm-tracker on a page without WebAssembly (its fallback core).
  const res = { load: {}, delivery: {}, click: {}, unload: {}, track: {}, trackQuiet: {}, fallbackLoad: {}, fallbackTrack: {} };
  for (const tr of TRACKERS) for (const k of Object.keys(res)) res[k][tr] = [];
  const scenarios = {
    load: scLoad, delivery: scDelivery, click: scClick, unload: scUnload, track: scTrack,
    trackQuiet: (tr, run) => scTrack(tr, run, { quiet: true }),
  };
  // One warm-up page per tracker (disk cache of the binaries, Chromium's first-launch work).
  for (const tr of TRACKERS) { const { ctx, page } = await newCtx(); await page.goto(pageUrl(tr), { waitUntil: 'load' }); await waitReady(page); await ctx.close(); }
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 ? ['wasm', 'baseline'] : ['baseline', 'wasm'];
    for (const [name, fn] of Object.entries(scenarios)) {
      for (const tr of order) {
        const r = await fn(tr, run);
        if (r) res[name][tr].push(r);
      }
    }
    res.fallbackLoad.wasm.push(await scLoad('wasm', run, { noWasm: true }));
    res.fallbackTrack.wasm.push(await scTrack('wasm', run, { quiet: true, noWasm: true }));
    log(`run ${run + 1}/${RUNS} done`);
  }
  log('CPU profiles');
  const profiles = [];
  for (const [tr, quiet] of [['baseline', true], ['wasm', true], ['wasm', false]]) {
    const r = await scTrack(tr, 'profile', { profile: true, quiet });
    profiles.push({ tr, quiet, top: topSelf(r.prof), median: r.median });
  }
  // Unload: count a few seconds after the last navigation.
  const lastUnload = Math.max(...pendingUnload.map((u) => u.at));
  await sleep(Math.max(0, 3000 - (Date.now() - lastUnload)));
  for (const u of pendingUnload) res.unload[u.tr].push({ arrived: await countOfType(site, u.type) });
  await browser.close();
  await site.stop();
  const wall = (Date.now() - t0Wall) / 1000;
  mach.loadEnd = loadavg().map((x) => x.toFixed(2)).join(' ');

  const sizes = {};
  for (const tr of TRACKERS) {
    sizes[tr] = res.load[tr][0].files.map((f) => ({ ...f, ...sizesOf(fileForUrl(`http://x${f.path}`)) }));
  }
  sizes.fallbackCore = sizesOf(join(DIST, 'liliput.min.core.js'));
  const raw = { mach, native, load, prof: prof && prof.sizes, res, profiles, sizes, wall };
  // Raw results for BENCH_RENDER (git-ignored; only docs/benchmarks.md is committed).
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  writeFileSync(join(BENCH, 'results/latest.json'), JSON.stringify(raw, (k, v) => (k === 'prof' && v && v.nodes ? undefined : v), 1));
  writeFileSync(OUT, keepEngines(renderDoc(raw)));
  log(`wrote ${OUT} in ${wall.toFixed(0)} s`);
  if (process.env.BENCH_KEEP) log('kept', TMP); else rmSync(TMP, { recursive: true, force: true });
}

// ---------------------------------------------------------------- report
function fmt(x, d = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000 && d <= 1) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(d);
}
const cell = (s, d = 1) => (s.n > 1 && s.min !== s.max ? `${fmt(s.med, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})` : fmt(s.med, d));
const kb = (b) => (b / 1024).toFixed(1);

function renderDoc(R) {
  const { res, mach } = R;
  const col = (sc, f) => Object.fromEntries(TRACKERS.map((tr) => [tr, spread(res[sc][tr].map(f))]));
  const rows = [];
  // [section, metric, {baseline, wasm} spreads, decimals, target text, verdict fn(wasm median)]
  const row = (metric, s, d, target = '', verdict = null) => rows.push({ metric, s, d, target, verdict });
  const sum = (tr, k) => R.sizes[tr].reduce((a, f) => a + f[k], 0);
  const one = (b, w) => ({ baseline: spread([b]), wasm: spread([w]) });

  row('**Bytes shipped** for the first event, gzip -9 (KB)', one(sum('baseline', 'gz') / 1024, sum('wasm', 'gz') / 1024), 1,
    '< 30 KB, aim 20 KB', (w) => (w < 20 ? 'met (aim too)' : w < 30 ? 'met (aim missed)' : 'missed'));
  row('Bytes shipped, brotli -q 11 (KB)', one(sum('baseline', 'br') / 1024, sum('wasm', 'br') / 1024), 1);
  row('Bytes shipped, raw (KB)', one(sum('baseline', 'raw') / 1024, sum('wasm', 'raw') / 1024), 1);
  row('**Load**: navigation start → tracker ready (ms)', col('load', (r) => r.ready), 1);
  rows.push({ metric: 'ready, wasm-tracker − baseline of the same run (ms)', d: 1, target: '', verdict: null,
    s: { baseline: spread([]), wasm: spread(res.load.wasm.map((r, i) => r.ready - (res.load.baseline[i] || {}).ready)) } });
  row('wasm instantiateStreaming, during load: fetch response → instance (ms)', col('load', (r) => r.inst), 1);
  row('wasm compile from bytes, after ready (ms)', col('load', (r) => r.split && r.split.compile), 2);
  row('wasm instantiate of that module (ms)', col('load', (r) => r.split && r.split.instantiate), 2);
  row('instance → ready (Embind registration, core start, replay) (ms)', col('load', (r) => r.instToReady), 2);
  row('main-thread ScriptDuration until the first event is delivered (ms)', col('load', (r) => r.script), 1);
  row('main-thread TaskDuration until the first event is delivered (ms)', col('load', (r) => r.task), 1);
  const CONSOLE = 'console as-is (Playwright\'s CDP session receives every console message)';
  const QUIET = 'console.log/info/debug/warn no-ops';
  row(`**track()** median of 100 blocks of 100 calls (ns per call), ${CONSOLE}`, col('track', (r) => r.median), 0,
    '< 1,500 ns', (w) => (w < 1500 ? 'met' : 'missed'));
  row(`track() p99 of the 100 blocks (ns per call), ${CONSOLE}`, col('track', (r) => r.p99), 0);
  row(`**track()** median (ns per call), ${QUIET}`, col('trackQuiet', (r) => r.median), 0,
    '< 1,500 ns', (w) => (w < 1500 ? 'met' : 'missed'));
  row(`track() p99 (ns per call), ${QUIET}`, col('trackQuiet', (r) => r.p99), 0);
  row(`track() median of the first 10 blocks only (calls 1–1,000: the wasm queue is below its 1,000-event bound, nothing is dropped yet), ${QUIET}`, col('trackQuiet', (r) => r.medianFirst1k), 0);
  row(`main-thread time per event incl. async work, ΔTaskDuration / 10,000 (µs), ${CONSOLE}`, col('track', (r) => r.taskPerEventUs), 1);
  row('… of which ΔScriptDuration / 10,000 (µs)', col('track', (r) => r.scriptPerEventUs), 1);
  row(`main-thread time per event incl. async work (µs), ${QUIET}`, col('trackQuiet', (r) => r.taskPerEventUs), 1);
  row('… of which ΔScriptDuration / 10,000 (µs)', col('trackQuiet', (r) => r.scriptPerEventUs), 1);
  row('events of the 10,000 that reached the collector', col('trackQuiet', (r) => r.delivered), 0);
  if (R.sizes.fallbackCore && res.fallbackTrack && res.fallbackTrack.wasm.length) {
    const only = (x) => ({ baseline: spread([]), wasm: spread(x) });
    row('**Fallback core** (page without WebAssembly; the same core through wasm2js): `liliput.min.core.js`, fetched instead of the .wasm, gzip -9 (KB)',
      only([R.sizes.fallbackCore.gz / 1024]), 1);
    row('fallback core: navigation start → tracker ready (ms)', col('fallbackLoad', (r) => r.ready), 1);
    row(`fallback core: **track()** median (ns per call), ${QUIET}`, col('fallbackTrack', (r) => r.median), 0);
    row(`fallback core: main-thread time per event incl. async work (µs), ${QUIET}`, col('fallbackTrack', (r) => r.taskPerEventUs), 1);
    row('… of which ΔScriptDuration / 10,000 (µs)', col('fallbackTrack', (r) => r.scriptPerEventUs), 1);
    row('fallback core: events of the 10,000 that reached the collector', col('fallbackTrack', (r) => r.delivered), 0);
  }
  if (R.native && R.native.per.BM_TrackAfterLoad) {
    rows.push({ metric: 'native core (g++ -O2, Google Benchmark) `BM_TrackAfterLoad` (ns per event)', s: { baseline: spread([]), wasm: spread(R.native.per.BM_TrackAfterLoad) }, d: 0, target: '', verdict: null });
  }
  if (R.native && R.native.per.BM_PageOf50) {
    rows.push({ metric: 'native core `BM_PageOf50`: 50 events, batch, ack (ns per event)', s: { baseline: spread([]), wasm: spread(R.native.per.BM_PageOf50) }, d: 0, target: '', verdict: null });
  }
  row('**Delivery**: 50 events before load → requests to the API, preflights included', col('delivery', (r) => r.requests), 0,
    'exactly 1', (w) => (w === 1 ? 'met' : `missed if the preflight counts (${w} = POST + preflight)`));
  row('… of which POST /track', col('delivery', (r) => r.posts), 0, '', (w) => (w === 1 ? 'met: one POST' : 'missed'));
  row('… of which OPTIONS preflights', col('delivery', (r) => r.preflights), 0);
  row('50 pre-load events: arrived', col('delivery', (r) => r.arrived), 0);
  row('load event → last of the 50 at the collector (ms)', col('delivery', (r) => r.loadToLast), 1);
  row('click with `fire` → arrival at the collector (ms)', col('click', (r) => r.ms), 1);
  row('unload 10 ms after 20 events: arrived (of 20)', col('unload', (r) => r.arrived), 0,
    '20 (none lost)', (w) => (w === 20 ? 'met' : 'missed'));
  row('**Memory**: JS heap after ready, after GC (KB)', col('trackQuiet', (r) => r.heap0 / 1024), 0);
  row(`JS heap after 10,000 events, after GC (KB), ${QUIET}`, col('trackQuiet', (r) => r.heap1 / 1024), 0);
  row(`JS heap growth per 1,000 events (KB), ${QUIET}`, col('trackQuiet', (r) => (r.heap1 - r.heap0) / 1024 / 10), 1);
  row(`JS heap growth per 1,000 events (KB), ${CONSOLE}`, col('track', (r) => (r.heap1 - r.heap0) / 1024 / 10), 1);
  row('wasm memory after ready (KB)', col('trackQuiet', (r) => (r.mem0 === null ? NaN : r.mem0 / 1024)), 0);
  row('wasm memory after 10,000 events (KB)', col('trackQuiet', (r) => (r.mem1 === null ? NaN : r.mem1 / 1024)), 0);

  const L = [];
  const p = (s = '') => L.push(s);
  p('# Benchmarks');
  p();
  p('Generated by `bash bench/run.sh` (about 2.5–3 minutes plus any build; builds if needed, runs `npm ci` in `bench/`, starts');
  p('and stops its own collectors, writes this file). It is not part of the test suite. `BENCH_RUNS=N`');
  p('changes the number of runs per scenario (default 5); raw results land in `bench/results/latest.json` (not committed).');
  p();
  p(`**Run:** ${mach.date}, ${RUNS} runs per scenario per tracker, wall time ${R.wall.toFixed(0)} s.`);
  p(`**Machine:** ${mach.nproc} CPUs (${mach.cpu}), ${mach.memGiB} GiB RAM, load average ${mach.load} at the start, ${mach.loadEnd} at the end (shared machine: absolute times are noisy; compare within the run).`);
  p(`**Versions:** ${mach.chromium} (headless, \`/usr/bin/chromium\`, playwright-core ${mach.playwright}), node ${mach.node}, ${mach.emxx}, git ${mach.git}.`);
  p();
  p('## Results');
  p();
  p('Every figure is the median over the runs with the spread (min–max) in parentheses. The baseline is');
  p('a hand-written plain-JS tracker (`bench/pages/baseline.js`: array queue, one fetch at load, `fire`');
  p('fetches at once, the same Tracardi envelope), measured in the same run with the runs alternating');
  p('baseline/wasm; the ratio is wasm-tracker ÷ baseline of the medians. Targets are reported, not asserted.');
  p();
  p('| metric | plain-JS baseline | wasm-tracker | ratio | target | verdict |');
  p('|---|---:|---:|---:|---|---|');
  for (const r of rows) {
    const b = r.s.baseline;
    const w = r.s.wasm;
    const ratio = Number.isFinite(b.med) && Number.isFinite(w.med) && b.med !== 0 ? `${fmt(w.med / b.med, 2)}×` : '–';
    p(`| ${r.metric} | ${cell(b, r.d)} | ${cell(w, r.d)} | ${ratio} | ${r.target} | ${r.verdict && Number.isFinite(w.med) ? r.verdict(w.med) : ''} |`);
  }
  p();
  const iso = ['track', 'trackQuiet'].every((k) => TRACKERS.every((tr) => res[k][tr].every((r) => r.iso)));
  const pfTypes = [...new Set(TRACKERS.flatMap((tr) => res.delivery[tr].flatMap((r) => r.preflightTypes)))].join(', ');
  const st = (res.trackQuiet.wasm[0] || {}).stats || {};
  p('### Reading the table');
  p();
  p(`- **Queue bound.** The 10,000 calls run in one task, so no request can complete in between. The wasm core keeps`);
  p(`  at most 1,000 queued events and drops the oldest (policy), so only about 1,000 (plus the first batch) reach the`);
  p(`  collector; core stats after the quiet run: \`${JSON.stringify(st)}\`. The baseline has no bound and sends all`);
  p('  10,000 (200 requests), which is most of its main-thread time per event.');
  p('- **console.** After load, the glue logs every non-`fire` event with `console.log(\'[Tracker] Event track\', {...})`');
  p('  (as Tracardi\'s tracker does) and logs the core\'s warnings (here, the queue-full drops). With a DevTools client');
  p('  attached, which is how Playwright drives Chromium, each console call is serialised to the client; that is the');
  p('  "console as-is" rows. The "no-ops" rows replace `console.log/info/debug/warn` with empty functions before any');
  p('  page script runs, an approximation of a browser without DevTools open (the arguments are still built).');
  p('- **Resolution.** Block times are multiples of the 5 µs timer quantum (crossOriginIsolated), i.e. 50 ns per call');
  p('  for a block of 100: the baseline\'s `track()` is at that floor.');
  p();
  // Top contributors, computed from this run.
  const files = [...R.sizes.wasm].sort((a, b) => b.gz - a.gz);
  const origins = [];
  const om = (R.prof || '').match(/\| origin \| code bytes \|\n\|[^\n]*\n((?:\|[^\n]*\n?)*)/);
  if (om) for (const l of om[1].trim().split('\n')) { const c = l.split('|').map((x) => x.trim()); origins.push(`${c[1]} ${c[2]} B`); }
  const fm = (R.prof || '').match(/\| top \d+ functions \| bytes \|\n\|[^\n]*\n((?:\|[^\n]*\n?)*)/);
  const funcs = fm ? fm[1].trim().split('\n').slice(0, 3).map((l) => { const c = l.split('|').map((x) => x.trim()); return `\`${c[1].slice(0, 60)}\` ${c[2]} B`; }) : [];
  const skip = /^\((idle|program|garbage collector)\)$/;
  const topFns = (pr) => pr ? pr.top.rows.filter((r) => !skip.test(r.fn)).slice(0, 3).map((r) => `\`${r.fn.slice(0, 60)}\` (${r.where || 'builtin'}) ${fmt(r.pct, 0)} %`).join('; ') : '–';
  p('### Top contributors in this run');
  p();
  p(`- **Bytes (gzip -9)**: ${files.map((f) => `\`${f.path}\` ${f.gz.toLocaleString('en-US')} B`).join(', ')}. Inside the wasm code section by origin: ${origins.slice(0, 3).join(', ')}; largest functions: ${funcs.join(', ')}.`);
  p(`- **track() time, console.log/info/debug/warn no-ops** (self time, CPU profile): ${topFns(R.profiles.find((x) => x.tr === 'wasm' && x.quiet))}.`);
  p(`- **track() time, console as-is**: ${topFns(R.profiles.find((x) => x.tr === 'wasm' && !x.quiet))}.`);
  p();
  p('### How each figure was taken');
  p();
  p('- **Page and API on different origins**: pages at `http://localhost:PORT`, API at `http://127.0.0.1:PORT` (one');
  p('  collector serving `bench/pages` and `js-glue/dist` at `/tracker/`). The wasm page loads the tracker as');
  p('  Tracardi users do: a global `options`, then `/tracker/loader.min.js`, which inserts `liliput.min.js`, which');
  p('  fetches `liliput.min.wasm`. The baseline page loads `baseline.js` with a plain script tag. Every');
  p('  scenario run gets a fresh browser context (no cache, no storage).');
  p('- **Bytes shipped**: the files the page downloaded (CDP `Network` events) to send its first event,');
  p('  except the page and the bench driver `scenario.js`; sizes from the files on disk (`gzip -9`, `brotli -q 11`).');
  p('  The collector serves them uncompressed; the per-file table lists what went over the wire.');
  p('  Every run is a new browser profile, so it is a first visit: wasm-tracker then fetches `liliput.min.extras.js`');
  p('  (2.8 KB gzip) and probes the GPU once for `context.device` (a WebGL context, cached for later visits), as');
  p('  Tracardi\'s own loader does on every page. With `context: {gpu: false}` the same run (3 runs, 2026-12-01)');
  p('  measured 50.3 KB, ScriptDuration 26.6 ms and TaskDuration 158.6 ms until the first event instead of');
  p('  53.1 KB, 46.2 ms and 236.2 ms.');
  p('- **Ready**: wasm-tracker is ready when `window.tracker.__wasmTracker.app.ready` resolves (the glue keeps');
  p('  this Promise on its marker object; `bench/instrument.js` attaches to it when the wasm instance arrives);');
  p('  the baseline when its script has run. Times are `performance.now()` from navigation start.');
  p('- **Compile + instantiate**: `bench/instrument.js` wraps `WebAssembly.instantiateStreaming` (fetch response →');
  p('  instance, overlapping the download). After ready the page compiles the same bytes again (plus a unique');
  p('  custom section, so V8\'s module cache cannot answer) and instantiates that module with the captured imports.');
  p('- **Main-thread time**: CDP `Performance.getMetrics` `ScriptDuration`/`TaskDuration` (cumulative for the page),');
  p('  read 300 ms after the first event reached the collector.');
  p(`- **track()**: after ready and 300 ms idle, ${CALLS.toLocaleString('en-US')} calls \`tracker.track('page-view', {a: 1, b: 'x'})\` in one`);
  p(`  task, in ${CALLS / BLOCK} blocks of ${BLOCK}; each block is timed with \`performance.now()\` and divided by ${BLOCK}. Median and`);
  p(`  p99 are over the ${CALLS / BLOCK} blocks (a p99 of block means, not of single calls). The page is made cross-origin`);
  p(`  isolated (COOP/COEP added to the page response by a Playwright route) so \`performance.now()\` has 5 µs`);
  p(`  resolution instead of 100 µs (${iso ? 'crossOriginIsolated was true in every run' : 'WARNING: crossOriginIsolated was false in some run'}).`);
  p('  **Main-thread time per event**: the `TaskDuration` delta from before the loop until the collector\'s');
  p('  count had not moved for 800 ms (so flushes, responses, persistence and logging are included), ÷ 10,000.');
  p('  The same run gives the memory rows: CDP `HeapProfiler.collectGarbage` then `Runtime.getHeapUsage`, and');
  p('  `memory.buffer.byteLength` of the wasm instance\'s exported `WebAssembly.Memory` (captured by the');
  p('  instantiate wrapper; the glue exposes no memory handle).');
  p('- **Delivery**: `tracker.track()` 50 times in a script before load. Requests are counted from CDP');
  p(`  \`Network.requestWillBeSent\` for \`/track\`: Chromium does report the CORS preflights there (method \`OPTIONS\`,`);
  p(`  response type \`${pfTypes || 'none seen'}\`), so no other counting was needed. Load → last event = the last`);
  p('  `received_ms` at the collector minus `performance.timing.loadEventStart` (same machine clock).');
  p('  **Click**: `page.click` on a button whose handler records `Date.now()` and calls');
  p('  `track(type, {a: 1, b: \'x\'}, {fire: true})`; arrival = the collector\'s `received_ms` − that time. It is the');
  p('  first request to the API origin on that page, so it includes the preflight.');
  p('  **Unload**: 20 `track()` calls after ready, then `location.href = \'/blank.html\'` 10 ms later; events of that');
  p('  run counted at the collector at least 3 s after the last navigation.');
  p('- **Fallback core**: the same load and track() scenarios (console no-ops) on the wasm-tracker page with');
  p('  `window.WebAssembly` deleted by an init script, in every run right after the wasm-tracker ones; the tracker');
  p('  then runs `liliput.min.core.js` (the same C++ core and binding through wasm2js). `bench/core-cost.mjs`');
  p('  compares the two cores alone, including the core\'s own share of each call.');
  p('- **Native core**: `build-native/wasm/bench/tracker_core_bench --benchmark_format=json');
  p('  --benchmark_repetitions=5`; spread over the 5 repetitions. It has no baseline (no ratio).');
  p();
  p('### Bytes per file');
  p();
  p('| tracker | file | raw | gzip -9 | brotli | over the wire (CDP encodedDataLength, headers included) |');
  p('|---|---|---:|---:|---:|---:|');
  for (const tr of TRACKERS) {
    for (const f of R.sizes[tr]) p(`| ${LABEL[tr]} | \`${f.path}\` | ${f.raw.toLocaleString('en-US')} | ${f.gz.toLocaleString('en-US')} | ${f.br.toLocaleString('en-US')} | ${f.transferred.toLocaleString('en-US')} |`);
    p(`| ${LABEL[tr]} | **total** | ${sum(tr, 'raw').toLocaleString('en-US')} | ${sum(tr, 'gz').toLocaleString('en-US')} | ${sum(tr, 'br').toLocaleString('en-US')} | ${R.sizes[tr].reduce((a, f) => a + f.transferred, 0).toLocaleString('en-US')} |`);
  }
  p();
  p('## Where the nanoseconds go: CPU profile of the 10,000-call loop');
  p();
  p('CDP `Profiler` (50 µs sampling), bounded by `console.profile()`/`console.profileEnd()` around the loop,');
  p('one extra run per case after the measured runs. The wasm tracker there is the same glue source bundled');
  p('unminified (so glue functions keep their names; `where` is the bundled module) with a `--profiling-funcs`');
  p('link of the same core objects (so wasm functions have names). Self time only; the profiler slows the loop,');
  p('the figures above are from unprofiled runs.');
  p();
  for (const pr of R.profiles) {
    p(`**${LABEL[pr.tr]}**, ${pr.quiet ? QUIET : CONSOLE} (loop ${fmt(pr.top.totalMs, 1)} ms sampled, ${fmt(pr.median, 0)} ns/call median under the profiler), top self time:`);
    p();
    p('| function | where | self ms | % |');
    p('|---|---|---:|---:|');
    for (const r of pr.top.rows) p(`| \`${r.fn.replace(/\|/g, '\\|').slice(0, 110)}\` | ${r.where} | ${fmt(r.ms, 1)} | ${fmt(r.pct, 1)} |`);
    p();
  }
  p('## Where the bytes go: `bench/wasm-sizes.py` on a `--profiling-funcs` link');
  p();
  p('The production link command (`ninja -t commands wasm/bindings/tracker-core.mjs`) re-run with');
  p('`-o <tmp>/t.mjs --profiling-funcs`; the code is the same, the name section is kept (and is not shipped).');
  p();
  p(R.prof || '(profiling build failed; see the run log)');
  p();
  p('## Collector under concurrent load');
  p();
  p(`A fresh collector (empty database), then \`${R.load.cmd}\` (exit code ${R.load.code}):`);
  p();
  const isTable = R.load.out.split('\n').every((l) => !l.trim() || l.startsWith('|'));
  if (!isTable) p('```');
  p(R.load.out);
  if (!isTable) p('```');
  p();
  p('## Peer trackers (measured separately, 2026-11-26)');
  p();
  p('Not from this run: copied from `/work/shared/reference/peer-benchmark.md`, a separate harness run on a');
  p('similar 2-core machine. Only the table above is same-run; compare against its baseline row, not in');
  p('absolute terms.');
  p();
  try {
    const peer = readFileSync('/work/shared/reference/peer-benchmark.md', 'utf8').split('\n').filter((l) => l.startsWith('|'));
    for (const l of peer) p(l);
  } catch { p('(peer-benchmark.md not found)'); }
  p();
  return L.join('\n') + '\n';
}

// The "Every engine" section is bench/engines.mjs's (`bash bench/run.sh engines`): kept as it is
// in the file this run rewrites, before the peer trackers' table.
function keepEngines(doc) {
  let old = '';
  try { old = readFileSync(OUT, 'utf8'); } catch { return doc; }
  const a = old.indexOf('<!-- engines:start');
  const b = old.indexOf('<!-- engines:end -->');
  if (a < 0 || b < a) return doc;
  const section = old.slice(a, b + '<!-- engines:end -->'.length);
  const at = doc.indexOf('## Peer trackers');
  return at >= 0 ? `${doc.slice(0, at)}${section}\n\n${doc.slice(at)}` : `${doc.trimEnd()}\n\n${section}\n`;
}

if (process.env.BENCH_RENDER) {
  // Re-render a kept results.json (BENCH_KEEP=1) without measuring: for editing the report.
  writeFileSync(OUT, keepEngines(renderDoc(JSON.parse(readFileSync(process.env.BENCH_RENDER, 'utf8')))));
  rmSync(TMP, { recursive: true, force: true });
  process.exit(0);
}

main().catch(async (e) => {
  console.error(e);
  try { if (browser) await browser.close(); } catch { /* gone */ }
  try { if (site) await site.stop(); } catch { /* gone */ }
  process.exit(1);
});
