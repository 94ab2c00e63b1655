// Performs the `send` effects of the core and reports what happened. Never throws, never rejects:
// every outcome, including a network error, becomes {status, retryAfter, body}.

const NO_RESPONSE = Object.freeze({ status: 0, retryAfter: '', body: '' });

export function createTransport(env) {
  async function viaFetch(send) {
    if (typeof env.fetch !== 'function') return NO_RESPONSE;
    try {
      const res = await env.fetch(send.url, {
        method: 'POST',
        // Tracardi (FastAPI) parses the body only with a JSON content type (reliability.md intro).
        headers: { 'Content-Type': 'application/json' },
        body: send.body,
        // Identity travels in the body; cookies to the collector would only widen CORS needs.
        credentials: 'omit',
        // keepalive lets the request outlive the page; the core keeps these within the 64 KB quota.
        keepalive: send.transport === 'keepalive',
      });
      let body = '';
      try { body = await res.text(); } catch { /* body cut off: the status still counts */ }
      const retryAfter = (res.headers && typeof res.headers.get === 'function'
        && res.headers.get('Retry-After')) || '';
      return { status: res.status | 0, retryAfter, body };
    } catch {
      // TypeError for offline, CORS, DNS, ad blockers; AbortError on navigation: all "no response".
      return NO_RESPONSE;
    }
  }

  function viaBeacon(send) {
    try {
      const nav = env.navigator;
      if (!nav || typeof nav.sendBeacon !== 'function' || typeof env.Blob !== 'function') {
        return NO_RESPONSE;
      }
      const queued = nav.sendBeacon(send.url, new env.Blob([send.body], { type: 'application/json' }));
      // A beacon has no response; 202 tells the core "handed to the browser".
      return queued ? { status: 202, retryAfter: '', body: '' } : NO_RESPONSE;
    } catch {
      return NO_RESPONSE;
    }
  }

  return function send(effect) {
    if (effect.transport === 'beacon') return Promise.resolve(viaBeacon(effect));
    return viaFetch(effect);
  };
}
