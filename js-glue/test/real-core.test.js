// The glue against the real core (when it has been built): the src modules with fake browser
// objects, and the bundled dist/liliput.min.js run as a classic script in a fresh vm context.
// The core tests run twice: against the wasm core and against the JavaScript fallback core (the
// same C++ through wasm2js), booted as a page without WebAssembly gets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { webcrypto } from 'node:crypto';
import { boot } from '../src/tracker-runtime.js';
import { withFallback } from '../src/load-core.js';
import { openCore } from '../src/core-handle.js';
import { fakeEnv, fakeDocument, FakeEventTarget, CONTRACT } from '../test-support/fakes.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const GLUE = here('../../build-wasm/wasm/bindings/tracker-core.mjs');
const WASM = here('../../build-wasm/wasm/bindings/tracker-core.wasm');
const BUNDLE = here('../dist/liliput.min.js');
const DIST_WASM = here('../dist/liliput.min.wasm');
const JS_CORE = here('../../build-wasm/wasm/bindings/tracker-core-js.js');
const haveCore = existsSync(GLUE) && existsSync(WASM);

// module(): the instantiated Module; env: fakeEnv options; bootFactory(): what an entry passes
// to boot(). The fallback is reached the way a page reaches it: WebAssembly is absent, the wasm
// factory carries the fallback and load-core picks it.
const CORES = [
  { name: 'wasm core', skip: !haveCore && 'wasm core not built', env: {},
    module: async () => (await import(GLUE)).default({
      // The wasm core's only instantiation contract (minimal runtime, minimal-runtime-shims.js).
      instantiateWasm(imports, done) {
        WebAssembly.instantiate(readFileSync(WASM), imports).then((r) => done(r.instance, r.module));
      },
    }),
    bootFactory: async () => (await import(GLUE)).default },
  { name: 'JavaScript fallback core', skip: !(haveCore && existsSync(JS_CORE)) && 'fallback core not built',
    env: { WebAssembly: null },
    module: async () => (await import(JS_CORE)).default({}),
    bootFactory: async () => withFallback((await import(GLUE)).default, { load: () => import(JS_CORE) }) },
];
function eachCore(name, fn) {
  for (const v of CORES) test(`real core (${v.name}): ${name}`, { skip: v.skip }, () => fn(v));
}
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await wait(5);
  }
}

function collector(wasmPath, posts, reply) {
  return async (url, init) => {
    if (url.endsWith('.wasm')) {
      return new Response(readFileSync(wasmPath), { headers: { 'Content-Type': 'application/wasm' } });
    }
    posts.push({ url, init, body: JSON.parse(init.body) });
    return reply(posts.length);
  };
}

// The binding's functions (wasm/bindings/embind.cpp), each taking a core's address first.
// page(), set() and get() carry the methods core-handle.js names PAGE, SET and GET.
const BINDING = ['start', 'restore', 'sessionCookie', 'set', 'get', 'trackBatch', 'page',
  'onWake', 'onResponse', 'joinTabs', 'tabFact'];
const OPTS = JSON.stringify({ tracker: { url: { api: 'http://c' }, source: { id: 's' } } });

// Strings cross the binding as UTF-8 both ways (wasm/bindings/embind-lean.js): text of 1- to
// 4-byte characters and NULs, short and past 100 KB, arrives in the request body as tracked, and
// the fate log (get op 5) comes back as it was written.
eachCore('the binding carries any text both ways: multi-byte characters, NULs, 100 KB strings',
  async (variant) => {
    const M = await variant.module();
    const core = openCore(M, OPTS);
    const t = Date.now();
    core.start(t, 1, '{}', '', 1, 2, 3, 4);
    core.takeEffects();
    const US = String.fromCharCode(CONTRACT.FIELD_SEPARATOR), RS = String.fromCharCode(CONTRACT.RECORD_SEPARATOR);
    const texts = ['plain', 'héllo wörld ✓ 😀 日本語', 'a\u0000b', '😀'.repeat(30000) + 'é'.repeat(20000)];
    for (const [i, text] of texts.entries()) {
      const props = JSON.stringify({ text });
      const out = core.trackBatch(['"tëxt-✓"', props, '{"fire":true}', t, 2 + i, 0, 5, 6, 7, 8 + i].join(US) + RS);
      assert.ok(Number(out.split(US)[0]) >= 0, out);
      const sends = JSON.parse(core.takeEffects()).send;
      assert.equal(sends.length, 1, `one request for text ${i}`);
      const [event] = JSON.parse(sends[0].body).events;
      assert.equal(event.type, 'tëxt-✓');
      assert.equal(event.properties.text, text, `text ${i} arrived as tracked`);
      assert.match(core.fates(), /"type":"tëxt-✓"/);
      core.onResponse(sends[0].id, 200, '', '{}', t, 3 + i, 1, 2, 3, 4);
      core.takeEffects();
    }
    core.delete();
  });

