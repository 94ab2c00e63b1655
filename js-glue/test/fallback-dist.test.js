// The built fallback core (dist/liliput.min.core.js): no run-time code evaluation, and the npm
// entry (dist/index.js) picks it when WebAssembly is absent. The script path's import() from a
// classic script is covered in Chromium by e2e-tests/tests/fallback-core.spec.ts (node's vm needs
// --experimental-vm-modules for an import() from a script).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findDynamicCode } from '../scripts/dynamic-code.mjs';
import { fakeEnv } from '../test-support/fakes.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const DIST_JS_CORE = here('../dist/liliput.min.core.js');
const built = existsSync(DIST_JS_CORE);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await wait(5);
  }
}
const OK = () => new Response(JSON.stringify({ profile: { id: 'p' }, session: { id: 's' } }), { status: 200 });

test('the dynamic-code check finds eval and the Function constructor, not look-alikes', () => {
  for (const bad of ['eval("1")', 'x=(0,eval)(s)', 'new Function("a","return a")', 'Function("return this")()',
    "window['eval'](s)", 'setTimeout("go()", 1)']) {
    assert.ok(findDynamicCode(bad).length > 0, bad);
  }
  for (const ok of ['myeval(1)', 'a.evaluate(x)', 'typeof f=="function"', 'x instanceof Function',
    'createNamedFunction(n, b)', 'setTimeout(go, 1)', '$eval(1)']) {
    assert.deepEqual(findDynamicCode(ok), [], ok);
  }
});

test('dist/liliput.min.core.js evaluates no code at run time (runs under a CSP without unsafe-eval)',
  { skip: !built && 'run npm run build first' }, () => {
    assert.deepEqual(findDynamicCode(readFileSync(DIST_JS_CORE, 'utf8')), []);
  });

test('dist/index.js (npm) without WebAssembly: the liliput.min.core.js chunk next to it sends',
  { skip: !(built && existsSync(here('../dist/index.js'))) && 'run npm run build first' }, async () => {
    const posts = [];
    const f = fakeEnv({ WebAssembly: null, fetchImpl: async (url, init) => {
      assert.ok(!url.endsWith('.wasm'), `fetched ${url}`);
      posts.push(JSON.parse(init.body));
      return OK();
    } });
    f.env.performance = performance;
    const { createTracker } = await import(here('../dist/index.js'));
    const t = createTracker({ tracker: { url: { api: 'http://c' }, source: { id: 'npm' } } }, { env: f.env });
    t.track('npm-event', { n: 1 });
    assert.equal(await t.ready, true);
    await until(() => posts.length === 1);
    assert.deepEqual(posts[0].events.map((e) => e.type), ['npm-event']);
    assert.deepEqual(f.logs.warn.map((a) => a[0]).filter((m) => /JavaScript core/.test(m)),
      [`[Tracker] The WebAssembly core ${new URL('../dist/liliput.min.wasm', import.meta.url).href} ` +
        'cannot be used (this browser has no WebAssembly); using the JavaScript core from liliput.min.core.js.']);
    t.destroy();
  });
