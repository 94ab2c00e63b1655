// The test doubles themselves (test-support/fakes.js): a fake that is kinder than the browser
// hides the defects it should show (issue 21). Cookies expire, storage events reach the other
// tabs late, hidden tabs' timers run late, as in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeEnv, fakeBrowser, fakeDocument, FakeCookieJar, HIDDEN_MINUTE, tick } from '../test-support/fakes.js';

const MINUTE = 60_000;
const settle = () => new Promise((r) => setTimeout(r, 5));

// --- Cookies ---------------------------------------------------------------------------------

test('cookie jar: max-age counts on the fake clock; the cookie is gone from every read once it is over', () => {
  const f = fakeEnv();
  const doc = f.document;
  doc.cookie = 'tracardi-session-id=s1; max-age=1800; expires=Thu, 01 Jan 2099 00:00:00 GMT; path=/; SameSite=Lax';
  assert.equal(doc.cookie, 'tracardi-session-id=s1');
  assert.equal(doc.jar.expiresAt('tracardi-session-id'), f.env.Date.now() + 1800 * 1000, 'Max-Age wins over Expires');
  f.advance(1800 * 1000 - 1);
  assert.equal(doc.cookie, 'tracardi-session-id=s1', 'alive until its last millisecond');
  f.advance(1);
  assert.equal(doc.cookie, '', 'expired');
  assert.equal(doc.jar.get('tracardi-session-id'), undefined);
  assert.equal(doc.jar.has('tracardi-session-id'), false);
});

test('cookie jar: a rewrite slides the expiry; max-age=0 and a past Expires delete; no attribute: a session cookie', () => {
  const f = fakeEnv();
  const doc = f.document;
  doc.cookie = 'a=1; max-age=60; path=/';
  f.advance(50_000);
  doc.cookie = 'a=2; max-age=60; path=/';
  f.advance(50_000);
  assert.equal(doc.cookie, 'a=2', 'refreshed 50 s in: alive 100 s in');
  doc.cookie = 'a=3; max-age=0';
  assert.equal(doc.cookie, '');
  const past = new Date(f.env.Date.now() - 1000).toUTCString();
  doc.cookie = `b=1; expires=${past}`;
  assert.equal(doc.cookie, '', 'an Expires in the past deletes');
  const soon = new Date(f.env.Date.now() + 10_000).toUTCString();
  doc.cookie = `c=1; expires=${soon}; path=/`;
  doc.cookie = 'session=1; path=/';
  f.advance(10_000);
  assert.equal(doc.cookie, 'session=1', 'Expires alone counts; no lifetime: lives as long as the browser');
  f.advance(365 * 24 * 3600 * 1000);
  assert.equal(doc.cookie, 'session=1');
});

test('cookie jar: set directly (tests) is a session cookie and clears an earlier expiry; Map reads sweep', () => {
  const jar = new FakeCookieJar(() => 0);
  jar.write('x=1; max-age=1');
  jar.set('x', '2');
  assert.equal(jar.expiresAt('x'), null);
  assert.deepEqual([...jar], [['x', '2']]);
  let now = 0;
  const j2 = new FakeCookieJar(() => now);
  j2.write('y=1; max-age=1');
  j2.set('z', '1');
  now = 1000;
  assert.deepEqual([...j2.keys()], ['z']);
  assert.equal(j2.size, 1);
  assert.equal(j2.header(), 'z=1');
});

test('cookie jar: the tabs of one browser share their cookies (and its clock); two browsers do not', () => {
  const browser = fakeBrowser();
  const a = fakeEnv({ browser });
  const b = fakeEnv({ browser });
  const other = fakeEnv();
  a.document.cookie = 'tracardi-session-id=s1; max-age=1800; path=/';
  assert.equal(b.document.cookie, 'tracardi-session-id=s1');
  assert.equal(other.document.cookie, '');
  b.advance(1800 * 1000);  // time passes for the whole browser
  assert.equal(a.env.Date.now(), b.env.Date.now());
  assert.equal(a.document.cookie, '');
  assert.equal(other.env.Date.now(), 1_700_000_001_000, 'another browser\'s clock did not move');
});

test('clock "global": every tab\'s wall and monotonic clocks and its cookies follow node:test mock timers', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 });
  const browser = fakeBrowser({ clock: 'global' });
  const a = fakeEnv({ browser });
  const b = fakeEnv({ browser });
  assert.equal(a.env.Date.now(), 1_800_000_000_000);
  const mono = a.env.performance.now();
  a.document.cookie = 'tracardi-session-id=s1; max-age=1800; path=/';
  t.mock.timers.tick(30 * MINUTE - 1);
  assert.equal(b.env.performance.now() - mono, 30 * MINUTE - 1);
  assert.equal(b.document.cookie, 'tracardi-session-id=s1');
  t.mock.timers.tick(1);
  assert.equal(b.document.cookie, '', 'expired 30 minutes after its write');
});

