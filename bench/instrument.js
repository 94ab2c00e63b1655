// Injected by the harness (addInitScript) into every bench page, baseline and wasm alike, before
// any page script runs. Wraps WebAssembly.instantiate/instantiateStreaming to time compile +
// instantiate, to keep the imports (for a post-ready re-instantiation) and the exported
// WebAssembly.Memory (the glue exposes no memory handle), and to learn when the tracker is ready:
// window.tracker.__wasmTracker.app.ready (a Promise the glue keeps on its marker) resolving.
(() => {
  const WA = globalThis.WebAssembly;
  const b = (globalThis.__benchWasm = { orig: { instantiate: WA.instantiate, instantiateStreaming: WA.instantiateStreaming } });
  function note(t0, p, imports) {
    return p.then((r) => {
      b.instStart = t0;
      b.instEnd = performance.now();
      b.imports = imports;
      const inst = r.instance || r;
      for (const v of Object.values(inst.exports)) if (v instanceof WA.Memory) b.memory = v;
      try {
        const mark = globalThis.tracker && globalThis.tracker.__wasmTracker;
        if (mark && mark.app && mark.app.ready) {
          mark.app.ready.then((ok) => { globalThis.__benchReady = performance.now(); b.ok = ok; });
        }
      } catch (e) { b.hookError = String(e); }
      return r;
    });
  }
  WA.instantiateStreaming = function (src, imports) {
    return note(performance.now(), b.orig.instantiateStreaming.call(WA, src, imports), imports);
  };
  WA.instantiate = function (src, imports) {
    return note(performance.now(), b.orig.instantiate.call(WA, src, imports), imports);
  };
})();
