import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStorage, queueKey } from '../src/storage.js';
import { createIdentity } from '../src/identity.js';
import { createHost } from '../src/core-host.js';
import { fakeEnv, FakeCore, tick, OPTIONS, CONTRACT } from '../test-support/fakes.js';

test('one versioned key per source; readAll lists the shared queue, mailboxes and legacy keys', () => {
  const f = fakeEnv();
  const a = createStorage(f.env, 'src-1');
  assert.equal(queueKey('abc'), 'wasm-tracker:v2:abc:queue');
  assert.equal(a.key, 'wasm-tracker:v2:src-1:queue');
  assert.equal(a.base, 'wasm-tracker:v2:src-1');
  assert.deepEqual(a.readAll(), []);
  assert.equal(a.write('{"v":1,"events":["a"]}'), true);
  f.storage.setItem('wasm-tracker:v2:src-1:mailbox:t1:1', 'M');
  f.storage.setItem('wasm-tracker:v1:src-1:queue:tab9', 'L');
  f.storage.setItem('wasm-tracker:v2:src-2:queue', 'other source');
  const all = a.readAll();
  assert.equal(all[0].key, a.key, 'ours first');
  assert.deepEqual(all.map((o) => o.text).sort(), ['L', 'M', '{"v":1,"events":["a"]}']);
  a.release(all.map((o) => o.key));
  assert.equal(f.storage.getItem(a.key), '{"v":1,"events":["a"]}', 'release never removes ours');
  assert.equal(a.readAll().length, 1);
});

test('quota error keeps the last good copy, warns once, and the next write tries again', () => {
  const f = fakeEnv();
  const s = createStorage(f.env, 'src-1');
  assert.equal(s.write('good'), true);
  f.storage.throwOnSet = 'QuotaExceededError';
  assert.equal(s.write('b'), false);
  assert.equal(s.write('c'), false);
  assert.equal(f.storage.getItem(s.key), 'good', 'never removed to make room');
  assert.equal(f.logs.warn.length, 1);
  assert.match(f.logs.warn[0][0], /QuotaExceededError/);
  f.storage.throwOnSet = null;  // room again (the page freed some): storage is used again
  assert.equal(s.write('d'), true);
  assert.equal(f.storage.getItem(s.key), 'd');

  const g = fakeEnv({ localStorage: null });
  const t = createStorage(g.env, 'src-1');
  assert.deepEqual(t.readAll(), []);
  assert.doesNotThrow(() => t.write('x'));
});

test('host: a failed write is retried with the next persist; the good copy stays meanwhile', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const f = fakeEnv();
  const core = new FakeCore('{}');
  const store = createStorage(f.env, 'src-1');
  const host = createHost({ env: f.env, core, contract: CONTRACT, options: OPTIONS, storage: store });
  host.start();
  await tick();
  host.track('a', {});
  await Promise.resolve();
  t.mock.timers.tick(0);
  const good = f.storage.getItem(store.key);
  assert.match(good, /"a"/);
  f.storage.throwOnSet = 'QuotaExceededError';
  host.track('b', {});
  await Promise.resolve();
  t.mock.timers.tick(0);
  assert.equal(f.storage.getItem(store.key), good);
  f.storage.throwOnSet = null;
  host.onPageLeave();  // the next persist (here the synchronous one on leave) writes again
  assert.match(f.storage.getItem(store.key), /^\{"v":1/);
  assert.notEqual(f.storage.getItem(store.key), good);
});

test('identity read: JSON-encoded and raw localStorage forms, cookie value', () => {
  const f = fakeEnv();
  f.document.jar.set('other', '1');
  f.document.jar.set('tracardi-session-id', 'abc-123');
  f.storage.setItem('tracardi-profile-id', JSON.stringify('prof-json'));
  f.storage.setItem('tracardi-device-id', 'dev-raw');
  assert.deepEqual(createIdentity(f.env).read(), { session: 'abc-123', profile: 'prof-json', device: 'dev-raw' });
  const g = fakeEnv();
  assert.deepEqual(createIdentity(g.env).read(), { session: null, profile: null, device: null });
});

test('session cookie: Lax, path=/, Secure only on https, sliding refresh at most once a minute', () => {
  const f = fakeEnv({ href: 'http://shop.example/' });
  const id = createIdentity(f.env);
  id.read();
  id.update({ session: 's1', profile: null, device: 'd1', sessionTtlS: 1800 });
  id.flush(0);
  assert.equal(f.document.cookieWrites.length, 1);
  assert.match(f.document.cookieWrites[0], /^tracardi-session-id=s1; max-age=1800; expires=.*; path=\/; SameSite=Lax$/);
  assert.equal(f.storage.getItem('tracardi-device-id'), '"d1"');
  assert.equal(f.storage.getItem('tracardi-profile-id'), null, 'no profile yet: nothing stored');
  id.noteActivity();
  id.flush(30_000);
  assert.equal(f.document.cookieWrites.length, 1, 'within a minute: not refreshed');
  id.flush(61_000);
  assert.equal(f.document.cookieWrites.length, 2, 'activity + a minute: refreshed');
  id.flush(200_000);
  assert.equal(f.document.cookieWrites.length, 2, 'no activity: not refreshed');
  id.flush(200_000, true);
  assert.equal(f.document.cookieWrites.length, 3, 'page hide refreshes');
  id.update({ session: 's2', profile: 'p2', device: 'd1', sessionTtlS: 1800 });
  id.flush(200_001);
  assert.equal(f.document.cookieWrites.length, 4, 'a new session is written at once');
  assert.equal(f.storage.getItem('tracardi-profile-id'), '"p2"');
  const deviceWrites = f.storage.writes.filter(([k]) => k === 'tracardi-device-id');
  assert.equal(deviceWrites.length, 1, 'unchanged ids are not rewritten');
});
