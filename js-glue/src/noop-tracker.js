// The tracker handed out where there is no browser page: server-side rendering, Node tests and
// scripts, workers without a DOM. Same shape as a real tracker, every call does nothing, so app
// code that runs on both sides needs no `typeof window` checks. Reads no global until called.
import { isFire, noAnswer } from './util.js';

let noted = false;

export function createNoopTracker(con) {
  if (!noted) {
    noted = true;
    // info, not warn: rendering on the server is the normal case for SSR apps.
    try {
      (con || globalThis.console).info('[Tracker] wasm-tracker: no browser page here (server-side ' +
        'rendering, Node or a worker without a DOM); createTracker() returns a tracker whose calls ' +
        'do nothing. Create it in the browser to track events.');
    } catch { /* no console */ }
  }
  return {
    // Same shape as the real one: a fire event's call gets an answer, here never a server's.
    track(type, properties, options) {
      return isFire(options) ? Promise.resolve(noAnswer()) : undefined;
    },
    flush() {},
    consent() {},
    reset() {},
    ready: Promise.resolve(false),
    stats() { return null; },
    inspect() { return null; },
    destroy() {},
  };
}
