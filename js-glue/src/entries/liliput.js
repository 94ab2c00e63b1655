// Bundle entry for dist/liliput.min.js (IIFE). The Emscripten glue is
// bundled in; the .wasm is located next to this script (boot passes locateFile). When
// WebAssembly cannot run, the JavaScript build of the same core (liliput.min.core.js, next to the
// .wasm) is imported at run time: an ES module import() from this classic script, which is
// checked against script-src like any script of that origin (no 'unsafe-eval', no inline code, no
// nonce to copy), is not a Trusted Types sink, and keeps the module out of the global scope.
import createTrackerCore from 'tracker-core-glue';
import { boot } from '../tracker-runtime.js';
import { withFallback } from '../load-core.js';

boot({ factory: withFallback(createTrackerCore, { load: (url) => import(url) }) });
