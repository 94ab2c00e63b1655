import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createHost } from '../src/core-host.js';
import { createStorage } from '../src/storage.js';
import { FakeCore, fakeEnv, fakeResponse, tick, OPTIONS, CONTRACT, keptPages } from '../test-support/fakes.js';

function setup(envOpts = {}, hostOpts = {}) {
  const f = fakeEnv(envOpts);
  const core = new FakeCore('{}');
  const store = createStorage(f.env, 'src-1');
  const host = createHost({ env: f.env, core, contract: CONTRACT, options: OPTIONS, storage: store, ...hostOpts });
  host.start();
  return { ...f, core, host, store };
}

test('start passes identity read from cookie/localStorage; the core joins the tabs and reads the stored queues when it asks', async () => {
  const f = fakeEnv();
  f.document.jar.set('tracardi-session-id', 'sess-9');
  f.storage.setItem('tracardi-profile-id', '"prof-9"');
  f.storage.setItem('tracardi-device-id', 'dev-raw');
  f.storage.setItem('wasm-tracker:v2:src-1:queue', '{"v":1}');
  const core = new FakeCore('{}');
  const host = createHost({ env: f.env, core, contract: CONTRACT, options: OPTIONS, storage: createStorage(f.env, 'src-1') });
  host.start();
  const [, wall, mono, ids, snap, ...r] = core.named('start')[0];
  assert.equal(wall, f.env.Date.now());
  assert.equal(mono, f.env.performance.now());
  assert.deepEqual(JSON.parse(ids),
    { session: 'sess-9', profile: 'prof-9', device: 'dev-raw', origin: '', gpc: false });
  assert.equal(snap, '', 'a tab starts as a follower: the stored queue is the leader\'s');
  assert.equal(r.length, 4);
  const [, base, locks, channel, storage] = core.named('joinTabs')[0];
  assert.deepEqual([base, locks, channel, storage], ['wasm-tracker:v2:src-1', true, true, true]);
  // The core (its tab protocol) asks for the stored queues at its election: the host reports them.
  core.extra = { tabs: { read: 1 } };
  core.flush = function flush(...a) { this.rec('flush', a); return this.fx(); };
  host.flush();
  assert.deepEqual(core.named('tabFact').filter((c) => c[1] === 5).map((c) => c[2]),
    ['wasm-tracker:v2:src-1:queue\x1f{"v":1}\x1e']);
});

test('track never throws: bad args, BigInt, cycles, throwing core', async () => {
  const { host, core, logs } = setup();
  const cyc = {}; cyc.self = cyc;
  assert.doesNotThrow(() => host.track());
  assert.doesNotThrow(() => host.track(null, 5, 'x'));
  assert.doesNotThrow(() => host.track('big', { n: 10n }));
  assert.doesNotThrow(() => host.track('cyc', cyc));
  assert.doesNotThrow(() => host.track('opts-cyc', {}, cyc));
  await tick();  // calls reach the core in one batch at the end of the task
  const errs = logs.error.map((a) => a.join(' '));
  assert.ok(errs.some((m) => /BigInt/.test(m) && /"big"/.test(m)), errs.join('\n'));
  assert.ok(errs.some((m) => /circular/.test(m) && /"cyc"/.test(m)));
  // the core was never called for the unencodable ones
  assert.equal(core.named('track').filter((c) => c[1] === 'big' || c[1] === 'cyc').length, 0);
  core.throwOn = 'track';
  assert.doesNotThrow(() => host.track('boom', {}));
  await tick();
  assert.equal(logs.warn.filter((a) => /core failed/.test(a[0])).length, 1);
  assert.doesNotThrow(() => host.track('after', {}));
  assert.equal(logs.warn.filter((a) => /core failed/.test(a[0])).length, 1, 'one warning only');
  assert.equal(host.degraded.buffered, 2, 'boom (the crossing the core died in) and after');
});

test('rejected track logs lastError via console.error', async () => {
  const { host, logs } = setup();
  host.track('', {});
  await tick();
  assert.deepEqual(logs.error.at(-1), ['[Tracker] track(type): event type must be a non-empty string']);
});

