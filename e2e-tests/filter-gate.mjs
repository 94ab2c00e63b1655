// Filter-list gate (issue 20): would EasyList + EasyPrivacy, on by default in uBlock Origin and
// Brave, block any file the tracker fetches or its /track requests? Offline, no browser: a real
// matcher (@ghostery/adblocker, filter-engine.cjs) built from the vendored lists (filter-lists/)
// checks every URL of each deployment with the request type and page a browser would report.
// Prints PASS/BLOCKED per URL and type with the deciding rule, and exits non-zero on any block.
// Self-test: the old file names (/tracker/tracker-core.wasm, ...), which EasyPrivacy's
// `/tracker/tracker-` rule blocked in the wild, must come out BLOCKED, or the gate fails: a gate
// that cannot see that block cannot vouch for the new names either.
//
// usage: node e2e-tests/filter-gate.mjs [--apps DIR] [--dist DIR]
//   --apps DIR: where the sample apps' build output lives (default demo-site/apps of this repo).
//   --dist DIR: the tracker's build to check the names against (default js-glue/dist).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import engineModule from './filter-engine.cjs';

const { buildEngine, check } = engineModule;
const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? resolve(process.argv[i + 1]) : resolve(here, fallback);
};
const APPS_DIR = arg('--apps', '../demo-site/apps');
const DIST = arg('--dist', '../js-glue/dist');

// How a blocker types each kind of request; a URL passes only if no type it may carry is blocked.
// A <link rel=preload as=fetch> is a fetch to Chromium ('xhr') but 'other' to some blockers.
// /track goes by fetch() (keepalive as the page hides: still a fetch, 'xhr'). Only where the API
// is the page's own origin may it go by navigator.sendBeacon ('ping', settings.transport
// "beacon"): the core refuses a beacon to another origin (Chromium preflights a JSON beacon and
// never sends it), and EasyPrivacy's `$ping,third-party` would block it anyway.
const TYPES = { script: ['script'], fetch: ['xhr'], preload: ['xhr', 'other'], track: ['xhr'],
  trackSameOrigin: ['xhr', 'ping'] };

/**
 * The files the tracker fetches next to its script, named from the script's own URL: query and
 * hash off, a trailing .js off, then .wasm (the core), .core.js (the core as JavaScript, only
 * where WebAssembly cannot run), .extras.js (the lazily loaded extras chunk) or .debug.js (the
 * fate printer, only with the debug switch on).
 */
