// The peer benchmark's delivery rows in every engine (issue 24): bytes, ready, per-event cost,
// delivery and durability of wasm-tracker and the plain-JS baseline, side by side in Chromium,
// Firefox ESR and WebKitGTK, measured the same way in each (no CDP: the cross-engine suite's driver
// layer, e2e-tests/engines/lib, and its proxy, which counts what each page fetched and posted).
// Started by `bash bench/run.sh engines`; writes the "Every engine" section of docs/benchmarks.md
// in place (between its markers; bench/run.mjs keeps that section when it rewrites the file).
// Environment: BENCH_RUNS (default 3), BENCH_ENGINES (default chromium,firefox,webkit), BENCH_OUT.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Collector, startCollector } from '../e2e-tests/engines/lib/collector.mjs';
import { startProxy } from '../e2e-tests/engines/lib/proxy.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const RUNS = Math.max(1, +(process.env.BENCH_RUNS || 3));
const OUT = resolve(ROOT, process.env.BENCH_OUT || 'docs/benchmarks.md');
const ENGINES = (process.env.BENCH_ENGINES || 'chromium,firefox,webkit').split(',').filter(Boolean);
const DIST = join(ROOT, 'js-glue/dist');
const PAGES = join(BENCH, 'pages');
const TRACKERS = ['baseline', 'wasm'];
const LABEL = { baseline: 'plain-JS baseline', wasm: 'wasm-tracker' };
const CALLS = 10000;
const BLOCK = 100;
const START = '<!-- engines:start (bench/engines.mjs writes this section) -->';
const END = '<!-- engines:end -->';

const t0Wall = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const log = (...a) => console.log(`[engines ${((Date.now() - t0Wall) / 1000).toFixed(1)}s]`, ...a);
const shBuf = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 64 << 20 });

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

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}
/** Two consecutive free ports (the collector's and the proxy's). */
async function freePair() {
  for (;;) {
    const p = await freePort();
    const ok = await new Promise((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(p + 1, '127.0.0.1', () => s.close(() => res(true)));
    });
    if (ok) return p;
  }
}

const LAUNCH = {
  chromium: async () => (await import('../e2e-tests/engines/lib/chromium.mjs')).launchChromium(),
  firefox: async () => (await import('../e2e-tests/engines/lib/firefox.mjs')).launchFirefox(),
  webkit: async () => (await import('../e2e-tests/engines/lib/webkit.mjs')).launchWebKit(),
};

const gzCache = new Map();
function gzOf(path) {
  if (!gzCache.has(path)) {
    const file = path.startsWith('/tracker/') ? join(DIST, path.slice('/tracker/'.length)) : join(PAGES, path.slice(1));
    gzCache.set(path, existsSync(file) ? shBuf('gzip', ['-9', '-c', file]).length : 0);
  }
  return gzCache.get(path);
}

let INSTRUMENT = '';  // bench/instrument.js, every page's first script
let collector;  // Collector (read API + faults)
let proxy;
let site;       // page origin (the proxy, localhost); the API is the proxy on 127.0.0.1
const pageUrl = (tr, q = {}) => `${site}/${tr}.html?${new URLSearchParams(q)}`;
let seq = 0;
const uniq = (tag, tr, run) => `eng-${tag}-${tr}-${run}-${++seq}`;
async function count(type) { return (await collector.events(`type=${encodeURIComponent(type)}&limit=1`)).total; }
async function waitCount(type, n, ms) {
  const end = Date.now() + ms;
  let c = 0;
  while (Date.now() < end) { c = await count(type); if (c >= n) return c; await sleep(25); }
  return c;
}
async function waitReady(page) {
  const end = Date.now() + 15000;
  for (;;) {
    const r = await page.evaluate(() => (window.__benchReady === undefined ? null : window.__benchReady));
    if (r !== null) return r;
    if (Date.now() > end) throw new Error('tracker not ready');
    await sleep(20);
  }
}