test('__proto__/constructor/prototype keys are dropped and pollute nothing', async () => {
  const { host, core } = setup();
  const props = JSON.parse('{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"x":1}}},"ok":2}');
  host.track('p', props);
  await tick();
  const sent = core.named('track').at(-1)[2];
  assert.deepEqual(JSON.parse(sent), { a: {}, ok: 2 });
  assert.equal({}.polluted, undefined);
  assert.equal(Object.prototype.x, undefined);
});

test('type is made well-formed; props JSON keeps lone-surrogate escapes for the core', async () => {
  const { host, core } = setup();
  host.track('bad\ud800type', { t: 'half \ud83d' });
  await tick();
  const [, type, props] = core.named('track').at(-1);
  assert.equal(type, 'bad\ufffdtype');
  assert.match(props, /\\ud83d/);
});

test('deferred bit logs the documented "[Tracker] Event track" shape', async () => {
  const { host, core, logs } = setup();
  core.loaded = true;
  host.track('page-view', { view: 1 }, { save: false });
  await tick();
  const entry = logs.log.find((a) => a[0] === '[Tracker] Event track');
  assert.ok(entry);
  const o = entry[1];
  assert.equal(o.type, 'track');
  assert.equal(o.event, 'page-view');
  assert.deepEqual(o.properties, { view: 1 });
  assert.deepEqual(o.options, { save: false });
  assert.equal(o.userId, null);
  assert.equal(o.anonymousId, 'd-1');  // no profile yet: the device id
  assert.equal(o.meta.id, core.lastId);
  assert.equal(typeof o.meta.ts, 'number');
});

test('send effect → fetch with exact init; onResponse gets status, Retry-After and body', async () => {
  const { host, core, fetchCalls } = setup({
    fetchImpl: () => fakeResponse(429, '{"detail":"slow"}', { 'Retry-After': '7' }),
  });
  host.track('a', {});
  host.onLoad();
  await tick();
  assert.equal(fetchCalls.length, 1);
  assert.equal(fetchCalls[0].url, 'https://api.example/track');
  assert.deepEqual(fetchCalls[0].init, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: fetchCalls[0].init.body, credentials: 'omit', keepalive: false, redirect: 'manual',
    signal: fetchCalls[0].init.signal,
  });
  assert.ok(fetchCalls[0].init.signal instanceof AbortSignal);
  const resp = core.named('onResponse')[0];
  assert.deepEqual(resp.slice(1, 5), [1, 429, '7', '{"detail":"slow"}']);
  assert.equal(resp.length, 11);  // name + id, status, retryAfter, body, wall, mono, r0..r3
});

test('keepalive transport on hide; network error reports status 0', async () => {
  const { host, core, fetchCalls } = setup({ fetchImpl: () => { throw new TypeError('Failed to fetch'); } });
  host.track('a', {});
  host.onHidden();
  await tick();
  assert.equal(fetchCalls[0].init.keepalive, true);
  assert.deepEqual(core.named('onResponse')[0].slice(1, 5), [1, 0, '', '']);
});

// Issue 20: Chromium's 64 KB keepalive quota is shared by every script of the page; a refused
// keepalive fetch (or a sendBeacon returning false) hands its events back after the pagehide
// listener returned. The write must happen in that answer's own microtasks: a page being left
// runs no later task (a setTimeout(0) never fires).
test('a keepalive refused at page leave is persisted in its answer, with no later task', async () => {
  const { host, core, env, window: w } = setup({ fetchImpl: () => Promise.reject(new TypeError('Failed to fetch')) });
  host.track('a', {});
  await tick();
  const noTask = () => 0;  // the page is gone: no timer of it runs again
  env.setTimeout = noTask;
  if (w) w.setTimeout = noTask;
  host.onPageLeave();
  const atLeave = core.named('snapshot').length;
  await tick();
  assert.deepEqual(core.named('onResponse').at(-1).slice(1, 3), [1, 0], 'the refusal reached the core');
  assert.ok(core.named('snapshot').length > atLeave, 'the snapshot was written again in the answer');
});

