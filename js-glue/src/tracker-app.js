// Assembles one tracker: load the core, start the host, replay the calls made while loading (in
// call order, with their original timestamps), wire the page lifecycle. Shared by the
// liliput.min.js runtime and the npm entry.
import { loadCore, errorText } from './load-core.js';
import { createHost } from './core-host.js';
import { openCore } from './core-handle.js';
import { createStorage } from './storage.js';
import { createDegraded } from './degraded.js';
import { STUB_KEY, stubKey, keptPrefix, pageRecord, mayKeep } from './stub.js';
import { wireLifecycle, leavesDocument } from './lifecycle.js';
import { DEGRADED_BUFFER_LIMIT } from './limits.js';
import { staticProfileId, parseOr, noAnswer, isFire } from './util.js';
import { lsGet, lsRemove, lsKeys } from './env.js';
import { createExtras } from './extras-host.js';
import { pageViewsAsked } from './spa.js';
import { hadStoredProfile, writeTracardiKeys } from './tracardi-keys.js';
import { createScreen, screenHost, screenPages } from './before-send.js';
import { groupFates, debugAsked, DEBUG_KEY } from './fates.js';

// deps: {env, factory, wasmUrl, options, getPayloadOptions?, onReady?(context), pending?: [[args, ts]],
//        lifecycle?: boolean, loadExtras?: () => Promise<extras chunk>, loadDebug?: () => Promise<debug chunk>,
//        wasmResponse?: Promise<Response> of wasmUrl, fetched early by the loader snippet}

// A buffered call that will never reach a core: its promise (if any) resolves with no answer.
const settlePending = (entry) => entry?.[2]?.(noAnswer());

// The kept page records of this page's own stub (token: its keys, stub.js persistCalls), and a
// function that removes them: called once the core has them on their way (Chromium cuts a
// pagehide that runs long, and a rushed core's start is long on a slow CPU: records removed before
// its leave sent them were lost, 0 of 20 with none kept; e2e wild.spec.ts, slow CPU). A record an
// earlier build's loader kept in its one key waits for the leader tab, like any other page's.
function ownKept(env, prefix, token) {
  const mine = token ? lsKeys(env, (k) => k.startsWith(prefix) && k.includes('.' + token + '.')) : [];
  return [mine.map((k) => parseOr(lsGet(env, k))).filter(Boolean), () => mine.forEach((k) => lsRemove(env, k))];
}