test('fakeDocument alone keeps its own jar on the global clock', () => {
  const doc = fakeDocument();
  doc.cookie = 'k=v; max-age=3600';
  assert.equal(doc.cookie, 'k=v');
  assert.ok(Math.abs(doc.jar.expiresAt('k') - (Date.now() + 3600 * 1000)) < 1000);
});

// --- localStorage across tabs --------------------------------------------------------------

test('storage: a write reaches the other tabs later, with a storage event there and none at the writer', async () => {
  const browser = fakeBrowser();
  const a = fakeEnv({ browser, href: 'https://shop.example/a' });
  const b = fakeEnv({ browser, href: 'https://shop.example/b' });
  const seen = { a: [], b: [] };
  a.window.addEventListener('storage', (e) => seen.a.push(e));
  b.window.addEventListener('storage', (e) => seen.b.push(e));
  a.storage.setItem('k', 'v1');
  assert.equal(a.storage.getItem('k'), 'v1', 'the writer reads its write at once');
  assert.equal(browser.storage.getItem('k'), 'v1', 'the browser has it at once');
  assert.equal(b.storage.getItem('k'), null, 'the other tab not yet');
  assert.equal(seen.b.length, 0, 'no event in the same task');
  await browser.storageSettled();
  assert.equal(b.storage.getItem('k'), 'v1');
  assert.equal(seen.a.length, 0, 'never at the writer');
  assert.equal(seen.b.length, 1);
  const [e] = seen.b;
  assert.deepEqual({ type: e.type, key: e.key, oldValue: e.oldValue, newValue: e.newValue, url: e.url },
    { type: 'storage', key: 'k', oldValue: null, newValue: 'v1', url: 'https://shop.example/a' });
  assert.equal(e.storageArea, b.storage);
  a.storage.setItem('k', 'v1');  // no change: no event
  a.storage.removeItem('k');
  await browser.storageSettled();
  assert.equal(b.storage.getItem('k'), null);
  assert.deepEqual(seen.b.map((x) => [x.key, x.oldValue, x.newValue]), [['k', null, 'v1'], ['k', 'v1', null]]);
});

test('storage: a tab opened later starts from what the browser holds; a closed tab hears nothing', async () => {
  const browser = fakeBrowser();
  const a = fakeEnv({ browser });
  a.storage.setItem('k', 'v');
  const b = fakeEnv({ browser });
  assert.equal(b.storage.getItem('k'), 'v');
  const heard = [];
  b.window.addEventListener('storage', (e) => heard.push(e.key));
  b.close();
  a.storage.setItem('k2', 'v');
  await browser.storageSettled();
  assert.deepEqual(heard, []);
});

test('storage: the delay is configurable (mock timers drive it); "manual" holds writes until delivered', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const browser = fakeBrowser({ storageDelay: 50 });
  const a = fakeEnv({ browser });
  const b = fakeEnv({ browser });
  a.storage.setItem('k', 'v');
  t.mock.timers.tick(49);
  assert.equal(b.storage.getItem('k'), null);
  t.mock.timers.tick(1);
  assert.equal(b.storage.getItem('k'), 'v');
  t.mock.timers.reset();

  const held = fakeBrowser({ storageDelay: 'manual' });
  const c = fakeEnv({ browser: held });
  const d = fakeEnv({ browser: held });
  let events = 0;
  d.window.addEventListener('storage', () => events++);
  c.storage.setItem('k', '1');
  c.storage.setItem('k', '2');
  await settle();
  assert.equal(d.storage.getItem('k'), null);
  held.deliverStorage();
  assert.equal(d.storage.getItem('k'), '2');
  assert.equal(events, 2, 'one event per write, in order');
});

test('storage: two tabs writing one key at once end with the later write everywhere', async () => {
  const browser = fakeBrowser({ storageDelay: 'manual' });
  const a = fakeEnv({ browser });
  const b = fakeEnv({ browser });
  const c = fakeEnv({ browser });
  const heard = { a: [], b: [], c: [] };
  for (const [k, f] of Object.entries({ a, b, c })) f.window.addEventListener('storage', (e) => heard[k].push(e.newValue));
  a.storage.setItem('lease', 'A');
  b.storage.setItem('lease', 'B');  // before A's write reached b: each reads its own
  assert.equal(a.storage.getItem('lease'), 'A');
  assert.equal(b.storage.getItem('lease'), 'B');
  browser.deliverStorage();
  for (const f of [a, b, c]) assert.equal(f.storage.getItem('lease'), 'B');
  assert.equal(browser.storage.getItem('lease'), 'B');
  // b wrote after A was committed: A's value never lands there, but its event does (Chromium).
  assert.deepEqual(heard, { a: ['B'], b: ['A'], c: ['A', 'B'] });
});

