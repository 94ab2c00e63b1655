// settings.redact: {params: [names]} (issue 22): query parameters (a sign-in token, the email
// address of a password-reset link) taken out of every URL the tracker sends. context.js builds
// all of them (page URL and hash, referrer, the utm and __tr_* values read from the query, for a
// live page and for a page an earlier call was kept on); the page-view, trigger and link code
// reports no URL of its own. Names match case-insensitively: servers differ on case (PHP tells
// `Token` from `token`, ASP.NET does not), and a parameter that slips through costs more than one
// removed too many. Compared percent-decoded: a form sends `user[email]` as `user%5Bemail%5D`. A
// fragment's members count too (OAuth's implicit flow answers `#access_token=...`, hash routers
// carry `#/route?token=...`).

// The listed names, lower-cased; [] when none. A malformed option counts for its strings (what
// is wrong is said once, at start: context-sources.js).
export const redactNames = (t) => {
  const p = t?.settings?.redact?.params;
  return Array.isArray(p) ? p.filter((n) => typeof n == 'string').map((n) => n.toLowerCase()) : [];
};

// A member's name as the server reads it (a malformed escape: as written), lower-cased.
function nameOf(k) {
  try { k = decodeURIComponent(k); } catch { /* as written */ }
  return k.toLowerCase();
}

// url without the `?name…`, `&name…` and `#name…` members whose name settings.redact of the tracker
// options `t` lists; a member taken out at a ? or # leaves that mark (what follows is still query
// or fragment), and an empty query or fragment is dropped. Nothing else is re-encoded or reordered.
export const redactUrl = (url, t, names = redactNames(t)) => (names[0] ? url?.replace(/[?#][^]*/, (tail) => tail
  .replace(/[?&#]([^?&#=]*)[^?&#]*/g, (m, k) => (names.includes(nameOf(k)) ? m[0] == '&' ? '' : m[0] : m))
  .replace(/([?#])&/g, '$1').replace(/\?(?=#|$)|#$/g, '')) : url);
