// Instantiates the Emscripten module. The glue's own loader logs through console.warn and can
// fail in several noisy ways; instantiating here (via `instantiateWasm`) gives one clear reason
// when it fails: no WebAssembly, HTTP 404, or a CSP without 'wasm-unsafe-eval' (CompileError).

async function instantiate(env, url, imports) {
  const WA = env.WebAssembly;
  const res = await env.fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  if (typeof WA.instantiateStreaming === 'function') {
    try {
      return await WA.instantiateStreaming(res.clone(), imports);
    } catch (e) {
      // TypeError = served without application/wasm: compile from bytes instead. Anything else
      // (CompileError from a CSP, LinkError) would fail the same way again.
      if (!e || e.name !== 'TypeError') throw e;
    }
  }
  return WA.instantiate(await res.arrayBuffer(), imports);
}

// factory: the Emscripten MODULARIZE factory; resolves to the Module (with M.TrackerCore).
export function loadCore(env, factory, wasmUrl) {
  return new Promise((resolve, reject) => {
    const WA = env.WebAssembly;
    if (!WA || typeof WA.instantiate !== 'function') {
      reject(new Error('this browser has no WebAssembly'));
      return;
    }
    if (typeof env.fetch !== 'function') {
      reject(new Error('this browser has no fetch()'));
      return;
    }
    const moduleArg = {
      locateFile: () => String(wasmUrl),
      instantiateWasm(imports, done) {
        instantiate(env, String(wasmUrl), imports).then((r) => done(r.instance, r.module), reject);
        return {};  // exports arrive asynchronously through done()
      },
    };
    Promise.resolve().then(() => factory(moduleArg)).then(resolve, reject);
  });
}

export function errorText(e) {
  if (!e) return 'unknown error';
  return e.message ? `${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}` : String(e);
}
