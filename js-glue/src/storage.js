// Write-through copy of the core's snapshot (its unsent queue) in localStorage, so a reload or a
// crash does not lose events. Falls back to memory, with one warning, when storage is missing or
// full.

export function queueKey(sourceId) {
  return `wasm-tracker:v1:${sourceId}:queue`;
}

export function createStorage(env, sourceId) {
  const key = queueKey(sourceId);
  let memory = null;       // non-null once we gave up on localStorage
  let warned = false;

  function fallBack(why) {
    if (!warned) {
      warned = true;
      env.console.warn(`[Tracker] localStorage is not usable (${why}); unsent events are kept in ` +
        'memory for this page only.');
    }
  }

  return {
    key,
    read() {
      if (memory !== null) return memory;
      const ls = env.localStorage();
      if (!ls) return '';
      try { return ls.getItem(key) || ''; } catch { return ''; }
    },
    write(text) {
      if (memory !== null) { memory = text; return; }
      const ls = env.localStorage();
      if (!ls) { memory = text; fallBack('unavailable'); return; }
      try {
        ls.setItem(key, text);
      } catch (e) {
        // Our own previous copy may be what fills the quota: drop it and try once more.
        try {
          ls.removeItem(key);
          ls.setItem(key, text);
          return;
        } catch { /* still full */ }
        memory = text;
        fallBack(e && e.name ? e.name : 'write failed');
      }
    },
    get inMemory() { return memory !== null; },
  };
}
