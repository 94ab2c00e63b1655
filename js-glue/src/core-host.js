// Owns one core instance and wires the units that perform the I/O its effects ask for
// (docs/design.md "Binding contract"): intake (track calls into the core), effects, answers,
// persistence, the page's context, the tab protocol's I/O (tabs.js) and the page lifecycle here.
// Holds no policy: when to send, retry, persist or drop is the core's decision.
import { wallMs, monoMs } from './env.js';
import { createEntropy, staticProfileId } from './util.js';
import { createTransport } from './transport.js';
import { createIdentity, readCookie, SESSION_COOKIE } from './identity.js';
import { createTabs, FACT } from './tabs.js';
import { createDegraded } from './degraded.js';
import { MAX_TIMER_MS } from './limits.js';
import { createAnswers } from './host-answers.js';
import { createPageSync } from './host-page.js';
import { createPersistence } from './host-persist.js';
import { createIntake } from './host-intake.js';
import { createEffects } from './host-effects.js';

// deps: {env, core, contract (the module's constants: track() flag bits, trackBatch separators,
//        answer codes, MAX_EVENT_BYTES — defined once in the core's headers, exported by the
//        binding), options (the Tracardi options object), storage, getPayloadOptions?,
//        onReady?(context), onUx?(items), contextExtra?, transport?, identity?, keptCalls?,
//        keptKeys?(key) (whether keptCalls reads that key), tabs?}
// tracker.consent()'s states, by the core's numbers (Consent in config.hpp).
export const CONSENT = ['granted', 'pending', 'denied'];

