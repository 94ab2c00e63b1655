import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wirePageViews } from '../src/spa.js';
import { createTracker } from '../src/index.js';
import { FakeCore, fakeEnv, fakeFactory, OPTIONS } from '../test-support/fakes.js';

// A History whose methods live on its prototype, as in browsers, and move the fake location.
class FakeHistory {
  constructor(location) { this.location = location; this.length = 1; this.calls = []; }
  pushState(state, title, url) { this.calls.push(['push', url]); this.go(url); this.length++; }
  replaceState(state, title, url) { this.calls.push(['replace', url]); this.go(url); }
  go(url) {
    if (url === undefined || url === null) return;
    const u = new URL(String(url), this.location.href);
    if (u.origin !== new URL(this.location.href).origin) throw new Error('SecurityError');
    Object.assign(this.location, { href: u.href, pathname: u.pathname, hash: u.hash });
  }
}

// The page view is tracked one task after the navigation (spa.js): let that task run.
const settle = () => new Promise((r) => setTimeout(r, 1));

function setup(settings = { pageViews: 'history' }) {
  const f = fakeEnv({ href: 'https://shop.example/' });
  const history = new FakeHistory(f.env.location);
  f.window.history = history;
  const tracked = [];
  const unwire = wirePageViews(f.env, settings, (type, props) => tracked.push([type, props]));
  // Fragment navigation: the browser moves the URL, then fires popstate and hashchange.
  const hashTo = (hash) => {
    history.go(hash);
    f.window.dispatch('popstate');
    f.window.dispatch('hashchange');
  };
  return { f, history, tracked, unwire, hashTo };
}

test('pageViews "history": one page-view per navigation, none for same-URL updates', async () => {
  const { f, history, tracked, hashTo } = setup();
  history.pushState({}, '', '/products');
  await settle();
  history.pushState({ scroll: 1 }, '', '/products');  // same URL: state only
  await settle();
  history.replaceState({ scroll: 2 }, '');             // no URL: state only
  await settle();
  assert.equal(tracked.length, 1);
  history.replaceState({}, '', '/products?sort=price'); // URL changed: counts
  await settle();
  hashTo('#reviews');                                  // popstate + hashchange: one navigation
  await settle();
  history.go('/');                                     // back: the browser moved, then popstate
  f.window.dispatch('popstate');
  await settle();
  f.window.dispatch('popstate');                       // nothing moved
  await settle();
  assert.deepEqual(tracked, [['page-view', {}], ['page-view', {}], ['page-view', {}], ['page-view', {}]]);
  assert.equal(history.calls.length, 4, 'every call reached the real method');
});

test('the page view waits one task (the router sets the title after the URL); a redirect in that task counts once', async () => {
  const f = fakeEnv({ href: 'https://shop.example/' });
  const history = new FakeHistory(f.env.location);
  f.window.history = history;
  const seen = [];
  wirePageViews(f.env, { pageViews: 'history' }, () => seen.push([f.env.location.pathname, f.document.title]));
  history.pushState({}, '', '/old');
  history.replaceState({}, '', '/new');  // redirect within the same task
  queueMicrotask(() => { f.document.title = 'New'; });
  assert.deepEqual(seen, []);
  await settle();
  assert.deepEqual(seen, [['/new', 'New']]);
});

test('pageViews off by default and for false/null; another value warns once and does nothing', async () => {
  for (const value of [undefined, null, false]) {
    const { history, tracked, f } = setup({ pageViews: value });
    history.pushState({}, '', '/a');
    await settle();
    assert.deepEqual(tracked, []);
    assert.equal(Object.prototype.hasOwnProperty.call(history, 'pushState'), false);
    assert.equal(f.logs.warn.length, 0);
  }
  const { history, tracked, f } = setup({ pageViews: true });
  history.pushState({}, '', '/a');
  await settle();
  assert.deepEqual(tracked, []);
  assert.equal(f.logs.warn.length, 1);
  assert.match(f.logs.warn[0][0], /settings\.pageViews must be "history"/);
});

test('unwire restores history, keeps a wrapper installed before ours, leaves one installed after', async () => {
  const f = fakeEnv({ href: 'https://shop.example/' });
  const history = new FakeHistory(f.env.location);
  f.window.history = history;
  // Another library patched pushState before the tracker started.
  const theirs = [];
  const proto = FakeHistory.prototype.pushState;
  const before = function (...a) { theirs.push(a[2]); return proto.apply(this, a); };
  history.pushState = before;
  const tracked = [];
  const unwire = wirePageViews(f.env, { pageViews: 'history' }, (t) => tracked.push(t));
  assert.notEqual(history.pushState, before);
  history.pushState({}, '', '/x');
  await settle();
  assert.deepEqual([theirs, tracked], [['/x'], ['page-view']]);
  unwire();
  assert.equal(history.pushState, before, 'their wrapper is back');
  assert.equal(Object.prototype.hasOwnProperty.call(history, 'replaceState'), false, 'prototype method shows again');
  history.pushState({}, '', '/y');
  f.window.dispatch('popstate');
  await settle();
  assert.deepEqual(tracked, ['page-view'], 'nothing after unwire');
  assert.equal(f.window.count('popstate') + f.window.count('hashchange'), 0);

  // A library that wraps ours later keeps working after unwire; ours passes through silently.
  const unwire2 = wirePageViews(f.env, { pageViews: 'history' }, (t) => tracked.push(t));
  const ours = history.pushState;
  const after = function (...a) { theirs.push('after'); return ours.apply(this, a); };
  history.pushState = after;
  unwire2();
  assert.equal(history.pushState, after);
  history.pushState({}, '', '/z');
  await settle();
  assert.equal(f.env.location.pathname, '/z');
  assert.deepEqual(tracked, ['page-view']);

  // Unwired between the navigation and its page view: nothing is tracked.
  const unwire3 = wirePageViews(f.env, { pageViews: 'history' }, (t) => tracked.push(t));
  history.pushState({}, '', '/w');
  unwire3();
  await settle();
  assert.deepEqual(tracked, ['page-view']);
});

