// Injects the `ux` items of a /track response ({tag, props, content}) into the page, with DOM
// construction only: never innerHTML, never event-handler attributes, never script text.

const TAG = /^[a-zA-Z][a-zA-Z0-9-]*$/;
const ATTR = /^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/;
// Attributes whose value is a URL the browser may navigate to or execute.
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster']);
// `srcdoc` is a whole HTML document: markup injection by another name.
const BLOCKED_ATTRS = new Set(['srcdoc']);
const SCRIPT_ATTRS = new Set(['src', 'async', 'defer', 'type', 'crossorigin', 'integrity',
  'referrerpolicy', 'nomodule']);

function safeUrl(value) {
  // Browsers ignore leading whitespace/control chars in URLs; so do we before checking the scheme.
  const v = value.replace(/^[\u0000-\u0020]+/, '').toLowerCase();
  return !/^(?:javascript|vbscript|data):/.test(v.replace(/[\t\n\r]/g, ''));
}

export function attributeAllowed(tag, name, value) {
  if (!ATTR.test(name) || /^on/i.test(name)) return false;
  const n = name.toLowerCase();
  if (BLOCKED_ATTRS.has(n)) return false;
  if (tag === 'script' && !SCRIPT_ATTRS.has(n) && !n.startsWith('data-')) return false;
  if (URL_ATTRS.has(n) && !safeUrl(value)) return false;
  return true;
}

export function injectUx(env, items) {
  const doc = env.document;
  if (!doc || !Array.isArray(items)) return 0;
  const parent = doc.body || doc.documentElement;
  if (!parent) return 0;
  let added = 0;
  for (const item of items) {
    try {
      if (!item || typeof item.tag !== 'string' || !TAG.test(item.tag)) {
        env.console.warn('[Tracker] UX item skipped: invalid tag', item && item.tag);
        continue;
      }
      const tag = item.tag.toLowerCase();
      const el = doc.createElement(tag);
      const props = item.props && typeof item.props === 'object' ? item.props : {};
      for (const name of Object.keys(props)) {
        const raw = props[name];
        if (raw === null || raw === undefined || typeof raw === 'object') continue;
        const value = String(raw);
        if (!attributeAllowed(tag, name, value)) {
          env.console.warn(`[Tracker] UX attribute "${name}" on <${tag}> skipped`);
          continue;
        }
        el.setAttribute(name, value);
      }
      if (typeof item.content === 'string' && item.content) {
        if (tag === 'script') {
          // Inline code from a response would be eval by another name (and is blocked by a
          // strict CSP anyway); UX scripts must be loaded by `src`.
          env.console.warn('[Tracker] UX <script> with inline content skipped; use props.src');
          continue;
        }
        el.textContent = item.content;
      }
      parent.appendChild(el);
      added++;
    } catch (e) {
      env.console.warn('[Tracker] UX item could not be added:', e && e.message);
    }
  }
  return added;
}
