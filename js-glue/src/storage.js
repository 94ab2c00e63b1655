// The one persisted copy of the unsent queue per source (docs/design.md "Persistence across
// tabs"): written only by the leader tab's host, under one key, bounded by the core's 1 MB. A new
// leader takes in what other keys hold (mailboxes of followers that left, per-tab keys of the
// build before this one) and removes them once its own copy holds their events. A failed write
// (quota) keeps the last good copy in place and is tried again on the next persist.
import { lsGet, lsRemove, lsKeys } from './env.js';

export function queueKey(sourceId) {
  return `wasm-tracker:v2:${sourceId}:queue`;
}

// Followers' one-time hand-over keys (tabs.js writes them, a new leader reads them here).
export function mailboxPrefix(base) {
  return base + ':mailbox:';
}

export function createStorage(env, sourceId) {
  const base = `wasm-tracker:v2:${sourceId}`;
  const key = base + ':queue';  // queueKey(sourceId)
  const mailbox = mailboxPrefix(base);
  const legacy = `wasm-tracker:v1:${sourceId}:queue`;
  let warned = false;

  return {
    base,
    key,
    // Every stored queue of this source, ours first: [{key, text}].
    readAll() {
      const own = lsGet(env, key);
      return [...(own ? [{ key, text: own }] : []),
        ...lsKeys(env, (k) => k.startsWith(mailbox) || k === legacy || k.startsWith(legacy + ':'))
          .map((k) => ({ key: k, text: lsGet(env, k) || '' }))];
    },
    // The start of the shared key as this tab's copy of localStorage holds it ('' when none): the
    // writer's mark ("g", the snapshot's second field) is all the core reads of it before a write,
    // and the whole copy (up to 1 MB) would cross into wasm memory at every persist.
    head() { return (lsGet(env, key) || '').slice(0, 128); },
    release(keys) {
      for (const k of keys) if (k !== key) lsRemove(env, k);
    },
    // false when the write failed: the previous copy stays, the caller tries again later.
    write(text) {
      const ls = env.localStorage();
      try {
        ls.setItem(key, text);
        return true;
      } catch (e) {
        if (!warned) {
          warned = true;
          env.console.warn('[Tracker] ' + (ls ? `localStorage write failed (${e?.name}); the last ` +
            'saved queue is kept, the write retried on the next change.'
            : 'localStorage unavailable; unsent events are kept for this page only.'));
        }
        return !ls;  // no storage at all: nothing to retry
      }
    },
  };
}
