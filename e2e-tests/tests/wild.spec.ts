// Issue 20, "deliver in the wild": conditions real visitors bring that the lab scenarios did not
// model. Each test counts copies per event id.
import { test, expect, OTHER_ORIGIN, type Collector } from './helpers';
import type { Page } from '@playwright/test';

/** Every .wasm / .core.js the page fetched, as "status url" (which core ran). */
function watchCores(page: Page): string[] {
  const seen: string[] = [];
  page.on('response', (r) => {
    if (/\.(wasm|core\.js)$/.test(new URL(r.url()).pathname)) seen.push(`${r.status()} ${r.url()}`);
  });
  return seen;
}

async function expectDelivered(collector: Collector, label: string, n: number) {
  await expect.poll(async () => (await collector.events()).total).toBe(n);
  expect((await collector.copies(label)).extra).toBe(0);
}

// The README's policy: script-src and connect-src name the tracker's origin as well as the API's,
// because the .wasm is fetched with fetch().
test('README CSP: the API and the tracker origin in connect-src run the wasm core', async ({ page, collector, logs }) => {
  const cores = watchCores(page);
  await page.goto('/csp-cross.html');  // connect-src 'self' (the API) http://localhost:* (the tracker)
  await expectDelivered(collector, 'csp: README policy', 2);
  expect(cores).toEqual([`200 ${OTHER_ORIGIN}/tracker/liliput.min.wasm`]);
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
  expect(logs.tracker()).toEqual([]);
});

// The control: the policy the README used to give (the API alone) refuses the .wasm fetch, so the
// page silently runs the JavaScript core. Shows the test above can fail.
test('a CSP with the API alone in connect-src refuses the .wasm fetch (the old README policy)', async ({ page, collector, logs }) => {
  const cores = watchCores(page);
  await page.goto('/csp-cross-api-only.html');  // connect-src 'self' (the API) alone
  await expectDelivered(collector, 'csp: API alone', 2);
  expect(cores).toEqual([`200 ${OTHER_ORIGIN}/tracker/liliput.min.core.js`]);
  expect(logs.tracker()).toEqual([expect.stringMatching(/cannot be used .*; using the JavaScript core from /)]);
});

/** Events the collector stored whose properties.nonce is `nonce`, with their copies. */
async function byNonce(collector: Collector, nonce: string) {
  const { events } = await collector.events();
  const mine = events.filter((e) => (e.properties as { nonce?: string }).nonce === nonce);
  return { count: mine.length, extra: mine.reduce((n, e) => n + e.duplicates, 0),
    ns: mine.map((e) => (e.properties as { n: number }).n).sort((a, b) => a - b) };
}

// The seed's headline feature at its most common moment: a visitor clicks 20 times (each a fire)
// and leaves for another site 10 ms later, on a page with Tracardi's own loader. Liliput delivered
// 20, 20 and 14 of 20 in three runs; wasm-tracker 20, 6 and 4 (the rest waited in storage for a
// next visit that may never come). Every one of 10 runs must deliver 20 of 20 without a next visit.
test('20 fires then a link to another site 10 ms later: 20 of 20, in each of 10 runs, no next visit', async ({ page, collector }) => {
  test.setTimeout(180_000);
  // Another origin of this machine (no tracker there), reached by a real navigation: a page.route
  // would put every request of the page under Playwright's interception, which cuts keepalive
  // requests with the page (a test artefact: browsers carry them on).
  const elsewhere = `${OTHER_ORIGIN}/style.css`;
  const results: number[] = [];
  let copies = 0;
  for (let run = 0; run < 10; run++) {
    await collector.reset();
    await page.goto('/tracardi-loader.html');  // resolves at the load event
    const nonce = `leave-${run}-${Date.now()}`;
    await page.evaluate(({ nonce, elsewhere }) => {
      for (let n = 0; n < 20; n++) window.tracker.track('click', { nonce, n }, { fire: true });
      setTimeout(() => { location.href = elsewhere; }, 10);
    }, { nonce, elsewhere });
    await page.waitForURL(elsewhere);
    // No next visit: whatever arrives was sent by the page that left.
    let got = await byNonce(collector, nonce);
    for (let i = 0; i < 40 && got.count < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      got = await byNonce(collector, nonce);
    }
    await new Promise((r) => setTimeout(r, 500));  // late copies
    got = await byNonce(collector, nonce);
    results.push(got.count);
    copies += got.extra;
  }
  console.log(`[leave] 20 fires then leave 10 ms later, delivered per run: ${results.join(', ')}; extra copies ${copies}`);
  expect(results).toEqual(Array(10).fill(20));
  expect(copies).toBe(0);
});

