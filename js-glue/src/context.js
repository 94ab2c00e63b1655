// The browser facts Tracardi's tracker sent: payload-level `context` (once per page) and the
// per-event page context (captured by the core at track() time). Same keys as the old tracker so
// existing workflows keep reading them.
import { readCookie } from './identity.js';
import { redactUrl } from './redact.js';

// tracker.context flags: absent or anything but `false` means on (old tracker's defaults).
function on(flags, key) {
  return flags?.[key] !== false;
}

function browserName(ua) {
  // Same order as the old tracker, so Edge/Opera still report "chrome" as before.
  for (const [name, re] of [['chrome', /chrome|crios/i], ['firefox', /firefox|fxios/i],
    ['safari', /safari/i], ['opera', /opr|opera/i], ['edge', /edg/i]]) {
    if (re.test(ua)) return name;
  }
  return 'n/a';
}

// extra: the parts context-sources.js gathers ({device, location, external}).
export function buildContext(env, trackerOptions, extra) {
  const flags = trackerOptions?.context;
  const w = env.window || {};
  const nav = env.navigator || {};
  const ctx = {};
  let tz;
  // Temporal answers at once; the first Intl.DateTimeFormat of a page initialises ICU's formatter
  // (14-55 ms measured in Chromium 156), which would delay the tracker's start by as much.
  try { tz = env.Temporal.Now.timeZoneId(); } catch {
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch { /* no time zone */ }
  }
  ctx.time = { local: new Date().toISOString(), tz };

  if (on(flags, 'browser')) {
    const ua = String(nav.userAgent || '');
    ctx.browser = {
      local: {
        browser: {
          name: browserName(ua), engine: nav.product, appVersion: nav.appVersion, userAgent: ua,
          language: nav.language, onLine: nav.onLine, javaEnabled: false,
          cookieEnabled: nav.cookieEnabled,
        },
        device: { platform: nav.platform },
      },
    };
  }
  if (on(flags, 'screen')) {
    const s = w.screen || {};
    ctx.screen = {
      local: {
        width: s.width, height: s.height, innerWidth: w.innerWidth, innerHeight: w.innerHeight,
        availWidth: s.availWidth, availHeight: s.availHeight, colorDepth: s.colorDepth,
        pixelDepth: s.pixelDepth, orientation: s.orientation?.type,
      },
    };
  }
  // settings.redact (redact.js): a listed parameter is no utm or pass value either.
  const params = new URLSearchParams(redactUrl(env.location?.search || '', trackerOptions));
  if (on(flags, 'utm')) {
    const utm = {};
    for (const k of ['source', 'medium', 'campaign', 'term', 'content']) {
      const v = params.get('utm_' + k);
      if (v !== null) utm[k] = v;
    }
    if (Object.keys(utm).length) ctx.utm = utm;
  }
  if (on(flags, 'tracardiPass')) {
    // Cross-domain profile passing (Tracardi 0.8.1+): the server merges/attaches that profile.
    // Only the members present in the URL, as Tracardi's tracker does: Tracardi calls .strip() on
    // each member it finds, so a `null` one makes it answer HTTP 500 to every request.
    const pass = {};
    const profile = params.get('__tr_pid');
    const source = params.get('__tr_src');
    if (profile) pass.profile = profile;
    if (source) pass.source = source;
    if (profile || source) ctx.tracardi = { pass };
  }
  const ga = readCookie(env.document, '_ga');
  if (ga) ctx.ids = { ga };
  if (extra) {
    if (extra.device) ctx.device = extra.device;
    if (extra.location && flags?.location) ctx.location = extra.location;
    // As in Tracardi's tracker, each external answer under its own key; never over ours.
    for (const k of Object.keys(extra.external || {})) if (!(k in ctx)) ctx[k] = extra.external[k];
  }
  return ctx;
}

function referer(ref, loc) {
  try {
    const r = new URL(ref);  // none ('') throws too
    if (r.host !== loc.host) return { host: r.host, query: r.searchParams.get('q') || r.searchParams.get('p') };
  } catch { /* no or a malformed referrer */ }
  return { host: null, query: null };
}

// Per-event context: `page` (unless tracker.context.page is false), `ga` (the _ga cookie, as
// Tracardi's tracker put it on every event) and `performance` when asked for; null when empty
// (the core then uses {}).
export function buildPageContext(env, trackerOptions) {
  const flags = trackerOptions?.context;
  const ctx = {};
  if (on(flags, 'page')) {
    const loc = env.location || {};
    const doc = env.document || {};
    const redact = (url) => redactUrl(url, trackerOptions);  // settings.redact (redact.js)
    ctx.page = {
      url: redact(loc.href), path: loc.pathname, hash: redact(loc.hash), title: doc.title,
      referer: referer(redact(doc.referrer), loc), history: { length: env.window?.history?.length },
    };
  }
  const ga = readCookie(env.document, '_ga');
  if (ga) ctx.ga = ga;
  // Navigation timing (tracker.context.performance: true, off by default as in Tracardi's
  // tracker): the PerformanceNavigationTiming entry's own members as of the event; arrays
  // (serverTiming) and objects left out. No entry: none (JSON.parse(undefined) throws).
  if (flags?.performance === true) {
    try {
      ctx.performance = JSON.parse(JSON.stringify(env.performance.getEntriesByType('navigation')[0],
        (k, v) => (k && v && typeof v === 'object' ? undefined : v)));
    } catch { /* no navigation entry */ }
  }
  return Object.keys(ctx).length ? ctx : null;
}
