// npm entry: `createTracker(options)` for bundled apps. Writes no globals; the .wasm is resolved
// next to this module with new URL(..., import.meta.url), which bundlers understand.
import { browserEnv } from './env.js';
import { startTracker } from './tracker-app.js';

// hooks (all optional): onReady(context) after the first response; getPayloadOptions() for the
// payload `options` (Tracardi's window.response.context); env/factory/wasmUrl for tests.
export function createTracker(options, hooks = {}) {
  const env = hooks.env || browserEnv();
  const factory = hooks.factory
    || ((moduleArg) => import('./tracker-core.mjs').then((m) => m.default(moduleArg)));
  const wasmUrl = hooks.wasmUrl || new URL('./tracker-core.wasm', import.meta.url).href;
  const app = startTracker({
    env, factory, wasmUrl, options,
    getPayloadOptions: hooks.getPayloadOptions,
    onReady: hooks.onReady,
  });
  return {
    track(type, properties, opts) { app.track(type, properties, opts); },
    flush() { app.flush(); },
    ready: app.ready,
    stats() { return app.host ? app.host.stats() : null; },
    destroy() { app.destroy(); },
  };
}