function siblings(scriptUrl) {
  const base = scriptUrl.replace(/[?#].*$/, '').replace(/\.js$/, '');
  return { wasm: `${base}.wasm`, core: `${base}.core.js`, extras: `${base}.extras.js`, debug: `${base}.debug.js` };
}

/** Our loader snippet: loader.min.js inserts liliput.min.js and preloads the core. */
function snippetRequests(folder, api) {
  const script = `${folder}liliput.min.js`;
  const s = siblings(script);
  return [[`${folder}loader.min.js`, 'script'], [script, 'script'], [s.wasm, 'preload'],
    [s.wasm, 'fetch'], [s.core, 'script'], [s.extras, 'script'], [s.debug, 'script'], [`${api}/track`, 'beacon']];
}

/**
 * Tracardi's own pasted loader (demo-site/tracardi-loader.js stands in for it): an inline snippet
 * with no script file of its own; it inserts <url.script>/liliput.min.js and nothing else.
 */
function tracardiLoaderRequests(folder, api) {
  const script = `${folder}liliput.min.js`;
  const s = siblings(script);
  return [[script, 'script'], [s.wasm, 'fetch'], [s.core, 'script'], [s.extras, 'script'],
    [s.debug, 'script'], [`${api}/track`, 'beacon']];
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

// The npm entry in the sample apps (demo-site/apps): every script and .wasm the build emitted,
// served from the app's own origin. Without a build output, the names each bundler gives the
// package's files (README of demo-site/apps; hashes stand in for real ones).
const APPS = {
  vite: { out: 'dist', names: ['assets/index-Bq3xK9aZ.js', 'assets/liliput.min-eAG3obIF.wasm',
    'assets/liliput.min.core-DUoijFBX.js', 'assets/liliput.min.extras-zcg2jVo6.js'] },
  webpack: { out: 'dist', names: ['main.js', '172586556dbee8038613.wasm', '580.main.js', '60.main.js'] },
  next: { out: 'out', names: ['_next/static/chunks/351q8uapgdkt_.js', '_next/static/media/liliput.min.2yoy4i3ktytsv.wasm',
    '_next/static/chunks/2r6l4b76kunon.js', '_next/static/chunks/0cz1d0mv5g_q7.js'] },
};

function appRequests(app, origin, api) {
  const out = join(APPS_DIR, app, APPS[app].out);
  let files = APPS[app].names;
  let from = `no build output in ${relative(process.cwd(), out) || out}: the names the bundler emits`;
  if (existsSync(out)) {
    files = [...walk(out)].map((p) => relative(out, p).split('\\').join('/')).filter((p) => /\.(m?js|wasm)$/.test(p)).sort();
    from = `build output ${relative(process.cwd(), out) || out}`;
  }
  const reqs = files.map((f) => [`${origin}/${f}`, f.endsWith('.wasm') ? 'fetch' : 'script']);
  return { from, reqs: [...reqs, [`${api}/track`, 'beacon']] };
}

const API = 'https://tracardi.example:8686';
const SHOP = 'https://shop.example/';
const deployments = [
  { title: '(a) our snippet, scripts on another origin (CDN), api on Tracardi', page: SHOP,
    reqs: snippetRequests('https://cdn.example/wasm-tracker/', API) },
  { title: "(b) Tracardi's own loader, everything in Tracardi's /tracker/", page: SHOP,
    reqs: tracardiLoaderRequests(`${API}/tracker/`, API) },
  { title: "(b') our snippet in Tracardi's /tracker/", page: SHOP,
    reqs: snippetRequests(`${API}/tracker/`, API) },
  { title: '(c) same origin: our snippet in the site\'s own /tracker/', page: SHOP,
    reqs: snippetRequests('https://shop.example/tracker/', 'https://shop.example') },
  { title: "(c') same origin: Tracardi's loader, site's own /tracker/", page: SHOP,
    reqs: tracardiLoaderRequests('https://shop.example/tracker/', 'https://shop.example') },
];
for (const app of Object.keys(APPS)) {
  const { from, reqs } = appRequests(app, 'https://app.example', API);
  deployments.push({ title: `(d) npm package in the ${app} app (${from})`, page: 'https://app.example/', reqs });
}

const t0 = Date.now();
const engine = buildEngine();
console.log(`engine: EasyList + EasyPrivacy + easyprivacy_general.txt parsed in ${Date.now() - t0} ms`);

let passed = 0;
let failed = 0;
const pad = (s, n) => s.padEnd(n);
function report(ok, label, type, url, rule) {
  if (ok) passed++; else failed++;
  console.log(`${pad(label, 8)} ${pad(type, 6)} ${url}${rule ? `   [${rule}]` : ''}`);
}

for (const d of deployments) {
  console.log(`\n== ${d.title}; page ${d.page}`);
  for (const [url, kind0] of d.reqs) {
    const kind = kind0 === 'beacon' ? (new URL(url).origin === new URL(d.page).origin ? 'trackSameOrigin' : 'track') : kind0;
    for (const type of TYPES[kind]) {
      const { blocked, rule } = check(engine, url, d.page, type);
      report(!blocked, blocked ? 'BLOCKED' : 'PASS', type, url, rule && (blocked ? rule : `allowed by ${rule}`));
    }
  }
}

// The names checked above must be the ones shipped: every file the script path fetches exists in
// js-glue/dist (when it is built), so a rename that drifts from the rule fails here, not in the wild.
if (existsSync(DIST)) {
  console.log(`\n== shipped: ${relative(process.cwd(), DIST) || DIST} has each file checked above`);
  const s = siblings('liliput.min.js');
  for (const name of ['loader.min.js', 'liliput.min.js', s.wasm, s.core, s.extras, s.debug]) {
    const ok = existsSync(join(DIST, name));
    report(ok, ok ? 'PASS' : 'MISSING', 'file', join(relative(process.cwd(), DIST) || DIST, name), null);
  }
}

// Self-test: the names the tracker used before (what 0 of 3 events in the wild came from). Each
// must be blocked, by the rule that blocked it then; a pass here fails the gate.
console.log("\n== self-test: the old names in Tracardi's /tracker/ must be BLOCKED");
const OLD = [['tracker-core.wasm', 'fetch'], ['tracker-core.wasm', 'preload'], ['tracker-core-js.js', 'script'],
  ['tracker-extras.js', 'script']];
for (const [name, kind] of OLD) {
  for (const type of TYPES[kind]) {
    const url = `${API}/tracker/${name}`;
    const { blocked, rule } = check(engine, url, SHOP, type);
    report(blocked, blocked ? 'BLOCKED' : 'PASS!?', type, url, blocked ? `${rule}: expected, self-test ok`
      : 'NOT blocked: the gate cannot see the block it exists for');
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