// A page being unloaded has its side of in-flight requests cut (between its pagehide listeners, or
// when a navigation away starts) while the browser carries keepalive ones on. Reporting that as a
// failure made the core send them again (a copy, issue 20). A keepalive failure after its sending
// task is reported a task later: never once the page is being left or a navigation away started.
test('a keepalive request cut later: reported on a live page, never once a navigation away started or the page left', async () => {
  const later = () => new Promise((_, reject) => globalThis.setTimeout(() => reject(new TypeError('Failed to fetch')), 5));
  for (const how of ['live', 'navigate', 'leave']) {
    const { host, core } = setup({ fetchImpl: later });
    host.track('a', {});
    host.onHidden();  // keepalive
    await tick();
    if (how === 'navigate') host.onNavigate();  // a link was followed: the cut comes after it
    await new Promise((r) => globalThis.setTimeout(r, 1));
    if (how === 'leave') host.onPageLeave();
    await new Promise((r) => globalThis.setTimeout(r, 50));
    assert.equal(core.named('onResponse').length, how === 'live' ? 1 : 0, how);
  }
});

// Where the browser has fetchLater, a page leave's requests go through it: the browser sends them as
// the page goes, and a refusal (its quota full) is known at once, while the page can still write.
test('page leave with fetchLater: handed off when accepted; refused at once is written before the page goes', async () => {
  for (const full of [false, true]) {
    const later = [];
    const { host, core, env, window: w, fetchCalls } = setup();
    env.fetchLater = (url, init) => {
      if (full) throw new DOMException('deferred fetch quota', 'QuotaExceededError');
      later.push({ url, init });
      return { activated: false };
    };
    host.track('a', {});
    await tick();
    const noTask = () => 0;  // the page is going: no later task
    env.setTimeout = noTask;
    if (w) w.setTimeout = noTask;
    const before = core.named('snapshot').length;
    host.onPageLeave();
    await tick();
    assert.equal(fetchCalls.length, 0, 'no keepalive fetch');
    assert.deepEqual(core.named('onResponse').at(-1).slice(1, 3), [1, full ? 0 : -1]);
    if (!full) {
      assert.equal(later.length, 1);
      assert.equal(later[0].init.body.includes('"a"'), true);
      assert.equal(later[0].init.credentials, 'omit');
    }
    assert.ok(core.named('snapshot').length > before + 1, 'written again in the answer');
  }
});

test('fire: effects pending are performed after the call returns, not inside it', async () => {
  const { host, fetchCalls } = setup();
  host.track('interest', { a: 1 }, { fire: true });
  assert.equal(fetchCalls.length, 0, 'no network inside track()');
  await tick();
  assert.equal(fetchCalls.length, 1);
});

test('payload options (window.response.context) pushed before flush-type calls, only on change', () => {
  const ctx = { profile: true };
  const { host, core } = setup({}, { getPayloadOptions: () => ctx });
  const before = core.named('setPayloadOptions').length;
  host.flush();
  host.flush();
  assert.equal(core.named('setPayloadOptions').length, before, 'unchanged: not pushed again');
  ctx.debugger = true;
  host.track('x', {}, { fire: true });
  assert.deepEqual(JSON.parse(core.named('setPayloadOptions').at(-1)[1]), { profile: true, debugger: true });
});

test('one wake timer: rescheduled, cancelled, fires onWake', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { host, core } = setup();
  core.extra = { wake: 1000 + 5000 };
  host.flush();
  core.extra = { wake: 1000 + 2000 };
  host.flush();
  t.mock.timers.tick(1999);
  assert.equal(core.named('onWake').length, 0);
  t.mock.timers.tick(1);
  assert.equal(core.named('onWake').length, 1);
  assert.equal(core.named('onWake')[0].length, 7);  // name + wall, mono, r0..r3
  t.mock.timers.tick(10000);
  assert.equal(core.named('onWake').length, 1, 'the replaced 5 s timer never fires');
  core.extra = { wake: 1000 + 3000 };
  host.flush();
  core.extra = { wake: null };
  host.flush();
  t.mock.timers.tick(10000);
  assert.equal(core.named('onWake').length, 1, 'cancelled');
});