// CPU time of the browser, from /proc, the same way in every engine and without CDP: `main` =
// on-CPU time of the main thread of every process in the browser's tree (schedstat, ns: the page's
// main thread is its renderer/content/web process's; the others do the requests' IPC), `all` =
// user + system time of every thread of every process (stat, 10 ms ticks). Threads and processes
// that ended in between are not counted.
const TICK_MS = 1000 / (+execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);
function treeCpu(root) {
  const procs = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');  // fields from the state on
      procs.push({ pid: +d, ppid: +f[1], ticks: +f[11] + +f[12] });
    } catch { /* gone */ }
  }
  const kids = new Map();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) || []), p]);
  const tree = [];
  const walk = (pid) => { for (const c of kids.get(pid) || []) { tree.push(c); walk(c.pid); } };
  const top = procs.find((p) => p.pid === root);
  if (top) tree.push(top);
  walk(root);
  let main = 0;
  for (const p of tree) {
    try { main += +readFileSync(`/proc/${p.pid}/task/${p.pid}/schedstat`, 'utf8').split(' ')[0] / 1e6; } catch { /* gone */ }
  }
  return { main, all: tree.reduce((n, p) => n + p.ticks, 0) * TICK_MS };
}

async function withPage(engine, fn) {
  const ctx = await engine.newContext();
  try { return await fn(await ctx.newPage()); } finally { await ctx.close(); }
}

// Bytes and ready: one event before load; the files the page fetched (GETs at the proxy, every
// fetch counted: a preload the page does not use is downloaded twice) until it is at the collector.
async function scLoad(engine, tr, run) {
  return withPage(engine, async (page) => {
    const type = uniq('load', tr, run);
    proxy.stats.calls.length = 0;
    await page.goto(pageUrl(tr, { pre: 1, type }));
    const ready = await waitReady(page);
    const arrived = await waitCount(type, 1, 8000);
    await sleep(300);
    const gets = proxy.stats.calls.filter((c) => c.startsWith('GET ')).map((c) => c.slice(4))
      .filter((p) => !/\.html$|^\/scenario\.js$|^\/__engines\/|^\/favicon/.test(p) && !/^\/(events|requests|health)$/.test(p));
    const files = {};
    for (const p of gets) files[p] = (files[p] || 0) + 1;
    return { ready, arrived, files, gz: gets.reduce((n, p) => n + gzOf(p), 0) };
  });
}

// track() cost and the browser's CPU per event. console.log/info/debug/warn are no-ops in the
// page (the CDP table's "no-ops" rows): a protocol client that subscribes to the console (CDP,
// BiDi) makes every console call cost a serialisation, and the engines' drivers differ there.
const QUIET = "for (const k of ['log', 'debug', 'info', 'warn']) console[k] = function () {};";
async function scTrack(engine, tr, run) {
  proxy.isolate = true;  // crossOriginIsolated: performance.now() at 5-20 µs instead of 100 µs-1 ms
  proxy.initScript(QUIET);
  try {
    return await withPage(engine, async (page) => {
      await page.goto(pageUrl(tr));
      await waitReady(page);
      await sleep(300);
      const iso = await page.evaluate(() => window.crossOriginIsolated);
      await sleep(700);  // the page's own start-up work (first answer, GPU probe, extras) done
      const before = await count('page-view');
      const cpu0 = treeCpu(engine.pid);
      const t0 = Date.now();
      const loop = await page.evaluate(({ N, B }) => {
        const t = window.tracker;
        const per = [];
        const tStart = performance.now();
        for (let k = 0; k < N / B; k++) {
          const t0 = performance.now();
          for (let i = 0; i < B; i++) t.track('page-view', { a: 1, b: 'x' });
          per.push(((performance.now() - t0) * 1e6) / B);
        }
        return { per, totalMs: performance.now() - tStart };
      }, { N: CALLS, B: BLOCK });
      // Settled: the count has moved and then not for 1 s (or nothing for 8 s). At most 20 s.
      let last = before;
      let moved = false;
      let stableSince = Date.now();
      const end = Date.now() + 20000;
      while (Date.now() < end) {
        const c = await count('page-view');
        if (c !== last) { last = c; moved = true; stableSince = Date.now(); }
        else if (Date.now() - stableSince > (moved ? 1000 : 8000)) break;
        await sleep(100);
      }
      const cpu1 = treeCpu(engine.pid);
      const span = Date.now() - t0;
      // The browser's idle rate, over the second after (the page settled), to subtract.
      const idleAt = Date.now();
      await sleep(1000);
      const idle1 = treeCpu(engine.pid);
      const idle0 = cpu1;
      const idleMs = Date.now() - idleAt;
      const per = (k) => (Math.max(0, cpu1[k] - cpu0[k] - ((idle1[k] - idle0[k]) / idleMs) * span) * 1000) / CALLS;
      return { iso, median: median(loop.per), p99: quantile(loop.per, 0.99), loopMs: loop.totalMs,
        mainPerEventUs: per('main'), allPerEventUs: per('all'), delivered: last - before };
    });
  } finally { proxy.isolate = false; proxy.end(); proxy.initScript(INSTRUMENT); }
}

