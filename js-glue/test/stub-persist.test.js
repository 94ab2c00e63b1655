import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installStub, persistCalls, STUB_KEY as LEGACY_KEY, stubKey, MARK } from '../src/stub.js';
import { STUB_MAX_CHARS } from '../src/limits.js';

const STUB_KEY = stubKey('src-1');  // the source of win() and of fakes.js OPTIONS
import { FakeStorage, FakeEventTarget } from '../test-support/fakes.js';

function win(href = 'https://shop.example/a?x=1') {
  const w = new FakeEventTarget();
  w.localStorage = new FakeStorage();
  w.location = { href };
  w.document = { title: 'Page A', referrer: 'https://ref.example/' };
  w.options = { tracker: { source: { id: 'src-1' } } };
  return w;
}

test('stub: calls no core took are persisted on pagehide with their time and page', () => {
  const w = win();
  const con = { error() {}, warn() {} };
  installStub(w, con);
  w.tracker.track('page-view', { a: 1 });
  w.tracker.track('fn-arg', { f: () => 1 });  // functions are left out of JSON, as JSON.stringify does
  w.dispatch('pagehide');
  const pages = JSON.parse(w.localStorage.getItem(STUB_KEY));
  assert.equal(pages.length, 1);
  assert.equal(pages[0].u, 'https://shop.example/a?x=1');
  assert.equal(pages[0].t, 'Page A');
  assert.deepEqual(pages[0].c.map((c) => c[0][0]), ['page-view', 'fn-arg']);
  assert.equal(typeof pages[0].c[0][1], 'number');
  assert.equal(w.tracker[MARK].queue.length, 0, 'taken: a runtime arriving later does not replay them too');
  w.dispatch('pagehide');  // nothing left: nothing written again
  assert.equal(JSON.parse(w.localStorage.getItem(STUB_KEY)).length, 1);
});

// Issue 20, a slow CPU (CI of session 15: 0 of 20 with the clicks made while booting, none kept
// for the next visit): a link followed before the core's bytes arrived cannot rush the core, and
// the page may be torn down before its pagehide runs. The calls are kept as the navigation away
// starts (a core that starts after all takes this page's record back: runtime.test.js).
test('stub: calls no core took are kept as a navigation away starts, not for one within the document', () => {
  for (const [destination, kept] of [[{ sameDocument: false }, 2], [{ sameDocument: true }, 0]]) {
    const w = win();
    w.navigation = new FakeEventTarget();
    installStub(w, { error() {}, warn() {} });
    w.tracker.track('click', { n: 0 }, { fire: true });
    w.tracker.track('click', { n: 1 }, { fire: true });
    w.navigation.dispatch('navigate', { destination });
    const pages = JSON.parse(w.localStorage.getItem(STUB_KEY) || '[]');
    assert.equal(pages.flatMap((p) => p.c).length, kept, JSON.stringify(destination));
    w.dispatch('pagehide');  // later: only what came since is added, nothing twice
    assert.equal(JSON.parse(w.localStorage.getItem(STUB_KEY)).flatMap((p) => p.c).length, 2);
  }
});

test('stub: the bound is counted, across pages too; cyclic arguments are counted as dropped', () => {
  const w = win();
  installStub(w, { error() {}, warn() {} });
  for (let i = 0; i < 1005; i++) w.tracker.track('e', { i });
  assert.equal(w.tracker[MARK].dropped, 5);
  w.dispatch('pagehide');
  const cyc = {};
  cyc.self = cyc;
  const w2 = win('https://shop.example/b');
  w2.localStorage = w.localStorage;
  persistCalls(w2, [[['x', {}], 1], [['cyc', cyc], 2]], 0);
  const pages = JSON.parse(w.localStorage.getItem(STUB_KEY));
  const total = pages.reduce((n, p) => n + p.c.length, 0);
  assert.equal(total, 1000);
  const dropped = pages.reduce((n, p) => n + p.d, 0);
  assert.equal(dropped, 5 + 1 + 1, 'the first page\'s 5, the cyclic call, one pushed out by the bound');
  assert.equal(pages.at(-1).u, 'https://shop.example/b');
});

