// When this tab writes: the core's queue snapshot (only while the core leads), then the session
// cookie (the core's rule, `session(force)`) and the identity cookies. At most once per task and
// never inside track(); at once (`now`) when the page may run no later task. What a write means
// for the tab protocol is the core's: `written(ok)` reports each snapshot write's outcome.
//
// life: the host's {fallback, destroyed}; h: {seen(), written(ok), crash(e), guard(fn), session(force)}.
export function createPersistence(env, core, storage, identity, life, h) {
  let timer = null;
  let dirty = false;
  // Whether the core leads (its last `tabs.leader` effect; alone, a tab leads itself), and the
  // queue it last wrote as leader: if the core dies, that text goes to the other tabs as its
  // parting queue (their read of the shared key may be older than this write).
  let leading = true;
  let lastWritten = null;

  function now(force) {
    env.clearTimeout(timer);
    timer = null;
    // Only while the core leads: one demoted since the write was asked for (its lock lost or
    // stolen) would overwrite the new leader's copy.
    if (!leading) dirty = false;
    if (dirty && !life.fallback) {
      // The key as this tab reads it goes to the core first: a leader superseded unheard (frozen
      // while its lock was stolen) is demoted by a later election's copy there, not written over it.
      h.guard(h.seen);
      if (!leading) dirty = false;
    }
    if (dirty && !life.fallback) {
      dirty = false;
      // A failed write leaves the last good copy; the next persist tries again. The core hears
      // the outcome: a hand-over is confirmed, a consumed key released, only after a good write.
      try {
        const text = core.snapshot();
        const ok = storage.write(text);
        if (ok) lastWritten = text;
        else dirty = true;
        h.written(ok);
      } catch (e) { h.crash(e); }
    }
    h.guard(() => h.session(force));
    identity.flush();
  }

  return {
    now,
    schedule() {
      if (timer !== null || life.destroyed) return;
      timer = env.setTimeout(() => {
        timer = null;
        now(false);
      }, 0);
    },
    // The core asked for its queue to be written (a `persist` effect or a trackBatch flag).
    due() { dirty = true; },
    get dirty() { return dirty; },
    lead(on) {
      leading = on;
      if (!on) lastWritten = null;
    },
    // What a leader whose core died posts as its parting queue (null unless it leads).
    get parting() { return leading ? lastWritten : null; },
  };
}