// 50 events before load → requests to the API (POSTs and preflights, at the proxy) and load → last.
async function scDelivery(engine, tr, run) {
  return withPage(engine, async (page) => {
    const type = uniq('pre50', tr, run);
    proxy.stats.calls.length = 0;
    await page.goto(pageUrl(tr, { pre: 50, type }));
    const arrived = await waitCount(type, 50, 10000);
    await sleep(700);
    const loadEpoch = await page.evaluate(() => performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventStart);
    const evs = (await collector.events(`type=${encodeURIComponent(type)}`)).events;
    const posts = proxy.stats.calls.filter((c) => c === 'POST /track').length;
    const preflights = proxy.stats.calls.filter((c) => c === 'OPTIONS /track').length;
    return { arrived, posts, preflights, requests: posts + preflights,
      loadToLast: evs.length ? Math.max(...evs.map((e) => e.received_ms)) - loadEpoch : NaN };
  });
}

async function scClick(engine, tr, run) {
  return withPage(engine, async (page) => {
    const type = uniq('click', tr, run);
    await page.goto(pageUrl(tr));
    await waitReady(page);
    await sleep(200);
    await page.evaluate((t) => { window.__bench.fireType = t; }, type);
    await page.click('#fire');
    const arrived = await waitCount(type, 1, 8000);
    const clickAt = await page.evaluate(() => window.__bench.clickAt);
    const evs = (await collector.events(`type=${encodeURIComponent(type)}`)).events;
    return { arrived, ms: arrived ? evs[0].received_ms - clickAt : NaN };
  });
}

const pendingUnload = [];
async function scUnload(engine, tr, run) {
  await withPage(engine, async (page) => {
    const type = uniq('unload', tr, run);
    await page.goto(pageUrl(tr));
    await waitReady(page);
    await sleep(200);
    await page.evaluate((t) => {
      for (let i = 0; i < 20; i++) window.tracker.track(t, { a: 1, b: 'x', i });
      setTimeout(() => { location.href = '/blank.html'; }, 10);
    }, type);
    const end = Date.now() + 10000;
    while (!/blank\.html/.test(await page.url()) && Date.now() < end) await sleep(50);
    await sleep(1000);
    pendingUnload.push({ engine: engine.name, tr, type, at: Date.now() });
  });
  return null;
}

