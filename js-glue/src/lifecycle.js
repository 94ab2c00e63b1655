// Page lifecycle → core calls. Deliberately no `unload`/`beforeunload` listener: either one makes
// the page ineligible for the back/forward cache, and `pagehide` + `visibilitychange` cover the
// same moments (reliability.md §6).

// host: {onLoad(), onHidden(), onPageLeave(persisted), onNavigate(), onVisible(), setOnline(bool)}. Returns a function
// that removes every listener it added. Facts only: what to send on each is the core's decision.
// A Navigation API `navigate` event that leaves this document (not a fragment or history.pushState
// change, not a download).
export const leavesDocument = (e) => !e?.destination?.sameDocument && !e?.downloadRequest;

export function wireLifecycle(env, host) {
  const w = env.window;
  const doc = env.document;
  const removers = [];
  const listen = (target, type, fn) => {
    if (typeof target?.addEventListener !== 'function') return;
    target.addEventListener(type, fn);
    removers.push(() => target.removeEventListener(type, fn));
  };

  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    host.onLoad();
  };
  if (!doc || doc.readyState === 'complete') {
    // The load event already fired (script loaded late, or wasm arrived after it).
    load();
  } else {
    listen(w, 'load', load);
  }

  listen(doc, 'visibilitychange', () => {
    if (doc.visibilityState === 'hidden') host.onHidden();
    else if (doc.visibilityState === 'visible') host.onVisible();
  });
  // persisted: the page may go into the back/forward cache (and come back): the core's to weigh.
  listen(w, 'pagehide', (e) => host.onPageLeave(!!e?.persisted));
  // A navigation to another document started (a link, location.href): the browser may cut the
  // page's requests long before pagehide (Navigation API, where the browser has it).
  listen(w?.navigation, 'navigate', (e) => { if (leavesDocument(e)) host.onNavigate?.(); });
  listen(w, 'pageshow', (e) => {
    // Restored from the back/forward cache: the page is alive again.
    if (e?.persisted) host.onVisible();
  });
  listen(w, 'online', () => host.setOnline(true));
  listen(w, 'offline', () => host.setOnline(false));
  if (env.navigator?.onLine === false) host.setOnline(false);

  return function unwire() {
    while (removers.length) removers.pop()();
  };
}