eachCore('the binding exports the contract constants and functions the glue and its fakes use',
  async (variant) => {
    const M = await variant.module();
    for (const [name, value] of Object.entries(CONTRACT)) assert.equal(M[name], value, name);
    // A function of the binding the glue calls but the module lacks fails here, not in a page.
    for (const m of ['create', 'destroy', ...BINDING]) assert.equal(typeof M[m], 'function', m);
    const core = openCore(M, OPTS);
    assert.equal(core.configError(), '');
    assert.equal(JSON.parse(core.stats()).queued, 0);
    core.delete();
    // A deleted core refuses every call instead of reaching freed wasm memory.
    assert.throws(() => core.stats(), /deleted/);
    core.delete();  // twice is harmless
  });

test('real core (wasm core): every function the module exports is in the binding list above',
  { skip: CORES[0].skip }, async () => {
    // The minimal runtime's module holds only the binding and the host's instantiateWasm
    // (wasm/bindings/embind-lean.js defines no error classes): a function bound later must join
    // BINDING (and so the test below).
    const M = await CORES[0].module();
    const known = new Set(['create', 'destroy', ...BINDING, 'instantiateWasm']);
    const unknown = Object.keys(M).filter((k) => typeof M[k] === 'function' && !known.has(k));
    assert.deepEqual(unknown, []);
  });

eachCore('every bound function has only builtin types the module registers',
  async (variant) => {
    // The module registers only the builtin types its binding uses (wasm/bindings/embind_types.cpp).
    // A function bound with another type still loads, but throws UnboundTypeError when called,
    // whatever its arguments (wasm/bindings/embind-lean.js); calling every function with a core's
    // address and nothing else tells it from one whose types are all known (which throws a
    // TypeError about its argument count, or runs when it takes only the address).
    const M = await variant.module();
    const self = M.create(OPTS);
    for (const m of BINDING) {
      let error = null;
      try { M[m](self); } catch (e) { error = e; }
      assert.ok(!error || error.name !== 'UnboundTypeError', `${m}: ${error && error.message}`);
    }
    M.destroy(self);
  });

const OK = () => new Response(JSON.stringify({ task: 't', ux: [], response: {}, profile: { id: 'prof-srv' },
  session: { id: 'x' }, errors: [], warnings: [] }), { status: 200 });

