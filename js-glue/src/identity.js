// Visitor identity in the places Tracardi's tracker kept it, so existing visitors keep their ids:
// cookie `tracardi-session-id` (sliding expiry) and localStorage `tracardi-profile-id` /
// `tracardi-device-id` (JSON-encoded strings, as @analytics/storage-utils wrote them).
import { lsGet, lsSet, lsRemove } from './env.js';
import { parseOr } from './util.js';

export const SESSION_COOKIE = 'tracardi-session-id';
export const PROFILE_KEY = 'tracardi-profile-id';
export const DEVICE_KEY = 'tracardi-device-id';

// A first-party cookie as Tracardi's tracker wrote it: path=/, SameSite=Lax, Secure on https.
// attrs: its lifetime ("max-age=...; expires=...; "), none for a session cookie.
export function writeCookie(env, name, value, attrs = '') {
  try {
    env.document.cookie = `${name}=${encodeURIComponent(value)}; ${attrs}path=/; SameSite=Lax` +
      (env.location?.protocol === 'https:' ? '; Secure' : '');
  } catch { /* cookies blocked */ }
}

export function readCookie(doc, name) {
  let all = '';
  try { all = doc?.cookie || ''; } catch { return null; }  // sandboxed documents throw
  for (const part of all.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try { return decodeURIComponent(raw); } catch { return raw; }
  }
  return null;
}

// Stored by the old tracker as JSON ("\"<uuid>\""); accept a raw value too.
export function readStored(env, key) {
  const text = lsGet(env, key);
  const v = text ? parseOr(text, text) : null;
  return typeof v === 'string' && v ? v : null;
}

export function createIdentity(env) {
  let current = null;     // last identity effect {session, profile, device, sessionTtlS}
  let written = {};      // the stored ids as last found or written

  return {
    // What the core's start() expects: ids as found, null when missing.
    read() {
      const found = {
        session: readCookie(env.document, SESSION_COOKIE),
        profile: readStored(env, PROFILE_KEY),
        device: readStored(env, DEVICE_KEY),
      };
      written = { ...found };
      return found;
    },
    // Identity effect from the core; written later by flush(), never inside track().
    update(identity) {
      current = identity;
    },
    // The session cookie, when the core says so (sessionCookie): when and whether is its rule.
    writeSession(session) {
      const ttl = Math.max(0, Math.floor(current?.sessionTtlS || 0));
      // Blocked cookies: the session lives in the core for this page.
      if (session && env.document) {
        writeCookie(env, SESSION_COOKIE, session,
          `max-age=${ttl}; expires=${new Date(Date.now() + ttl * 1000).toUTCString()}; `);
      }
    },
    // PROFILE_KEY, DEVICE_KEY when they changed. A failed write (quota): the id is resent from
    // memory on this page and re-minted next time.
    flush() {
      if (!current) return;
      for (const f of ['profile', 'device']) {
        const v = current[f];
        if (v && written[f] !== v && lsSet(env, `tracardi-${f}-id`, JSON.stringify(v))) written[f] = v;
      }
    },
    // tracker.reset(): the stored visitor forgotten, Tracardi's keys too (__tr_pid on a first
    // answer, __tr_id later: tracardi-keys.js); the core's new ids are written from its effects.
    forget() {
      written = {};
      for (const k of [PROFILE_KEY, DEVICE_KEY, '__tr_pid', '__tr_id']) lsRemove(env, k);
      for (const k of [SESSION_COOKIE, '__tr_pid', '__tr_id']) writeCookie(env, k, '', 'max-age=0; ');
    },
    get current() { return current; },
  };
}
