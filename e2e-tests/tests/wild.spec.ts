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
