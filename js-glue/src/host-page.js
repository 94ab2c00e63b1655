// What the core builds bodies from besides the calls: the page context, the payload's `options`
// (window.response.context) and the tracker context. Rebuilt when the page changes; no policy.
import { contextJson } from './util.js';
import { buildContext, buildPageContext } from './context.js';

// The page a call was made on: `page` {u, t, r} (URL, title, referrer) when it was recorded at
// the call (calls made before the core ran, here or on an earlier page), else the page as it is
// now. The key changes when the page does (a recorded page's key has newlines, a live URL never).
const pageKeyOf = (env, page) => (page ? `${page.u}\n${page.t}\n${page.r}` : String(env.location?.href ?? ''));

export function createPageSync(env, core, trackerOptions, deps) {
  let pageKey = null;  // the page the core's page context was built from
  let payloadOptionsText = '{}';

  return {
    changed: (page) => pageKeyOf(env, page) !== pageKey,
    // Builds the page context again for that page (SPA navigations change the URL without a reload).
    page(page) {
      pageKey = pageKeyOf(env, page);
      let e = env;
      if (page) {
        try {
          e = { ...env, location: new URL(page.u), document: { title: page.t, referrer: page.r || '' } };
        } catch { /* no usable URL: this page's context */ }
      }
      const ctx = buildPageContext(e, trackerOptions);
      core.setPageContext(ctx ? contextJson(ctx) : '');
    },
    // window.response.context becomes the payload's `options`; pushed only when it changed.
    payloadOptions() {
      let text;
      try {
        const v = deps.getPayloadOptions?.();
        text = v && typeof v === 'object' ? contextJson(v) : '{}';
      } catch {
        return;  // unserialisable page value: keep the previous one
      }
      if (text !== payloadOptionsText) {
        payloadOptionsText = text;
        core.setPayloadOptions(text);
      }
    },
    context: () => core.setContext(contextJson(buildContext(env, trackerOptions, deps.contextExtra))),
  };
}
