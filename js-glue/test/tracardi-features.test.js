// Issue 11 items 4 and 5: Tracardi's context parts and options, auto.triggers, UX widgets. Unit
// tests on fakes for the DOM rules; the wire effects against the real core (when it is built).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createUxInjector } from '../src/ux.js';
import { wireAutoTriggers } from '../src/auto-triggers.js';
import { readContextSources, GPU_CACHE_KEY } from '../src/context-sources.js';
import { startContextSources } from '../src/context-later.js';
import { buildContext, buildPageContext } from '../src/context.js';
import { boot } from '../src/tracker-runtime.js';
import { fakeEnv, FakeElement, fakeResponse } from '../test-support/fakes.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const GLUE = here('../../build-wasm/wasm/bindings/tracker-core.mjs');
const WASM = here('../../build-wasm/wasm/bindings/tracker-core.wasm');
const haveCore = existsSync(GLUE) && existsSync(WASM);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out: ' + cond);
    await wait(5);
  }
}
const TRACKER = { url: { api: 'https://api.example:8686' }, source: { id: 's' } };

test('ux: allow-listed tags only; script/iframe src only from the API origin or uxOrigins', () => {
  const f = fakeEnv();
  const inject = createUxInjector(f.env, { ...TRACKER, settings: { uxOrigins: ['https://cdn.example'] } });
  const n = inject([
    { tag: 'div', props: { class: 'tracardi-uix-consent', onclick: 'alert(1)', ONLOAD: 'x' }, content: '<img src=x onerror=alert(1)>' },
    { tag: 'script', props: { src: 'https://api.example:8686/uix/consent/index.js', onload: 'x', nonsense: 'y' } },
    { tag: 'script', props: { src: 'https://cdn.example/w.js' } },
    { tag: 'script', props: { src: 'https://evil.example/uix/x.js' } },
    { tag: 'iframe', props: { src: '//evil.example/frame' } },
    { tag: 'iframe', props: { src: 'https://api.example:8686/uix/frame.html', srcdoc: '<script>x</script>' } },
    { tag: 'a', props: { href: ' java\tscript:alert(1)', title: 'ok' } },
    { tag: 'base', props: { href: 'https://evil.example/' } },
    { tag: 'meta', props: { 'http-equiv': 'refresh', content: '0;url=https://evil.example' } },
    { tag: 'style', props: {}, content: 'body{display:none}' },
    { tag: 'img src=x', props: {} },
    { tag: 'div', props: { nonce: 'stolen', 'bad name': 1 } },
  ]);
  const kids = f.document.body.children;
  assert.deepEqual(kids.map((k) => k.tagName), ['DIV', 'SCRIPT', 'SCRIPT', 'IFRAME', 'A', 'DIV']);
  assert.equal(n, 6);
  assert.deepEqual(kids[0].attributes, { class: 'tracardi-uix-consent' });
  assert.equal(kids[0].textContent, '<img src=x onerror=alert(1)>');
  assert.deepEqual(kids[1].attributes, { src: 'https://api.example:8686/uix/consent/index.js' });
  assert.deepEqual(kids[2].attributes, { src: 'https://cdn.example/w.js' });
  assert.deepEqual(kids[3].attributes, { src: 'https://api.example:8686/uix/frame.html' });
  assert.deepEqual(kids[4].attributes, { title: 'ok' });
  assert.deepEqual(kids[5].attributes, {});
  const warned = f.logs.warn.map((a) => a[0]).join('\n');
  assert.match(warned, /<script> from https:\/\/evil\.example skipped/);
  assert.match(warned, /<iframe> from https:\/\/evil\.example skipped/);
  assert.match(warned, /<base> skipped/);
});

