import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTabs } from '../src/tabs.js';
import { createEntropy } from '../src/util.js';
import { ELECTION_SETTLE_MS } from '../src/limits.js';
import { fakeEnv, fakeBrowser, tick } from '../test-support/fakes.js';

// onRole(v, tabs): what the host does on a role change (core-host.js: a demoted core hands its
// pending events over, synchronously, through tabs.handOver).
function tab(browser, extra = {}, onRole = null) {
  const f = fakeEnv({ browser, ...extra });
  const got = { roles: [], handovers: [] };
  const tabs = createTabs(f.env, 'wasm-tracker:v2:s', {
    role: (v) => { got.roles.push(v); onRole?.(v, tabs); },
    handover: (text) => got.handovers.push(text),
  }, createEntropy(f.env.crypto));
  return { f, tabs, got };
}

const leaders = (...tabs) => tabs.filter((t) => t.tabs.leader).length;
const mailboxKeys = (browser, t) => [...browser.storage.map.keys()].filter((k) => k.startsWith(t.tabs.mailbox));

test('Web Locks: the first tab leads; a follower hand-over is adopted once and confirmed', async () => {
  const browser = fakeBrowser();
  const a = tab(browser);
  const b = tab(browser);
  await tick();
  assert.equal(a.tabs.leader, true);
  assert.equal(b.tabs.leader, false);
  assert.deepEqual(a.got.roles, [true]);
  b.tabs.handOver('H1');
  await tick();
  assert.deepEqual(a.got.handovers, ['H1']);
  // Confirmed: no re-post (a re-post that crossed the reply would not be adopted twice anyway).
  await new Promise((r) => setTimeout(r, 1100));
  assert.deepEqual(a.got.handovers, ['H1']);
  a.tabs.destroy();
  b.tabs.destroy();
});

test('Web Locks: the leader goes away, the next tab is elected and keeps what it had handed over', async () => {
  const browser = fakeBrowser();
  const a = tab(browser);
  const b = tab(browser);
  await tick();
  a.tabs.destroy();             // gone before it heard b's hand-over
  b.tabs.handOver('H2');
  await tick();
  assert.equal(b.tabs.leader, true);
  assert.deepEqual(b.got.roles, [true]);
  assert.deepEqual(b.got.handovers, ['H2'], 'its own un-adopted hand-over is its own again');
  b.tabs.destroy();
});

test('pagehide: un-adopted hand-overs go to mailbox keys once; the leader takes them on its storage event', async () => {
  // The fake browser delivers storage events itself (to the other tabs); held here until the
  // channel has had its chance, so "not posted as well" is checked before the event arrives.
  const browser = fakeBrowser({ storageDelay: 'manual' });
  const a = tab(browser);
  const b = tab(browser);
  await tick();
  b.tabs.leave();
  b.tabs.handOver('H3');  // made during the page leave: mailbox only, no message
  const keys = [...browser.storage.map.keys()].filter((k) => k.startsWith(b.tabs.mailbox));
  assert.equal(keys.length, 1);
  assert.equal(browser.storage.getItem(keys[0]), 'H3');
  await tick();
  assert.deepEqual(a.got.handovers, [], 'not posted as well (it would be adopted twice)');
  browser.deliverStorage();  // b's write reaches a: its storage event
  assert.deepEqual(a.got.handovers, ['H3']);
  assert.equal(browser.storage.getItem(keys[0]), null, 'consumed');
  a.tabs.destroy();
  b.tabs.destroy();
});

test('no Web Locks: a lease in localStorage, confirmed on renewal; taken over when it expires', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const browser = fakeBrowser();
  const a = tab(browser, { locks: false });
  await tick();
  assert.equal(a.tabs.leader, false, 'not before a renewal finds its write still there');
  t.mock.timers.tick(1000);
  assert.equal(a.tabs.leader, true);
  const b = tab(browser, { locks: false });
  await tick();
  const seconds = (n) => { for (let i = 0; i < n; i++) t.mock.timers.tick(1000); };
  seconds(3);
  assert.equal(b.tabs.leader, false, 'a live lease is respected');
  a.tabs.destroy();  // stops renewing (a closed tab)
  seconds(6);
  assert.equal(b.tabs.leader, true, 'expired lease taken over within ~6 s');
  b.tabs.destroy();
});

test('neither Web Locks nor storage: the tab leads itself', async () => {
  const a = tab(fakeBrowser(), { locks: false, localStorage: null });
  await tick();
  assert.equal(a.tabs.leader, true);
  a.tabs.destroy();
});

// Back/forward cache (issue 20): a page in the cache must hold no Web Lock and have no request
// pending (Chromium evicts it, `weblocks-contention`, when the next page asks for the lock), and
// receive no BroadcastChannel message (`broadcastchannel-message`). core-host.js calls resign()
// at pagehide after the core's page leave, and show() on pageshow(persisted)/visible.

