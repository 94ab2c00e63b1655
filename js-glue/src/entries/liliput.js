// Bundle entry for dist/liliput.min.js and dist/wasm-tracker.js (IIFE). The Emscripten glue is
// bundled in; the .wasm is located next to this script (boot passes locateFile).
import createTrackerCore from 'tracker-core-glue';
import { boot } from '../tracker-runtime.js';

boot({ factory: createTrackerCore });
