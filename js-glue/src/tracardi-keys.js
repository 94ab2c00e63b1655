// The extra profile keys Tracardi's tracker wrote after the first batch answer, which other
// scripts of a site (and Tracardi's own signal.min.js era tooling) may read: on a browser's first
// answer `__tr_pid` (localStorage, JSON-encoded, and a session cookie), on later pages `__tr_id`
// (the latest profile id the server answered). tracardi-profile-id itself is identity.js's.
import { PROFILE_KEY, writeCookie, readStored } from './identity.js';
import { lsSet } from './env.js';

// A profile id was stored before this page (identity.js reads it the same way).
export const hadStoredProfile = (env) => !!readStored(env, PROFILE_KEY);

// context: the first batch answer (or null); hadProfile: a profile id was stored at start.
export function writeTracardiKeys(env, context, hadProfile) {
  const id = context?.profile?.id;
  if (typeof id !== 'string' || !id) return;
  const key = hadProfile ? '__tr_id' : '__tr_pid';
  lsSet(env, key, JSON.stringify(id));
  writeCookie(env, key, id);  // a session cookie, as Tracardi's tracker wrote it (ttl 0)
}