test('ux: an identical item is injected once per page; inline script needs the site nonce', () => {
  const f = fakeEnv();
  const inject = createUxInjector(f.env, TRACKER);
  const widgets = [{ tag: 'div', props: { class: 'w' }, content: 'hi' },
    { tag: 'script', props: { type: 'text/javascript' }, content: 'window.x = 1' },
    { tag: 'script', props: {}, content: 'window.y = 2' }];
  assert.equal(inject(widgets), 1);
  assert.equal(inject(widgets), 0);  // the next batch answers the same widgets
  assert.equal(f.document.body.children.length, 1);
  const inline = f.logs.warn.filter((a) => /"Javascript tag" widget/.test(a[0]));
  assert.equal(inline.length, 1, 'one warning naming the widget');
  assert.match(inline[0][0], /settings\.uxNonce/);

  const g = fakeEnv();
  const withNonce = createUxInjector(g.env, { ...TRACKER, settings: { uxNonce: 'n0nce' } });
  assert.equal(withNonce(widgets), 3);
  const [, s1, s2] = g.document.body.children;
  assert.deepEqual(s1.attributes, { type: 'text/javascript', nonce: 'n0nce' });
  assert.equal(s1.textContent, 'window.x = 1');
  assert.equal(s2.textContent, 'window.y = 2');
  assert.equal(g.logs.warn.length, 0);
});

// A DOM with tagged elements, an IntersectionObserver and a selection.
function triggerDom() {
  const f = fakeEnv();
  const els = ['product', 'product', 'title', 'other'].map((tag) => {
    const el = new FakeElement('div');
    el.setAttribute('data-tracardi-tag', tag);
    return el;
  });
  f.document.querySelectorAll = (sel) => (sel === '[data-tracardi-tag]' ? els : []);
  let selection = '';
  f.window.getSelection = () => ({ toString: () => selection });
  const observers = [];
  f.window.IntersectionObserver = class {
    constructor(cb, opts) { this.cb = cb; this.opts = opts; this.targets = new Set(); observers.push(this); }
    observe(el) { this.targets.add(el); }
    unobserve(el) { this.targets.delete(el); }
    disconnect() { this.targets.clear(); }
    show(el) { if (this.targets.has(el)) this.cb([{ target: el, isIntersecting: true }], this); }
  };
  return { f, els, observers, select(s) { selection = s; } };
}

test('auto.triggers: onVisible once per element; onTextSelect/onMouseOver send the selection, fire', () => {
  const { f, els, observers, select } = triggerDom();
  const sent = [];
  const off = wireAutoTriggers(f.env, [
    { tag: 'product', trigger: 'onVisible', data: { event: 'image-viewed', properties: { p: 1 }, options: { save: false } } },
    { tag: 'title', trigger: 'onTextSelect', data: { event: 'text-selected' } },
    { tag: 'product', trigger: 'onMouseOver', data: { event: 'hovered', properties: { k: 'v' } } },
    { tag: 'title', trigger: 'onSwipe', data: { event: 'x' } },
    { tag: 'title', data: {} },
  ], (...args) => sent.push(args));
  assert.equal(observers.length, 1);
  assert.equal(observers[0].opts.threshold, 0.1);
  observers[0].show(els[0]);
  observers[0].show(els[0]);  // seen again: not resent
  observers[0].show(els[3]);  // not tagged "product"
  assert.deepEqual(sent, [['image-viewed', { p: 1 }, { save: false, fire: true }]]);
  sent.length = 0;
  els[2].dispatch('mouseup');  // nothing selected
  select('Hello');
  els[2].dispatch('mouseup');
  els[2].dispatch('touchend');  // the same gesture on a touch screen: not twice
  select('World');
  els[2].dispatch('mouseup');
  els[1].dispatch('mouseover');
  els[1].dispatch('mouseover');
  assert.deepEqual(sent, [
    ['text-selected', { text: 'Hello' }, { fire: true }],
    ['text-selected', { text: 'World' }, { fire: true }],
    ['hovered', { k: 'v', text: 'World' }, { fire: true }],
  ]);
  assert.equal(f.logs.warn.length, 2, 'unknown trigger and malformed item named');
  off();
  select('Again');
  els[2].dispatch('mouseup');
  assert.equal(sent.length, 3);
});

test('auto.triggers while the DOM is parsed: wired at DOMContentLoaded (the chunk waits itself); unwired before, never', () => {
  const trigger = [{ tag: 'product', trigger: 'onVisible', data: { event: 'image-viewed' } }];
  let { f, observers } = triggerDom();
  f.document.readyState = 'loading';
  wireAutoTriggers(f.env, trigger, () => {});
  assert.equal(observers.length, 0, 'the tagged elements may not be parsed yet');
  f.document.dispatch('DOMContentLoaded');
  assert.equal(observers.length, 1);
  ({ f, observers } = triggerDom());
  f.document.readyState = 'loading';
  wireAutoTriggers(f.env, trigger, () => {})();
  f.document.dispatch('DOMContentLoaded');
  assert.equal(observers.length, 0);
  assert.equal(f.document.count('DOMContentLoaded'), 0);
});

