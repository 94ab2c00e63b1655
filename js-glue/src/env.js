// The browser APIs the glue uses, gathered in one object so tests can inject fakes. Every other
// module reads the browser only through an env built here (or a fake of the same shape).

export function browserEnv(g = globalThis) {
  const w = g.window || g;
  return {
    window: w,
    document: g.document,
    navigator: g.navigator,
    location: g.location,
    console: g.console,
    performance: g.performance,
    crypto: g.crypto,
    Blob: g.Blob,
    WebAssembly: g.WebAssembly,
    Temporal: g.Temporal,
    fetch: typeof g.fetch === 'function' ? g.fetch.bind(g) : undefined,
    setTimeout: g.setTimeout.bind(g),
    clearTimeout: g.clearTimeout.bind(g),
    queueMicrotask: typeof g.queueMicrotask === 'function'
      ? g.queueMicrotask.bind(g)
      : (fn) => Promise.resolve().then(fn),
    // Accessing window.localStorage itself throws in sandboxed iframes and with storage disabled.
    localStorage() {
      try { return w.localStorage || null; } catch { return null; }
    },
  };
}

// Epoch milliseconds on a monotonic clock: backoff survives wall-clock jumps while timestamps
// stay real dates (docs/design.md "Clock").
export function nowMs(env) {
  const p = env.performance;
  if (p && typeof p.now === 'function' && typeof p.timeOrigin === 'number') {
    return p.timeOrigin + p.now();
  }
  return Date.now();
}