test('bfcache: a leader gives the lock up at pagehide and asks again at pageshow, as a follower until granted', async () => {
  const browser = fakeBrowser();
  const a = tab(browser);
  await tick();
  assert.equal(a.tabs.leader, true);
  a.tabs.leave();
  a.tabs.resign(true);
  assert.equal(a.tabs.leader, false, 'demoted at once: later pagehide listeners find a follower');
  assert.deepEqual(a.got.roles, [true, false]);
  await tick();
  assert.equal(browser.held.size, 0, 'no lock held while the page is cached');
  const b = tab(browser);  // the next page of the site
  await tick();
  assert.equal(b.tabs.leader, true, 'granted at once, no contention');
  a.tabs.show();
  await tick();
  assert.equal(a.tabs.leader, false, 'back, but the lock is the next page\'s');
  assert.equal(leaders(a, b), 1);
  b.tabs.leave();
  b.tabs.resign(true);
  await tick();
  assert.equal(a.tabs.leader, true, 'the request made at pageshow is granted');
  assert.deepEqual(a.got.roles, [true, false, true]);
  a.tabs.destroy();
  b.tabs.destroy();
});

test('bfcache: one tab, pagehide then pageshow without navigating: leads again', async () => {
  const browser = fakeBrowser();
  const a = tab(browser);
  await tick();
  a.tabs.leave();
  a.tabs.resign(true);
  await tick();
  a.tabs.show();
  a.tabs.show();  // pageshow and visibilitychange both say so: one request
  await tick();
  assert.equal(a.tabs.leader, true);
  assert.deepEqual(a.got.roles, [true, false, true]);
  a.tabs.show();  // visible again without a pagehide before it: nothing to rejoin
  await tick();
  assert.deepEqual(a.got.roles, [true, false, true]);
  a.tabs.destroy();
  await tick();
  assert.equal(browser.held.size, 0);
});

test('bfcache: a follower aborts its pending lock request at pagehide', async () => {
  const browser = fakeBrowser();
  // Each request's signal and whether its callback ran (a grant: in a real browser it would be
  // held by the frozen page, which cannot run the callback to hand it back).
  const requests = [];
  const request = browser.locks.request;
  browser.locks.request = (name, opts, cb) => {
    const r = { signal: opts.signal, granted: false };
    requests.push(r);
    return request(name, opts, (lock) => { r.granted = true; return cb(lock); });
  };
  const a = tab(browser);
  const b = tab(browser);
  await tick();
  b.tabs.leave();
  b.tabs.resign(true);
  assert.equal(requests[1].signal.aborted, true, 'the pending request is withdrawn');
  a.tabs.destroy();  // the lock is free now: it must not go to the cached page
  await tick();
  assert.equal(requests[1].granted, false, 'never granted to the cached page');
  assert.equal(browser.held.size, 0);
  assert.equal(b.tabs.leader, false);
  assert.deepEqual(b.got.roles, []);
  b.tabs.show();
  await tick();
  assert.equal(b.tabs.leader, true, 'asks again at pageshow');
  b.tabs.destroy();
});

test('bfcache: a grant that arrives after the request was given up is handed straight back, never leads', async () => {
  // The browser granted the request just as the page aborted it: the callback still runs.
  const grants = [];
  const locks = { request: (name, opts, cb) => new Promise((resolve) => grants.push({ cb, resolve })) };
  const b = tab(fakeBrowser(), { navigator: { locks } });
  b.tabs.leave();
  b.tabs.resign(true);
  await grants[0].cb();  // resolves at once: the lock is released, not held while cached
  assert.equal(b.tabs.leader, false);
  assert.deepEqual(b.got.roles, []);
  b.tabs.show();
  assert.equal(grants.length, 2, 'a new request at pageshow');
  let released = false;
  grants[1].cb().then(() => { released = true; });
  await tick();
  assert.equal(b.tabs.leader, true, 'the new request leads once granted');
  assert.equal(released, false, 'and holds the lock');
  b.tabs.destroy();
  await tick();
  assert.equal(released, true);
});

test('bfcache: after pageshow two tabs never lead at once', async () => {
  const browser = fakeBrowser();
  const a = tab(browser);
  const b = tab(browser);
  const c = tab(browser);
  await tick();
  const order = [a, b, c];
  // Each in turn leaves and comes back, leader or follower: exactly one leads after every step.
  for (let round = 0; round < 6; round++) {
    const t = order[round % 3];
    t.tabs.leave();
    t.tabs.resign(true);
    await tick();
    assert.ok(leaders(a, b, c) <= 1, `round ${round}: hidden`);
    t.tabs.show();
    await tick();
    assert.equal(leaders(a, b, c), 1, `round ${round}: shown`);
  }
  for (const t of order) t.tabs.destroy();
});