/** Resolves once the tracker on the page runs its core. */
async function running(page: Page) {
  await page.waitForFunction(() => window.tracker?.__wasmTracker?.state === 'running');
}

// Case 3: Chromium's 64 KB keepalive quota is shared by every script of the page, and other
// analytics flush at pagehide too (GA4, Segment, a second tracker); a refused keepalive at pagehide
// is told to the page only after it is gone (measured: no rejection reaches it), so its events
// were lost. A page leave now goes through the browser's deferred fetch (fetchLater): a quota of
// its own, and a refusal known at once, while the page can still write its queue.
async function leaveWithAHog(page: Page, collector: Collector, hog: 'keepalive' | 'fetchLater') {
  await page.addInitScript((hog) => {
    // Another script's pagehide listener, registered before the tracker's: a 64,000-byte request.
    addEventListener('pagehide', () => {
      if (sessionStorage.getItem('hogged')) return;
      sessionStorage.setItem('hogged', '1');
      const init = { method: 'POST', body: 'x'.repeat(64000) };
      try {
        if (hog === 'keepalive') fetch('/track', { ...init, keepalive: true }).catch(() => {});
        else (window as unknown as { fetchLater: (u: string, i: object) => void }).fetchLater('/track', init);
      } catch { /* refused: no hog */ }
    });
  }, hog);
  await page.goto('/playground.html?pageview=0');
  await running(page);
  const nonce = `refused-${hog}-${Date.now()}`;
  await collector.faults({ hang_next: 1 });  // the hog is held on the wire
  await page.evaluate((nonce) => {
    window.tracker.track('kept', { nonce, n: 0 });
    window.tracker.track('kept', { nonce, n: 1 });
  }, nonce);
  await page.goto('/playground.html?pageview=0');  // same site: the next page
  await expect.poll(async () => (await byNonce(collector, nonce)).count, { timeout: 15_000 }).toBe(2);
  await new Promise((r) => setTimeout(r, 1000));
  const got = await byNonce(collector, nonce);
  expect(got.extra, 'copies').toBe(0);
  expect(got.ns).toEqual([0, 1]);
  return (await page.evaluate(() => window.tracker.stats()))?.restored;
}

test('another script fills the keepalive quota at pagehide: the leave still delivers, once', async ({ page, collector }) => {
  expect(await leaveWithAHog(page, collector, 'keepalive'), 'sent by the page that left').toBe(0);
});

test('the deferred-fetch quota is full at pagehide: refused at once, kept, delivered by the next page, once', async ({ page, collector }) => {
  expect(await leaveWithAHog(page, collector, 'fetchLater'), 'restored by the next page').toBe(2);
});