eachCore('pre-load calls → one ordered batch, ready, identity stored, deferred log, keepalive on hide',
  async (variant) => {
    const posts = [];
    const f = fakeEnv({ ...variant.env, readyState: 'loading', fetchImpl: collector(WASM, posts, OK) });
    f.env.performance = performance;
    f.window.options = { tracker: { url: { script: '//h/tracker', api: 'http://127.0.0.1:8686/' }, source: { id: 'demo' } } };
    const factory = await variant.bootFactory();
    const ready = [];
    f.window.onTracardiReady = { listeners: [], bind(fn) { this.listeners.push(fn); }, call(p) { this.listeners.forEach((fn) => fn(p)); } };
    f.window.onTracardiReady.bind((p) => ready.push(p.context));
    const mark = boot({ env: f.env, factory, scriptSrc: 'http://h/tracker/liliput.min.js' });
    f.window.tracker.track('purchase-order', { product: 'Sun glasses - Badoo', price: 13.45 });
    f.window.tracker.track('page-view', {});
    await until(() => mark.state === 'running');
    // The fallback says so once; the wasm core says nothing.
    assert.deepEqual(f.logs.warn.filter((a) => /JavaScript core/.test(a[0])).map((a) => a[0]),
      variant.env.WebAssembly === null ? ['[Tracker] The WebAssembly core http://h/tracker/liliput.min.wasm ' +
        'cannot be used (this browser has no WebAssembly); using the JavaScript core from ' +
        'http://h/tracker/liliput.min.core.js.'] : []);
    assert.equal(posts.length, 0, 'nothing before the load event');
    f.document.readyState = 'complete';
    f.window.dispatch('load');
    await until(() => ready.length === 1);
    assert.equal(posts.length, 1);
    const p = posts[0];
    assert.equal(p.url, 'http://127.0.0.1:8686/track');
    assert.equal(p.init.credentials, 'omit');
    assert.deepEqual(p.init.headers, { 'Content-Type': 'application/json' });
    assert.deepEqual(p.body.events.map((e) => e.type), ['purchase-order', 'page-view']);
    assert.equal(p.body.source.id, 'demo');
    assert.equal(p.body.events[0].context.page.title, 'Product 1');
    assert.equal(p.body.context.browser.local.browser.name, 'chrome');
    assert.equal(ready[0].profile.id, 'prof-srv');
    await wait(5);
    assert.equal(f.storage.getItem('tracardi-profile-id'), '"prof-srv"');
    assert.match(f.storage.getItem('tracardi-device-id'), /^"[0-9a-f-]{36}"$/);
    assert.match(f.document.cookieWrites.find((c) => c.startsWith('tracardi-session-id=')), /^tracardi-session-id=[^;]+; max-age=1800; expires=[^;]+; path=\/; SameSite=Lax; Secure$/);

    f.window.tracker.track('late', { x: 1 });
    await Promise.resolve();  // the call reaches the core (and is logged) in a microtask
    const logged = f.logs.log.find((a) => a[0] === '[Tracker] Event track');
    assert.ok(logged, 'deferred event logged');
    assert.equal(logged[1].event, 'late');
    assert.equal(logged[1].anonymousId, 'prof-srv');
    f.document.visibilityState = 'hidden';
    f.document.dispatch('visibilitychange');
    const snap = f.storage.getItem('wasm-tracker:v2:demo:queue');
    // Written synchronously on hide; the event that left on keepalive is not in it (the browser
    // finishes that request after the page is gone: design.md "Persistence").
    assert.ok(snap, 'snapshot written synchronously on hide');
    assert.ok(!snap.includes('"late"'), snap);
    await until(() => posts.length === 2);
    assert.equal(posts[1].init.keepalive, true);
    assert.deepEqual(posts[1].body.events.map((e) => e.type), ['late']);
    assert.equal(posts[1].body.events[0].id, logged[1].meta.id);
    mark.app.destroy();
  });

eachCore('a retryable failure keeps the events in the persisted snapshot',
  async (variant) => {
    const posts = [];
    const f = fakeEnv({ ...variant.env, fetchImpl: collector(WASM, posts, () => new Response('{"detail":"down"}', { status: 503 })) });
    f.env.performance = performance;
    f.window.options = { tracker: { url: { api: 'http://c' }, source: { id: 'demo' } } };
    const factory = await variant.bootFactory();
    const mark = boot({ env: f.env, factory, scriptSrc: 'http://h/t/liliput.min.js' });
    f.window.tracker.track('a', {});
    await until(() => posts.length === 1);
    await wait(10);
    const snap = JSON.parse(f.storage.getItem('wasm-tracker:v2:demo:queue'));
    assert.equal(snap.events.length, 1);
    mark.app.destroy();
  });

