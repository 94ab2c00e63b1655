// The page's track() calls into the core: each call becomes one record of the task's batch,
// handed over in one crossing (trackBatch) from a microtask, or earlier when anything else must
// see them first (lifecycle, context changes). The core's rows say what became of each call.
import { userJson, wellFormed, isFire } from './util.js';
import { settle } from './host-answers.js';

// x: the host's units and callbacks {env, core, C, con, identity, rnd, answers, page, persist,
//    life, apply, guard, crash, session, wall, mono, staticProfile}.
export function createIntake(x) {
  const { env, core, C, con, answers, page, persist, life } = x;
  const RS = String.fromCharCode(C.RECORD_SEPARATOR);
  const US = String.fromCharCode(C.FIELD_SEPARATOR);
  let records = [];
  let calls = [];  // per queued call: [its args, the resolve of its promise (fire events) or null]
  let unsent = [];  // [[args, time]] of a crossing the core died in: the degraded buffer's first calls
  let drainQueued = false;
  let effectsQueued = false;
  let stubReplayed = 0;  // calls an earlier page's stub kept (it left before a core ran)
  let stubDropped = 0;   // calls a stub had to drop past its bound

  function logDeferred(type, properties, options, eventId) {
    const id = x.identity.current;
    con.log('[Tracker] Event track', {
      type: 'track', event: type, properties: properties || {}, options: options || {},
      userId: null, anonymousId: x.staticProfile || id?.profile || id?.device || null,
      meta: { id: eventId, ts: Date.now() },
    });
  }

  // Hands the queued calls to the core. `inTrack`: called from inside a track() call, so effects
  // (network) are left for a microtask instead of being performed now.
  function drain(inTrack) {
    if (records.length === 0) return;
    const batch = records.join('');
    const queued = calls;
    records = [];
    calls = [];
    let rows;
    try {
      x.session();
      rows = core.trackBatch(batch).split(RS);
    } catch (e) {
      // The calls of the crossing that killed the core go to the degraded buffer (crash()).
      for (const [args, wait] of queued) { settle(wait); unsent.push([args, Date.now()]); }
      throw e;
    }
    let effects = false;
    let due = false;
    const mine = [];  // ids of this crossing's fire events
    for (let i = 0; i < rows.length - 1; i++) {
      const row = rows[i];
      const sep = row.indexOf(US);
      const r = +row.slice(0, sep);
      const text = row.slice(sep + 1);  // the error, else the event id
      const [args, wait] = queued[i];
      if (r < 0) {
        con.error('[Tracker] ' + text);
        settle(wait);
        continue;
      }
      if (wait) {
        // Held for consent: its answer comes when it is sent, not "unsent now".
        const hold = r & C.TRACK_HELD;
        if (text) { answers.expect(text, wait, hold); if (!hold) mine.push(text); } else settle(wait);
      }
      if (r & C.TRACK_EFFECTS_PENDING) effects = true;
      if (r & C.TRACK_PERSIST_DUE) due = true;
      if (r & C.TRACK_DEFERRED) logDeferred(...args, text);
    }
    // The session cookie slides with activity in every tab, a follower's too (which persists no
    // queue): a persist asks the core (sessionCookie), which slides it at most once a minute.
    if (due) persist.due();
    persist.schedule();
    if (effects) {
      if (!inTrack) x.apply(core.takeEffects());
      else if (!effectsQueued) {
        effectsQueued = true;
        env.queueMicrotask(() => {
          effectsQueued = false;
          x.guard(() => x.apply(core.takeEffects()));
        });
      }
    } else {
      // No effects: the core sent none of them now (queued behind a backoff, the fire cap, ...).
      for (const id of mine) answers.unsent(id);
    }
    // Calls made after our pagehide/hidden handler ran (another listener's): the core already
    // knows the page is hidden and has sent what it decided; the snapshot must not wait a task.
    if (life.hidden && !inTrack) persist.now(true);
  }

  // Queues one call for the core; false when it never will reach it.
  function enqueue(type, properties, options, createdMs, resolve, callPage, id) {
    try {
      if (life.destroyed) return false;
      if (life.fallback) { life.fallback.track(type, properties, options); return false; }
      const t = typeof type === 'string' ? wellFormed(type) : '';
      const name = JSON.stringify(t);
      let props;
      let opts;
      try {
        props = userJson(properties);
        opts = userJson(options);
      } catch (e) {
        con.error(`[Tracker] track(${name}) not sent: make its properties/options ` +
          `JSON-encodable (${e?.message}).`);
        return false;
      }
      // A new page (SPA navigation, or a recorded call's own page) or a fire that reads
      // window.response.context applies from this call on: hand the calls before it to the core
      // first, so each sees what it saw.
      if (page.changed(callPage)) {
        drain(true);
        page.page(callPage);
      }
      if (isFire(options) || options?.asBeacon === true) {
        drain(true);
        page.payloadOptions();
      }
      // Input that is certainly over the core's limit never crosses into wasm memory (which
      // never shrinks): a UTF-16 length over the byte limit means at least as many UTF-8 bytes.
      if (props.length + opts.length > C.MAX_EVENT_BYTES) {
        con.error(`[Tracker] track(${name}) not sent: larger than the ${C.MAX_EVENT_BYTES}-byte limit.`);
        return false;
      }
      const rnd = x.rnd;
      // Concatenated, not an array joined: track() is the page's hot path (~130 ns less per call).
      records.push(name + US + props + US + opts + US + x.wall() + US + x.mono() + US +
        (createdMs > 0 ? createdMs : 0) + US + rnd() + US + rnd() + US + rnd() + US + rnd() +
        (typeof id === 'string' ? US + id : '') + RS);
      calls.push([[t, properties, options], resolve]);
      if (!drainQueued) {
        drainQueued = true;
        env.queueMicrotask(() => {
          drainQueued = false;
          x.guard(() => drain(false));
        });
      }
      return true;
    } catch (e) {
      x.crash(e);
      return false;
    }
  }

  return {
    drain,
    // Returns a Promise of the answer {status, ok, data} for a fire event, else undefined
    // (Tracardi's track() returned nothing for queued events). Never throws, never rejects.
    // createdMs, callPage: the call's own time and page when it was recorded earlier.
    track(type, properties, options, createdMs, callPage) {
      let resolve = null;
      const answer = isFire(options) ? new Promise((r) => { resolve = r; }) : undefined;
      if (!enqueue(type, properties, options, createdMs, resolve, callPage)) settle(resolve);
      return answer;
    },
    // Calls earlier pages kept (their core never ran; {u, t, r, d, c} of stub.js): each keeps its
    // time, its page (URL, title, referrer) and its id (minted when it was kept, so a second
    // replay of it is the same event); later calls get this page's context.
    // dropped: calls the stubs and the loading tracker dropped past their bound.
    replay(pages, dropped) {
      stubDropped += dropped;
      for (const p of pages) {
        if (!p || typeof p !== 'object') continue;
        stubDropped += +p.d || 0;
        // p is the page record itself ({u, t, r}: host-page.js).
        for (const [args, ts, kid] of Array.isArray(p.c) ? p.c : []) {
          if (Array.isArray(args) && enqueue(args[0], args[1], args[2], ts, null, p, kid)) stubReplayed++;
        }
      }
      drain(false);
    },
    // The queued calls' promises, answered with no answer (the core is gone or destroyed).
    settleQueued() { calls.splice(0).forEach((c) => settle(c[1])); },
    takeUnsent: () => unsent.splice(0),
    stubStats: () => (stubReplayed || stubDropped ? { stubReplayed, stubDropped } : null),
  };
}