// Case 4: a fire made during a backoff step waited for the step; a page leave then kept it for a
// next visit that may never come. Liliput would have sent it: it gets its first attempt on
// keepalive at the leave, whatever the backoff.
test('a fire made in backoff, then the visitor leaves for another site: it arrives, once', async ({ page, collector }) => {
  for (let run = 0; run < 3; run++) {
    await collector.reset();
    await page.goto('/playground.html?pageview=0');
    await running(page);
    await collector.faults({ fail_next: 1, status: 503 });
    const nonce = `backoff-${run}-${Date.now()}`;
    await page.evaluate((nonce) => window.tracker.track('first', { nonce, n: 0 }, { fire: true }), nonce);
    await expect.poll(async () => (await collector.requests()).filter((r) => r.status === 503).length).toBe(1);
    await page.evaluate(({ nonce, elsewhere }) => {
      window.tracker.track('late', { nonce, n: 1 }, { fire: true });  // in backoff: waits
      location.href = elsewhere;
    }, { nonce, elsewhere: `${OTHER_ORIGIN}/style.css` });
    await page.waitForURL(`${OTHER_ORIGIN}/style.css`);
    // No next visit. 'first' failed and waits for one; 'late' was never tried: it left at once.
    await expect.poll(async () => (await byNonce(collector, nonce)).ns, { timeout: 10_000 }).toEqual([1]);
    expect((await byNonce(collector, nonce)).extra).toBe(0);
  }
});

// Case 2: Tracardi behind a proxy restarts for 10 s; the proxy answers 502 with its own error page
// and no CORS header, so the browser reports a network error (status 0) while it stays online. A
// long-lived page fires every 2 s for 90 s: every fire arrives once, those made after the outage
// within 65 s of their call (the page used to pause itself after 3 status-0 failures: 0 of 45).
// @soak: minutes of real time at little CPU; CI runs it in a second process beside the rest (test.sh).
test('a 10 s CORS-less 502 outage, then a fire every 2 s for 90 s: every fire arrives once, in time', { tag: '@soak' }, async ({ page, collector }) => {
  test.setTimeout(240_000);
  let outageEnd = 0;
  // The API on another origin than the page, as Tracardi usually is: CORS applies.
  await page.route(`${OTHER_ORIGIN}/track`, async (route) => {
    if (route.request().method() === 'POST' && Date.now() < outageEnd) {
      // nginx's own error page carries no CORS header for the page's origin. (Playwright adds an
      // allow-origin header to a cross-origin fulfill that has none; one naming another origin
      // makes the browser refuse the answer, as it refuses nginx's: status 0.)
      await route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>502 Bad Gateway (nginx)</body></html>',
        headers: { 'access-control-allow-origin': 'http://nginx.invalid' } });
    } else {
      await route.continue();
    }
  });
  await page.goto(`/playground.html?pageview=0&api=${encodeURIComponent(OTHER_ORIGIN)}`);
  await running(page);
  const nonce = `outage-${Date.now()}`;
  outageEnd = Date.now() + 10_000;
  const calls: number[] = [];
  for (let n = 0; n < 46; n++) {
    calls.push(await page.evaluate(({ nonce, n }) => {
      window.tracker.track('tick', { nonce, n }, { fire: true });
      return Date.now();
    }, { nonce, n }));
    await new Promise((r) => setTimeout(r, 2000));
  }
  await expect.poll(async () => (await byNonce(collector, nonce)).count, { timeout: 70_000, intervals: [1000] }).toBe(46);
  const { events } = await collector.events();
  const mine = events.filter((e) => (e.properties as { nonce?: string }).nonce === nonce);
  expect(mine.reduce((k, e) => k + e.duplicates, 0), 'copies').toBe(0);
  const late: string[] = [];
  for (const e of mine) {
    const n = (e.properties as { n: number }).n;
    if (calls[n] >= outageEnd && e.received_ms - calls[n] > 65_000) late.push(`#${n}: ${e.received_ms - calls[n]} ms`);
  }
  expect(late, 'fires made after the outage arrive within 65 s').toEqual([]);
  const failed = (await collector.requests()).length;
  console.log(`[outage] 46 of 46 fires arrived, 0 copies; ${failed} requests reached the collector`);
});