test('dist/liliput.min.js as a classic script: `const options`, currentScript, real wasm',
  { skip: !(existsSync(BUNDLE) && existsSync(DIST_WASM)) && 'run npm run build first' }, async () => {
    const posts = [];
    const wasmUrls = [];
    const doc = fakeDocument({ readyState: 'complete', href: 'http://127.0.0.1:8686/shop.html' });
    doc.currentScript = { src: 'http://127.0.0.1:8686/tracker/liliput.min.js' };
    const win = new FakeEventTarget();
    const fetchFn = async (url, init) => {
      if (String(url).endsWith('.wasm')) wasmUrls.push(String(url));
      return collector(DIST_WASM, posts, OK)(String(url), init);
    };
    const logs = [];
    const con = { log: (...a) => logs.push(['log', ...a]), info() {}, debug() {},
      warn: (...a) => logs.push(['warn', ...a]), error: (...a) => logs.push(['error', ...a]) };
    Object.assign(win, {
      document: doc, navigator: { userAgent: 'Chrome', onLine: true, cookieEnabled: true },
      location: { href: 'http://127.0.0.1:8686/shop.html', protocol: 'http:', host: '127.0.0.1:8686', pathname: '/shop.html', hash: '' },
      console: con, fetch: fetchFn, performance, crypto: webcrypto, WebAssembly, URL, URLSearchParams,
      TextDecoder, TextEncoder, Blob, Response, AbortController, setTimeout, clearTimeout, queueMicrotask, Intl,
      screen: {}, history: { length: 1 }, localStorage: null,
    });
    win.window = win;
    const ctx = vm.createContext(win);
    vm.runInContext(`const options = {tracker: {url: {script: '//127.0.0.1:8686/tracker', api: 'http://127.0.0.1:8686'}, source: {id: 'demo-source'}}};
      window.tracker = undefined;`, ctx);
    assert.equal(win.options, undefined, 'const is not a window property');
    vm.runInContext(readFileSync(BUNDLE, 'utf8'), ctx, { filename: 'liliput.min.js' });
    vm.runInContext(`window.tracker.track('page-view', {page: 1});`, ctx);
    await until(() => posts.length === 1);
    await wait(10);
    assert.deepEqual(wasmUrls, ['http://127.0.0.1:8686/tracker/liliput.min.wasm']);
    assert.equal(posts[0].body.source.id, 'demo-source');
    assert.deepEqual(posts[0].body.events.map((e) => e.type), ['page-view']);
    assert.deepEqual(logs.filter((l) => l[0] !== 'log'), [
      ['warn', '[Tracker] localStorage unavailable; unsent events are kept for this page only.'],
    ]);
    win.tracker.__wasmTracker.app.destroy();
  });

test('dist/index.js (npm ESM): finds liliput.min.glue.mjs/.wasm next to itself and sends',
  { skip: !existsSync(here('../dist/index.js')) && 'run npm run build first' }, async () => {
    const posts = [];
    const wasmUrls = [];
    const f = fakeEnv({ fetchImpl: async (url, init) => {
      if (url.endsWith('.wasm')) {
        wasmUrls.push(url);
        return new Response(readFileSync(fileURLToPath(url)), { headers: { 'Content-Type': 'application/wasm' } });
      }
      return collector(DIST_WASM, posts, OK)(url, init);
    } });
    f.env.performance = performance;
    const { createTracker } = await import(here('../dist/index.js'));
    const t = createTracker({ tracker: { url: { api: 'http://c' }, source: { id: 'npm' } } }, { env: f.env });
    t.track('npm-event', { n: 1 });
    assert.equal(await t.ready, true);
    await until(() => posts.length === 1);
    assert.equal(wasmUrls[0], new URL('../dist/liliput.min.wasm', import.meta.url).href);
    assert.deepEqual(posts[0].body.events.map((e) => e.type), ['npm-event']);
    assert.equal(t.stats().requests, 1);
    t.destroy();
  });

eachCore('a blank static profile id is no static id: tracker runs, one warning, stored id sent',
  async (variant) => {
    for (const blank of ['', '   ']) {
      const posts = [];
      const f = fakeEnv({ ...variant.env, fetchImpl: collector(WASM, posts, OK) });
      f.env.performance = performance;
      f.storage.setItem('tracardi-profile-id', '"prof-stored"');
      f.window.options = { tracker: { url: { api: 'http://c' }, source: { id: 'demo' }, profile: { id: blank } } };
      const factory = await variant.bootFactory();
      const mark = boot({ env: f.env, factory, scriptSrc: 'http://h/t/liliput.min.js' });
      f.window.tracker.track('a', {}, { fire: true });
      await until(() => posts.length === 1);
      assert.equal(mark.state, 'running', JSON.stringify(blank));
      assert.deepEqual(posts[0].body.profile, { id: 'prof-stored' });
      const warnings = f.logs.warn.map((a) => a.join(' ')).filter((m) => /profile\.id/.test(m));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /blank/);
      assert.equal(f.logs.error.length, 0, f.logs.error.join('\n'));
      mark.app.destroy();
    }
  });
