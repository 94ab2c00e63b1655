// The pasteable loader (published minified as dist/loader.min.js). Installs the queueing
// window.tracker at once, then, when the DOM is parsed (so a `const options` written after the
// snippet is initialised), inserts the tracker script asynchronously.
import { installStub } from './stub.js';
import { readPageOptions, scriptUrl, doNotTrack, DNT_MESSAGE, WASM_SUFFIX, sibling } from './page-options.js';

export function runLoader(w, doc, nav, con) {
  try {
    const { fresh } = installStub(w, con);
    if (!fresh) {
      con.warn('[Tracker] The tracker snippet is included more than once; only the first copy runs.');
      return;
    }
    const insert = () => {
      const opts = readPageOptions(w);
      if (!opts || typeof opts !== 'object') {
        con.error('[Tracker] No global `options` ({tracker: {url, source}}) found; tracker not loaded.');
        return;
      }
      if (doNotTrack(opts, nav)) {
        con.log(DNT_MESSAGE);
        return;
      }
      // Async: where it is inserted does not matter, only that a parent exists (head or not).
      const parent = doc.head || doc.documentElement;
      const s = doc.createElement('script');
      s.async = true;
      s.src = scriptUrl(opts);
      parent.appendChild(s);
      // The core is fetched by the script once it runs; starting its download now, in parallel
      // with the script's, saves a round trip. Same mode and credentials as that fetch, so the
      // browser hands the preloaded response over. A browser without WebAssembly gets the
      // JavaScript core instead (load-core.js): nothing to preload then.
      if (w.WebAssembly) try {
        const link = doc.createElement('link');
        link.rel = 'preload';
        link.as = 'fetch';
        link.crossOrigin = 'anonymous';
        link.href = sibling(s.src, WASM_SUFFIX, doc.baseURI);  // named from the script, as it will be
        parent.appendChild(link);
      } catch { /* no preload: the script fetches the core itself */ }
    };
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', insert, { once: true });
    else w.setTimeout(insert, 0);
  } catch (e) {
    try { con.error('[Tracker] Loader failed:', e); } catch { /* no console */ }
  }
}