test('persistence is coalesced: 100 tracks in one task → one storage write', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { host, storage, store } = setup();
  await tick();  // elected: the new leader writes its copy once
  const before = storage.writes.length;
  for (let i = 0; i < 100; i++) host.track('e' + i, { i });
  assert.equal(storage.writes.length, before, 'nothing written inside track()');
  await Promise.resolve();  // the batch reaches the core in a microtask
  t.mock.timers.tick(0);
  const queueWrites = storage.writes.slice(before).filter(([k]) => k === store.key);
  assert.equal(queueWrites.length, 1);
  assert.equal(JSON.parse(queueWrites[0][1]).events.length, 100);
});

test('no storage or cookie writes inside track(); hide writes synchronously', () => {
  const { host, document: doc, core } = setup();
  const cookiesBefore = doc.cookieWrites.length;
  host.track('a', {});
  assert.equal(core.named('snapshot').length, 0);
  assert.equal(doc.cookieWrites.length, cookiesBefore);
  host.onHidden();
  assert.equal(core.named('snapshot').length, 1, 'snapshot written during the hide call');
});

test('identity effect is stored: cookie attributes and JSON-encoded localStorage ids', () => {
  const { host, document: doc, storage, core } = setup();
  core.extra = { identity: { session: 'sess-2', profile: 'prof-2', device: 'dev-2', sessionTtlS: 1800 } };
  host.onHidden();
  const c = doc.cookieWrites.at(-1);
  assert.match(c, /^tracardi-session-id=sess-2; max-age=1800; expires=[^;]+; path=\/; SameSite=Lax; Secure$/);
  assert.equal(storage.getItem('tracardi-profile-id'), '"prof-2"');
  assert.equal(storage.getItem('tracardi-device-id'), '"dev-2"');
});

test('log effects go to the console level with the [Tracker] prefix', () => {
  const { host, core, logs } = setup();
  core.extra = { log: [{ level: 'warn', msg: 'queue full' }, { level: 'debug', msg: 'd' }] };
  host.flush();
  assert.deepEqual(logs.warn.at(-1), ['[Tracker] queue full']);
  assert.deepEqual(logs.debug.at(-1), ['[Tracker] d']);
});

test('ready effect calls onReady once with the context; ux items go to onUx', () => {
  const calls = [];
  const uxs = [];
  const { host, core } = setup({}, { onReady: (c) => calls.push(c), onUx: (items) => uxs.push(items) });
  core.extra = { ready: { context: { profile: { id: 'p' } } }, ux: [{ tag: 'div', props: { class: 'x' }, content: 'hi' }] };
  host.flush();
  core.extra = { ready: { context: null } };
  host.flush();
  assert.deepEqual(calls, [{ profile: { id: 'p' } }]);
  assert.deepEqual(uxs, [[{ tag: 'div', props: { class: 'x' }, content: 'hi' }]]);
});

test('destroy persists, cancels the timer and deletes the core', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { host, core } = setup();
  core.extra = { wake: 1000 + 5000 };
  host.flush();
  host.destroy();
  assert.equal(core.deleted, true);
  t.mock.timers.tick(10000);
  assert.equal(core.named('onWake').length, 0);
  assert.doesNotThrow(() => host.track('late', {}));
});

test('SPA URL change refreshes the page context before the next track', () => {
  const { host, core, env } = setup();
  const n = core.named('setPageContext').length;
  host.track('a', {});
  assert.equal(core.named('setPageContext').length, n);
  env.location.href = 'https://shop.example/p/2';
  host.track('b', {});
  assert.equal(core.named('setPageContext').length, n + 1);
  assert.equal(JSON.parse(core.named('setPageContext').at(-1)[1]).page.url, 'https://shop.example/p/2');
});

