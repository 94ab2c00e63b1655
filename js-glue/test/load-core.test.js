// Core selection (src/load-core.js): when the WebAssembly core cannot be used the fallback core is
// loaded from next to the .wasm, said once in the console; when both fail, one combined reason.
// Fake factories here; the real fallback core runs in real-core.test.js and fallback-dist.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore, withFallback } from '../src/load-core.js';

const FALLBACK_FILE = 'liliput.min.core.js';
import { CONTRACT } from '../test-support/fakes.js';

const WASM_URL = 'https://cdn.example/t/liliput.min.wasm';
const JS_URL = 'https://cdn.example/t/liliput.min.core.js';

function env(opts = {}) {
  const WA = 'WebAssembly' in opts ? opts.WebAssembly : WebAssembly;
  const fetchImpl = opts.fetchImpl;
  const logs = { warn: [], error: [], log: [], info: [] };
  const console = {};
  for (const k of Object.keys(logs)) console[k] = (...a) => logs[k].push(a.join(' '));
  return { logs, env: { WebAssembly: WA, console, fetch: fetchImpl || (async () => { throw new TypeError('no fetch expected'); }) } };
}

const compileError = (msg) => Object.assign(new Error(msg), { name: 'CompileError' });
// Like the Emscripten glue: hands instantiation to moduleArg.instantiateWasm and waits.
const wasmFactory = (moduleArg) => new Promise((resolve) => {
  moduleArg.instantiateWasm({}, () => resolve({ which: 'wasm', ...CONTRACT }));
});
function fallbackSpy(result = { which: 'js', ...CONTRACT }) {
  const calls = { load: [], args: [] };
  return {
    calls,
    fallback: {
      load: async (url) => {
        calls.load.push(url);
        if (result instanceof Error) throw result;
        return { default: async (arg) => { calls.args.push(arg); return result; } };
      },
    },
  };
}

const wasmOk = () => new Response(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
  { headers: { 'Content-Type': 'application/wasm' } });

test('the wasm core loads: no fallback fetched, nothing logged', async () => {
  const { env: e, logs } = env({ fetchImpl: async () => wasmOk() });
  const spy = fallbackSpy();
  const M = await loadCore(e, withFallback(wasmFactory, spy.fallback), WASM_URL);
  assert.equal(M.which, 'wasm');
  assert.deepEqual(spy.calls.load, []);
  assert.deepEqual(logs.warn, []);
});

