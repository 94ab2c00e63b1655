// The tab protocol through the glue with the real core (the decisions are the core's: wasm
// tab_protocol; tabs.js only performs them): several fake tabs of one fake browser (Web Locks,
// BroadcastChannel, localStorage shared), each a real core behind a real host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHost } from '../src/core-host.js';
import { createStorage } from '../src/storage.js';
import { openCore } from '../src/core-handle.js';
import { stubKey, keptPrefix, persistCalls } from '../src/stub.js';
import { fakeEnv, fakeBrowser, fakeResponse } from '../test-support/fakes.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const GLUE = here('../../build-wasm/wasm/bindings/tracker-core.mjs');
const WASM = here('../../build-wasm/wasm/bindings/tracker-core.wasm');
const skip = !(existsSync(GLUE) && existsSync(WASM)) && 'wasm core not built';
const OPTIONS = { tracker: { url: { script: 'https://cdn.example/t', api: 'https://api.example' },
  source: { id: 's' } } };
const BASE = 'wasm-tracker:v2:s';
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

let M = null;
async function module() {
  M ??= await (await import(GLUE)).default({
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(readFileSync(WASM), imports).then((r) => done(r.instance, r.module));
    },
  });
  return M;
}

async function until(cond, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

// One browser: its collector counts every event id it stored (answers 200).
function browserWith(extra = {}) {
  const browser = fakeBrowser();
  const got = [];  // event ids, one per arrival
  const fetchImpl = async (url, init) => {
    for (const e of JSON.parse(init.body).events) got.push(e.properties?.n ?? e.id);
    return fakeResponse(200, '{}');
  };
  return { browser, got, fetchImpl, ...extra };
}

async function openTab(b, envOpts = {}) {
  const Mod = await module();
  const f = fakeEnv({ browser: b.browser, fetchImpl: b.fetchImpl, ...envOpts });
  // The real clocks: the core's timers (settle, resend, lease) run on them.
  f.env.performance.now = () => performance.now();
  f.env.Date = { now: () => Date.now() };
  // envOpts.trap: {on}: while on, every call into this tab's module throws as a wasm trap does.
  const trap = envOpts.trap;
  const mod = trap ? new Proxy(Mod, { get: (t, n) => (typeof t[n] !== 'function' || n === 'destroy' ? t[n]
    : (...a) => { if (trap.on) throw new WebAssembly.RuntimeError('unreachable'); return t[n](...a); }) }) : Mod;
  const core = openCore(mod, JSON.stringify(OPTIONS));
  const host = createHost({ env: f.env, core, contract: Mod, options: OPTIONS, storage: createStorage(f.env, 's'),
    keptCalls: envOpts.keptCalls?.(f), keptKeys: isKept });
  host.start();
  return { f, host, core };
}

// openTab's keptCalls: the calls kept for the source (an earlier build's key, and a key per write
// under its prefix: stub.js persistCalls), as this tab reads them (tracker-app.js).
const isKept = (k) => k === stubKey('s') || k.startsWith(keptPrefix('s'));
const keptCalls = (f) => () => {
  const ls = f.env.localStorage();
  const keys = [];
  for (let i = 0; i < ls.length; i++) if (isKept(ls.key(i))) keys.push(ls.key(i));
  return keys.length ? { keys, pages: keys.flatMap((k) => [].concat(JSON.parse(ls.getItem(k)))), dropped: 0 } : null;
};

const leaders = (...tabs) => tabs.filter((t) => t.host.stats()?.tabs.leader).length;
const copies = (got) => got.length - new Set(got).size;

test('Web Locks: one tab leads; a follower\'s event reaches it once and the hand-over is confirmed', { skip }, async () => {
  const b = browserWith();
  const a = await openTab(b);
  await until(() => leaders(a) === 1, 2000, 'a leads');
  const c = await openTab(b);
  await wait(300);
  assert.equal(leaders(a, c), 1);
  assert.equal(c.host.stats().tabs.leader, false);
  a.host.onLoad();
  c.host.onLoad();
  c.host.track('later', { n: 'c1' });
  await until(() => c.host.stats().transferred === 1, 2000, 'handed over');
  a.host.flush();
  await until(() => b.got.includes('c1'), 2000, 'delivered');
  await until(() => c.host.stats().tabs.pendingHandovers === 0, 3000, 'confirmed');
  await wait(1200);  // a re-post (none expected) would have been sent and adopted by now
  a.host.flush();
  await wait(50);
  assert.equal(copies(b.got), 0);
  a.host.destroy();
  c.host.destroy();
});

test('Web Locks: the leader goes away; the next tab leads and delivers what it had handed over', { skip }, async () => {
  const b = browserWith();
  const { a, c } = await leaderAndFollower(b);
  a.host.destroy();
  c.host.track('later', { n: 'c2' });
  await until(() => leaders(c) === 1, 3000, 'c elected');
  c.host.flush();
  await until(() => b.got.includes('c2'), 3000, 'delivered');
  assert.equal(copies(b.got), 0);
  c.host.destroy();
});

// A leader `a` and a follower `c`, both loaded; `opts` go to both tabs, `leaderOpts` to `a` only.
async function leaderAndFollower(b, opts = {}, leaderOpts = {}) {
  const a = await openTab(b, { ...opts, ...leaderOpts });
  await until(() => leaders(a) === 1);
  const c = await openTab(b, opts);
  a.host.onLoad();
  c.host.onLoad();
  return { a, c };
}

// A leader `a` whose module traps once `trap.on`, and a follower `c`, both loaded.
async function leaderThatWillTrap(b, opts = {}) {
  const trap = { on: false };
  return { ...(await leaderAndFollower(b, opts, { trap })), trap };
}

test('a leader whose core traps lets the election go: another tab leads and delivers', { skip }, async () => {
  const b = browserWith();
  const { a, c, trap } = await leaderThatWillTrap(b);
  trap.on = true;  // every call into the leader's module now traps (a wasm RuntimeError)
  a.host.flush();
  assert.ok(a.host.degraded, 'the leader\'s core is dead');
  c.host.track('later', { n: 'c3' });
  await until(() => leaders(c) === 1, 3000, 'c elected after the trap');
  c.host.flush();
  await until(() => b.got.includes('c3'), 3000, 'delivered');
  c.host.destroy();
  a.host.destroy();
});

// The other tabs' copy of localStorage may not hold the leader's last write yet (storage held
// back here): a leader whose core traps cannot post its parting queue itself, so its host posts
// the queue it last wrote, and the next leader takes in what only that write held.
test('a leader whose core traps: its host posts the queue it last wrote; the next leader delivers it', { skip }, async () => {
  const b = browserWith({ browser: fakeBrowser({ storageDelay: 'manual' }) });
  const { a, c, trap } = await leaderThatWillTrap(b);
  a.host.track('later', { n: 'a1' });  // the leader's own, deferred: in its queue and its write only
  await until(() => b.browser.storage.getItem(`${BASE}:queue`)?.includes('"a1"'), 2000, 'written');
  trap.on = true;
  a.host.flush();
  assert.ok(a.host.degraded, 'the leader\'s core is dead');
  await until(() => leaders(c) === 1, 3000, 'c elected after the trap');
  c.host.flush();
  await until(() => b.got.includes('a1'), 3000, 'the dead leader\'s event delivered by the next');
  assert.equal(copies(b.got), 0);
  c.host.destroy();
  a.host.destroy();
});

// Without BroadcastChannel no parting queue can come: the last leader's writes reach the next
// leader's copy of localStorage late, as storage events (Chromium fires them even for a key the
// tab has written since), and each is that leader's later word.
test('no channel: a dead leader\'s last write, heard late as a storage event, is delivered by the next leader', { skip }, async () => {
  const b = browserWith({ browser: fakeBrowser({ storageDelay: 'manual' }) });
  const { a, c, trap } = await leaderThatWillTrap(b, { BroadcastChannel: null });
  a.host.track('later', { n: 'a1' });  // the leader's own, deferred: in its queue and its write only
  await until(() => b.browser.storage.getItem(`${BASE}:queue`)?.includes('"a1"'), 2000, 'written');
  trap.on = true;
  a.host.flush();
  assert.ok(a.host.degraded, 'the leader\'s core is dead');
  await until(() => leaders(c) === 1, 3000, 'c elected after the trap');
  b.browser.deliverStorage();  // the dead leader's writes reach c's copy now
  await until(() => { c.host.flush(); return b.got.includes('a1'); }, 3000, 'the dead leader\'s event delivered by the next');
  assert.equal(copies(b.got), 0);
  c.host.destroy();
  a.host.destroy();
});

// A leader frozen while another tab stole its lock resumes believing it leads, and its first
// write can come before it hears the loss or the new leader's storage events (multi-tab harness,
// adversarial schedule: 5 seeds lost events only the new leader's copy held). The host shows the
// core the key as it reads it before each write: a later election's copy is never overwritten.
test('a leader superseded unheard never writes over a later election\'s copy of the key', { skip }, async () => {
  const b = browserWith({ browser: fakeBrowser({ storageDelay: 'manual' }) });
  const a = await openTab(b);
  await until(() => leaders(a) === 1, 2000, 'a leads');
  a.host.onLoad();
  const st = b.browser.storage;
  const key = `${BASE}:queue`;
  // The later election's copy, one event nobody else holds, already in this tab's copy of
  // localStorage while its `storage` event waits behind the resumed page's timer (a frozen page's
  // queued tasks run in an order of their own): put in that copy directly, so no event comes.
  a.f.env.localStorage().setItem(key, JSON.stringify({ v: 1, g: '9:tab-later', events: [{ a: 0, t: Date.now(), e: {
    id: '00000000-0000-4000-8000-000000000019', type: 't', properties: { n: 'only-later' }, options: {},
    context: {}, time: { create: new Date().toISOString() } } }] }));
  a.host.track('later', { n: 'a1' });
  await wait(20);  // its persist ran
  assert.match(st.getItem(key), /only-later/, 'not erased');
  // Its lock asked for again: granted (nobody else holds it here), its election reads that copy.
  await until(() => leaders(a) === 1 && /"g":"10:/.test(st.getItem(key)), 3000, 'a leads again, one past that copy');
  a.host.flush();
  await until(() => b.got.includes('only-later') && b.got.includes('a1'), 3000, 'both delivered');
  assert.equal(copies(b.got), 0);
  a.host.destroy();
});

test('a glue exception is not the core\'s death: said once, the tracker goes on', { skip }, async () => {
  const b = browserWith();
  const a = await openTab(b);
  await until(() => leaders(a) === 1);
  a.host.onLoad();
  // The page's console throws (a page that replaced it): the host's own code fails, not the core.
  a.f.env.console.warn = () => { throw new Error('page console'); };
  a.f.env.console.log = () => { throw new Error('page console'); };
  a.host.track('x', { n: 'g1' });
  await wait(10);
  a.host.flush();
  await until(() => b.got.includes('g1'), 2000, 'delivered');
  assert.equal(a.host.degraded, null);
  assert.equal(a.f.logs.error.filter((l) => /internal error/.test(l[0])).length, 1, 'said once');
  a.host.destroy();
});

test('election: the new leader takes in the shared queue, mailboxes and legacy keys; removes them once written', { skip }, async () => {
  const b = browserWith();
  const snap = (n) => JSON.stringify({ v: 1, events: [{ a: 0, t: Date.now(), e: { id: `00000000-0000-4000-8000-00000000000${n}`,
    type: 't', properties: { n: `k${n}` }, options: {}, context: {}, time: { create: new Date().toISOString() } } }] });
  const st = b.browser.storage;
  st.setItem(`${BASE}:queue`, snap(1));
  st.setItem(`${BASE}:mailbox:tabX:1`, snap(2));
  st.setItem('wasm-tracker:v1:s:queue:tabA', snap(3));
  st.setItem('wasm-tracker:v1:other:queue:tabC', snap(4));
  const a = await openTab(b);
  await until(() => leaders(a) === 1);
  assert.equal(a.host.stats().queued, 3);
  assert.equal(st.getItem(`${BASE}:mailbox:tabX:1`), null);
  assert.equal(st.getItem('wasm-tracker:v1:s:queue:tabA'), null);
  assert.notEqual(st.getItem('wasm-tracker:v1:other:queue:tabC'), null, 'another source is left alone');
  assert.match(st.getItem(`${BASE}:queue`), /k2/, 'the one copy holds them');
  a.host.destroy();
});

test('a consumed key stays until a write holds its events (a failed write releases nothing)', { skip }, async () => {
  const b = browserWith();
  const st = b.browser.storage;
  st.setItem(`${BASE}:mailbox:tabX:1`, JSON.stringify({ v: 1, events: [{ a: 0, t: Date.now(), e: {
    id: '00000000-0000-4000-8000-000000000009', type: 't', properties: { n: 'm9' }, options: {}, context: {},
    time: { create: new Date().toISOString() } } }] }));
  st.throwOnSet = 'QuotaExceededError';
  const a = await openTab(b);
  await until(() => leaders(a) === 1);
  assert.notEqual(st.getItem(`${BASE}:mailbox:tabX:1`), null, 'kept: the write failed');
  st.throwOnSet = null;
  a.host.onLoad();
  await until(() => b.got.includes('m9'), 2000, 'delivered');
  await until(() => st.getItem(`${BASE}:mailbox:tabX:1`) === null, 2000, 'released once its events are delivered');
  a.host.destroy();
});

test('storage full: a hand-over its mailbox refused is sent by its own page (the host reports the write)', { skip }, async () => {
  const b = browserWith();
  const { a, c } = await leaderAndFollower(b);
  b.browser.storage.throwOnSet = 'QuotaExceededError';
  c.host.onPageLeave();
  // Tracked after the page's pagehide handler (another listener's): a hand-over for a mailbox.
  c.host.track('after-leave', { n: 'c9' });
  await until(() => b.got.includes('c9'), 3000, 'sent by the leaving page itself');
  await wait(300);
  assert.equal(b.got.filter((n) => n === 'c9').length, 1);
  b.browser.storage.throwOnSet = null;
  a.host.destroy();
  c.host.destroy();
});

test('neither Web Locks nor storage: the tab leads itself', { skip }, async () => {
  const b = browserWith();
  const a = await openTab(b, { locks: false, localStorage: null, BroadcastChannel: null });
  await until(() => leaders(a) === 1, 1000);
  a.host.destroy();
});

test('no Web Locks: a lease; a hidden leader whose timers run late keeps it (no flap, one leader)', { skip }, async () => {
  const b = browserWith();
  const a = await openTab(b, { locks: false });
  await until(() => leaders(a) === 1, 4000, 'a leads by lease');
  a.host.onHidden();
  // Its timers stop for 5 s (Chrome runs a hidden tab's once a minute): the lease outlasts them.
  const realTimeout = a.f.env.setTimeout;
  a.f.env.setTimeout = (fn, ms) => realTimeout(fn, Math.max(ms, 5000));
  const c = await openTab(b, { locks: false });
  for (let i = 0; i < 30; i++) {
    await wait(200);
    assert.equal(leaders(a, c), 1, 'never two leaders');
  }
  assert.equal(a.host.stats().tabs.leader, true, 'the hidden leader kept its lease');
  a.host.destroy();
  c.host.destroy();
});

test('kept calls: three tabs starting at once replay them once, under the ids minted when kept', { skip }, async () => {
  const b = browserWith();
  const st = b.browser.storage;
  const id = (n) => `00000000-0000-4000-8000-0000000000${10 + n}`;
  st.setItem(stubKey('s'), JSON.stringify([{ u: 'https://shop.example/old', t: '', r: '', d: 0,
    c: [0, 1, 2, 3, 4].map((n) => [['kept', { n: `kept${n}` }], Date.now() - 1000, id(n)]) }]));
  const tabs = await Promise.all([0, 1, 2].map(() => openTab(b, { keptCalls })));
  await until(() => leaders(...tabs) === 1, 3000);
  for (const t of tabs) t.host.onLoad();
  await until(() => b.got.filter((n) => String(n).startsWith('kept')).length >= 5, 3000, 'delivered');
  await wait(1500);
  for (const t of tabs) t.host.flush();
  await wait(100);
  assert.deepEqual(b.got.filter((n) => String(n).startsWith('kept')).sort(), ['kept0', 'kept1', 'kept2', 'kept3', 'kept4']);
  assert.equal(st.getItem(stubKey('s')), null, 'released by the leader once written');
  for (const t of tabs) t.host.destroy();
});

test('kept calls: a page that keeps calls after the election has them replayed by the leader, once', { skip }, async () => {
  const b = browserWith();
  const a = await openTab(b, { keptCalls });
  const c = await openTab(b, { keptCalls });
  await until(() => leaders(a, c) === 1, 3000);
  a.host.onLoad();
  c.host.onLoad();
  // A page of the site whose core never ran writes its calls at its pagehide.
  const page = fakeEnv({ browser: b.browser });
  page.env.localStorage().setItem(stubKey('s'), JSON.stringify([{ u: 'https://shop.example/p', t: '', r: '', d: 0,
    c: [[['kept', { n: 'late0' }], Date.now() - 500, '00000000-0000-4000-8000-000000000021']] }]));
  // Two pages of this build keep theirs in keys of their own, one right after the other.
  const w = { localStorage: page.env.localStorage(), location: { href: 'https://shop.example/q' }, document: { title: '', referrer: '' } };
  persistCalls(w, [[['kept', { n: 'late1' }], Date.now() - 400, '00000000-0000-4000-8000-000000000022']], 0, 's', 'p1');
  persistCalls(w, [[['kept', { n: 'late2' }], Date.now() - 300, '00000000-0000-4000-8000-000000000023']], 0, 's', 'p2');
  // Replayed calls are ordinary calls after load: they go with the next batch (flush: now).
  const late = ['late0', 'late1', 'late2'];
  await until(() => { a.host.flush(); c.host.flush(); return late.every((n) => b.got.includes(n)); }, 3000, 'replayed by the leader');
  const st = b.browser.storage;
  await until(() => { for (let i = 0; i < st.length; i++) if (isKept(st.key(i))) return false; return true; }, 3000, 'released once written');
  await wait(300);
  for (const n of late) assert.equal(b.got.filter((x) => x === n).length, 1, n);
  a.host.destroy();
  c.host.destroy();
});

test('bfcache: a leader resigns at pagehide (lock let go) and rejoins at pageshow as a follower', { skip }, async () => {
  const b = browserWith();
  const a = await openTab(b);
  await until(() => leaders(a) === 1);
  const c = await openTab(b);
  a.host.onPageLeave();
  assert.equal(a.host.stats().tabs.leader, false);
  await until(() => leaders(c) === 1, 2000, 'c elected');
  a.host.onVisible();  // pageshow from the cache
  await wait(400);
  assert.equal(leaders(a, c), 1, 'never two leaders');
  assert.equal(c.host.stats().tabs.leader, true);
  a.host.destroy();
  c.host.destroy();
});