test('the track() calls of one task cross into the core in one trackBatch, in order', async () => {
  const { host, core } = setup();
  const batches = [];
  const real = core.trackBatch.bind(core);
  core.trackBatch = (records) => { batches.push(records); return real(records); };
  for (let i = 0; i < 5; i++) host.track('e' + i, { i });
  assert.equal(batches.length, 0, 'nothing crosses inside track()');
  await tick();
  assert.equal(batches.length, 1);
  assert.deepEqual(core.named('track').map((c) => c[1]), ['e0', 'e1', 'e2', 'e3', 'e4']);
  host.track('later', {});
  host.flush();  // a lifecycle call sees the calls made before it
  assert.equal(batches.length, 2);
  assert.equal(core.named('track').at(-1)[1], 'later');
  assert.ok(core.calls.findIndex((c) => c[0] === 'flush') > core.calls.findIndex((c) => c[1] === 'later'));
});

test('clocks: the wall clock and the monotonic clock reach the core separately', async () => {
  const f = fakeEnv();
  const core = new FakeCore('{}');
  const host = createHost({ env: f.env, core, contract: CONTRACT, options: OPTIONS,
    storage: createStorage(f.env, 'src-1') });
  host.start();
  f.shiftWall(8 * 3600 * 1000);  // the device slept: performance.now() stood still
  host.track('after-sleep', {});
  await tick();
  const [, , , , wall, mono] = core.named('track').at(-1);
  assert.equal(wall, f.env.Date.now());
  assert.equal(mono, f.env.performance.now());
  assert.equal(wall - mono, 1_700_000_000_000 + 8 * 3600 * 1000);
});

// Issue 20, a slow CPU: the answers that free the in-flight slots came after the navigation began,
// and the page was torn down before its pagehide. The navigation is a fact for the core, heard at
// once, and what it sends leaves in the navigate event's own task (the page may run no later one).
test('a navigation away is a fact for the core; its sends leave in the same task', () => {
  const { host, core, fetchCalls } = setup();
  host.track('a', {});
  assert.equal(fetchCalls.length, 0);
  host.onNavigate();
  assert.equal(core.named('onNavigate').length, 1);
  assert.equal(fetchCalls.length, 1, 'sent synchronously, not in a later task');
  assert.equal(fetchCalls[0].init.keepalive, true);
  assert.ok(core.named('snapshot').length >= 1, 'the copy written at once');
});

test('tab hidden and page leave are different facts for the core', () => {
  const { host, core } = setup();
  host.onHidden();
  host.onPageLeave();
  assert.equal(core.named('onHidden').length, 1);
  assert.equal(core.named('onPageLeave').length, 1);
});

test('abort effect cuts the request on the wire; the core hears status 0 once', async () => {
  let signal;
  const { host, core } = setup({
    fetchImpl: (url, init) => new Promise((resolve, reject) => {
      signal = init.signal;
      init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    }),
  });
  host.track('a', {});
  host.onLoad();
  await tick();
  assert.equal(signal.aborted, false);
  core.extra = { abort: [1] };
  host.flush();
  assert.equal(signal.aborted, true);
  await tick();
  assert.deepEqual(core.named('onResponse').map((c) => c.slice(1, 3)), [[1, 0]]);
});

test('a redirect is reported as 300, never followed into a GET', async () => {
  const { host, core } = setup({ fetchImpl: () => ({ ...fakeResponse(0), type: 'opaqueredirect' }) });
  host.track('a', {});
  host.onLoad();
  await tick();
  assert.equal(core.named('onResponse')[0][2], 300);
});

test('input certainly over the size limit never crosses into the core', async () => {
  const { host, core, logs } = setup();
  host.track('huge', { s: 'x'.repeat(CONTRACT.MAX_EVENT_BYTES + 1) });
  host.track('small', {});
  await tick();
  assert.deepEqual(core.named('track').map((c) => c[1]), ['small']);
  assert.ok(logs.error.some((a) => /"huge".*limit/.test(a[0])));
});

