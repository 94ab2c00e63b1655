// settings.trackExternalLinks (Tracardi 0.8.1+ cross-domain profile passing): links to the listed
// domains get `__tr_pid=<profile>&__tr_src=<source>` added when clicked, so the landing site's
// tracker can attach the same profile. The href is rewritten in place just before the browser
// follows it (no preventDefault, so modifier-clicks and other handlers keep working) and restored
// in the next task: the browser took the URL while the click was dispatched, and a link copied or
// shared later must not carry this visitor's profile id (it would merge its next visitor in).

function matches(host, domains) {
  return domains.some((d) => typeof d === 'string' && d && (host === d || host.endsWith('.' + d)));
}

// getIds() -> {profile, source}; returns a function removing the listeners.
export function wireExternalLinks(env, domains, getIds) {
  const doc = env.document;
  if (!doc || !Array.isArray(domains) || domains.length === 0) return () => {};
  const handler = (e) => {
    try {
      let el = e?.target;
      while (el && !(typeof el.tagName === 'string' && el.tagName.toUpperCase() === 'A')) el = el.parentNode;
      if (!el || !el.href) return;
      const u = new URL(el.href);
      if (!matches(u.hostname, domains)) return;
      const { profile, source } = getIds();
      if (!profile) return;  // first visit: no profile known yet, nothing to pass
      const before = el.href;
      const written = el.getAttribute?.('href');  // as the page wrote it (a relative one stays so)
      u.searchParams.set('__tr_pid', profile);
      u.searchParams.set('__tr_src', source);
      el.href = u.href;
      env.setTimeout(() => {
        try {
          if (el.href !== u.href) return;  // the page changed it since: leave it
          if (written != null && el.setAttribute) el.setAttribute('href', written);
          else el.href = before;
        } catch { /* a detached or odd element: nothing to restore */ }
      }, 0);
    } catch { /* a malformed href is left alone */ }
  };
  doc.addEventListener('click', handler, true);
  doc.addEventListener('auxclick', handler, true);
  return () => {
    doc.removeEventListener('click', handler, true);
    doc.removeEventListener('auxclick', handler, true);
  };
}