const cases = [
  ['no WebAssembly', { WebAssembly: undefined },
    `[Tracker] The WebAssembly core ${WASM_URL} cannot be used (this browser has no WebAssembly); using the JavaScript core from ${JS_URL}.`],
  ['WebAssembly without instantiate', { WebAssembly: {} },
    `[Tracker] The WebAssembly core ${WASM_URL} cannot be used (this browser has no WebAssembly); using the JavaScript core from ${JS_URL}.`],
  ['.wasm 404', { fetchImpl: async () => new Response('not found', { status: 404 }) },
    `[Tracker] The WebAssembly core ${WASM_URL} cannot be used (HTTP 404); using the JavaScript core from ${JS_URL}.`],
  ['network error', { fetchImpl: async () => { throw new TypeError('Failed to fetch'); } },
    `[Tracker] The WebAssembly core ${WASM_URL} cannot be used (TypeError: Failed to fetch); using the JavaScript core from ${JS_URL}.`],
  ['.wasm served as HTML (an SPA fallback page)', { fetchImpl: async () => new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html' } }) },
    /^\[Tracker\] The WebAssembly core \S+ cannot be used \(CompileError: .*\); using the JavaScript core from https:\/\/cdn\.example\/t\/liliput\.min\.core\.js\.$/],
  ['CSP without wasm-unsafe-eval (CompileError)', {
    fetchImpl: async () => wasmOk(),
    WebAssembly: {
      instantiate: async () => { throw compileError("WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script"); },
      instantiateStreaming: async () => { throw compileError("WebAssembly.instantiateStreaming(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script"); },
    } },
    /^\[Tracker\] The WebAssembly core \S+ cannot be used \(CompileError: WebAssembly\.instantiateStreaming\(\): Refused to compile .*\); using the JavaScript core from \S+\.$/],
  ['the glue fails (LinkError: .wasm of another build)', {
    fetchImpl: async () => wasmOk(),
    WebAssembly: { instantiate: async () => { throw Object.assign(new Error('import object field'), { name: 'LinkError' }); } } },
    `[Tracker] The WebAssembly core ${WASM_URL} cannot be used (LinkError: import object field); using the JavaScript core from ${JS_URL}.`],
];

for (const [name, opts, message] of cases) {
  test(`fallback on ${name}: loaded from next to the .wasm, said once`, async () => {
    const { env: e, logs } = env(opts);
    const spy = fallbackSpy();
    const M = await loadCore(e, withFallback(wasmFactory, spy.fallback), WASM_URL);
    assert.equal(M.which, 'js');
    assert.deepEqual(spy.calls.load, [JS_URL]);
    assert.equal(logs.warn.length, 1, logs.warn.join('\n'));
    if (message instanceof RegExp) assert.match(logs.warn[0], message);
    else assert.equal(logs.warn[0], message);
    assert.deepEqual(logs.error, []);
    // The same moduleArg contract: a locateFile resolving next to the fallback file.
    assert.equal(spy.calls.args[0].locateFile('x.mem'), 'https://cdn.example/t/x.mem');
  });
}

test('the fallback fails too: one rejection naming both reasons and both files, nothing logged', async () => {
  const { env: e, logs } = env({ fetchImpl: async () => new Response('', { status: 404 }) });
  const spy = fallbackSpy(new TypeError(`Failed to fetch dynamically imported module: ${JS_URL}`));
  await assert.rejects(loadCore(e, withFallback(wasmFactory, spy.fallback), WASM_URL), (err) => {
    assert.equal(err.message, `HTTP 404; the JavaScript core ${JS_URL} could not be loaded either ` +
      `(TypeError: Failed to fetch dynamically imported module: ${JS_URL})`);
    return true;
  });
  // The caller reports the failure once (degraded mode); loading adds no line of its own.
  assert.deepEqual(logs.warn, []);
});

test('a fallback whose factory rejects counts as failed', async () => {
  const { env: e } = env({ WebAssembly: undefined });
  const fallback = { load: async () => ({ default: async () => { throw new Error('abort'); } }) };
  await assert.rejects(loadCore(e, withFallback(wasmFactory, fallback), WASM_URL),
    /^Error: this browser has no WebAssembly; the JavaScript core \S+ could not be loaded either \(abort\)$/);
});

test('the npm entry names its chunk: fallback.url wins over the file next to the .wasm', async () => {
  const { env: e, logs } = env({ WebAssembly: undefined });
  const spy = fallbackSpy();
  await loadCore(e, withFallback(wasmFactory, { ...spy.fallback, url: FALLBACK_FILE }), WASM_URL);
  assert.deepEqual(spy.calls.load, [FALLBACK_FILE]);
  assert.match(logs.warn[0], /\(this browser has no WebAssembly\); using the JavaScript core from liliput\.min\.core\.js\.$/);
});

test('a factory without a fallback rejects with the WebAssembly reason alone (as before)', async () => {
  const { env: e } = env({ WebAssembly: undefined });
  await assert.rejects(loadCore(e, wasmFactory, WASM_URL), /^Error: this browser has no WebAssembly$/);
});

test('no fetch(): no core at all (the fallback could not send either)', async () => {
  const { env: e } = env();
  e.fetch = undefined;
  const spy = fallbackSpy();
  await assert.rejects(loadCore(e, withFallback(wasmFactory, spy.fallback), WASM_URL), /no fetch\(\)/);
  assert.deepEqual(spy.calls.load, []);
});

test('the loader fetches the .wasm early only where WebAssembly exists (else the fallback is fetched)', async () => {
  const { runLoader } = await import('../src/loader-snippet.js');
  const { fakeEnv } = await import('../test-support/fakes.js');
  for (const [WA, early] of [[undefined, 1], [null, 0]]) {
    const f = fakeEnv({ WebAssembly: WA, readyState: 'loading' });
    runLoader(f.window, f.document, f.env.navigator, f.env.console);
    f.window.options = { tracker: { url: { script: '//cdn.example/tracker', api: 'https://api.example' }, source: { id: 's' } } };
    f.document.dispatch('DOMContentLoaded');
    assert.equal(f.fetchCalls.filter((c) => /\.wasm$/.test(c.url)).length, early, String(WA));
    assert.equal(f.document.head.children.filter((c) => c.tagName === 'LINK').length, 0);
    assert.equal(f.document.head.children.filter((c) => c.tagName === 'SCRIPT').length, 1);
  }
});

// Issue 20: a page left while its core still compiles (the streaming compile has not finished) has
// no later task; rush() compiles the downloaded bytes synchronously, so the factory settles in the
// microtasks after the pagehide listener that called it.
test('rush(): the downloaded module is compiled and instantiated synchronously while the streaming compile is pending', async () => {
  const pending = new Promise(() => {});  // a streaming compile that has not finished
  const made = [];
  const WA = {
    instantiate: () => pending,
    instantiateStreaming: () => pending,
    Module: function Module(bytes) { made.push(['module', bytes.byteLength]); },
    Instance: function Instance(module, imports) { made.push(['instance', typeof imports]); this.exports = {}; },
  };
  const { env: e } = env({ WebAssembly: WA, fetchImpl: async () => wasmOk() });
  const core = loadCore(e, withFallback(wasmFactory, fallbackSpy().fallback), WASM_URL);
  assert.equal(core.rush(), false, 'nothing downloaded yet: nothing to compile');
  await new Promise((r) => setImmediate(r));  // the fetch and its bytes are in
  let M = null;
  core.then((m) => { M = m; });
  assert.equal(core.rush(), true);
  assert.deepEqual(made, [['module', 8], ['instance', 'object']]);
  for (let i = 0; i < 10 && !M; i++) await Promise.resolve();  // microtasks only, no task
  assert.equal(M?.which, 'wasm', 'the factory settled within the microtasks');
  assert.equal(core.rush(), true, 'settled: a second rush does nothing more');
  assert.equal(made.length, 2);
});
