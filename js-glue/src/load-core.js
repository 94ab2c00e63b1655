// Instantiates the Emscripten module. The glue's own loader logs through console.warn and can
// fail in several noisy ways; instantiating here (via `instantiateWasm`) gives one clear reason
// when it fails: no WebAssembly, HTTP 404, or a CSP without 'wasm-unsafe-eval' (CompileError).
//
// When the WebAssembly core cannot run, the same C++ core compiled to JavaScript (wasm2js,
// wasm/bindings/fallback-core.cmake) is loaded instead: fetched only on that path, with the same
// factory contract, so every delivery rule still comes from the one core.
import { resolveNear } from './util.js';
import { sibling, CORE_JS_SUFFIX } from './page-options.js';

async function instantiate(env, url, imports) {
  const WA = env.WebAssembly;
  const res = await env.fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  try {
    return await WA.instantiateStreaming(res.clone(), imports);
  } catch (e) {
    // TypeError = served without application/wasm (or no instantiateStreaming): compile from bytes
    // instead. Anything else (CompileError from a CSP, LinkError) would fail the same way again.
    if (e?.name !== 'TypeError') throw e;
  }
  return WA.instantiate(await res.arrayBuffer(), imports);
}

function loadWasm(env, factory, wasmUrl) {
  const url = String(wasmUrl);
  return new Promise((resolve, reject) => {
    if (typeof env.WebAssembly?.instantiate !== 'function') throw new Error('this browser has no WebAssembly');
    const moduleArg = {
      locateFile: () => url,
      instantiateWasm(imports, done) {
        instantiate(env, url, imports).then((r) => done(r.instance, r.module), reject);
        return {};  // exports arrive asynchronously through done()
      },
    };
    Promise.resolve().then(() => factory(moduleArg)).then(resolve, reject);
  });
}

// A wasm factory that knows where its fallback is. fallback: {load(url) → Promise of the fallback
// module's namespace (default export = its factory), url?: where it comes from, for messages;
// default: the .wasm's sibling <stem>.core.js (page-options.js)}. The script path imports a URL, the npm entry a
// module specifier its user's bundler splits into a chunk.
export function withFallback(factory, fallback) {
  const f = (moduleArg) => factory(moduleArg);
  f.fallback = fallback;
  return f;
}

// factory: the Emscripten MODULARIZE factory (optionally withFallback); resolves to the Module
// (with M.TrackerCore). Rejects with one reason naming both cores when neither loads.
export function loadCore(env, factory, wasmUrl) {
  if (typeof env.fetch !== 'function') {
    return Promise.reject(new Error('this browser has no fetch()'));
  }
  return loadWasm(env, factory, wasmUrl).catch(async (wasmError) => {
    const fallback = factory?.fallback;
    if (!fallback) throw wasmError;
    const url = fallback.url ? String(fallback.url) : sibling(String(wasmUrl), CORE_JS_SUFFIX);
    const why = errorText(wasmError);
    let M;
    try {
      M = await (await fallback.load(url)).default({ locateFile: (file) => resolveNear(file, url) });
    } catch (e) {
      throw new Error(`${why}; the JavaScript core ${url} could not be loaded either (${errorText(e)})`);
    }
    // Once, and only when the fallback runs: if it fails too the caller reports both at once.
    try {
      env.console.warn(`[Tracker] The WebAssembly core ${wasmUrl} cannot be used (${why}); ` +
        `using the JavaScript core from ${url}.`);
    } catch { /* a page without console */ }
    return M;
  });
}

export function errorText(e) {
  if (!e) return 'unknown error';
  return e.message ? `${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}` : String(e);
}