test('a navigation that throws still throws, tracks nothing; a throwing track does not reach the router', async () => {
  const { history, tracked } = setup();
  assert.throws(() => history.pushState({}, '', 'https://evil.example/'), /SecurityError/);
  await settle();
  assert.deepEqual(tracked, []);
  const f = fakeEnv({ href: 'https://shop.example/' });
  f.window.history = new FakeHistory(f.env.location);
  wirePageViews(f.env, { pageViews: 'history' }, () => { throw new Error('boom'); });
  assert.doesNotThrow(() => f.window.history.pushState({}, '', '/ok'));
  await settle();
  assert.equal(f.env.location.pathname, '/ok');
});

test('hostile settings and a missing history do not throw', () => {
  const f = fakeEnv();
  const hostile = { get pageViews() { throw new Error('getter'); } };
  assert.doesNotThrow(() => wirePageViews(f.env, hostile, () => {})());
  assert.doesNotThrow(() => wirePageViews(f.env, { pageViews: 'history' }, () => {})());  // history has no pushState
  assert.doesNotThrow(() => wirePageViews({ ...f.env, window: undefined }, { pageViews: 'history' }, () => {})());
});

test('createTracker with settings.pageViews: navigations reach the core with the new page context; destroy unpatches', async () => {
  const f = fakeEnv({ href: 'https://shop.example/' });
  const history = new FakeHistory(f.env.location);
  f.window.history = history;
  FakeCore.instances.length = 0;
  const options = { tracker: { ...OPTIONS.tracker, settings: { pageViews: 'history' } } };
  const t = createTracker(options, { env: f.env, factory: fakeFactory(), wasmUrl: 'https://x/w.wasm',
    loadExtras: () => import('../src/entries/extras.js') });
  history.pushState({}, '', '/while-loading');  // before the core and the extras chunk are there
  assert.equal(await t.ready, true);
  // spa.js arrives with the extras chunk (an import()); it wraps pushState when it does.
  for (let i = 0; i < 200 && !Object.prototype.hasOwnProperty.call(history, 'pushState'); i++) await settle();
  await settle();
  const core = FakeCore.instances[0];
  history.pushState({}, '', '/cart');
  await settle();
  const tracks = core.named('track').map((c) => c[1]);
  assert.deepEqual(tracks, ['page-view', 'page-view']);
  const pages = core.named('setPageContext').map((c) => JSON.parse(c[1]).page.path);
  assert.equal(pages.at(-1), '/cart', 'the page context was re-read for the new URL');
  t.destroy();
  assert.equal(Object.prototype.hasOwnProperty.call(history, 'pushState'), false);
  assert.equal(f.window.count('popstate'), 0);
});

test('calls made while the core loads keep the page they were made on (URL, title)', async () => {
  const f = fakeEnv({ href: 'https://shop.example/a' });
  const history = new FakeHistory(f.env.location);
  f.window.history = history;
  f.document.title = 'Page A';
  FakeCore.instances.length = 0;
  const t = createTracker(OPTIONS, { env: f.env, factory: fakeFactory(), wasmUrl: 'https://x/w.wasm' });
  t.track('seen-on-a', {});
  history.pushState({}, '', '/b');  // an SPA navigation before the core is ready
  f.document.title = 'Page B';
  t.track('seen-on-b', {});
  assert.equal(await t.ready, true);
  await settle();
  const core = FakeCore.instances[0];
  // The page context the core held when it took each call.
  let page = null;
  const seen = {};
  for (const c of core.calls) {
    if (c[0] === 'setPageContext') page = c[1] ? JSON.parse(c[1]).page : null;
    if (c[0] === 'track') seen[c[1]] = page && { path: page.path, title: page.title };
  }
  assert.deepEqual(seen['seen-on-a'], { path: '/a', title: 'Page A' });
  assert.deepEqual(seen['seen-on-b'], { path: '/b', title: 'Page B' });
  t.track('after', {});
  await settle();
  assert.deepEqual(page && { path: page.path, title: page.title }, { path: '/b', title: 'Page B' });
});