// The same leave on a slow device (CPU throttled 20×): the clicks often come before the core runs
// (the loader's buffer holds them) and the leave's timing is stretched. Every run delivers 20 of 20
// without copies; a run whose clicks came before the core's bytes arrived may need the next visit. (Whether a run's clicks came before the core is logged; the page leave before
// the core runs, where the module is compiled synchronously at pagehide, is the unit tests' case:
// load-core.test.js, runtime.test.js.)
// Session 9: the loss this test found (1 run in 5-20, 3-9 of 20 delivered) was the navigation
// outrunning the page: four fires on the wire, the rest waiting for a slot; the answers came back
// after the link was followed and the page was torn down before its pagehide ran. The core now
// hears the navigation (core: Delivery.ANavigationAway...), so the rest leave at once.
// A throttled CPU shared with another browser suite is another test: run beside one, the core's
// download once missed the leave altogether (0 of 20: the open limit in docs/design.md "Status").
// Sessions 13 and 15 (fresh-clone CI): 0 of 20 with the clicks made while booting, none kept for
// the next visit. Session 14 kept the record until the rushed core's leave sent it (a cut
// pagehide); session 15 has the loader stub keep the calls as the navigation starts too (no
// bytes to rush yet, and no pagehide before the page is torn down).
test('20 fires then a link 10 ms later on a slow CPU: 20 of 20, no copies; no next visit once the core runs', async ({ page, collector }) => {
  test.setTimeout(180_000);
  const elsewhere = `${OTHER_ORIGIN}/style.css`;
  const cdp = await page.context().newCDPSession(page);
  const results: string[] = [];
  let early = 0;
  let copies = 0;
  for (let run = 0; run < 5; run++) {
    await collector.reset();
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await page.goto('/index.html');
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
    const nonce = `slow-${run}-${Date.now()}`;
    await page.goto('/tracardi-loader.html', { waitUntil: 'commit' });
    // As soon as our script has taken over Tracardi's loader, before the core runs.
    await page.waitForFunction(() => !!window.tracker?.__wasmTracker, undefined, { polling: 5 });
    const state = await page.evaluate(({ nonce, elsewhere }) => {
      const st = window.tracker.__wasmTracker.state;
      for (let n = 0; n < 20; n++) window.tracker.track('click', { nonce, n }, { fire: true });
      setTimeout(() => { location.href = elsewhere; }, 10);
      return st;
    }, { nonce, elsewhere });
    if (state !== 'running') early++;
    await page.waitForURL(elsewhere);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    let got = await byNonce(collector, nonce);
    for (let i = 0; i < 40 && got.count < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      got = await byNonce(collector, nonce);
    }
    let next = '';
    if (got.count < 20 && state !== 'running') {
      // The open limit (docs/design.md Status): a leave before the core's bytes arrived (CI: once
      // in ~20 booting runs, 0 of 20) keeps the calls for the next visit. Not lost: the next visit
      // of the site delivers them, once. A run whose core ran must not need it.
      const before = got.count;
      await page.goto('/tracardi-loader.html');
      for (let i = 0; i < 40 && got.count < 20; i++) {
        await new Promise((r) => setTimeout(r, 250));
        got = await byNonce(collector, nonce);
      }
      next = `, ${got.count - before} on the next visit`;
    }
    results.push(`${got.count}${got.extra ? `+${got.extra}` : ''} (${state}${next})`);
    copies += got.extra;
    if (got.count < 20 || got.extra) {
      // What reached the collector, for the failure's reader: each request's time, status and ids.
      const reqs = await collector.requests();
      const t0 = reqs[0]?.received_ms ?? 0;
      console.log(`[slow leave] run ${run}: ${reqs.map((r) => `+${r.received_ms - t0} ms ${r.status} ` +
        r.event_ids.map((x) => x.slice(0, 4)).join(',')).join(' | ')}`);
    }
  }
  console.log(`[slow leave] per run (state at the clicks): ${results.join(', ')}; before the core ran: ${early}`);
  expect(results.map((r) => r.split(' ')[0])).toEqual(Array(5).fill('20'));
  expect(results.filter((r) => r.includes('running') && r.includes('next visit')), 'a core that ran needs no next visit').toEqual([]);
  expect(copies).toBe(0);
});
