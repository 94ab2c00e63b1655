// npm entry: `createTracker(options)` for bundled apps. Writes no globals and touches no browser
// global at import time; the .wasm is resolved next to this module with
// new URL('./liliput.min.wasm', import.meta.url), which Vite, webpack 5 and Next.js turn into an
// emitted asset with its final URL (no copy step in the app).
import { browserEnv } from './env.js';
import { startTracker } from './tracker-app.js';
import { createNoopTracker } from './noop-tracker.js';
import { withFallback } from './load-core.js';

// A page: a DOM and a window with history. Workers and Deno/edge runtimes resolve the "browser"
// or "default" export but have neither, so they get the no-op tracker too.
function isBrowserPage(g) {
  return typeof g.window === 'object' && g.window !== null && typeof g.document === 'object' &&
    g.document !== null;
}

// hooks (all optional): onReady(context) after the first response; getPayloadOptions() for the
// payload `options` (Tracardi's window.response.context); env/factory/wasmUrl for tests.
export function createTracker(options, hooks = {}) {
  if (!hooks.env && !isBrowserPage(globalThis)) return createNoopTracker();
  const env = hooks.env || browserEnv();
  // The JavaScript build of the core is a chunk of its own, fetched only when WebAssembly cannot
  // run (load-core.js); the name in its messages is the chunk's, the bundler picks its URL.
  const factory = hooks.factory
    || withFallback((moduleArg) => import('./liliput.min.glue.mjs').then((m) => m.default(moduleArg)),
      { url: 'liliput.min.core.js', load: () => import('./liliput.min.core.js') });
  const wasmUrl = hooks.wasmUrl || new URL('./liliput.min.wasm', import.meta.url).href;
  const app = startTracker({
    env, factory, wasmUrl, options,
    getPayloadOptions: hooks.getPayloadOptions,
    // Code-split by the app's bundler: fetched only when a page needs widgets, triggers or the GPU probe.
    loadExtras: hooks.loadExtras || (() => import('./liliput.min.extras.js')),
    // The fate printer, fetched only with the debug switch on (README "Why is my event not in Tracardi?").
    loadDebug: () => import('./liliput.min.debug.js'),
    onReady: hooks.onReady,
  });
  return {
    // A fire event's call returns a Promise of its answer; others return undefined.
    track: app.track,
    consent: app.consent,
    reset: app.reset,
    flush: app.flush,
    ready: app.ready,
    stats: app.stats,
    inspect: app.inspect,
    destroy: app.destroy,
  };
}