test('context parts: device from Tracardi loader or the GPU cache, location from the page only, per-event ga', () => {
  const f = fakeEnv();
  f.document.jar.set('_ga', 'GA1.1.123');
  const gpu = { vendor: { id: 37445, name: 'V' }, renderer: { id: 37446, renderer: 'R' } };
  // Tracardi's loader hands the GPU over in options.context.
  let extra = readContextSources(f.env, { tracker: TRACKER, context: { gpu } });
  assert.deepEqual(buildContext(f.env, TRACKER, extra).device, { gpu });
  // Our tracker's cache of its own probe.
  f.storage.setItem(GPU_CACHE_KEY, JSON.stringify(gpu));
  extra = readContextSources(f.env, { tracker: TRACKER });
  assert.deepEqual(buildContext(f.env, TRACKER, extra).device, { gpu });
  const off = { ...TRACKER, context: { gpu: false } };
  assert.equal(buildContext(f.env, off, readContextSources(f.env, { tracker: off })).device, undefined);
  // Location: a page value; true only reads Tracardi's __tr_geo cookie and warns, never fetches.
  const here2 = { ...TRACKER, context: { location: { city: 'Wroclaw' } } };
  assert.deepEqual(buildContext(f.env, here2, readContextSources(f.env, { tracker: here2 })).location, { city: 'Wroclaw' });
  const lookup = { ...TRACKER, context: { location: true } };
  f.document.jar.set('__tr_geo', encodeURIComponent('{"city":"Berlin"}'));
  extra = readContextSources(f.env, { tracker: lookup });
  assert.deepEqual(buildContext(f.env, lookup, extra).location, { city: 'Berlin' });
  assert.equal(extra.later, true, 'the extras chunk warns about location: true');
  assert.equal(readContextSources(f.env, { tracker: here2 }).later, undefined, 'nothing left to fetch or probe');
  startContextSources(f.env, { tracker: lookup }, extra, () => {});
  assert.equal(f.fetchCalls.length, 0, 'no geolocation service is called');
  assert.match(f.logs.warn[0][0], /never calls a geolocation service/);
  // Per event: ga always (as Tracardi's tracker), performance only when asked for.
  f.env.performance.getEntriesByType = () => [{ toJSON: () => ({ name: 'x', domComplete: 12.5, serverTiming: [] }) }];
  assert.equal(buildPageContext(f.env, TRACKER).ga, 'GA1.1.123');
  assert.equal(buildPageContext(f.env, TRACKER).performance, undefined);
  const perf = { ...TRACKER, context: { performance: true, page: false } };
  assert.deepEqual(buildPageContext(f.env, perf), { ga: 'GA1.1.123', performance: { name: 'x', domComplete: 12.5 } });
});

test('external: a cached answer at once, else one fetch of the site URL, cached, then refresh', async () => {
  const f = fakeEnv({ fetchImpl: async () => ({ json: async () => ({ segment: 'vip' }) }) });
  const opts = { tracker: { ...TRACKER, external: [
    { url: 'https://site.example/api/seg', method: 'post', body: { a: 1 }, storage: 'seg-cache', key: 'segment' },
    { url: 'https://site.example/api/cached', storage: 'other-cache', key: 'other' },
    { url: 'https://site.example/api/bad', storage: 'x', key: 'time' },  // never over our own keys
  ] } };
  f.storage.setItem('other-cache', JSON.stringify({ k: 1 }));
  const extra = readContextSources(f.env, opts);
  assert.deepEqual(extra.external, { other: { k: 1 } });
  assert.equal(extra.later, true, 'two answers are not cached yet');
  let refreshed = 0;
  startContextSources(f.env, opts, extra, () => { refreshed++; });
  await until(() => refreshed === 2);
  assert.deepEqual(f.fetchCalls.map((c) => c.url), ['https://site.example/api/seg', 'https://site.example/api/bad']);
  assert.equal(f.fetchCalls[0].init.method, 'POST');
  assert.equal(f.fetchCalls[0].init.body, '{"a":1}');
  assert.equal(f.fetchCalls[0].init.credentials, 'omit');
  assert.equal(f.storage.getItem('seg-cache'), '{"segment":"vip"}');
  const ctx = buildContext(f.env, opts.tracker, extra);
  assert.deepEqual(ctx.segment, { segment: 'vip' });
  assert.deepEqual(ctx.other, { k: 1 });
  assert.equal(typeof ctx.time.local, 'string');
});