// Durability: 20 fires into a 3 s outage (every /track answered 500); with `reload`, the page is
// reloaded 1 s into it (the next page tracks nothing itself). Counted 12 s after the outage ends.
async function scOutage(engine, tr, run, { reload = false } = {}) {
  return withPage(engine, async (page) => {
    const type = uniq(reload ? 'outage-reload' : 'outage', tr, run);
    await page.goto(pageUrl(tr));
    await waitReady(page);
    await sleep(300);
    await collector.faults({ fail_next: 1_000_000, status: 500 });
    const start = Date.now();
    await page.evaluate((t) => { for (let i = 0; i < 20; i++) window.tracker.track(t, { a: 1, b: 'x', i }, { fire: true }); }, type);
    if (reload) { await sleep(1000 - (Date.now() - start)); await page.reload(); }
    await sleep(3000 - (Date.now() - start));
    await collector.clearFaults();
    const ended = Date.now();
    const arrived = await waitCount(type, 20, 12000);
    const evs = (await collector.events(`type=${encodeURIComponent(type)}`)).events;
    return { arrived, afterMs: arrived ? Math.max(...evs.map((e) => e.received_ms)) - ended : NaN,
      extra: evs.reduce((n, e) => n + e.duplicates, 0) };
  });
}

const SCENARIOS = {
  load: scLoad, track: scTrack, delivery: scDelivery, click: scClick, unload: scUnload,
  outage: (e, tr, run) => scOutage(e, tr, run),
  outageReload: (e, tr, run) => scOutage(e, tr, run, { reload: true }),
};

// ---------------------------------------------------------------- rendering
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');
function cell(values, d = 1) {
  const s = sorted(values);
  if (!s.length) return '–';
  const m = median(s);
  return s.length > 1 && s[0] !== s.at(-1) ? `${fmt(m, d)} (${fmt(s[0], d)}–${fmt(s.at(-1), d)})` : fmt(m, d);
}

