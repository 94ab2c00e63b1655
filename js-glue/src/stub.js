// The queueing `window.tracker` that exists before the core is loaded, shared by the pasted
// loader snippet and the runtime (which installs it itself when loaded by a plain script tag).
import { DEGRADED_BUFFER_LIMIT } from './limits.js';

// Marks a window.tracker created by us; `state` is 'stub' until a runtime claims it.
export const MARK = '__wasmTracker';

// Calls no core took before the page went away, for the next page's runtime to replay:
// [{u: page URL, t: title, r: referrer, d: calls dropped, c: [[args, time], ...]}, ...], one entry
// per page, bounded over all pages like the buffer itself (oldest calls go first, counted).
export const STUB_KEY = 'wasm-tracker:stub:v1';

// The page a call was made on, as core-host.js pageOf reads it: {u: URL, t: title, r: referrer}.
export function pageRecord(loc, doc) {
  return { u: String(loc.href), t: doc?.title, r: doc?.referrer };
}

export function persistCalls(w, calls, dropped) {
  if (!calls.length) return;
  try {
    const ls = w.localStorage;
    let pages = null;
    try { pages = JSON.parse(ls.getItem(STUB_KEY)); } catch { /* unreadable: start over */ }
    if (!Array.isArray(pages)) pages = [];
    const c = [];
    for (const call of calls) {
      try { c.push(JSON.parse(JSON.stringify([call[0], call[1]]))); } catch { dropped++; }
    }
    pages.push({ ...pageRecord(w.location, w.document), d: dropped, c });
    let n = 0;
    for (const p of pages) n += p.c.length;
    for (let p = pages[0]; n > DEGRADED_BUFFER_LIMIT; n--) {
      p.c.shift();
      p.d++;
      if (!p.c.length && pages.length > 1) { pages.shift(); pages[0].d += p.d; p = pages[0]; }
    }
    ls.setItem(STUB_KEY, JSON.stringify(pages));
  } catch { /* no storage: memory was all there was */ }
}

function readyHook(con) {
  const listeners = [];
  let params;  // set by the first call (an object)
  const run = (fn) => {
    try { fn(params); } catch (e) { con.error('[Tracker] onTracardiReady listener failed:', e); }
  };
  return {
    listeners,
    bind(fn) {
      if (typeof fn !== 'function') return;
      listeners.push(fn);
      if (params) run(fn);  // bound after the first response: still called, once
    },
    call(p) {
      params = p;
      for (const fn of listeners.slice()) run(fn);
    },
  };
}

// Returns {tracker, fresh}: fresh is false when a tracker of ours already existed.
export function installStub(w, con) {
  const existing = w.tracker;
  if (existing && existing[MARK]) return { tracker: existing, fresh: false };
  const queue = [];
  const tracker = (typeof existing === 'object' && existing) || {};
  const mark = tracker[MARK] = { state: 'stub', queue, dropped: 0 };
  // Records the call with its time and returns at once; never throws into the page.
  tracker.track = function track(...args) {
    try {
      if (queue.length >= DEGRADED_BUFFER_LIMIT) { queue.shift(); mark.dropped++; }  // oldest go first
      queue.push([args, Date.now()]);
    } catch { /* never throw */ }
  };
  w.tracker = tracker;
  // A visitor who leaves before the core runs: what no core took is kept for the next page.
  try {
    w.addEventListener('pagehide', () => persistCalls(w, queue.splice(0), mark.dropped));
  } catch { /* no listener: memory only */ }
  w.response = w.response || { context: {} };
  if (!w.response.context) w.response.context = {};
  const hook = w.onTracardiReady;
  // A {bind, call} hook from Tracardi's own loader is kept: listeners bound to it stay bound.
  if (typeof hook !== 'object' || typeof hook?.bind !== 'function' || typeof hook.call !== 'function') {
    if (typeof hook === 'function') {
      con.error('[Tracker] Incorrect window.onTracardiReady. Please use ' +
        'window.onTracardiReady.bind(fn); do not assign a value to window.onTracardiReady.');
    }
    w.onTracardiReady = readyHook(con);
  }
  return { tracker, fresh: true };
}
