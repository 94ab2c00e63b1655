// Performs the `send` and `abort` effects of the core and reports what happened. Never throws,
// never rejects: every outcome, including a network error, becomes {status, retryAfter, body}.
import { NAVIGATION_GRACE_MS } from './limits.js';

// C: the binding's contract constants (STATUS_NO_ANSWER, STATUS_HANDED_OFF).
export function createTransport(env, C) {
  const answer = (status, body = '', retryAfter = '') => ({ status, retryAfter, body });
  const noAnswer = answer(C.STATUS_NO_ANSWER);
  const controllers = new Map();  // request id -> AbortController, while it is on the wire
  let leftAt = Infinity;  // Date.now() when the page leave began; Infinity while the page is shown
  let navigatedAt = -Infinity;  // Date.now() when a navigation away last started

  async function viaFetch(send) {
    const controller = new env.AbortController();  // every ES2020 browser has it
    controllers.set(send.id, controller);
    const keepalive = send.transport === 'keepalive';
    // Whether the answer comes in the task that sent the request: the browser refused it at once
    // (a keepalive over the page's quota, shared with every script of the page).
    let sameTask = true;
    if (keepalive) env.setTimeout(() => { sameTask = false; }, 0);
    try {
      const res = await env.fetch(send.url, {
        method: 'POST',
        // Tracardi (FastAPI) parses the body only with a JSON content type (reliability.md intro).
        headers: { 'Content-Type': 'application/json' },
        body: send.body,
        // Identity travels in the body; cookies to the collector would only widen CORS needs.
        credentials: 'omit',
        // keepalive lets the request outlive the page; the core keeps these within the 64 KB quota.
        keepalive,
        // A redirect would turn the POST into a GET whose 200 acknowledges nothing: stop at it.
        redirect: 'manual',
        signal: controller.signal,
      });
      // fetch hides a redirect's status ('opaqueredirect', status 0): 300 stands for any redirect.
      if (res.type === 'opaqueredirect') return answer(300);
      let body = '';
      try { body = await res.text(); } catch { /* body cut off: the status still counts */ }
      const retryAfter = (typeof res.headers?.get === 'function'
        && res.headers.get('Retry-After')) || '';
      return answer(res.status | 0, body, retryAfter);
    } catch {
      // TypeError for offline, CORS, DNS, ad blockers (or no fetch at all); AbortError on
      // navigation or our abort. A keepalive request that failed after its sending task is
      // reported a task later, and not once the page is being left or navigated away (limits.js):
      // a page being unloaded has its side of its requests cut (between pagehide listeners, or
      // when a navigation starts) while the browser carries keepalive ones on; on a live page the
      // failure counts as any other.
      if (keepalive && !sameTask) {
        // Cut by the leave or by a navigation that began before the failure: the browser's now,
        // never reported. A failure before them (a blocker, the network) is reported a task later.
        const failedAt = Date.now();
        await new Promise((r) => env.setTimeout(r, 0));
        const away = navigatedAt <= failedAt && failedAt - navigatedAt < NAVIGATION_GRACE_MS;
        if (leftAt <= failedAt || away) await new Promise(() => {});
      }
      return noAnswer;
    } finally {
      controllers.delete(send.id);
    }
  }

  function viaBeacon(send) {
    // A beacon has no response: "handed off" is all we know, never a 2xx. No sendBeacon (or Blob):
    // the TypeError is no answer either.
    try {
      return env.navigator.sendBeacon(send.url, new env.Blob([send.body], { type: 'application/json' }))
        ? answer(C.STATUS_HANDED_OFF) : noAnswer;
    } catch {
      return noAnswer;
    }
  }

  // A page being left: the browser's deferred fetch (fetchLater, Chromium 135+) sends the request
  // as the page goes, under a quota of its own, and refuses at once (QuotaExceededError) when that
  // is full. A keepalive fetch refused for the page's shared 64 KB quota (other scripts flush at
  // pagehide too) is told to the page only after it is gone: its events were lost (issue 20). No
  // answer comes back either way: accepted is "handed off", refused is no answer, now.
  function viaLater(send) {
    try {
      env.fetchLater(send.url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: send.body, credentials: 'omit', activateAfter: 0 });
      return answer(C.STATUS_HANDED_OFF);
    } catch {
      return noAnswer;
    }
  }

  function send(effect) {
    if (effect.transport === 'beacon') return Promise.resolve(viaBeacon(effect));
    if (effect.transport === 'keepalive' && leftAt !== Infinity && env.fetchLater) return Promise.resolve(viaLater(effect));
    return viaFetch(effect);
  }
  // The host: the page is being left (true, at pagehide) or shown again (false).
  send.leave = (v) => { leftAt = v ? Date.now() : Infinity; };
  // The host: a navigation away from this page has started (it may still be cancelled).
  send.navigate = () => { navigatedAt = Date.now(); };
  // The core gave up waiting for this request: cut it, so no late answer arrives.
  send.abort = (id) => controllers.get(id)?.abort();
  // The answer of a request that never went out (the host's, when the glue could not start one).
  send.none = noAnswer;
  return send;
}