const OK = (profile = 'prof-srv', ux = []) => new Response(JSON.stringify({ task: 't', ux, response: {},
  profile: { id: profile }, session: { id: 'x' }, errors: [], warnings: [] }), { status: 200 });

async function realPage(options, { reply = () => OK(), setup = () => {}, navigator } = {}) {
  const posts = [];
  const f = fakeEnv({ navigator, readyState: 'loading', fetchImpl: async (url, init) => {
    if (url.endsWith('.wasm')) return new Response(readFileSync(WASM), { headers: { 'Content-Type': 'application/wasm' } });
    if (!url.endsWith('/track')) return fakeResponse(404, '');
    posts.push({ url, init, body: JSON.parse(init.body) });
    return reply(posts.length);
  } });
  f.env.performance = performance;
  f.window.options = options;
  setup(f);
  const { default: factory } = await import(GLUE);
  const mark = boot({ env: f.env, factory, scriptSrc: 'http://h/tracker/liliput.min.js',
    loadExtras: () => import('../src/entries/extras.js') });
  return { f, posts, mark };
}

test('real core: unknown and unsupported options.tracker keys are named in one warning at start',
  { skip: !haveCore && 'wasm core not built' }, async () => {
    const { f, mark } = await realPage({ tracker: { ...TRACKER, sesion: {}, settings: { debugg: true },
      context: { cookies: true, performance: true }, auto: { event: [] } } });
    await until(() => mark.state === 'running');
    const warns = f.logs.warn.map((a) => a[0]).filter((m) => /options\.tracker has keys/.test(m));
    assert.equal(warns.length, 1, JSON.stringify(f.logs.warn));
    for (const k of ['options.tracker.sesion', 'options.tracker.settings.debugg',
      'options.tracker.context.cookies (not supported', 'options.tracker.auto.event']) {
      assert.ok(warns[0].includes(k), `${k} in ${warns[0]}`);
    }
    assert.ok(!warns[0].includes('performance'));
    mark.app.destroy();
  });

test('real core: events up to 512 KB cross into the core and leave alone on a plain fetch',
  { skip: !haveCore && 'wasm core not built' }, async () => {
    const { f, posts, mark } = await realPage({ tracker: TRACKER });
    await until(() => mark.state === 'running');
    const big = { blob: 'x'.repeat(500 * 1024) };
    f.window.tracker.track('big', big);
    f.window.tracker.track('small', {});
    f.window.tracker.track('too-big', { blob: 'x'.repeat(513 * 1024) });
    f.document.readyState = 'complete';
    f.window.dispatch('load');
    await until(() => posts.length >= 1 && posts.flatMap((p) => p.body.events).length === 2);
    const bigPost = posts.find((p) => p.body.events.some((e) => e.type === 'big'));
    assert.equal(bigPost.body.events.length, 1);
    assert.equal(bigPost.body.events[0].properties.blob.length, 500 * 1024);
    assert.notEqual(bigPost.init.keepalive, true);
    assert.ok(f.logs.error.some((a) => /too-big.*larger than the 524288-byte limit/.test(a[0])), JSON.stringify(f.logs.error));
    mark.app.destroy();
  });

