// The tracker script (served as liliput.min.js, or under any name: its files follow it). Takes over the queueing
// window.tracker left by the loader snippet (or creates it when loaded by a plain script tag),
// loads the wasm core from next to this script, replays the queued calls and goes live.
import { browserEnv } from './env.js';
import { installStub, MARK } from './stub.js';
import { readPageOptions, doNotTrack, DNT_MESSAGE, WASM_SUFFIX, EXTRAS_SUFFIX, DEBUG_SUFFIX, sibling } from './page-options.js';
import { startTracker } from './tracker-app.js';
import { createHelpers } from './helpers.js';

// Sites that kept Tracardi's own pasted loader: it waits for this script's load event, checks
// window.tracardi.default.getState().plugins.tracardi.initialized, then makes
// window.tracardi.default the tracker and replays the calls it queued privately into it.
function tracardiLoaderShim(w, tracker) {
  try {
    tracker.getState = () => ({ plugins: { tracardi: { initialized: true } } });
    const ns = w.tracardi && typeof w.tracardi === 'object' ? w.tracardi : {};
    ns.default = tracker;
    w.tracardi = ns;
  } catch { /* a frozen namespace: that loader then cannot hand over; ours still works */ }
}

// deps: {factory, env?, scriptSrc?, loadExtras?}. Call synchronously at script start: document.currentScript
// is only set while the script's top level runs.
export function boot(deps) {
  const env = deps.env || browserEnv();
  const w = env.window;
  const con = env.console;
  try {
    const doc = env.document;
    const scriptSrc = deps.scriptSrc ?? doc?.currentScript?.src;
    const { tracker } = installStub(w, con);
    const mark = tracker[MARK];
    if (mark.state !== 'stub') {
      con.warn('[Tracker] The tracker script is loaded more than once; only the first copy runs.');
      return null;
    }
    mark.state = 'booting';
    tracardiLoaderShim(w, tracker);
    // The core and the extras chunk are named from this script's own URL (page-options.js); a
    // script whose URL is unknown is taken for liliput.min.js next to the page.
    const base = doc?.baseURI || env.location?.href || '';
    const script = scriptSrc || 'liliput.min.js';
    const wasmUrl = sibling(script, WASM_SUFFIX, base);
    const extrasUrl = sibling(script, EXTRAS_SUFFIX, base);

    const disable = () => {
      mark.state = 'disabled';
      tracker.track = function track() {};
    };
    const go = () => {
      const options = readPageOptions(w);
      if (!options || typeof options !== 'object') {
        disable();
        con.error('[Tracker] No global `options` ({tracker: {url, source}}) found; tracker disabled.');
        return;
      }
      if (doNotTrack(options, env.navigator)) {
        disable();
        con.log(DNT_MESSAGE);
        mark.queue.length = 0;
        return;
      }
      start(env, tracker, mark, options, deps.factory, wasmUrl,
        deps.loadExtras || (() => import(extrasUrl)), () => import(sibling(script, DEBUG_SUFFIX, base)));
    };
    // A plain script tag may run before the page's `options` script: wait for the DOM then.
    if (readPageOptions(w) === undefined && doc?.readyState === 'loading') {
      doc.addEventListener('DOMContentLoaded', go, { once: true });
    } else {
      go();
    }
    return mark;
  } catch (e) {
    try { con.error('[Tracker] Tracker failed to start:', e); } catch { /* no console */ }
    return null;
  }
}

function start(env, tracker, mark, options, factory, wasmUrl, loadExtras, loadDebug) {
  const w = env.window;
  const con = env.console;
  let helpers = null;
  const app = startTracker({
    env, factory, wasmUrl, options, loadExtras, loadDebug,
    // The loader snippet's early download of this same core, when it made one.
    wasmResponse: mark.wasm?.url === wasmUrl ? mark.wasm.res : null,
    pending: mark.queue,  // the stub's queue: drained in call order once the core runs
    stubDropped: () => mark.dropped || 0,
    stubToken: () => mark.token,
    getPayloadOptions: () => w.response?.context,
    onReady: (context) => {
      const params = { tracker: w.tracker, helpers, context, config: options };
      const hook = w.onTracardiReady;
      // Ours, or the one Tracardi's own loader installed (its listener list is its own business).
      if (hook && typeof hook === 'object' && typeof hook.call === 'function') {
        hook.call(params);
      } else if (typeof hook === 'function') {
        con.error('[Tracker] Incorrect window.onTracardiReady. Please use ' +
          'window.onTracardiReady.bind(fn); do not assign a value to window.onTracardiReady.');
      }
    },
  });
  helpers = createHelpers(env, app.track);
  helpers.consent = app.consent;
  // The loader stub's tracker.consent() calls, made before this script ran: their last word.
  if (mark.consent) app.consent(mark.consent);
  Object.assign(tracker, {
    plugins: { tracardi: helpers },  // where Tracardi's tracker kept its helpers
    track: app.track,
    consent: app.consent,
    reset: app.reset,
    flush: app.flush,
    helpers,
    // Public, for pages and benchmarks: resolves true once the core runs (false when degraded).
    ready: app.ready,
    stats: app.stats,
    inspect: app.inspect,
  });
  mark.app = app;
  app.ready.then((ok) => {
    mark.state = ok ? 'running' : 'degraded';
    if (!ok) return;
    try { env.performance.mark('wasm-tracker:ready'); } catch { /* no User Timing */ }
    // As Tracardi's tracker: with cookies off it calls onCookiesDisabled instead of onInit (and
    // keeps tracking: the session then lives for this page only).
    const off = env.navigator?.cookieEnabled === false;
    if (off) con.error('[Tracker] Cookies disabled.');
    const name = off ? 'onCookiesDisabled' : 'onInit';
    const id = app.host?.identity;
    try {
      options.listeners?.[name]?.(off ? { tracker, helpers }
        : { session: id ? { id: id.session } : null, tracker, helpers });
    } catch (e) {
      con.error(`[Tracker] options.listeners.${name} failed:`, e);
    }
  });
}
