// settings.pageViews: "history" — a `page-view` for each client-side navigation of a single-page
// app: history.pushState, history.replaceState, popstate and hashchange. Off by default, as in
// Tracardi (the page tracks its first page view itself, as the snippet example does).
//
// One navigation is one page view whatever fired: every trigger compares location.href with the
// last URL seen, so a pushState and a hashchange for the same URL count once, and a same-URL
// pushState/replaceState (state-only updates, scroll restoration) counts nothing. The event's
// page context (url, path, hash, title, referer) needs nothing here: the host re-reads it when a
// track() call sees a new location.href.
//
// The page view is tracked one task after the navigation, not inside pushState: routers set the
// new document.title after changing the URL (Next.js in a microtask after pushState; measured),
// and a page view carrying the previous page's title is the classic SPA-tracking bug. Several
// URL changes within one task (a redirect: push, then replace) are one navigation, to the last URL.

const PAGE_VIEW = 'page-view';
const MODE = 'history';

// The history methods wrapped; popstate/hashchange cover back/forward and fragment links.
const METHODS = ['pushState', 'replaceState'];

function noop() {}

// True when the options ask for page views at all (a wrong value too: spa.js warns about it). The
// tracker loads spa.js (the extras chunk) only then; this check stays in the tracker script.
export function pageViewsAsked(settings) {
  const mode = settings?.pageViews;
  return mode != null && mode !== false;
}

// track(type, properties): the tracker's never-throwing track. Returns a function that removes
// every wrapper and listener it added. Never throws (a hostile settings object included).
export function wirePageViews(env, settings, track, startHref) {
  try {
    return wire(env, settings, track, startHref);
  } catch {
    return noop;
  }
}

function wire(env, settings, track, startHref) {
  const mode = settings?.pageViews;
  if (!pageViewsAsked(settings)) return noop;
  const con = env.console;
  if (mode !== MODE) {
    con.warn(`[Tracker] options.tracker.settings.pageViews must be "${MODE}" (or absent); ` +
      `${JSON.stringify(mode)} ignored, no page views on navigation.`);
    return noop;
  }
  const w = env.window;
  const loc = env.location;
  const hist = w?.history;
  if (!hist || !loc || typeof w.addEventListener !== 'function') return noop;

  let active = true;
  // startHref: the URL when the tracker started (this code arrives later, in the extras chunk).
  let last = String(startHref || loc.href);
  let timer = null;
  const settle = () => {
    timer = null;
    try {
      if (!active) return;
      const href = String(loc.href);
      if (href === last) return;
      last = href;
      track(PAGE_VIEW, {});
    } catch { /* never throws */ }
  };
  const check = () => {
    try {
      if (active && timer === null) timer = env.setTimeout(settle, 0);
    } catch { /* never throws into the router that navigated */ }
  };

  const restore = [];
  for (const name of METHODS) {
    const original = hist[name];
    if (typeof original !== 'function') continue;
    const own = Object.prototype.hasOwnProperty.call(hist, name);
    // Calls whatever was there before (the browser's or another library's wrapper) first, so a
    // throwing navigation (SecurityError for a cross-origin URL) throws as it did and tracks nothing.
    const wrapper = function () {
      const result = original.apply(this, arguments);
      check();
      return result;
    };
    try { hist[name] = wrapper; } catch { continue; }  // a frozen history: popstate still works
    restore.push(() => {
      // Someone wrapped ours since: taking ours out would drop theirs. Ours stays in their chain
      // as a pass-through (active is false from now on).
      if (hist[name] !== wrapper) return;
      try {
        if (own) hist[name] = original;
        else delete hist[name];  // the prototype's method shows through again
      } catch { /* leave the pass-through */ }
    });
  }
  for (const type of ['popstate', 'hashchange']) {
    w.addEventListener(type, check);
    restore.push(() => w.removeEventListener(type, check));
  }
  check();  // a navigation since startHref (before this code arrived) is a page view too

  return function unwire() {
    active = false;
    if (timer !== null) env.clearTimeout(timer);
    timer = null;
    while (restore.length) restore.pop()();
  };
}
