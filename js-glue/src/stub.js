// The queueing `window.tracker` that exists before the core is loaded, shared by the pasted
// loader snippet and the runtime (which installs it itself when loaded by a plain script tag).
import { DEGRADED_BUFFER_LIMIT, STUB_MAX_CHARS } from './limits.js';
import { readPageOptions } from './page-options.js';
import { leavesDocument } from './lifecycle.js';

// Marks a window.tracker created by us; `state` is 'stub' until a runtime claims it.
export const MARK = '__wasmTracker';

// Calls no core took before the page went away, for the next page's runtime of the same source
// to replay: one key per write, `keptPrefix(source)` + time + the page's token + a count, each a
// page record {u: page URL, t: title, r: referrer, d: calls dropped, c: [[args, time, id], ...],
// s: token}, each bounded like the buffer itself, all of them in size (the oldest pages go first,
// counted); the core drops those past the queue's age limit when they are replayed. A key per
// write: a page never rewrites another page's key (except to bound them), so a leader's release of
// the keys it replayed erases no call another page kept meanwhile; with one shared key, a release
// made from a stale view of it did (the multi-tab harness, 4 of 100 adversarial seeds). Per
// source: a page of source A must not replay into source B's API. STUB_KEY and stubKey(source) are
// the keys of earlier builds (a page's pasted loader may be one): read, replayed and removed.
export const STUB_KEY = 'wasm-tracker:stub:v1';
export const stubKey = (source) => STUB_KEY + ':' + source;
export const keptPrefix = (source) => 'wasm-tracker:kept:v1:' + encodeURIComponent(source) + ':';
let writes = 0;  // this page's keys, told apart (another page's by its token; a write without one, the degraded
// host's, by a fresh id)
const sourceOf = (w) => String(readPageOptions(w)?.tracker?.source?.id ?? '').trim();

// Whether calls may be kept in localStorage: only with the visitor's consent (its last word by
// tracker.consent(), else settings.consent; granted by default).
export const mayKeep = (state, options) => (state ?? options?.tracker?.settings?.consent ?? 'granted') === 'granted';

// The page a call was made on, as core-host.js pageOf reads it: {u: URL, t: title, r: referrer}.
export function pageRecord(loc, doc) {
  return { u: String(loc.href), t: doc?.title, r: doc?.referrer };
}

// A UUIDv4 for a kept call: minted when the call is kept, so every replay of it (a leader that
// replayed it and died before its write, a second tab) is the same event, not a new one.
function newId(w) {
  try {
    const b = w.crypto.getRandomValues(new Uint8Array(16));
    b[6] = b[6] & 15 | 64;
    b[8] = b[8] & 63 | 128;
    // 32 hex digits grouped 8-4-4-4-12 by one replace (shorter than five slices: loader.min.js
    // and liliput.min.js -7 and -6 bytes gzip).
    return Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('')
      .replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  } catch { return undefined; }  // no crypto: the core mints one at replay
}

// source: the calls' event source (the page's options when not given). token: the page's own
// stub (a core that starts on this page replays its own record at once; others wait for the
// leader tab).
export function persistCalls(w, calls, dropped, source = sourceOf(w), token) {
  if (!calls.length) return;
  try {
    const ls = w.localStorage;
    const prefix = keptPrefix(source);
    const c = [];
    for (const call of calls) {
      try { c.push(JSON.parse(JSON.stringify([call[0], call[1], call[2] || newId(w)]))); } catch { dropped++; }
    }
    const page = { ...pageRecord(w.location, w.document), d: dropped, c, s: token };
    let text = JSON.stringify(page);
    while (text.length > STUB_MAX_CHARS && c.length) { c.shift(); page.d++; text = JSON.stringify(page); }
    // Earlier pages' keys give way past the size bound, oldest first (the time leads the key),
    // their calls counted as dropped in this one.
    const keys = [];
    let used = text.length;
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i);
      if (k.startsWith(prefix)) used += keys.push(k) && ls.getItem(k).length;
    }
    for (const k of keys.sort()) {
      if (used <= STUB_MAX_CHARS) break;
      const v = ls.getItem(k);
      used -= v.length;
      try { const p = JSON.parse(v); page.d += p.c.length + p.d; } catch { /* unreadable: gone */ }
      ls.removeItem(k);
    }
    ls.setItem(prefix + Date.now().toString(36) + '.' + (token ?? newId(w) ?? Math.random()) + '.' + writes++, JSON.stringify(page));
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
  const mark = tracker[MARK] = { state: 'stub', queue, dropped: 0, token: newId(w) || String(Math.random()) };
  // Records the call with its time and returns at once; never throws into the page.
  tracker.track = function track(...args) {
    try {
      if (queue.length >= DEGRADED_BUFFER_LIMIT) { queue.shift(); mark.dropped++; }  // oldest go first
      queue.push([args, Date.now()]);
    } catch { /* never throw */ }
  };
  // tracker.consent() before the core runs: its last word is given to the core when it does.
  tracker.consent = function consent(state) { mark.consent = state; };
  w.tracker = tracker;
  // A visitor who leaves before the core runs: what no core took is kept for the next page, as
  // the page is hidden and already as a navigation away starts (a slow device can tear the page
  // down before its pagehide runs, and without the core's bytes there is no core to rush).
  const keep = () => {
    if (!mayKeep(mark.consent, readPageOptions(w))) return;
    persistCalls(w, queue.splice(0), mark.dropped, undefined, mark.token);
    mark.dropped = 0;  // counted in that record
  };
  try {
    w.addEventListener('pagehide', keep);
    w.navigation?.addEventListener('navigate', (e) => leavesDocument(e) && keep());
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
