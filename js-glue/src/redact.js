// settings.redact: {params: [names]} (issue 22): query parameters (a sign-in token, the email
// address of a password-reset link) taken out of every URL the tracker sends. context.js builds
// all of them (page URL and hash, referrer, the utm and __tr_* values read from the query, for a
// live page and for a page an earlier call was kept on); the page-view, trigger and link code
// reports no URL of its own. Names match case-insensitively and percent-decoded: servers differ
// on case (PHP tells `Token` from `token`, ASP.NET does not), and a parameter that slips through
// costs more than one removed too many. A fragment's parameters count too (OAuth's implicit flow
// answers `#access_token=...`, hash routers carry `#/route?token=...`).

const said = new WeakSet();  // tracker options whose malformed redact was reported

// The listed names, lower-cased ([] when none). A malformed option is one console error (per
// options object: the context is built again on each page change); its strings still count.
export function redactNames(t, con) {
  const r = t?.settings?.redact;
  const p = r?.params;
  const names = Array.isArray(p) ? p.filter((n) => typeof n == 'string').map((n) => n.toLowerCase()) : [];
  if (r != null && names.length !== p?.length && !said.has(t)) {
    said.add(t);
    con.error('[Tracker] options.tracker.settings.redact.params must be an array of parameter names (strings)');
  }
  return names;
}

// One `?name=value` / `&name=value` / `#name` member's name, as a server reads it.
function nameOf(member) {
  const k = member.slice(1).split('=')[0].replace(/\+/g, ' ');
  try { return decodeURIComponent(k).toLowerCase(); } catch { return k.toLowerCase(); }
}

// url with the members named in `names` taken out of its query and fragment; every other byte as
// it was (no re-encoding). A ? or # left with nothing goes too.
export function redactUrl(url, names) {
  return names.length ? url?.replace(/[?#][^]*/, (tail) => {
    let cut = 0;
    // A member taken out keeps its ? or #: what follows it is still query or fragment.
    const rest = tail.replace(/[?&#][^?&#]*/g, (m) => (names.includes(nameOf(m)) ? (cut = 1, m[0] == '&' ? '' : m[0]) : m));
    return cut ? rest.replace(/([?#])&/g, '$1').replace(/\?(?=#|$)|#$/g, '') : tail;
  }) : url;
}
