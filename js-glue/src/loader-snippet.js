// The pasteable loader (published minified as dist/loader.min.js). Installs the queueing
// window.tracker at once, then, when the DOM is parsed (so a `const options` written after the
// snippet is initialised), inserts the tracker script asynchronously.
import { installStub, MARK } from './stub.js';
import { readPageOptions, scriptUrl, doNotTrack, DNT_MESSAGE, WASM_SUFFIX, sibling } from './page-options.js';

export function runLoader(w, doc, nav, con) {
  try {
    const { fresh, tracker } = installStub(w, con);
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
      // The core's download starts now, in parallel with the script's (a round trip saved), and
      // the script takes this response (load-core.js). Not a <link rel=preload>: WebKit never
      // hands a preload to fetch(), so it downloaded the core twice (issue 24). A browser without
      // WebAssembly gets the JavaScript core instead: nothing to fetch early then.
      if (w.WebAssembly && w.fetch) try {
        const url = sibling(s.src, WASM_SUFFIX, doc.baseURI);  // named from the script, as it will be
        const res = w.fetch(url, { credentials: 'same-origin' });
        res.catch(() => { /* the script sees it and says why (load-core.js) */ });
        tracker[MARK].wasm = { url, res };
      } catch { /* the script fetches the core itself */ }
    };
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', insert, { once: true });
    else w.setTimeout(insert, 0);
  } catch (e) {
    try { con.error('[Tracker] Loader failed:', e); } catch { /* no console */ }
  }
}
