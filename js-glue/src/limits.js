// Glue-side mechanics constants. Delivery policy (batch size, retry timing, queue bounds) is the
// core's (wasm/include/tracker/policy.hpp); these only bound what the glue does on its own.

// While the wasm core is missing (still loading, 404, CSP CompileError, crashed) track() calls are
// buffered in memory. Same order of magnitude as the core's queue bound (1,000 events), so a
// broken deployment costs the page a bounded amount of memory; beyond it the oldest are dropped.
export const DEGRADED_BUFFER_LIMIT = 1000;
// The calls kept in localStorage for a next page (stub.js) take at most this many UTF-16 units of
// the origin's ~5 MB, which the page shares: oldest calls go first, counted.
export const STUB_MAX_CHARS = 512 * 1024;

// Random words drawn per getRandomValues call; the core needs 4 per call that mints ids/jitter.
export const ENTROPY_POOL_WORDS = 256;

// setTimeout delays above 2^31-1 ms fire immediately in browsers; clamp long wake-ups.
export const MAX_TIMER_MS = 0x7fffffff;

// A keepalive request that fails after its sending task is not reported while a navigation away
// that started after it was sent may still commit: Chromium cuts the old page's side of its
// requests when the navigation starts (on a slow CPU long before pagehide) while the browser carries
// keepalive ones on, and a report made the page retry what had arrived (a copy). Past this, the
// navigation is taken for cancelled (a 204, a download) and the failure counts; one held back is
// settled by the core's 30 s request timeout anyway. (A failure a moment before a leave that is not
// a navigation of the page's own, such as a reload, is reported: a blocked request must not be
// taken for delivered.)
export const NAVIGATION_GRACE_MS = 10000;

// The tab protocol's timings (lease, re-posts, election settle, a silent leader) are the core's:
// wasm/include/tracker/policy.hpp "Tabs".