test('settings.debug: each request body and each answer is logged with console.debug', async () => {
  const options = { tracker: { ...OPTIONS.tracker, settings: { debug: true } } };
  const { host, logs } = setup({ fetchImpl: () => fakeResponse(200, '{"profile":{"id":"p-9"}}') },
    { options });
  host.track('a', { x: 1 }, { fire: true });
  await tick();
  await tick();
  const sent = logs.debug.find((a) => /\/track request/.test(a[0]));
  assert.ok(sent, JSON.stringify(logs.debug));
  assert.deepEqual(sent[1].events.map((e) => e.type), ['a']);  // the body, parsed
  const answer = logs.debug.find((a) => /\/track response/.test(a[0]));
  assert.ok(answer, JSON.stringify(logs.debug));
  assert.deepEqual(answer.slice(1), [200, { profile: { id: 'p-9' } }]);
});

// A send the glue could not start (a page's console.debug that throws, in debug mode) is no
// request on the wire: the core hears "no answer" at once and retries it. Before, the core waited
// for an answer that never came, and once the page was hidden its events, on a keepalive request
// the browser was thought to finish, were in no snapshot (the multi-tab harness's "vanished").
test('a send the glue failed to start is answered 0 at once, never left awaiting an answer', async () => {
  const options = { tracker: { ...OPTIONS.tracker, settings: { debug: true } } };
  const { host, core, logs, fetchCalls } = setup({}, { options });
  logs.debug.push = () => { throw new Error('a page replaced console.debug'); };
  host.track('a', { x: 1 }, { fire: true });
  await tick();
  await tick();
  assert.equal(fetchCalls.length, 0, 'never sent');
  const sendId = core.named('onResponse')[0]?.[1];
  assert.ok(sendId !== undefined, 'the core heard an answer');
  assert.equal(core.named('onResponse')[0][2], 0, 'status 0: no answer');
  host.track('b', {}, { fire: true });
  await tick();
  assert.equal(core.named('onResponse').length, 2, 'the next send too: the glue goes on');
});

// A glue exception that cost the core's wake (a page's setTimeout that threw once): the core
// announces a wake only when it changes, so the tab never heard its timer again (a lease leader
// that never renewed, hand-overs never re-posted: the multi-tab harness, 3 of 100 adversarial
// seeds). After a glue exception the host wakes the core once, a microtask later: the core
// announces its wake again.
test('after a glue exception the core is woken once, so a wake the glue failed to set is set again', async () => {
  const f = setup();
  let refuse = 1;
  const timers = [];
  f.env.setTimeout = (fn, ms) => {
    if (refuse-- > 0) throw new Error('a page replaced setTimeout');
    timers.push(ms);
    return globalThis.setTimeout(fn, 1e9);
  };
  f.env.clearTimeout = (id) => globalThis.clearTimeout(id);
  const wakes = f.core.named('onWake').length;
  f.core.extra = { wake: f.env.performance.now() + 5000 };
  f.core.flush = function flush(...a) { this.rec('flush', a); return this.fx(); };
  f.core.onWake = function onWake(...a) { this.rec('onWake', a); return this.fx({ wake: f.env.performance.now() + 5000 }); };
  f.host.flush();
  assert.equal(timers.length, 0, 'the first set threw');
  await tick();
  assert.equal(f.core.named('onWake').length, wakes + 1, 'woken once after the glue exception');
  assert.equal(timers.length, 1, 'its wake set again');
  await tick();
  assert.equal(f.core.named('onWake').length, wakes + 1, 'once: no loop');
  f.host.destroy();
});

test('without settings.debug nothing is logged with console.debug', async () => {
  const { host, logs } = setup();
  host.track('a', {}, { fire: true });
  await tick();
  await tick();
  assert.equal(logs.debug.length, 0);
});

