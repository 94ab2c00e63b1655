// Payload-context parts that come from outside the page's own facts (context.js builds those):
// - context.device: the `options.context` Tracardi's own loader fills with {gpu}; our tracker
//   probes the GPU itself (once per browser, idle, cached) when no loader handed it over and
//   tracker.context.gpu is not false.
// - context.location: from the page only (tracker.context.location as an object, or a function
//   returning one or a Promise of one; the __tr_geo cookie Tracardi's tracker left). Never a call
//   to a geolocation service: `true` or {url} (Tracardi's geolocation-db.com lookup) are refused
//   with one warning.
// - tracker.external [{url, method, body, storage, key}]: as in Tracardi's tracker, the answer
//   of a site-configured URL, cached in localStorage[storage], sent as context[key].
// The synchronous part is read here, before the core starts (so the first batch carries it); the
// rest (context-later.js, in the lazily loaded extras chunk) arrives later and hands the context
// to the core again.
import { readCookie } from './identity.js';
import { lsGet } from './env.js';
import { parseOr } from './util.js';
import { redactNames } from './redact.js';

export const GPU_CACHE_KEY = 'wasm-tracker:gpu';
export const isObject = (v) => !!v && typeof v === 'object' && !Array.isArray(v);

function storedJson(env, key) {
  const v = parseOr(lsGet(env, key) || 'x', undefined);
  // Tracardi's tracker stored these JSON-encoded twice (storage-utils encodes a string again).
  return typeof v === 'string' ? parseOr(v, v) : v;
}

// The parts known at once: {device?, location?, external: {key: value}, later?}; `later` when
// something must still be fetched, called or probed (the extras chunk does it).
export function readContextSources(env, options) {
  const t = options?.tracker || {};
  const flags = t.context || {};  // its members are checked one by one
  const extra = { external: {} };
  // settings.redact, checked here (once per tracker): context.js redacts whatever of it is usable.
  const r = t.settings?.redact;
  if (r != null && redactNames(t).length !== r.params?.length) {
    env.console.error('[Tracker] options.tracker.settings.redact.params must be an array of strings');
  }
  if (isObject(options?.context)) {
    extra.device = options.context;  // Tracardi's loader: {gpu}
  } else if (flags.gpu !== false) {
    const gpu = storedJson(env, GPU_CACHE_KEY);
    if (isObject(gpu)) extra.device = { gpu };
    else if (gpu === 'none') extra.noGpu = true;  // probed before: no WebGL here
    else if (typeof (env.window || {}).WebGLRenderingContext === 'function') extra.later = true;
  }
  const loc = flags.location;
  if (isObject(loc) && !('url' in loc) && !('data' in loc)) extra.location = loc;
  else if (loc === true || isObject(loc)) {
    extra.later = true;  // the chunk warns: no geolocation service is called
    const geo = parseOr(readCookie(env.document, '__tr_geo'));
    if (isObject(geo)) extra.location = geo;
  } else if (typeof loc === 'function') extra.later = true;
  if (Array.isArray(t.external)) {
    for (const x of t.external) {
      if (!isObject(x) || typeof x.key !== 'string' || typeof x.storage !== 'string') continue;
      const v = storedJson(env, x.storage);
      if (v !== undefined && v !== null) extra.external[x.key] = v;
      else extra.later = true;
    }
  }
  return extra;
}
