import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStorage, queueKey } from '../src/storage.js';
import { createIdentity } from '../src/identity.js';
import { fakeEnv, FakeStorage } from '../test-support/fakes.js';

test('each page writes its own versioned key; a later page reads the copies others left', () => {
  const f = fakeEnv();
  const a = createStorage(f.env, 'src-1');
  const b = createStorage(f.env, 'src-1');
  assert.equal(queueKey('abc'), 'wasm-tracker:v1:abc:queue');
  assert.match(a.key, /^wasm-tracker:v1:src-1:queue:[0-9a-z]+$/);
  assert.notEqual(a.key, b.key);
  assert.deepEqual(a.readOthers(), []);
  a.write('{"v":1,"events":["a"]}');
  b.write('{"v":1,"events":["b"]}');  // two tabs: neither overwrites the other
  assert.equal(f.storage.getItem(a.key), '{"v":1,"events":["a"]}');
  assert.equal(a.read(), '{"v":1,"events":["a"]}');
  const next = createStorage(f.env, 'src-1');
  const others = next.readOthers();
  assert.deepEqual(others.map((o) => o.text).sort(), ['{"v":1,"events":["a"]}', '{"v":1,"events":["b"]}']);
  next.release(others.map((o) => o.key));
  assert.equal(f.storage.getItem(a.key), null);
  assert.deepEqual(next.readOthers(), []);
});

test('quota error → memory with ONE warning; storage missing → memory', () => {
  const f = fakeEnv();
  const s = createStorage(f.env, 'src-1');
  f.storage.throwOnSet = 'QuotaExceededError';
  s.write('a');
  s.write('b');
  s.write('c');
  assert.equal(s.inMemory, true);
  assert.equal(s.read(), 'c');
  assert.equal(f.logs.warn.length, 1);
  assert.match(f.logs.warn[0][0], /QuotaExceededError/);

  const g = fakeEnv({ localStorage: null });
  const t = createStorage(g.env, 'src-1');
  assert.equal(t.read(), '');
  assert.doesNotThrow(() => t.write('x'));
  assert.equal(t.read(), 'x');
  assert.equal(g.logs.warn.length, 1);
});

test('quota freed by dropping our own stale copy: no fallback', () => {
  const f = fakeEnv();
  const ls = new (class extends FakeStorage {
    setItem(k, v) { if (this.map.has(k)) { const e = new Error('full'); e.name = 'QuotaExceededError'; throw e; } super.setItem(k, v); }
  })();
  const g = fakeEnv({ localStorage: ls });
  const s = createStorage(g.env, 'src-1');
  s.write('one');
  s.write('two');
  assert.equal(ls.getItem(s.key), 'two');
  assert.equal(s.inMemory, false);
  assert.equal(g.logs.warn.length, 0);
  void f;
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
