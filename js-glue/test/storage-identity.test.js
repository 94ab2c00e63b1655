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

test('session cookie: Lax, path=/, Secure only on https, written when the core says; ids stored when they change', () => {
  const f = fakeEnv({ href: 'http://shop.example/' });
  const id = createIdentity(f.env);
  id.read();
  id.update({ session: 's1', profile: null, device: 'd1', sessionTtlS: 1800 });
  id.flush();
  assert.equal(f.document.cookieWrites.length, 0, 'the cookie is the core\'s decision (sessionCookie)');
  id.writeSession('s1');
  assert.equal(f.document.cookieWrites.length, 1);
  assert.match(f.document.cookieWrites[0], /^tracardi-session-id=s1; max-age=1800; expires=.*; path=\/; SameSite=Lax$/);
  assert.equal(f.storage.getItem('tracardi-device-id'), '"d1"');
  assert.equal(f.storage.getItem('tracardi-profile-id'), null, 'no profile yet: nothing stored');
  id.update({ session: 's2', profile: 'p2', device: 'd1', sessionTtlS: 1800 });
  id.flush();
  assert.equal(f.storage.getItem('tracardi-profile-id'), '"p2"');
  const deviceWrites = f.storage.writes.filter(([k]) => k === 'tracardi-device-id');
  assert.equal(deviceWrites.length, 1, 'unchanged ids are not rewritten');
  const g = fakeEnv({ href: 'https://shop.example/' });
  const gid = createIdentity(g.env);
  gid.update({ session: 's1', profile: null, device: 'd1', sessionTtlS: 1800 });
  gid.writeSession('s1');
  assert.match(g.document.cookieWrites[0], /; Secure$/);
});
