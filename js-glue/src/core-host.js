// Owns one core instance and performs the I/O its effects ask for (docs/design.md "Binding
// contract"). Holds no policy: when to send, retry, persist or drop is the core's decision.
import { wallMs, monoMs } from './env.js';
import { createEntropy, userJson, contextJson, wellFormed, staticProfileId, parseOr, noAnswer, isFire } from './util.js';
import { createTransport } from './transport.js';
import { createIdentity, readCookie, SESSION_COOKIE } from './identity.js';
import { createTabs, FACT } from './tabs.js';
import { buildContext, buildPageContext } from './context.js';
import { createDegraded } from './degraded.js';
import { MAX_TIMER_MS } from './limits.js';

function settle(resolve, value = noAnswer()) {
  resolve?.(value);
}

// Body text as an object for the console (expandable), or as it came when it is not JSON.
const forConsole = (text) => (text ? parseOr(text, text) : null);

// deps: {env, core, contract (the module's constants: track() flag bits, trackBatch separators,
//        answer codes, MAX_EVENT_BYTES — defined once in the core's headers, exported by the
//        binding), options (the Tracardi options object), storage, getPayloadOptions?,
//        onReady?(context), onUx?(items), contextExtra?, transport?, identity?}
export function createHost(deps) {
  const { env, core, storage, contract: C } = deps;
  const RS = String.fromCharCode(C.RECORD_SEPARATOR);
  const US = String.fromCharCode(C.FIELD_SEPARATOR);
  const trackerOptions = deps.options?.tracker || {};
  const con = env.console;
  const rnd = createEntropy(env.crypto);
  const send = deps.transport || createTransport(env, C);
  const identity = deps.identity || createIdentity(env);
  const staticProfile = staticProfileId(trackerOptions);
  // settings.debug (Tracardi's tracker logged every payload and answer): only logging, no policy.
  const debug = trackerOptions.settings?.debug === true;

  let wakeTimer = null;
  let persistTimer = null;
  let effectsQueued = false;
  let snapshotDirty = false;
  let readyFired = false;
  let payloadOptionsText = '{}';
  let pageKey = null;    // the page the core's page context was built from (see pageOf)
  let fallback = null;   // set when the core died: track() then buffers
  let unsent = [];       // [[args, time]] of a crossing the core died in: the buffer's first calls
  let tabs = null;       // the tab protocol's I/O (tabs.js), when storage is shared with other tabs
  // Whether the core leads (its `tabs.leader` effects; alone, a tab leads itself), and the queue it
  // last wrote as leader: if the core dies, that text goes to the other tabs as its parting queue
  // (their read of the shared key may be older than this write).
  let leading = true;
  let lastWritten = null;
  let glueFailed = false;  // a glue exception was reported (once)
  let stubReplayed = 0;  // calls an earlier page's stub kept (it left before a core ran)
  let stubDropped = 0;   // calls a stub had to drop past its bound
  let destroyed = false;
  let hidden = false;
  // track() calls of the current task, handed to the core in one crossing (trackBatch) from a
  // microtask, or earlier when anything else must see them first (lifecycle, context changes).
  let records = [];
  let calls = [];  // per queued call: [its args, the resolve of its promise (fire events) or null]
  // Fire events whose answer the page awaits. The glue only correlates, it decides nothing: the
  // event id (trackBatch row) -> the request whose body carries it (send effect) -> its answer.
  // An id still here when the core's effects have been applied was not sent now: status 0.
  const awaiting = new Map();  // event id -> resolve
  let drainQueued = false;

  const wall = () => wallMs(env);
  const mono = () => monoMs(env);

  // level: debug, info, warn or error (the core's).
  // A page's console that throws must not cut the effects applied after a log line.
  const log = (level, msg) => {
    try { (con[level] || con.log).call(con, '[Tracker] ' + msg); } catch { /* the page's console */ }
  };

  // The core's calls that come with effects see the track() calls made before them first.
  const drained = (fn) => guard(() => { drain(false); fn?.(); });

  // The session cookie as it is now: another tab may have rotated or kept it (Tracardi's tracker
  // re-reads it for every event). The core decides whether to adopt it, and whether this tab
  // writes it now (`leaving`: the page is hidden or left, the expiry counts from now).
  function observeSession(leaving = false) {
    const s = core.sessionCookie(readCookie(env.document, SESSION_COOKIE) ?? '', leaving, wall(), mono());
    if (s) identity.writeSession(s);
  }

  // A fact of the tab protocol (tabs.js): the core decides, its effects are applied. An adoption
  // is written at once, so its follower hears the confirmation in the same task.
  function fact(op, a = '', b = '', n = 0) {
    drained(() => {
      observeSession();  // adopted events go out under the session the tabs share now
      apply(core.tabFact(op, a, b, n, wall(), mono()));
      if (snapshotDirty) persistNow(false);
    });
  }

  // The calls earlier pages kept (their core never ran): replayed here because the core asked
  // (this tab leads), then released by the core once a write holds them.
  function replayKept() {
    const k = deps.keptCalls?.();
    if (!k) return;
    guard(() => {
      replay(k.pages, k.dropped);
      apply(core.tabFact(FACT.kept, k.keys.map((key) => key + RS).join(''), '', 0, wall(), mono()));
    });
  }

  // An exception out of the core means it aborted (a wasm trap kills the module for good): its
  // calls are buffered from now on, and the election is let go so another tab leads.
  function crash(e) {
    if (fallback) return;
    settleAll();
    tabs?.stop(leading ? lastWritten : null);
    fallback = createDegraded(env, `the core failed (${e?.message || e})`, unsent.splice(0),
      String(trackerOptions.source?.id ?? '').trim());
    setWake();
  }

  // A glue exception (a bug of ours, a page's throwing console method) is not the core's death:
  // said once, and the tracker goes on.
  function guard(fn) {
    if (fallback || destroyed) return;
    try { fn(); } catch (e) {
      if (core.dead !== false) { crash(e); return; }
      if (glueFailed) return;
      glueFailed = true;
      try { con.error('[Tracker] internal error (the tracker goes on):', e); } catch { /* none */ }
    }
  }

  function settleAwaiting() {
    for (const resolve of awaiting.values()) settle(resolve);
    awaiting.clear();
  }

  function settleAll() {
    settleAwaiting();
    calls.splice(0).forEach((c) => settle(c[1]));
  }

  // Every core call that returns effects hands over all of them: a fire event the core sent is in
  // this batch of effects or was not sent now.
  function apply(text) {
    const fx = text && text !== '{}' && parseOr(text);
    const later = [];
    if (fx) applyEffects(fx, later);
    settleAwaiting();
    // Reads the tab protocol asked for, reported once this effect is applied.
    for (const f of later) f();
  }

  function applyEffects(fx, later) {
    if (fx.log) for (const l of fx.log) log(l.level, l.msg);
    if (fx.identity) {
      identity.update(fx.identity);
      schedulePersist();
    }
    if ('wake' in fx) setWake(fx.wake);
    if (fx.abort) for (const id of fx.abort) send.abort(id);
    if (fx.send) for (const s of fx.send) dispatch(s);
    if (fx.tabs) {
      if ('leader' in fx.tabs) leading = !!fx.tabs.leader;
      if (!leading) lastWritten = null;
      tabs?.perform(fx.tabs, RS, US, (f) => later.push(f));
    }
    if (fx.persist) {
      snapshotDirty = true;
      schedulePersist();
    }
    if (fx.ux) deps.onUx?.(fx.ux);  // widgets: the extras chunk (ux.js)
    if (fx.ready && !readyFired) {
      readyFired = true;
      try { deps.onReady?.(fx.ready.context ?? null); } catch (e) {
        con.error('[Tracker] onTracardiReady listener failed:', e);
      }
    }
  }

  function dispatch(s) {
    if (debug) con.debug(`[Tracker] /track request #${s.id} (${s.transport}):`, forConsole(s.body));
    // The fire events this body carries (by event id) get this request's answer.
    const events = awaiting.size && parseOr(s.body)?.events;
    const waiting = Array.isArray(events) ? events.map((e) => {
      const resolve = awaiting.get(e?.id);
      awaiting.delete(e?.id);
      return resolve;
    }).filter(Boolean) : [];
    send(s).then((r) => {
      // Even when the core died meanwhile: the page still gets this request's answer.
      if (waiting.length) {
        const status = r.status > 0 ? r.status : 0;  // a handed-off beacon has no answer either
        const data = status ? parseOr(r.body) : null;
        for (const resolve of waiting) settle(resolve, { status, ok: status >= 200 && status < 300, data });
      }
      onAnswer(s, r);
    });
  }

  function onAnswer(s, r) {
    if (debug) con.debug(`[Tracker] /track response #${s.id}:`, r.status, forConsole(r.body));
    drained(() => {
      apply(core.onResponse(s.id, r.status, r.retryAfter, r.body, wall(), mono(),
        rnd(), rnd(), rnd(), rnd()));
    });
    // A hidden or leaving page may run no later task: an answer that changed the queue (a
    // keepalive the browser refused at pagehide, its quota shared with every script of the page)
    // is written now, in this answer's microtask, not by a timer that never fires.
    if (hidden && !destroyed) persistNow(true);
  }

  // One timer for the whole tracker: the core says when (on the monotonic clock) it next wants to
  // be woken.
  function setWake(at) {
    env.clearTimeout(wakeTimer);
    wakeTimer = null;
    if (!Number.isFinite(at)) return;  // null: no wake-up wanted
    // Rounded up: a timer that fires before the deadline finds nothing due (the core re-arms it,
    // but that is a wasted wake-up).
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - mono())));
    wakeTimer = env.setTimeout(() => {
      wakeTimer = null;
      lifecycle('onWake');
    }, delay);
  }

  // Storage and cookie writes happen at most once per task, never inside track().
  function schedulePersist() {
    if (persistTimer !== null || destroyed) return;
    persistTimer = env.setTimeout(() => {
      persistTimer = null;
      persistNow(false);
    }, 0);
  }

  function persistNow(force) {
    env.clearTimeout(persistTimer);
    persistTimer = null;
    // Only while the core leads: one demoted since the write was asked for (its lock lost or
    // stolen) would overwrite the new leader's copy.
    if (!leading) snapshotDirty = false;
    if (snapshotDirty && !fallback) {
      snapshotDirty = false;
      // A failed write leaves the last good copy; the next persist tries again. The core hears
      // the outcome: a hand-over is confirmed, a consumed key released, only after a good write.
      try {
        const text = core.snapshot();
        const ok = storage.write(text);
        if (ok) lastWritten = text;
        else snapshotDirty = true;
        if (tabs) apply(core.tabFact(FACT.persisted, '', '', ok ? 1 : 0, wall(), mono()));
      } catch (e) { crash(e); }
    }
    guard(() => observeSession(force));
    identity.flush();
  }


  // window.response.context becomes the payload's `options`; pushed only when it changed.
  function syncPayloadOptions() {
    let text;
    try {
      const v = deps.getPayloadOptions?.();
      text = v && typeof v === 'object' ? contextJson(v) : '{}';
    } catch {
      return;  // unserialisable page value: keep the previous one
    }
    if (text !== payloadOptionsText) {
      payloadOptionsText = text;
      core.setPayloadOptions(text);
    }
  }

  // The page a call was made on: `page` {u, t, r} (URL, title, referrer) when it was recorded at
  // the call (calls made before the core ran, here or on an earlier page), else the page as it is
  // now. The key changes when the page does (a recorded page's key has newlines, a live URL never).
  const pageOf = (page) => (page ? `${page.u}\n${page.t}\n${page.r}` : String(env.location?.href ?? ''));

  // Builds the page context again for that page (SPA navigations change the URL without a reload).
  function syncPageContext(page) {
    pageKey = pageOf(page);
    let e = env;
    if (page) {
      try {
        e = { ...env, location: new URL(page.u), document: { title: page.t, referrer: page.r || '' } };
      } catch { /* no usable URL: this page's context */ }
    }
    const ctx = buildPageContext(e, trackerOptions);
    core.setPageContext(ctx ? contextJson(ctx) : '');
  }

  const setContext = () => core.setContext(contextJson(buildContext(env, trackerOptions, deps.contextExtra)));

  // A fact about the page, or a wake-up (which takes entropy after the clocks).
  function lifecycle(method, arg) {
    drained(() => {
      syncPayloadOptions();
      observeSession();
      apply(method === 'onWake' ? core.onWake(wall(), mono(), rnd(), rnd(), rnd(), rnd())
        : arg === undefined ? core[method](wall(), mono()) : core[method](arg, wall(), mono()));
    });
  }

  // The page may be going away: the core decides what leaves now; the snapshot is written
  // synchronously, now, not in a later task that may never run.
  function leaving(method) {
    guard(() => {
      drain(true);  // effects are taken right below, synchronously
      syncPayloadOptions();
      observeSession();  // a sibling's newer session is not overwritten by this tab's
      apply(core[method](wall(), mono()));
      apply(core.takeEffects());
    });
    if (!destroyed) persistNow(true);
  }

  function logDeferred(type, properties, options, eventId) {
    const id = identity.current;
    con.log('[Tracker] Event track', {
      type: 'track', event: type, properties: properties || {}, options: options || {},
      userId: null, anonymousId: staticProfile || id?.profile || id?.device || null,
      meta: { id: eventId, ts: Date.now() },
    });
  }

  // Hands the queued track() calls to the core. `inTrack`: called from inside a track() call, so
  // effects (network) are left for a microtask instead of being performed now.
  function drain(inTrack) {
    if (records.length === 0) return;
    const batch = records.join('');
    const queued = calls;
    records = [];
    calls = [];
    let rows;
    try {
      observeSession();
      rows = core.trackBatch(batch).split(RS);
    } catch (e) {
      // The calls of the crossing that killed the core go to the degraded buffer (crash()).
      for (const [args, wait] of queued) { settle(wait); unsent.push([args, Date.now()]); }
      throw e;
    }
    let effects = false;
    let persist = false;
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
        if (text) { awaiting.set(text, wait); mine.push(text); } else settle(wait);
      }
      if (r & C.TRACK_EFFECTS_PENDING) effects = true;
      if (r & C.TRACK_PERSIST_DUE) persist = true;
      if (r & C.TRACK_DEFERRED) logDeferred(...args, text);
    }
    // The session cookie slides with activity in every tab, a follower's too (which persists no
    // queue): persistNow asks the core (sessionCookie), which slides it at most once a minute.
    if (persist) snapshotDirty = true;
    schedulePersist();
    if (effects) {
      if (!inTrack) apply(core.takeEffects());
      else if (!effectsQueued) {
        effectsQueued = true;
        env.queueMicrotask(() => {
          effectsQueued = false;
          guard(() => apply(core.takeEffects()));
        });
      }
    } else {
      // No effects: the core sent none of them now (queued behind a backoff, the fire cap, ...).
      for (const id of mine) { settle(awaiting.get(id)); awaiting.delete(id); }
    }
    // Calls made after our pagehide/hidden handler ran (another listener's): the core already
    // knows the page is hidden and has sent what it decided; the snapshot must not wait a task.
    if (hidden && !inTrack) persistNow(true);
  }

  // Returns a Promise of the answer {status, ok, data} for a fire event, else undefined (Tracardi's
  // track() returned nothing for queued events). Never throws, never rejects.
  // createdMs, page: the call's own time and page when it was recorded earlier (see pageOf).
  function track(type, properties, options, createdMs, page) {
    let resolve = null;
    const answer = isFire(options) ? new Promise((r) => { resolve = r; }) : undefined;
    if (!enqueue(type, properties, options, createdMs, resolve, page)) settle(resolve);
    return answer;
  }

  // Calls a page made before its core ran, kept by its stub ({u, t, r, d, c} of stub.js): each
  // keeps its time, its page (URL, title, referrer) and its id (minted when it was kept, so a
  // second replay of it is the same event); later calls get this page's context.
  // dropped: calls the stubs and the loading tracker dropped past their bound.
  function replay(pages, dropped) {
    stubDropped += dropped;
    for (const p of pages) {
      if (!p || typeof p !== 'object') continue;
      stubDropped += +p.d || 0;
      // p is the page record itself ({u, t, r}: pageOf, syncPageContext).
      for (const [args, ts, id] of Array.isArray(p.c) ? p.c : []) {
        if (Array.isArray(args) && enqueue(args[0], args[1], args[2], ts, null, p, id)) stubReplayed++;
      }
    }
    drain(false);
  }

  // Queues one call for the core; false when it never will reach it.
  function enqueue(type, properties, options, createdMs, resolve, page, id) {
    try {
      if (destroyed) return false;
      if (fallback) { fallback.track(type, properties, options); return false; }
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
      if (pageOf(page) !== pageKey) {
        drain(true);
        syncPageContext(page);
      }
      if (isFire(options) || options?.asBeacon === true) {
        drain(true);
        syncPayloadOptions();
      }
      // Input that is certainly over the core's limit never crosses into wasm memory (which
      // never shrinks): a UTF-16 length over the byte limit means at least as many UTF-8 bytes.
      if (props.length + opts.length > C.MAX_EVENT_BYTES) {
        con.error(`[Tracker] track(${name}) not sent: larger than the ${C.MAX_EVENT_BYTES}-byte limit.`);
        return false;
      }
      // Concatenated, not an array joined: track() is the page's hot path (~130 ns less per call).
      records.push(name + US + props + US + opts + US + wall() + US + mono() + US +
        (createdMs > 0 ? createdMs : 0) + US + rnd() + US + rnd() + US + rnd() + US + rnd() +
        (typeof id === 'string' ? US + id : '') + RS);
      calls.push([[t, properties, options], resolve]);
      if (!drainQueued) {
        drainQueued = true;
        env.queueMicrotask(() => {
          drainQueued = false;
          guard(() => drain(false));
        });
      }
      return true;
    } catch (e) {
      crash(e);
      return false;
    }
  }

  return {
    start() {
      guard(() => {
        setContext();
        syncPageContext();
        syncPayloadOptions();
        // The page origin lets the core refuse a cross-origin beacon setting.
        const ids = JSON.stringify({ ...identity.read(),
          origin: String(env.location?.origin || '') });
        apply(core.start(wall(), mono(), ids, '', rnd(), rnd(), rnd(), rnd()));
        // Until elected, a tab is a follower: it never writes the shared queue (docs/design.md
        // "Persistence across tabs"). The core's tab protocol tells when it leads.
        if (storage?.base && deps.tabs !== false) {
          tabs = createTabs(env, storage.base, storage, fact, replayKept);
          leading = false;  // a follower until elected (the core's tab protocol)
          const c = tabs.caps;
          apply(core.joinTabs(storage.base, c.locks, c.channel, c.storage, wall(), mono(),
            rnd(), rnd(), rnd(), rnd()));
        } else {
          // Alone (no shared storage): it leads itself, and replays what earlier pages kept.
          replayKept();
        }
      });
    },
    track,
    // Calls a page made before its core ran, kept by its stub ({u, t, r, d, c} of stub.js): each
    // keeps its time and its page (URL, title, referrer); later calls get this page's context.
    // dropped: calls the stubs and the loading tracker dropped past their bound.
    // This page's own calls its loader stub wrote at a pagehide before the core ran: replayed
    // now whatever this tab's role (they are this page's first attempts).
    replay(pages, dropped) { guard(() => replay(pages, dropped)); },
    flush() { lifecycle('flush'); },
    // Page context again once the load event is over (its timing end is set after its handlers,
    // analytics cookies are there): events from then on carry complete navigation timing.
    onLoad() {
      lifecycle('onLoad');
      env.setTimeout(() => drained(syncPageContext), 0);
    },
    // A context part arrived later (context-sources.js): bodies built from now on carry it.
    refreshContext() { guard(setContext); },
    onVisible() {
      hidden = false;
      send.leave?.(false);
      if (tabs) guard(() => apply(core.tabFact(FACT.rejoin, '', '', 0, wall(), mono())));  // back from the bfcache
      lifecycle('onVisible');
    },
    setOnline(online) { lifecycle('setOnline', !!online); },
    // Tab hidden (visibilitychange) and page left (pagehide) are different facts: the core
    // flushes a hidden tab once within backoff, and treats a page leave as the last chance.
    onHidden() { hidden = true; leaving('onHidden'); },
    // A navigation to another document began: the core decides what leaves now (a slow CPU can
    // lose the page before its pagehide runs); the page stays shown until pagehide says otherwise.
    onNavigate() { send.navigate?.(); leaving('onNavigate'); },
    onPageLeave() {
      hidden = true;
      send.leave?.(true);
      // A core that died mid-page: what the page tracked since is kept for the next page's core,
      // as the stub keeps calls no core took (stub.js). What the core held is in its last copy.
      fallback?.persist(env.window);
      leaving('onPageLeave');
      // The page may go into the back/forward cache, where it must not hold the election: after
      // the core's last word as leader. Its queue is in the shared key unless that write failed.
      if (tabs) guard(() => apply(core.tabFact(FACT.resign, '', '', snapshotDirty ? 0 : 1, wall(), mono())));
    },
    stats() {
      drained();
      try {
        if (fallback) return null;
        const st = JSON.parse(core.stats());
        st.leader = st.tabs?.leader ?? true;  // alone, a tab leads itself
        if (stubReplayed || stubDropped) Object.assign(st, { stubReplayed, stubDropped });
        return st;
      } catch { return null; }
    },
    get identity() { return identity.current; },
    get degraded() { return fallback; },
    destroy() {
      if (destroyed) return;
      drained();
      settleAll();  // requests already on the wire still resolve theirs
      if (!fallback) persistNow(true);
      // Out of the election: un-confirmed hand-overs go to mailbox keys for the leader.
      if (tabs) guard(() => apply(core.tabFact(FACT.leave, '', '', 0, wall(), mono())));
      destroyed = true;
      tabs?.stop();
      setWake();
      try { core.delete(); } catch { /* already gone */ }
    },
  };
}