function render(R) {
  const L = [];
  const p = (s = '') => L.push(s);
  p(START);
  p('## Every engine: the peer benchmark\'s delivery rows in Chromium, Firefox and WebKit');
  p();
  p(`Generated by \`bash bench/run.sh engines\` (${R.date}, ${R.runs} runs per scenario per tracker per engine, wall time`);
  p(`${R.wall.toFixed(0)} s; machine: ${R.machine}, ${R.loadEnd} at the end: a shared machine, absolute times are noisy,`);
  p(`compare within a column pair). Versions: ${R.engines.map((e) => `${e.name}: ${e.version}`).join('; ')}.`);
  p('The same harness in every engine (`bench/engines.mjs`): the cross-engine suite\'s drivers');
  p('(`e2e-tests/engines/lib`: puppeteer-core over CDP for Chromium and over WebDriver BiDi for Firefox,');
  p('WebKitWebDriver for MiniBrowser under Xvfb) and its proxy in front of the collector, which serves the');
  p('bench pages (`bench/pages`, page on `http://localhost:P`, API on `http://127.0.0.1:P`: CORS and');
  p('preflights) and counts every GET and `/track` call. No CDP metric is used, so the Chromium column is');
  p('comparable with the others, not with the CDP-based table above. Median over the runs, (min–max).');
  p();
  const rows = [
    ['**Bytes** fetched for the first event, gzip -9 (KB): every fetch counted', 'load', (r) => r.gz / 1024, 1],
    ['… fetches of the `.wasm` (1 = the preload was used)', 'load', (r) => r.files['/tracker/liliput.min.wasm'] ?? NaN, 0],
    ['**Ready**: navigation start → tracker ready (ms)', 'load', (r) => r.ready, 1],
    ['**track()** median of 100 blocks of 100 calls (µs per call), crossOriginIsolated, console.log/info/debug/warn no-ops', 'track', (r) => r.median / 1000, 2],
    ['track() p99 of the blocks (µs per call)', 'track', (r) => r.p99 / 1000, 2],
    ['**Per-event cost**: main-thread CPU µs per event (the browser\'s processes\' main threads), the 10,000 calls and all they caused', 'track', (r) => r.mainPerEventUs, 1],
    ['… every thread of every browser process (µs per event, 10 ms ticks)', 'track', (r) => r.allPerEventUs, 1],
    ['events of the 10,000 that reached the collector', 'track', (r) => r.delivered, 0],
    ['**Delivery**: 50 events before load → `/track` requests (POST + preflight)', 'delivery', (r) => r.requests, 0],
    ['… of which POST', 'delivery', (r) => r.posts, 0],
    ['50 pre-load events: arrived', 'delivery', (r) => r.arrived, 0],
    ['load event → last of the 50 at the collector (ms)', 'delivery', (r) => r.loadToLast, 0],
    ['click with `fire` → arrival (ms)', 'click', (r) => r.ms, 0],
    ['unload 10 ms after 20 events: arrived (of 20)', 'unload', (r) => r.arrived, 0],
    ['**Durability**: collector 500 for 3 s, 20 fires: arrived (of 20) within 12 s', 'outage', (r) => r.arrived, 0],
    ['… last arrival after the outage ended (ms)', 'outage', (r) => r.afterMs, 0],
    ['same + reload at 1 s: arrived (of 20)', 'outageReload', (r) => r.arrived, 0],
    ['… last arrival after the outage ended (ms)', 'outageReload', (r) => r.afterMs, 0],
    ['extra copies in the outage scenarios (both)', 'outage', (r, eng, tr) => r.extra + (R.res[eng].outageReload[tr][0]?.extra ?? 0), 0],
  ];
  const names = R.engines.map((e) => e.name);
  p(`| metric | ${names.map((n) => `${n}: baseline | ${n}: wasm-tracker`).join(' | ')} |`);
  p(`|---|${names.map(() => '---:|---:').join('|')}|`);
  for (const [label, sc, f, d] of rows) {
    const cells = [];
    for (const n of names) {
      for (const tr of TRACKERS) {
        const rs = R.res[n][sc][tr];
        cells.push(cell(rs.map((r) => f(r, n, tr)), d));
      }
    }
    p(`| ${label} | ${cells.join(' | ')} |`);
  }
  p();
  p('Files per first visit (fetches × file), wasm-tracker: ' + names.map((n) => {
    const f = R.res[n].load.wasm[0]?.files || {};
    return `${n}: ${Object.entries(f).map(([k, v]) => `${k.replace('/tracker/', '')}${v > 1 ? ` ×${v}` : ''}`).join(', ')}`;
  }).join('; ') + '.');
  p();
  p('Reading the rows: the engines differ in speed, not in what they fetch (one `.wasm` GET in each since');
  p('the loader fetches it itself: WebKit never handed a preload to `fetch()`) nor in what arrives:');
  p('delivery, unload and the outage rows match in all three. The "reload at 1 s" row is the same in every');
  p('engine and is the core\'s rule, not an engine\'s: the leave gives the fires that were never tried their');
  p('first attempt on keepalive into the outage and keeps no copy, and a bare 500 costs 3 of an event\'s 10');
  p('attempt units, so the next page has only the events that had failed before the leave, minus those');
  p('tried four times (`docs/design.md`, Status). The baseline never retries: an outage loses what it sent.');
  p();
  p('How each figure was taken (differences from the CDP table above):');
  p('- **Bytes**: the GETs the page made through the proxy until its first event was stored, each file\'s');
  p('  `gzip -9` size once per fetch (the proxy passes them uncompressed). WebKit does not hand a');
  p('  `<link rel=preload as=fetch>` response to a later `fetch()` of the same URL, so the loader starts the `.wasm`\'s');
  p('  `fetch()` itself and the script takes that response (`docs/design.md` "Engines"); the row counts every fetch.');
  p('- **Ready**: `performance.now()` when `window.tracker.__wasmTracker.app.ready` resolves (`bench/instrument.js`,');
  p('  run before the page\'s scripts by the proxy\'s init script), the baseline when its script has run.');
  p('- **track()**: as above (10,000 calls in one task, 100 blocks of 100), with COOP/COEP added by the proxy:');
  p('  `performance.now()` steps 5 µs in Chromium, 20 µs in Firefox and WebKit (measured; 100 µs and 1 ms without).');
  p('  The page has no console wrapper and no DevTools client: console calls cost what they cost without one.');
  p('- **Per-event cost**: on-CPU time (`/proc/<pid>/task/<pid>/schedstat`, ns) of the main thread of every');
  p('  process in the browser\'s tree (the page\'s renderer / content / web process does the work; the others');
  p('  carry the requests\' IPC), from just before the loop until the collector\'s count had not moved for 1 s,');
  p('  minus the same threads\' idle rate over the second after, ÷ 10,000: the CDP table\'s TaskDuration');
  p('  counted as CPU instead of wall time, without CDP. The next row counts every thread of every process');
  p('  (`/proc/<pid>/stat` user + system, 10 ms ticks: compositor, network, GC helpers too).');
  p('- **Delivery / durability**: requests counted at the proxy (`POST /track`, `OPTIONS /track`); arrivals');
  p('  and copies at the collector. The baseline never retries, so an outage loses what it sent into it.');
  p(END);
  return L.join('\n');
}

