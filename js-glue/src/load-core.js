// Instantiates the Emscripten module. The glue's own loader logs through console.warn and can
// fail in several noisy ways; instantiating here (via `instantiateWasm`) gives one clear reason
// when it fails: no WebAssembly, HTTP 404, or a CSP without 'wasm-unsafe-eval' (CompileError).
//
// When the WebAssembly core cannot run, the same C++ core compiled to JavaScript (wasm2js,
// wasm/bindings/fallback-core.cmake) is loaded instead: fetched only on that path, with the same
// factory contract, so every delivery rule still comes from the one core.
import { resolveNear } from './util.js';
import { sibling, CORE_JS_SUFFIX } from './page-options.js';

// keep(bytes): the downloaded module, for a synchronous compile if the page is left first (rush).
// early: the loader snippet's download of the same URL (a promise of its Response), taken once.
async function instantiate(env, url, imports, keep, early) {
  const WA = env.WebAssembly;
  const res = await (early || env.fetch(url, { credentials: 'same-origin' }));
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  res.clone().arrayBuffer().then(keep, () => { /* no bytes: no rush */ });
  try {
    return await WA.instantiateStreaming(res.clone(), imports);
  } catch (e) {
    // TypeError = served without application/wasm (or no instantiateStreaming): compile from bytes
    // instead. Anything else (CompileError from a CSP, LinkError) would fail the same way again.
    if (e?.name !== 'TypeError') throw e;
  }
  return WA.instantiate(await res.arrayBuffer(), imports);
}

// Resolves to the Module. Its `rush()`: a page being left runs no later task, and its last
// microtasks are all a core that is still compiling gets (issue 20: 20 clicks, then a link 10 ms
// later, lost all 20 until a next visit); when the bytes are in, the module is compiled and
// instantiated synchronously (a 58 KB module is far below the browsers' limit for that), so the
// factory's own promise chain finishes in the microtasks right after the pagehide listener. True
// when it did.
function loadWasm(env, factory, wasmUrl, early) {
  const url = String(wasmUrl);
  let rush = () => false;
  const loaded = new Promise((resolve, reject) => {
    const WA = env.WebAssembly;
    if (typeof WA?.instantiate !== 'function') throw new Error('this browser has no WebAssembly');
    const moduleArg = {
      locateFile: () => url,
      instantiateWasm(imports, done) {
        let bytes = null;
        let settled = false;
        const finish = (instance, module) => {
          if (!settled) { settled = true; done(instance, module); }
        };
        instantiate(env, url, imports, (b) => { bytes = b; }, early)
          .then((r) => finish(r.instance, r.module), (e) => { if (!settled) reject(e); });
        rush = () => {
          if (settled || !bytes) return settled;
          try {
            const module = new WA.Module(bytes);
            finish(new WA.Instance(module, imports), module);
          } catch { /* refused (a CSP, a size limit): the calls stay kept for the next page */ }
          return settled;
        };
        return {};  // exports arrive asynchronously through done()
      },
    };
    Promise.resolve().then(() => factory(moduleArg)).then(resolve, reject);
  });
  loaded.rush = () => rush();
  return loaded;
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
// The promise's rush(): see loadWasm (false on the fallback path: nothing to compile at once).
export function loadCore(env, factory, wasmUrl, early) {
  if (typeof env.fetch !== 'function') {
    return Promise.reject(new Error('this browser has no fetch()'));
  }
  const wasm = loadWasm(env, factory, wasmUrl, early);
  const core = wasm.catch(async (wasmError) => {
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
  core.rush = wasm.rush;
  return core;
}

export function errorText(e) {
  if (!e) return 'unknown error';
  return e.message ? `${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}` : String(e);
}