test('fire track returns a Promise of the answer {status, ok, data}; plain track returns undefined', async () => {
  const { host, core } = setup({ fetchImpl: () => fakeResponse(200, '{"profile":{"id":"p-9"}}') });
  core.loaded = true;
  assert.equal(host.track('plain', {}), undefined);
  const p = host.track('now', { x: 1 }, { fire: true });
  assert.ok(p instanceof Promise);
  assert.deepEqual(await p, { status: 200, ok: true, data: { profile: { id: 'p-9' } } });
});

test('fire answer: a refusal resolves with its status and parsed body, never rejects', async () => {
  const { host } = setup({ fetchImpl: () => fakeResponse(422, '{"detail":"bad"}') });
  assert.deepEqual(await host.track('x', {}, { fire: true }), { status: 422, ok: false, data: { detail: 'bad' } });
  const h2 = setup({ fetchImpl: () => fakeResponse(500, '<html>oops</html>') }).host;
  assert.deepEqual(await h2.track('x', {}, { fire: true }), { status: 500, ok: false, data: null });
  const h3 = setup({ fetchImpl: () => { throw new TypeError('Failed to fetch'); } }).host;
  assert.deepEqual(await h3.track('x', {}, { fire: true }), { status: 0, ok: false, data: null });
});

test('fire answer: rejected, unencodable, not sent now, or core failure resolve at once with status 0', async () => {
  const none = { status: 0, ok: false, data: null };
  const { host, core, fetchCalls } = setup();
  assert.deepEqual(await host.track('', {}, { fire: true }), none);  // rejected by the core
  const cyc = {}; cyc.self = cyc;
  assert.deepEqual(await host.track('c', cyc, { fire: true }), none);  // not encodable
  core.trackResult = 2;  // accepted and queued: the core sends nothing now (backoff, cap, offline)
  assert.deepEqual(await host.track('q', {}, { fire: true }), none);
  core.trackResult = null;
  core.throwOn = 'trackBatch';
  assert.deepEqual(await host.track('boom', {}, { fire: true }), none);
  assert.deepEqual(await host.track('after', {}, { fire: true }), none);  // degraded
  assert.equal(fetchCalls.length, 0);
});

test('a core that dies mid-page: the calls of that crossing and those after it are kept for the next page on pagehide', async () => {
  const { host, core, storage, window: win, env, document: doc } = setup();
  Object.assign(win, { localStorage: storage, location: env.location, document: doc });
  core.throwOn = 'track';
  host.track('boom', { n: 1 });
  await tick();  // the crossing throws: the core is gone
  host.track('after', { n: 2 });
  assert.equal(host.degraded.buffered, 2, 'the call the core died in is buffered too');
  host.onPageLeave();
  const pages = keptPages(storage);
  assert.equal(pages.length, 1);
  assert.deepEqual(pages[0].c.map((c) => c[0][0]), ['boom', 'after']);
  assert.equal(pages[0].u, env.location.href);
  assert.equal(host.degraded.buffered, 0, 'handed to storage, not kept twice');
});

// A glue exception while one effect is performed (a widget's renderer, a timer a page replaced)
// costs that effect only: the others of the same batch are still performed, and the reads the
// tab protocol asked for still reported (an election that never hears its read never completes).
test('an effect that throws in the glue cuts none of the others of its batch', async () => {
  const f = setup({}, { onUx: () => { throw new Error('widget bug'); } });
  f.core.extra = { ux: [{ tag: 'div' }], tabs: { read: 1 }, ready: { context: null } };
  f.core.flush = function flush(...a) { this.rec('flush', a); return this.fx(); };
  f.host.flush();
  assert.equal(f.core.named('tabFact').filter((c) => c[1] === 5).length, 1, 'the read is reported');
  assert.equal(f.logs.error.filter((l) => /internal error/.test(l[0])).length, 1, 'said once');
  f.core.extra = { ux: [{ tag: 'div' }], tabs: { read: 1 } };
  f.host.flush();
  assert.equal(f.core.named('tabFact').filter((c) => c[1] === 5).length, 2);
  assert.equal(f.logs.error.filter((l) => /internal error/.test(l[0])).length, 1, 'said once only');
});
