// The late parts of the payload context (see context-sources.js), in the extras chunk: a
// location hook, external answers not cached yet, the first GPU probe of a browser.
import { GPU_CACHE_KEY, isObject } from './context-sources.js';
import { probeGpu } from './gpu-probe.js';
import { lsSet } from './env.js';

const store = (env, key, value) => lsSet(env, key, JSON.stringify(value));

// Starts what arrives later; refresh() hands the context to the core again.
export function startContextSources(env, options, extra, refresh) {
  const t = options?.tracker || {};
  const flags = t.context || {};  // its members are checked one by one
  const con = env.console;
  const loc = flags.location;
  if (loc === true || (isObject(loc) && ('url' in loc || 'data' in loc))) {
    con.warn('[Tracker] options.tracker.context.location: this tracker never calls a geolocation ' +
      'service; give the location as an object or a function returning one.');
  } else if (typeof loc === 'function') {
    Promise.resolve().then(() => loc()).then((v) => {
      if (isObject(v)) { extra.location = v; refresh(); }
    }, (e) => con.warn('[Tracker] options.tracker.context.location() failed:', e));
  }
  if (Array.isArray(t.external) && typeof env.fetch === 'function') {
    for (const x of t.external) {
      if (!isObject(x) || typeof x.key !== 'string' || typeof x.storage !== 'string' ||
        typeof x.url !== 'string' || x.key in extra.external) continue;
      const method = typeof x.method === 'string' ? x.method.toUpperCase() : 'GET';
      const init = { method, credentials: 'omit' };
      if (x.body !== undefined && method !== 'GET' && method !== 'HEAD') {
        init.body = JSON.stringify(x.body);
        init.headers = { 'Content-Type': 'application/json' };
      }
      env.fetch(x.url, init).then((r) => r.json()).then((data) => {
        if (data === null || data === undefined) return;
        store(env, x.storage, data);
        extra.external[x.key] = data;
        refresh();
      }).catch((e) => con.warn(`[Tracker] options.tracker.external ${x.url} failed:`, e?.message));
    }
  }
  const w = env.window || {};
  if (!extra.device && !extra.noGpu && flags.gpu !== false &&
    typeof w.WebGLRenderingContext === 'function') {
    const idle = typeof w.requestIdleCallback === 'function'
      ? (fn) => w.requestIdleCallback(fn, { timeout: 5000 }) : (fn) => env.setTimeout(fn, 2000);
    idle(() => {
      const gpu = probeGpu(env);
      store(env, GPU_CACHE_KEY, gpu || 'none');
      if (!gpu) return;
      extra.device = { gpu };
      refresh();
    });
  }
}
