// The queueing `window.tracker` that exists before the core is loaded, shared by the pasted
// loader snippet and the runtime (which installs it itself when loaded by a plain script tag).
import { DEGRADED_BUFFER_LIMIT } from './limits.js';

// Marks a window.tracker created by us; `state` is 'stub' until a runtime claims it.
export const MARK = '__wasmTracker';

function readyHook(con) {
  const listeners = [];
  let fired = false;
  let params;
  const run = (fn) => {
    try { fn(params); } catch (e) { con.error('[Tracker] onTracardiReady listener failed:', e); }
  };
  return {
    listeners,
    bind(fn) {
      if (typeof fn !== 'function') return;
      listeners.push(fn);
      if (fired) run(fn);  // bound after the first response: still called, once
    },
    call(p) {
      fired = true;
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
  const tracker = (existing && typeof existing === 'object') ? existing : {};
  tracker[MARK] = { state: 'stub', queue };
  // Records the call with its time and returns at once; never throws into the page.
  tracker.track = function track() {
    try {
      if (queue.length >= DEGRADED_BUFFER_LIMIT) queue.shift();  // bounded: oldest go first
      queue.push([Array.prototype.slice.call(arguments), Date.now()]);
    } catch { /* never throw */ }
  };
  w.tracker = tracker;
  w.response = w.response || { context: {} };
  if (!w.response.context) w.response.context = {};
  const hook = w.onTracardiReady;
  // A {bind, call} hook from Tracardi's own loader is kept: listeners bound to it stay bound.
  if (!hook || typeof hook !== 'object' || typeof hook.bind !== 'function' || typeof hook.call !== 'function') {
    if (typeof hook === 'function') {
      con.error('[Tracker] Incorrect window.onTracardiReady. Please use ' +
        'window.onTracardiReady.bind(fn); do not assign a value to window.onTracardiReady.');
    }
    w.onTracardiReady = readyHook(con);
  }
  return { tracker, fresh: true };
}
