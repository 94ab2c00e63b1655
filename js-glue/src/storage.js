// Write-through copy of the core's snapshot (its unsent queue) in localStorage, so a reload or a
// crash does not lose events. Each page writes its own key (prefix + ':' + a random tab id): two
// tabs never overwrite each other's queue. A starting page claims every copy left by others (closed
// tabs, earlier loads of this one), hands them to the core, writes its own copy, then removes
// theirs. A tab that is still open rewrites its copy on its next change; events then held by two
// tabs may be sent twice, which the collector's dedup on event id absorbs (at-least-once).
// Falls back to memory, with one warning, when storage is missing or full.

export function queueKey(sourceId) {
  return `wasm-tracker:v1:${sourceId}:queue`;
}

function tabId(env) {
  const words = new Uint32Array(2);
  if (env.crypto && typeof env.crypto.getRandomValues === 'function') env.crypto.getRandomValues(words);
  else for (let i = 0; i < 2; i++) words[i] = (Math.random() * 0x100000000) >>> 0;
  return words[0].toString(36) + words[1].toString(36);
}

export function createStorage(env, sourceId) {
  const prefix = queueKey(sourceId);
  const key = `${prefix}:${tabId(env)}`;
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
    // Copies of the queue left by other pages: [{key, text}]. (The bare prefix is read too: it is
    // where builds before per-tab keys kept theirs.)
    readOthers() {
      const ls = env.localStorage();
      if (!ls || memory !== null) return [];
      const out = [];
      try {
        for (let i = 0; i < ls.length; i++) {
          const k = ls.key(i);
          if (k !== key && (k === prefix || (k && k.startsWith(prefix + ':')))) {
            out.push({ key: k, text: ls.getItem(k) || '' });
          }
        }
      } catch { /* storage became unreadable: start from what we have */ }
      return out;
    },
    // Removes copies whose events this page now holds (after it wrote its own copy).
    release(keys) {
      const ls = env.localStorage();
      if (!ls) return;
      for (const k of keys) {
        try { ls.removeItem(k); } catch { /* best effort */ }
      }
    },
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