function writeSection(section) {
  let doc = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Benchmarks\n';
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + section + doc.slice(b + END.length);
  else {
    // Before the peer trackers' table (measured elsewhere), after this run's own results.
    const at = doc.indexOf('## Peer trackers');
    doc = at >= 0 ? `${doc.slice(0, at)}${section}\n\n${doc.slice(at)}` : `${doc.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(OUT, doc);
}

async function main() {
  for (const f of ['loader.min.js', 'liliput.min.js', 'liliput.min.wasm']) {
    if (!existsSync(join(DIST, f))) throw new Error(`js-glue/dist/${f} missing: run bash scripts/build.sh`);
  }
  if (process.env.BENCH_RENDER) { writeSection(render(JSON.parse(readFileSync(process.env.BENCH_RENDER, 'utf8')))); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'wasm-tracker-bench-engines-'));
  const port = await freePair();
  const coll = await startCollector({ root: ROOT, port, db: join(tmp, 'site.db'), site: PAGES, tracker: DIST });
  collector = new Collector(coll.base);
  proxy = await startProxy({ port: port + 1, target: coll.base, watch: false });
  INSTRUMENT = readFileSync(join(BENCH, 'instrument.js'), 'utf8');
  proxy.initScript(INSTRUMENT);
  site = `http://localhost:${port + 1}`;
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] || cpus()[0].model;
  const R = { date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), runs: RUNS, engines: [], res: {},
    machine: `${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the start` };
  try {
    for (const name of ENGINES) {
      log(`launching ${name}`);
      const engine = await LAUNCH[name]();
      const res = R.res[name] = {};
      for (const k of Object.keys(SCENARIOS)) res[k] = { baseline: [], wasm: [] };
      // Warm-up: one page per tracker (disk cache, the engine's first-launch work).
      for (const tr of TRACKERS) await withPage(engine, async (page) => { await page.goto(pageUrl(tr)); await waitReady(page); });
      for (let run = 0; run < RUNS; run++) {
        const order = run % 2 ? ['wasm', 'baseline'] : ['baseline', 'wasm'];
        for (const [sc, fn] of Object.entries(SCENARIOS)) {
          for (const tr of order) {
            try {
              const r = await fn(engine, tr, run);
              if (r) res[sc][tr].push(r);
            } catch (e) {
              log(`${name} ${sc} ${tr} run ${run}: ${e.message}`);
              await collector.clearFaults().catch(() => {});
            }
          }
        }
        log(`${name}: run ${run + 1}/${RUNS} done`);
      }
      R.engines.push({ name, version: engine.version });
      await engine.close();
    }
    const lastUnload = Math.max(...pendingUnload.map((u) => u.at));
    await sleep(3000 - (Date.now() - lastUnload));
    for (const u of pendingUnload) R.res[u.engine].unload[u.tr].push({ arrived: await count(u.type) });
  } finally {
    await proxy.stop();
    await coll.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  R.wall = (Date.now() - t0Wall) / 1000;
  R.loadEnd = loadavg().map((x) => x.toFixed(2)).join(' ');
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  writeFileSync(join(BENCH, 'results/engines.json'), JSON.stringify(R, null, 1));
  writeSection(render(R));
  log(`wrote ${OUT} (raw: bench/results/engines.json)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