test('bfcache: the leader\'s demotion at pagehide hands over nothing its stored queue holds', async () => {
  const browser = fakeBrowser();
  const a = tab(browser, {}, (v, tabs) => { if (!v) tabs.handOver('QUEUE'); });
  await tick();
  a.tabs.leave();
  a.tabs.resign(true);  // its last write of the shared key succeeded: the next leader reads it there
  assert.deepEqual(mailboxKeys(browser, a), [], 'not written twice (one storage budget)');
  const b = tab(browser, {}, (v, tabs) => { if (!v) tabs.handOver('QUEUE-B'); });
  await tick();
  assert.equal(b.tabs.leader, true);
  assert.deepEqual(b.got.handovers, [], 'nothing posted either');
  b.tabs.leave();
  b.tabs.resign(false);  // its last write failed: the hand-over is the only full copy
  const keys = mailboxKeys(browser, b);
  assert.equal(keys.length, 1);
  assert.equal(browser.storage.getItem(keys[0]), 'QUEUE-B');
  a.tabs.destroy();
  b.tabs.destroy();
});

test('bfcache: a cached page has no BroadcastChannel open; back, its hand-overs reach the leader again', async () => {
  const browser = fakeBrowser();
  const open = new Set();
  const Base = browser.BroadcastChannel;
  browser.BroadcastChannel = class extends Base {
    constructor(name) { super(name); open.add(this); }
    close() { super.close(); open.delete(this); }
  };
  const a = tab(browser);
  const b = tab(browser);
  await tick();
  assert.equal(open.size, 2);
  b.tabs.leave();
  b.tabs.resign(true);
  assert.equal(open.size, 1, 'closed at pagehide: a message to a cached page evicts it');
  b.tabs.show();
  assert.equal(open.size, 2);
  b.tabs.handOver('H-back');
  await tick();
  assert.deepEqual(a.got.handovers, ['H-back']);
  a.tabs.destroy();
  b.tabs.destroy();
  assert.equal(open.size, 0);
});

test('bfcache, no Web Locks: the lease leader stops renewing while cached and comes back a follower', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const browser = fakeBrowser();
  const seconds = (n) => { for (let i = 0; i < n; i++) t.mock.timers.tick(1000); };
  const a = tab(browser, { locks: false });
  await tick();
  seconds(1);
  assert.equal(a.tabs.leader, true);
  a.tabs.leave();
  a.tabs.resign(true);
  assert.equal(a.tabs.leader, false);
  assert.equal(browser.storage.getItem('wasm-tracker:v2:s:lease'), null, 'lease given up');
  seconds(5);  // a page that stays alive after pagehide (not frozen) does not take it back either
  assert.equal(browser.storage.getItem('wasm-tracker:v2:s:lease'), null, 'not renewed while resigned');
  const b = tab(browser, { locks: false });
  await tick();
  seconds(10);
  assert.equal(a.tabs.leader, false);
  assert.equal(b.tabs.leader, true, 'not renewed by the cached page: the next one took it');
  a.tabs.show();
  await tick();
  seconds(10);
  assert.equal(leaders(a, b), 1, 'back, the live lease is respected');
  assert.equal(b.tabs.leader, true);
  b.tabs.destroy();
  seconds(10);
  assert.equal(a.tabs.leader, true, 'renewing again: takes the lease once it is free');
  assert.deepEqual(a.got.roles, [true, false, true]);
  a.tabs.destroy();
});

test('bfcache, neither Web Locks nor storage: a tab that leads itself keeps leading', async () => {
  const a = tab(fakeBrowser(), { locks: false, localStorage: null });
  await tick();
  a.tabs.leave();
  a.tabs.resign(true);
  a.tabs.show();
  await tick();
  assert.equal(a.tabs.leader, true);
  assert.deepEqual(a.got.roles, [true]);
  a.tabs.destroy();
});

test('a tab granted the lock after waiting leads only after a settle: the last leader\'s final storage writes may arrive after the grant', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const browser = fakeBrowser();
  const a = tab(browser);
  const b = tab(browser);
  await tick();
  assert.equal(a.tabs.leader, true, 'granted at once: leads at once');
  t.mock.timers.tick(ELECTION_SETTLE_MS);  // b has been waiting
  a.tabs.leave();
  a.tabs.resign(true);
  await tick();
  assert.equal(b.tabs.leader, false, 'holds the lock, not yet reading the shared queue');
  t.mock.timers.tick(ELECTION_SETTLE_MS);
  assert.equal(b.tabs.leader, true);
  assert.deepEqual(b.got.roles, [true]);
  a.tabs.show();  // back: waits for b
  t.mock.timers.tick(ELECTION_SETTLE_MS);
  b.tabs.leave();
  b.tabs.resign(true);
  await tick();      // a is granted, settling
  a.tabs.leave();
  a.tabs.resign(true);  // and goes away again before the settle is over: never leads
  t.mock.timers.tick(ELECTION_SETTLE_MS);
  await tick();
  assert.equal(leaders(a, b), 0);
  assert.deepEqual(a.got.roles, [true, false]);
  assert.equal(browser.held.size, 0, 'the lock given back');
  a.tabs.destroy();
  b.tabs.destroy();
});
