// The browser APIs the glue uses, gathered in one object so tests can inject fakes. Every other
// module reads the browser only through an env built here (or a fake of the same shape).

export function browserEnv(g = globalThis) {
  const w = g.window || g;
  const env = {
    window: w,
    fetch: typeof g.fetch === 'function' ? g.fetch.bind(g) : undefined,
    fetchLater: typeof g.fetchLater === 'function' ? g.fetchLater.bind(g) : undefined,
    setTimeout: g.setTimeout.bind(g),
    clearTimeout: g.clearTimeout.bind(g),
    // Every browser that parses this script (ES2020) has it.
    queueMicrotask: g.queueMicrotask.bind(g),
    // Accessing window.localStorage itself throws in sandboxed iframes and with storage disabled.
    localStorage() {
      try { return w.localStorage || null; } catch { return null; }
    },
  };
  for (const k of ['document', 'navigator', 'location', 'console', 'performance', 'crypto', 'Blob',
    'WebAssembly', 'Temporal', 'AbortController', 'Date']) env[k] = g[k];
  return env;
}

// localStorage access that never throws (storage missing, disabled, sandboxed, full): the item or
// null; whether the write succeeded.
export function lsGet(env, key) {
  try { return env.localStorage().getItem(key); } catch { return null; }
}

export function lsSet(env, key, text) {
  try { env.localStorage().setItem(key, text); return true; } catch { return false; }
}

export function lsRemove(env, key) {
  try { env.localStorage().removeItem(key); } catch { /* best effort */ }
}

// The keys `match` picks, in the order localStorage lists them ([] when unreadable).
export function lsKeys(env, match) {
  const out = [];
  try {
    const ls = env.localStorage();
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i);
      if (k != null && match(k)) out.push(k);
    }
  } catch { /* unreadable: none */ }
  return out;
}

// The core's two clocks (docs/design.md "Clocks"): the wall clock for what is stored or sent
// (timestamps, ages, the session's idle time), the page's monotonic clock for durations (backoff,
// timers, timeouts). performance.now() stops while the device sleeps and ignores clock changes;
// Date.now() does neither, so each is used only for what it is right for.
export function wallMs(env) {
  return env.Date ? env.Date.now() : Date.now();
}

export function monoMs(env) {
  const p = env.performance;
  return typeof p?.now === 'function' ? p.now() : wallMs(env);
}