export function createHost(deps) {
  const { env, core, storage, contract: C } = deps;
  const RS = String.fromCharCode(C.RECORD_SEPARATOR);
  const US = String.fromCharCode(C.FIELD_SEPARATOR);
  const trackerOptions = deps.options?.tracker || {};
  const con = env.console;
  const rnd = createEntropy(env.crypto);
  const send = deps.transport || createTransport(env, C);
  const identity = deps.identity || createIdentity(env);
  const wall = () => wallMs(env);
  const mono = () => monoMs(env);
  // fallback: set when the core died (track() then buffers); hidden: the page is hidden or left;
  // stored: the visitor's consent lets the tracker store (the core's stats, read at each change).
  const life = { fallback: null, destroyed: false, hidden: false, stored: false };
  let wakeTimer = null;
  let tabs = null;  // the tab protocol's I/O (tabs.js), when storage is shared with other tabs
  let glueFailed = false;  // a glue exception was reported (once)
  let rewake = false;  // a wake-up after a glue exception is on its way

  // level: debug, info, warn or error (the core's).
  // A page's console that throws must not cut the effects applied after a log line.
  const log = (level, msg) => {
    try { (con[level] || con.log).call(con, '[Tracker] ' + msg); } catch { /* the page's console */ }
  };

  // An exception out of the core means it aborted (a wasm trap kills the module for good): its
  // calls are buffered from now on, and the election is let go so another tab leads (with the
  // queue this tab last wrote as leader: the dead core cannot post its parting queue).
  function crash(e) {
    if (life.fallback) return;
    answers.settleRest(true);
    intake.settleQueued();
    tabs?.stop(persist.parting);
    life.fallback = createDegraded(env, `the core failed (${e?.message || e})`, intake.takeUnsent(),
      String(trackerOptions.source?.id ?? '').trim());
    setWake();
  }

  // A glue exception (a bug of ours, a page's throwing console method) is not the core's death:
  // said once, and the tracker goes on.
  // The effect it cost may be the core's wake, which the core announces only when it changes: the
  // core is woken once, a microtask later, and announces it again (one at a time: a wake that
  // slips again waits for the next call, never loops).
  function slip(e) {
    if (!rewake) {
      rewake = true;
      env.queueMicrotask(() => {
        lifecycle('onWake');
        rewake = false;
      });
    }
    if (glueFailed) return;
    glueFailed = true;
    try { con.error('[Tracker] internal error (the tracker goes on):', e); } catch { /* none */ }
  }

  // The core handle tells a trap (`dead`) from an exception of the glue's own.
  function guard(fn) {
    if (life.fallback || life.destroyed) return;
    try { fn(); } catch (e) {
      if (core.dead !== false) crash(e);
      else slip(e);
    }
  }

  // The session cookie as it is now: another tab may have rotated or kept it (Tracardi's tracker
  // re-reads it for every event). The core decides whether to adopt it, and whether this tab
  // writes it now (`leaving`: the page is hidden or left, the expiry counts from now).
  function session(leaving = false) {
    const s = core.sessionCookie(readCookie(env.document, SESSION_COOKIE) ?? '', leaving, wall(), mono());
    if (s) identity.writeSession(s);
  }

  const answers = createAnswers();
  const page = createPageSync(env, core, trackerOptions, deps);
  const persist = createPersistence(env, core, storage, identity, life, {
    crash, guard, session,
    seen: () => tabs && apply(core.tabFact(FACT.key, storage.head(), '', 0, wall(), mono())),
    written: (ok) => tabs && apply(core.tabFact(FACT.persisted, '', '', ok ? 1 : 0, wall(), mono())),
  });
  const apply = createEffects({
    con, send, answers, identity, persist, RS, US, log, slip,
    debug: trackerOptions.settings?.debug === true,  // Tracardi's tracker logged every payload
    tabs: () => tabs,
    wake: setWake,
    answered: onAnswer,
    onUx: deps.onUx,
    onReady: deps.onReady,
  });
  const intake = createIntake({
    env, core, C, con, identity, rnd, answers, page, persist, life, apply, guard, crash, session,
    wall, mono, staticProfile: staticProfileId(trackerOptions),
  });

  // The core's calls that come with effects see the track() calls made before them first.
  const drained = (fn) => guard(() => { intake.drain(false); fn?.(); });

  function onAnswer(s, r) {
    drained(() => {
      apply(core.onResponse(s.id, r.status, r.retryAfter, r.body, wall(), mono(),
        rnd(), rnd(), rnd(), rnd()));
    });
    // A hidden or leaving page may run no later task: an answer that changed the queue (a
    // keepalive the browser refused at pagehide, its quota shared with every script of the page)
    // is written now, in this answer's microtask, not by a timer that never fires.
    if (life.hidden && !life.destroyed) persist.now(true);
  }

  // A fact of the tab protocol (tabs.js): the core decides, its effects are applied. An adoption
  // is written at once, so its follower hears the confirmation in the same task.
  function fact(op, a = '', b = '', n = 0) {
    drained(() => {
      session();  // adopted events go out under the session the tabs share now
      apply(core.tabFact(op, a, b, n, wall(), mono()));
      if (persist.dirty) persist.now(false);
    });
  }

  // The calls earlier pages kept (their core never ran): replayed here because the core asked
  // (this tab leads), then released by the core once a write holds them.
  function replayKept() {
    const k = deps.keptCalls?.();
    if (!k) return;
    guard(() => {
      intake.replay(k.pages, k.dropped);
      apply(core.tabFact(FACT.kept, k.keys.map((key) => key + RS).join(''), '', 0, wall(), mono()));
    });
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

  // A fact about the page, or a wake-up (which takes entropy after the clocks).
  function lifecycle(method, arg) {
    drained(() => {
      page.payloadOptions();
      session();
      apply(method === 'onWake' ? core.onWake(wall(), mono(), rnd(), rnd(), rnd(), rnd())
        : arg === undefined ? core[method](wall(), mono()) : core[method](arg, wall(), mono()));
    });
  }

  // The page may be going away: the core decides what leaves now; the snapshot is written
  // synchronously, now, not in a later task that may never run.
  function leaving(method, persisted) {
    guard(() => {
      intake.drain(true);  // effects are taken right below, synchronously
      page.payloadOptions();
      session();  // a sibling's newer session is not overwritten by this tab's
      apply(persisted === undefined ? core[method](wall(), mono()) : core[method](wall(), mono(), persisted));
      apply(core.takeEffects());
    });
    if (!life.destroyed) persist.now(true);
  }

  const consented = () => { life.stored = !(JSON.parse(core.stats()).consent > 0); };

  const tabFact = (op, n = 0) => {
    if (tabs) guard(() => apply(core.tabFact(op, '', '', n, wall(), mono())));
  };

  return {
    start() {
      guard(() => {
        page.context();
        page.page();
        page.payloadOptions();
        // The page origin lets the core refuse a cross-origin beacon setting.
        const ids = JSON.stringify({ ...identity.read(),
          origin: String(env.location?.origin || ''), gpc: env.navigator?.globalPrivacyControl === true });
        apply(core.start(wall(), mono(), ids, '', rnd(), rnd(), rnd(), rnd()));
        consented();
        // Until elected, a tab is a follower: it never writes the shared queue (docs/design.md
        // "Persistence across tabs"). The core's tab protocol tells when it leads.
        if (storage?.base && deps.tabs !== false) {
          tabs = createTabs(env, storage.base, storage, fact, replayKept, deps.keptKeys);
          persist.lead(false);
          const c = tabs.caps;
          apply(core.joinTabs(storage.base, c.locks, c.channel, c.storage, wall(), mono(),
            rnd(), rnd(), rnd(), rnd()));
        } else {
          // Alone (no shared storage): it leads itself, and replays what earlier pages kept.
          replayKept();
        }
      });
    },
    track: intake.track,
    // This page's own calls its loader stub wrote at a pagehide before the core ran: replayed
    // now whatever this tab's role (they are this page's first attempts).
    replay(pages, dropped) { guard(() => intake.replay(pages, dropped)); },
    flush() { lifecycle('flush'); },
    // Page context again once the load event is over (its timing end is set after its handlers,
    // analytics cookies are there): events from then on carry complete navigation timing.
    onLoad() {
      lifecycle('onLoad');
      env.setTimeout(() => drained(() => page.page()), 0);
    },
    // A context part arrived later (context-sources.js): bodies built from now on carry it.
    refreshContext() { guard(page.context); },
    onVisible() {
      life.hidden = false;
      send.leave?.(false);
      tabFact(FACT.rejoin);  // back from the bfcache
      lifecycle('onVisible');
    },
    setOnline(online) { lifecycle('setOnline', !!online); },
    // The visitor's consent (tracker.consent()): what it implies is the core's. A fire held for it
    // and not sent by a denial's effects gets no answer (status 0).
    consent(state) {
      const n = CONSENT.indexOf(state);
      if (n < 0) return log('error', `consent(${JSON.stringify(state)}): expected "granted", "pending" or "denied"; unchanged.`);
      drained(() => {
        apply(core.tabFact(FACT.consent, '', '', n, wall(), mono()));
        if (n === 2) answers.settleRest(true);
        consented();
      });
    },
    // tracker.reset(): a new anonymous visitor from the next event on (the core's rule: what was
    // accepted keeps its visitor); the stored one is forgotten.
    reset() {
      drained(() => {
        identity.forget();
        const hex = [rnd(), rnd(), rnd(), rnd()].map((n) => (n >>> 0).toString(16).padStart(8, '0')).join('');
        apply(core.tabFact(FACT.reset, hex, '', 0, wall(), mono()));
      });
      persist.now(true);
    },
    // Whether the visitor's consent lets the tracker store anything (the core's last word).
    mayStore: () => !life.fallback && life.stored,
    // Tab hidden (visibilitychange) and page left (pagehide) are different facts: the core
    // flushes a hidden tab once within backoff, and treats a page leave as the last chance.
    onHidden() { life.hidden = true; leaving('onHidden'); },
    // A navigation to another document began: the core decides what leaves now (a slow CPU can
    // lose the page before its pagehide runs); the page stays shown until pagehide says otherwise.
    onNavigate() { send.navigate?.(); leaving('onNavigate'); },
    onPageLeave(persisted) {
      life.hidden = true;
      send.leave?.(true);
      // A core that died mid-page: what the page tracked since is kept for the next page's core,
      // as the stub keeps calls no core took (stub.js), if the visitor's consent allowed storing
      // when the core last said. What the core held is in its last copy.
      if (life.stored) life.fallback?.persist(env.window);
      leaving('onPageLeave', !!persisted);
      // The page may go into the back/forward cache, where it must not hold the election: after
      // the core's last word as leader. Its queue is in the shared key unless that write failed.
      tabFact(FACT.resign, persist.dirty ? 0 : 1);
    },
    stats() {
      drained();
      try {
        if (life.fallback) return null;
        const st = JSON.parse(core.stats());
        st.leader = st.tabs?.leader ?? true;  // alone, a tab leads itself
        return Object.assign(st, intake.stubStats());
      } catch { return null; }
    },
    // The core's fate log (fates.js groups it for tracker.inspect()), or null without a core.
    fates() {
      drained();
      try { return life.fallback ? null : core.fates(); } catch { return null; }
    },
    get identity() { return identity.current; },
    get degraded() { return life.fallback; },
    destroy() {
      if (life.destroyed) return;
      drained();
      answers.settleRest(true);  // requests already on the wire still resolve theirs
      intake.settleQueued();
      if (!life.fallback) persist.now(true);
      // Out of the election: un-confirmed hand-overs go to mailbox keys for the leader.
      tabFact(FACT.leave);
      life.destroyed = true;
      tabs?.stop();
      setWake();
      try { core.delete(); } catch { /* already gone */ }
    },
  };
}