test('storage: a lone tab (no browser given) behaves as before: at once, no event; quota errors still thrown', () => {
  const f = fakeEnv();
  let events = 0;
  f.window.addEventListener('storage', () => events++);
  f.storage.setItem('k', 'v');
  assert.equal(f.storage.getItem('k'), 'v');
  assert.deepEqual(f.storage.writes, [['k', 'v']]);
  f.storage.throwOnSet = 'QuotaExceededError';
  assert.throws(() => f.storage.setItem('k', 'w'), { name: 'QuotaExceededError' });
  assert.equal(f.storage.getItem('k'), 'v');
  assert.equal(events, 0);
});

// --- Timers that run late ----------------------------------------------------------------------

test('late timers: a hidden tab\'s timers run at the next whole minute; a visible tab\'s on time', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 10 * MINUTE + 10_000 });
  const browser = fakeBrowser({ clock: 'global' });
  const hidden = fakeEnv({ browser, lateTimers: 'hidden-minute' });
  const visible = fakeEnv({ browser, lateTimers: 'hidden-minute' });
  hidden.setVisibility('hidden');
  const ran = [];
  hidden.env.setTimeout(() => ran.push(['hidden', Date.now()]), 1000);
  visible.env.setTimeout(() => ran.push(['visible', Date.now()]), 1000);
  t.mock.timers.tick(1000);
  assert.deepEqual(ran, [['visible', 10 * MINUTE + 11_000]]);
  t.mock.timers.tick(48_999);
  assert.equal(ran.length, 1, 'not before the minute');
  t.mock.timers.tick(1);
  assert.deepEqual(ran[1], ['hidden', 11 * MINUTE]);
});

test('late timers: armed while visible, then hidden: waits for the minute; shown again: overdue ones run at once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5 * MINUTE });
  const f = fakeEnv({ lateTimers: 'hidden-minute' });
  const ran = [];
  const renew = () => { ran.push(Date.now()); f.env.setTimeout(renew, 1000); };  // a lease renewal
  f.env.setTimeout(renew, 1000);
  t.mock.timers.tick(1000);
  assert.deepEqual(ran, [5 * MINUTE + 1000]);
  f.setVisibility('hidden');
  for (let i = 0; i < 58; i++) t.mock.timers.tick(1000);
  assert.deepEqual(ran, [5 * MINUTE + 1000], 'no renewal for the rest of the minute');
  t.mock.timers.tick(1000);
  assert.deepEqual(ran, [5 * MINUTE + 1000, 6 * MINUTE]);
  t.mock.timers.tick(20_000);
  f.setVisibility('visible');
  t.mock.timers.tick(0);
  assert.deepEqual(ran, [5 * MINUTE + 1000, 6 * MINUTE, 6 * MINUTE + 20_000], 'shown: at once');
  t.mock.timers.tick(1000);
  assert.equal(ran.length, 4, 'then on time again');
});

test('late timers: clearTimeout cancels, whatever slot the timer waits for; a custom lateness function', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const f = fakeEnv({ lateTimers: 'hidden-minute' });
  f.setVisibility('hidden');
  let ran = 0;
  const id = f.env.setTimeout(() => ran++, 10);
  f.env.clearTimeout(id);
  t.mock.timers.tick(MINUTE);
  assert.equal(ran, 0);
  const g = fakeEnv({ lateTimers: (due) => due + 500 });  // every timer half a second late
  g.env.setTimeout(() => ran++, 100);
  t.mock.timers.tick(599);
  assert.equal(ran, 0);
  t.mock.timers.tick(1);
  assert.equal(ran, 1);
  assert.equal(HIDDEN_MINUTE(61_000, { visibilityState: 'hidden' }), 2 * MINUTE);
  assert.equal(HIDDEN_MINUTE(61_000, { visibilityState: 'visible' }), 61_000);
});

test('timers by default: on time and through the globals (mock timers reach them as before)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const f = fakeEnv();
  let ran = 0;
  f.setVisibility('hidden');
  f.env.setTimeout(() => ran++, 1000);
  t.mock.timers.tick(1000);
  assert.equal(ran, 1);
  await tick();
});
