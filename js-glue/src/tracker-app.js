// Assembles one tracker: load the core, start the host, replay the calls made while loading (in
// call order, with their original timestamps), wire the page lifecycle. Shared by the
// liliput.min.js runtime and the npm entry.
import { loadCore, errorText } from './load-core.js';
import { createHost } from './core-host.js';
import { createStorage } from './storage.js';
import { createDegraded } from './degraded.js';
import { wireLifecycle } from './lifecycle.js';
import { DEGRADED_BUFFER_LIMIT } from './limits.js';
import { wireExternalLinks } from './links.js';
import { wirePageViews } from './spa.js';
import { staticProfileId } from './util.js';

// deps: {env, factory, wasmUrl, options, getPayloadOptions?, onReady?(context), pending?: [[args, ts]],
//        lifecycle?: boolean}
export function startTracker(deps) {
  const { env } = deps;
  const pending = deps.pending || [];
  let host = null;
  let degraded = null;
  let disabled = false;
  let unwire = null;
  let unwireLinks = null;
  let destroyed = false;

  function track(type, properties, options) {
    try {
      if (host) host.track(type, properties, options);
      else if (degraded) degraded.track(type, properties, options);
      else if (!disabled && !destroyed) {
        if (pending.length >= DEGRADED_BUFFER_LIMIT) pending.shift();
        pending.push([[type, properties, options], Date.now()]);
      }
    } catch { /* track() never throws into the page */ }
  }

  // settings.pageViews (spa.js), wired at once: navigations while the core loads are queued too.
  const t0 = deps.options && deps.options.tracker;
  const unwirePageViews = deps.lifecycle === false ? () => {}
    : wirePageViews(env, t0 && typeof t0 === 'object' ? t0.settings : undefined, track);

  function configure(M) {
    let optionsJson;
    try {
      // Only `tracker` is configuration; `listeners` etc. hold functions and DOM objects.
      optionsJson = JSON.stringify({ tracker: deps.options && deps.options.tracker });
    } catch (e) {
      env.console.error(`[Tracker] options.tracker cannot be encoded as JSON (${errorText(e)}); ` +
        'tracker disabled.');
      return null;
    }
    const core = new M.TrackerCore(optionsJson);
    const err = core.configError();
    if (err) {
      core.delete();
      env.console.error(`[Tracker] ${err}; tracker disabled.`);
      return null;
    }
    return core;
  }

  const ready = loadCore(env, deps.factory, deps.wasmUrl).then((M) => {
    if (destroyed) return false;
    const core = configure(M);
    if (!core) {
      disabled = true;
      pending.length = 0;
      unwirePageViews();
      return false;
    }
    const sourceId = String(deps.options.tracker.source.id).trim();
    host = createHost({
      env, core, contract: M, options: deps.options, storage: createStorage(env, sourceId),
      getPayloadOptions: deps.getPayloadOptions, onReady: deps.onReady,
    });
    host.start();
    // Replay in call order with the time of the original call; later calls go straight in.
    const calls = pending.splice(0, pending.length);
    for (const [args, ts] of calls) host.track(args[0], args[1], args[2], ts);
    // tracker.auto.events: [[type, properties], ...] join the page's first batch.
    const t = deps.options.tracker;
    const auto = t.auto && t.auto.events;
    if (Array.isArray(auto)) {
      for (const ev of auto) if (Array.isArray(ev)) host.track(ev[0], ev[1], ev[2]);
    }
    if (deps.lifecycle !== false) {
      unwire = wireLifecycle(env, host);
      const staticId = staticProfileId(t);
      unwireLinks = wireExternalLinks(env, t.settings && t.settings.trackExternalLinks, () => ({
        profile: staticId || (host && host.identity && host.identity.profile) || null,
        source: sourceId,
      }));
    }
    return !host.degraded;
  }).catch((e) => {
    if (destroyed) return false;
    degraded = createDegraded(env, `the WebAssembly core could not be loaded from ${deps.wasmUrl} ` +
      `(${errorText(e)})`, pending.splice(0, pending.length));
    return false;
  });

  return {
    track,
    flush() { try { if (host) host.flush(); } catch { /* never throws */ } },
    ready,
    get host() { return host; },
    get degraded() { return degraded || (host && host.degraded) || null; },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      unwirePageViews();
      if (unwire) unwire();
      if (unwireLinks) unwireLinks();
      if (host) host.destroy();
      host = null;
    },
  };
}