export function startTracker(deps) {
  const { env } = deps;
  // The page a call is made on while the core loads (an SPA may navigate meanwhile): its events
  // carry that page's URL, title and referrer (core-host.js pageOf). The loader stub's own calls,
  // made before this script ran, get the page as it is when the core starts.
  const pageNow = () => env.location && pageRecord(env.location, env.document);
  const pending = deps.pending || [];
  let host = null;
  let degraded = null;
  let unwire = null;
  let destroyed = false;  // by destroy(), or a configuration the core refused: calls are dropped
  let droppedLoading = 0;  // calls dropped past the buffer's bound while the core loaded
  let consentLoading = null;  // tracker.consent() while the core loads: given to it once it runs
  let extrasStarted = false;
  let stopDebug = null;  // the debug printer's stop, once it runs
  const dropPending = () => {
    const calls = pending.splice(0);
    calls.forEach(settlePending);
    return calls;
  };
  // The extras chunk: loaded only when something below or a response needs it.
  const extras = createExtras(env, deps.options, deps.loadExtras);
  const screen = createScreen(env.console, deps.options?.tracker?.settings);  // settings.beforeSend

  // A fire event returns a Promise of its answer ({status, ok, data}, never rejected); other
  // calls return undefined, as Tracardi's track() did.
  function track(type, properties, options) {
    const fire = isFire(options);
    try {
      if (host) return host.track(type, properties, options);
      let resolve = null;
      const answer = fire ? new Promise((r) => { resolve = r; }) : undefined;
      if (degraded || destroyed) {
        degraded?.track(type, properties, options);
        resolve?.(noAnswer());
        return answer;
      }
      if (pending.length >= DEGRADED_BUFFER_LIMIT) { settlePending(pending.shift()); droppedLoading++; }
      pending.push([[type, properties, options], Date.now(), resolve, pageNow()]);
      return answer;
    } catch {
      /* track() never throws into the page */
      return fire ? Promise.resolve(noAnswer()) : undefined;
    }
  }

  // settings.pageViews (spa.js, in the extras chunk), asked for at once: a navigation before the
  // chunk arrives is seen when it does (the URL at this moment is the first page's).
  const s0 = deps.options?.tracker?.settings;
  if (deps.lifecycle !== false && pageViewsAsked(s0)) {
    extras.wire('wirePageViews', s0, track, env.location?.href);
  }

  function configure(M) {
    let optionsJson;
    try {
      // Only `tracker` is configuration; `listeners` etc. hold functions and DOM objects.
      optionsJson = JSON.stringify({ tracker: deps.options?.tracker });
    } catch (e) {
      env.console.error(`[Tracker] options.tracker cannot be encoded as JSON (${errorText(e)}); ` +
        'tracker disabled.');
      return null;
    }
    const core = openCore(M, optionsJson);
    const err = core.configError();
    if (err) {
      core.delete();
      env.console.error(`[Tracker] ${err}; tracker disabled.`);
      return null;
    }
    return core;
  }

  // A page left while its core still loads: the bytes are compiled at once (load-core.js rush) and
  // the core starts in the microtasks after this listener, takes the calls (the loader stub kept
  // them under its key a listener earlier: they are replayed from there) and hears the page leave
  // before anything else, so what it sends leaves on keepalive, as a page that loaded in time.
  const loading = loadCore(env, deps.factory, deps.wasmUrl, deps.wasmResponse);
  let left = false;
  const w0 = env.window;
  const onHide = () => {
    if (host || degraded || destroyed) return;  // a running core hears it from lifecycle.js
    left = true;
    loading.rush?.();
  };
  const onShow = () => { left = false; };  // back from the back/forward cache before the core
  // A link followed while the core loads: on a slow CPU the page can be torn down before its
  // pagehide runs (issue 20, session 9), so the navigation's start rushes the core as well, and
  // the core hears the navigation first (it sends what waits at once; the page is not left yet).
  let navigating = false;
  const onNavigate = (e) => {
    if (host || degraded || destroyed || !leavesDocument(e)) return;
    navigating = true;
    loading.rush?.();
  };
  const early = deps.lifecycle !== false && w0?.addEventListener;
  const nav = early && w0.navigation;
  if (early) {
    w0.addEventListener('pagehide', onHide);
    w0.addEventListener('pageshow', onShow);
    nav?.addEventListener?.('navigate', onNavigate);
  }
  const ready = loading.then((M) => {
    if (destroyed) return false;
    const core = configure(M);
    if (!core) {
      destroyed = true;
      dropPending();
      extras.stop();
      return false;
    }
    const sourceId = String(deps.options.tracker.source.id).trim();
    // The keys pages keep calls under: an earlier build's two, and this source's prefix.
    const keys = [STUB_KEY, stubKey(sourceId), keptPrefix(sourceId)];
    const isKept = (k) => keys.includes(k) || k.startsWith(keys[2]);
    const hadProfile = hadStoredProfile(env);  // Tracardi's __tr_pid (first) or __tr_id (later)
    host = createHost({
      env, core, contract: M, options: deps.options, storage: createStorage(env, sourceId),
      getPayloadOptions: deps.getPayloadOptions, onUx: extras.onUx, contextExtra: extras.contextExtra,
      // Calls earlier pages kept (their visitor left before a core ran): the core asks for them
      // when this tab leads, and releases their keys once a write holds them (one replay per browser).
      keptKeys: isKept,
      keptCalls: () => {
        const found = lsKeys(env, isKept).sort();
        return { keys: found, pages: screenPages(screen, found.flatMap((k) => [].concat(parseOr(lsGet(env, k)) || []))),
          dropped: 0 };
      },
      onReady: (context) => {
        if (host?.mayStore()) writeTracardiKeys(env, context, hadProfile);
        deps.onReady?.(context);
      },
    });
    screenHost(host, screen);  // every call into the core passes settings.beforeSend from here on
    host.start();
    if (consentLoading) host.consent(consentLoading);
    // This page's own calls, when its loader stub kept them at a pagehide before this core ran
    // (rush): replayed now, as this page's first attempts, and taken out of the kept calls below.
    const [own, dropOwn] = ownKept(env, keys[2], deps.stubToken?.());
    host.replay(screenPages(screen, own), droppedLoading + (deps.stubDropped?.() || 0));
    // The debug switch: each event's fate printed as it changes (the printer: its own chunk).
    if (deps.loadDebug && debugAsked(env, lsGet(env, DEBUG_KEY))) {
      Promise.resolve().then(deps.loadDebug).then((m) => {
        if (!destroyed) stopDebug = m.wireFatePrinter(env, () => host?.fates());
      }, (e) => env.console.warn('[Tracker] The debug printer (<script>.debug.js) did not load:', e?.message));
    }
    startExtras();
    // Replay in call order with the time of the original call; later calls go straight in.
    const calls = pending.splice(0);
    for (const [args, ts, resolve, page] of calls) {
      const answer = host.track(args[0], args[1], args[2], ts, page);
      if (resolve) answer ? answer.then(resolve) : resolve(noAnswer());
    }
    // tracker.auto.events: [[type, properties], ...] join the page's first batch.
    const t = deps.options.tracker;
    const auto = t.auto?.events;
    if (Array.isArray(auto)) {
      for (const ev of auto) if (Array.isArray(ev)) host.track(ev[0], ev[1], ev[2]);
    }
    // Started by a page leave: that is the first fact it hears (before the load event, which
    // would send the first batch on a plain fetch the leave then cuts and sends again).
    if (left) host.onPageLeave();
    else if (navigating) host.onNavigate();
    dropOwn();  // sent by the leave (or in the core's queue, written with its copy)
    if (deps.lifecycle !== false) {
      unwire = wireLifecycle(env, host);
      const staticId = staticProfileId(t);
      const domains = t.settings?.trackExternalLinks;
      if (Array.isArray(domains) && domains.length) {
        extras.wire('wireExternalLinks', domains, () => ({
          // No profile id leaves for another site without the visitor's consent.
          profile: host?.mayStore() ? staticId || host?.identity?.profile || null : null,
          source: sourceId,
        }));
      }
    }
    return !host.degraded;
  }).catch((e) => {
    if (destroyed) return false;
    degraded = createDegraded(env, `the WebAssembly core could not be loaded from ${deps.wasmUrl} ` +
      `(${errorText(e)})`, dropPending(), String(deps.options?.tracker?.source?.id ?? '').trim());
    // Kept for a later visit whose core loads (stub.js persistCalls), not only in this page's memory.
    const w = env.window;
    if (w?.addEventListener && deps.lifecycle !== false) {
      w.addEventListener('pagehide', () => mayKeep(consentLoading, deps.options) && degraded.persist(w));
    }
    return false;
  });

  // The extras (the GPU probe stores its key, triggers and widgets act on the page) wait for the
  // visitor's consent, as everything that stores does.
  function startExtras() {
    if (extrasStarted || !host?.mayStore()) return;
    extrasStarted = true;
    extras.start(() => host?.refreshContext(), track);
  }

  return {
    track,
    // 'granted' | 'pending' | 'denied' (settings.consent's values); never throws.
    consent(state) {
      try {
        if (!host) consentLoading = state;
        else {
          host.consent(state);
          startExtras();
        }
      } catch { /* never throws */ }
    },
    flush() { try { host?.flush(); } catch { /* never throws */ } },
    // A logout on a shared device: the next event is a new anonymous visitor. Never throws.
    reset() { try { host?.reset(); } catch { /* never throws */ } },
    stats: () => host?.stats() ?? null,
    // The recent events' fates (fates.js), or null before the core runs. Never throws.
    inspect() {
      try {
        const text = host?.fates();
        return text == null ? null : groupFates(text);
      } catch { return null; }
    },
    ready,
    get host() { return host; },
    get degraded() { return degraded || host?.degraded || null; },
    destroy() {
      if (destroyed) return;
      stopDebug?.();
      destroyed = true;
      dropPending();
      if (early) {
        w0.removeEventListener('pagehide', onHide);
        w0.removeEventListener('pageshow', onShow);
        nav?.removeEventListener?.('navigate', onNavigate);
      }
      unwire?.();
      extras.stop();
      host?.destroy();
      host = null;
    },
  };
}
