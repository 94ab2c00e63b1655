// What track() does when there is no working core: keep the page's calls (bounded, oldest
// dropped first) and explain once why nothing is sent. Mechanics only; no delivery policy.
import { DEGRADED_BUFFER_LIMIT } from './limits.js';
import { persistCalls } from './stub.js';

export function createDegraded(env, reason, initial = [], source) {
  const buffer = initial.slice(-DEGRADED_BUFFER_LIMIT);
  let dropped = Math.max(0, initial.length - DEGRADED_BUFFER_LIMIT);
  try {
    env.console.warn(`[Tracker] Tracker disabled: ${reason}. Events are kept for the next page.`);
  } catch { /* a page without console */ }
  return {
    track(...args) {
      try {
        if (buffer.length >= DEGRADED_BUFFER_LIMIT) { buffer.shift(); dropped++; }
        buffer.push([args, Date.now()]);
      } catch { /* never throw into the page */ }
    },
    get buffered() { return buffer.length; },
    get dropped() { return dropped; },
    // pagehide: the buffered calls are kept for the next page's core (stub.js), no longer this page's.
    persist(w) { persistCalls(w, buffer.splice(0), dropped, source); },
  };
}
