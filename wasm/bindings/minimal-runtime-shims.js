// --pre-js of the wasm core, linked with -sMINIMAL_RUNTIME=1 (Emscripten 3.1.6): about 1.1 KB gzip
// less runtime than the full one. It is emitted inside the module factory, so these names shadow
// or fill in for the whole generated module only.
//
// The minimal runtime instantiates with WebAssembly.instantiate(Module.wasm, imports) and has no
// error path: a CSP CompileError or a 404 would leave the factory's promise pending for ever, and
// it knows no instantiateWasm hook. This scope's WebAssembly routes that one call (the only use of
// WebAssembly in the generated code) to the host's Module.instantiateWasm(imports, done), the same
// contract as the full runtime's: the host fetches, compiles (streaming) and reports a failure
// itself, with one clear reason (js-glue/src/load-core.js). Closure runs before the factory wrapper
// exists and sees a second global WebAssembly, hence the @suppress.
/** @suppress {duplicate} */
var WebAssembly = {
  instantiate: function (_, imports) {
    return new Promise(function (resolve) {
      Module['instantiateWasm'](imports, function (instance, module) {
        resolve({ instance: instance, module: module });
      });
    });
  },
};
