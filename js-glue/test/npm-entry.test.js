import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTracker } from '../src/index.js';
import { FakeCore, fakeEnv, fakeFactory, tick, OPTIONS } from '../test-support/fakes.js';

test('createTracker: buffers until ready, writes no globals, destroy removes listeners', async () => {
  const f = fakeEnv();
  const before = Object.keys(f.window).sort();
  const globalsBefore = Object.keys(globalThis).sort();
  FakeCore.instances.length = 0;
  const ready = [];
  const t = createTracker(OPTIONS, { env: f.env, factory: fakeFactory(), wasmUrl: 'https://x/liliput.min.wasm', onReady: (c) => ready.push(c) });
  t.track('early', { a: 1 });
  assert.equal(await t.ready, true);
  const core = FakeCore.instances[0];
  assert.deepEqual(core.named('track').map((c) => c[1]), ['early']);
  t.track('later', {});
  core.extra = { ready: { context: null } };
  t.flush();
  assert.deepEqual(ready, [null]);
  assert.deepEqual(Object.keys(f.window).sort(), before);
  assert.deepEqual(Object.keys(globalThis).sort(), globalsBefore);
  assert.ok(f.window.count('pagehide') > 0);
  t.destroy();
  assert.equal(f.window.count('pagehide'), 0);
  assert.equal(core.deleted, true);
  assert.doesNotThrow(() => t.track('after', {}));
});

test('createTracker: failed load resolves ready to false and degrades quietly', async () => {
  const f = fakeEnv();
  const t = createTracker(OPTIONS, { env: f.env, factory: fakeFactory({ fail: new Error('nope') }), wasmUrl: 'x' });
  t.track('a');
  assert.equal(await t.ready, false);
  assert.equal(f.logs.warn.length, 1);
  assert.doesNotThrow(() => t.track('b'));
  await tick();
});