test('runtime: a previous page\'s kept calls are replayed first, with their time and page; stats count them', async () => {
  const { boot } = await import('../src/tracker-runtime.js');
  const { FakeCore, fakeEnv, fakeFactory, tick, OPTIONS } = await import('../test-support/fakes.js');
  const f = fakeEnv();
  f.window.options = structuredClone(OPTIONS);
  f.storage.setItem(LEGACY_KEY, JSON.stringify([{ u: 'https://shop.example/old?q=1', t: 'Old page', r: '', d: 3,
    c: [[['bounced', { a: 1 }], 12345], [['bounced-fire', {}, { fire: true }], 12346]] }]));
  FakeCore.instances.length = 0;
  boot({ env: f.env, factory: fakeFactory(), scriptSrc: 'https://cdn.example/t/liliput.min.js' });
  f.window.tracker.track('this-page', {});
  await tick();
  await tick();
  const core = FakeCore.instances[0];
  const tracks = core.named('track');
  assert.deepEqual(tracks.map((c) => c[1]), ['bounced', 'bounced-fire', 'this-page']);
  assert.equal(tracks[0][6], 12345);
  const ctxCalls = core.calls.filter((c) => c[0] === 'setPageContext' || c[0] === 'track').map((c) =>
    c[0] === 'track' ? c[1] : JSON.parse(c[1] || '{}').page?.url);
  const i = ctxCalls.indexOf('bounced');
  assert.equal(ctxCalls[i - 1], 'https://shop.example/old?q=1', 'replayed with the page it was tracked on');
  assert.equal(ctxCalls[ctxCalls.indexOf('this-page') - 1], 'https://shop.example/p/1?x=1#top');
  assert.equal(f.storage.getItem(LEGACY_KEY), null, 'an earlier build\'s unscoped key is read once');
  const st = f.window.tracker.stats();
  assert.equal(st.stubReplayed, 2);
  assert.equal(st.stubDropped, 3);
});

// Issue 20: the key was shared by every source of the origin (a page of source A replayed into
// source B's API) and had no size bound.
test('stub: kept calls are scoped to their source and bounded in size', async () => {
  const w = win();
  installStub(w, { error() {}, warn() {} });
  const big = 'x'.repeat(4096);
  for (let i = 0; i < 400; i++) w.tracker.track('e', { i, big });  // ~1.6 MB of calls
  w.dispatch('pagehide');
  const text = w.localStorage.getItem(STUB_KEY);
  assert.ok(text.length <= STUB_MAX_CHARS, `${text.length} <= ${STUB_MAX_CHARS}`);
  const pages = JSON.parse(text);
  assert.ok(pages[0].c.length > 0 && pages[0].d > 0, 'oldest dropped and counted');
  assert.equal(pages[0].c.at(-1)[0][1].i, 399, 'the newest kept');
  assert.equal(w.localStorage.getItem(LEGACY_KEY), null);

  const { boot } = await import('../src/tracker-runtime.js');
  const { FakeCore, fakeEnv, fakeFactory, tick, OPTIONS } = await import('../test-support/fakes.js');
  const f = fakeEnv();
  f.window.options = structuredClone(OPTIONS);
  f.storage.setItem(stubKey('other-source'), JSON.stringify([{ u: 'https://shop.example/o', t: '', r: '', d: 0,
    c: [[['not-mine', {}], 1]] }]));
  f.storage.setItem(STUB_KEY, JSON.stringify([{ u: 'https://shop.example/m', t: '', r: '', d: 0,
    c: [[['mine', {}], 2]] }]));
  FakeCore.instances.length = 0;
  boot({ env: f.env, factory: fakeFactory(), scriptSrc: 'https://cdn.example/t/liliput.min.js' });
  await tick();
  await tick();
  assert.deepEqual(FakeCore.instances[0].named('track').map((c) => c[1]), ['mine']);
  assert.equal(f.storage.getItem(STUB_KEY), null);
  assert.notEqual(f.storage.getItem(stubKey('other-source')), null, 'another source\'s calls wait for it');
});

// Issue 22: without the visitor's consent nothing is written, the calls the loader queued
// included; tracker.consent() on the queue is its last word (the runtime gives it to the core).
test('stub: with consent pending or denied a pagehide keeps nothing; granted on the queue, it keeps the calls', () => {
  for (const [settings, said, kept] of [[{ consent: 'pending' }, undefined, false], [{ consent: 'denied' }, undefined, false],
    [{ consent: 'pending' }, 'granted', true], [{}, 'denied', false], [{}, undefined, true]]) {
    const w = win();
    w.options.tracker.settings = settings;
    installStub(w, { error() {}, warn() {} });
    w.tracker.track('page-view', {});
    if (said) w.tracker.consent(said);
    assert.equal(w.tracker[MARK].consent, said);
    w.dispatch('pagehide');
    assert.equal(w.localStorage.getItem(STUB_KEY) !== null, kept, JSON.stringify([settings, said]));
    assert.equal(w.localStorage.length, kept ? 1 : 0);
  }
});
