import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTabs } from '../src/tabs.js';
import { createEntropy } from '../src/util.js';
import { fakeEnv, fakeBrowser, tick } from '../test-support/fakes.js';

function tab(browser, extra = {}) {
  const f = fakeEnv({ browser, ...extra });
  const got = { roles: [], handovers: [] };
  const tabs = createTabs(f.env, 'wasm-tracker:v2:s', {
    role: (v) => got.roles.push(v),
    handover: (text) => got.handovers.push(text),
  }, createEntropy(f.env.crypto));
  return { f, tabs, got };
}

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
  const browser = fakeBrowser();
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
  a.f.window.dispatch('storage', { key: keys[0], newValue: 'H3' });
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
