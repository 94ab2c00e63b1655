// Reads the page's Tracardi `options` object. It must be the bare global identifier: a top-level
// `const options` in a classic script is a global binding but not a property of window.
export function readPageOptions(w) {
  try {
    // eslint-disable-next-line no-undef
    if (typeof options !== 'undefined') return options;
  } catch {
    // `const options` declared later in the same script: still in its temporal dead zone.
  }
  return w?.options;
}

// Tracardi's script URL rule: `http…` or `//…` names a folder holding liliput.min.js, another
// string is the script's own URL, null/absent means "liliput.min.js" next to the page.
export function scriptUrl(opts) {
  const s = opts?.tracker?.url?.script;
  if (typeof s !== 'string' || !s) return 'liliput.min.js';
  return /^(http|\/\/)/.test(s) ? s.replace(/\/+$/, '') + '/liliput.min.js' : s;
}

// Every file the tracker fetches is named from its own script's URL: same folder, same stem, one
// suffix per file (liliput.min.js -> liliput.min.wasm, liliput.min.core.js, liliput.min.extras.js).
// Content blockers match names: EasyPrivacy's generic `/tracker/tracker-` blocked the old
// `tracker-core.wasm` in Tracardi's `/tracker/` folder while liliput.min.js passed. A site that
// serves the script under another name or path to get past a list moves the whole set with it.
// The core (WebAssembly).
export const WASM_SUFFIX = '.wasm';
// The same core compiled to JavaScript (fetched only where WebAssembly cannot run). A .js name:
// servers without an .mjs MIME type would make import() refuse it. Its content is an ES module.
export const CORE_JS_SUFFIX = '.core.js';
// Code few pages need (UX widgets, auto.triggers, the GPU probe), fetched only when used.
export const EXTRAS_SUFFIX = '.extras.js';
// The fate printer of the debug switch (fates.js), fetched only when the switch is on.
export const DEBUG_SUFFIX = '.debug.js';

// The URL of the file `suffix` beside the script `script` (resolved against `base`): its query and
// fragment dropped, a trailing `.js` (or `.wasm`) replaced by the suffix.
export const sibling = (script, suffix, base) => {
  const u = new URL(script, base);
  return u.origin + u.pathname.replace(/\.(js|wasm)$/, '') + suffix;
};

export function doNotTrack(opts, nav) {
  return opts?.tracker?.settings?.respectDoNotTrack === true && nav?.doNotTrack === '1';
}

export const DNT_MESSAGE = '[Tracker] Respecting Do Not Track; tracker disabled.';
