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

// The core's file, always next to the tracker script.
export const WASM_FILE = 'tracker-core.wasm';
// Code few pages need (UX widgets, auto.triggers, the GPU probe), fetched only when used.
// A .js name like the fallback core: servers without an .mjs MIME type would make import() refuse it.
export const EXTRAS_FILE = 'tracker-extras.js';

export function doNotTrack(opts, nav) {
  return opts?.tracker?.settings?.respectDoNotTrack === true && nav?.doNotTrack === '1';
}

export const DNT_MESSAGE = '[Tracker] Respecting Do Not Track; tracker disabled.';