test('real core: context parts, per-event ga, __tr_pid then __tr_id, UX widgets from the answer',
  { skip: !haveCore && 'wasm core not built' }, async () => {
    const gpu = { vendor: { id: 37445, name: 'V' }, renderer: { id: 37446, renderer: 'R' } };
    let located = false;
    const ux = [{ tag: 'div', props: { class: 'tracardi-uix-snackbar' }, content: 'Hi' },
      { tag: 'script', props: { src: 'https://evil.example/x.js' } }];
    const { f, posts, mark } = await realPage({ tracker: { ...TRACKER,
      context: { location: () => { located = true; return Promise.resolve({ city: 'Oslo' }); } },
      external: [{ url: 'https://site.example/seg', storage: 'seg', key: 'segment' }] }, context: { gpu } },
    { setup: (g) => {
      g.document.jar.set('_ga', 'GA1.1.9');
      g.storage.setItem('seg', JSON.stringify({ tier: 'gold' }));
    }, reply: () => OK('prof-srv', ux) });
    await until(() => mark.state === 'running');
    f.window.tracker.track('page-view', {});
    await until(() => located);  // the extras chunk called the page's location hook
    await wait(5);  // and its promise settled
    f.document.readyState = 'complete';
    f.window.dispatch('load');
    await until(() => posts.length === 1);
    const b = posts[0].body;
    assert.deepEqual(b.context.device, { gpu });
    assert.deepEqual(b.context.location, { city: 'Oslo' });
    assert.deepEqual(b.context.segment, { tier: 'gold' });
    assert.equal(b.events[0].context.ga, 'GA1.1.9');
    await until(() => f.document.body.children.length === 1);
    await wait(5);
    assert.equal(f.document.body.children[0].textContent, 'Hi');
    assert.equal(f.storage.getItem('__tr_pid'), '"prof-srv"');
    assert.ok(f.document.cookieWrites.some((c) => /^__tr_pid=prof-srv; path=\/; SameSite=Lax/.test(c)));
    assert.equal(f.storage.getItem('__tr_id'), null);
    // The next batch answers the same widgets: not injected again.
    f.window.tracker.track('later', {}, { fire: true });
    await until(() => posts.length === 2);
    await wait(10);
    assert.equal(f.document.body.children.length, 1);
    mark.app.destroy();

    // A later page (a profile id is stored): __tr_id gets the latest answer.
    const next = await realPage({ tracker: TRACKER }, { reply: () => OK('prof-merged'),
      setup: (g) => g.storage.setItem('tracardi-profile-id', '"prof-srv"') });
    await until(() => next.mark.state === 'running');
    next.f.window.tracker.track('page-view', {});
    next.f.document.readyState = 'complete';
    next.f.window.dispatch('load');
    await until(() => next.f.storage.getItem('__tr_id') !== null);
    assert.equal(next.f.storage.getItem('__tr_id'), '"prof-merged"');
    assert.equal(next.f.storage.getItem('__tr_pid'), null);
    next.mark.app.destroy();
  });

test('real core: cookies disabled calls listeners.onCookiesDisabled (not onInit) and keeps tracking',
  { skip: !haveCore && 'wasm core not built' }, async () => {
    const calls = [];
    const { f, posts, mark } = await realPage({ tracker: TRACKER, listeners: {
      onCookiesDisabled: (p) => calls.push(['disabled', typeof p.tracker.track, typeof p.helpers.track]),
      onInit: () => calls.push(['init']) } }, { navigator: { cookieEnabled: false } });
    await until(() => mark.state === 'running');
    assert.deepEqual(calls, [['disabled', 'function', 'function']]);
    assert.ok(f.logs.error.some((a) => a[0] === '[Tracker] Cookies disabled.'));
    f.window.tracker.track('page-view', {});
    f.document.readyState = 'complete';
    f.window.dispatch('load');
    await until(() => posts.length === 1);
    mark.app.destroy();
  });

test('real core: auto.triggers send their events at once through the core',
  { skip: !haveCore && 'wasm core not built' }, async () => {
    let dom;
    const { f, posts, mark } = await realPage({ tracker: { ...TRACKER, auto: { triggers: [
      { tag: 'product', trigger: 'onVisible', data: { event: 'image-viewed', properties: { id: 7 } } }] } } },
    { setup: (g) => {
      const t = triggerDom();
      g.document.querySelectorAll = t.f.document.querySelectorAll;
      g.window.IntersectionObserver = t.f.window.IntersectionObserver;
      dom = t;
    } });
    await until(() => mark.state === 'running');
    f.document.readyState = 'interactive';
    f.document.dispatch('DOMContentLoaded');  // triggers are wired on the parsed DOM
    await until(() => dom.observers.length === 1);
    dom.observers[0].show(dom.els[0]);
    await until(() => posts.length === 1);
    assert.deepEqual(posts[0].body.events.map((e) => [e.type, e.properties]), [['image-viewed', { id: 7 }]]);
    mark.app.destroy();
  });
