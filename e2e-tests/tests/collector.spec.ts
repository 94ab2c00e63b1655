// The collector as a neighbour of every page in the browser: what a page on another origin can
// read from it (Retry-After, the read API) and what it cannot do to it (admin routes).
import { test, expect, API, OTHER_ORIGIN, playground, sleep } from './helpers';

test('429 with Retry-After: 3 to a tracker on another origin: the retry waits ≥ 3 s; stored once', async ({ page, collector }) => {
  await collector.faults({ fail_next: 1, status: 429, retry_after: '3' });
  await page.goto(playground({ api: API }, OTHER_ORIGIN));
  const [ev] = await collector.waitFor('page-view', 1, 10_000);
  const requests = await collector.requests();
  expect(requests.map((r) => [r.status, r.injected])).toEqual([[429, true], [200, false]]);
  for (const r of requests) {
    expect(r.origin).toBe(OTHER_ORIGIN);
    expect(r.event_ids).toEqual([ev.id]);
  }
  // Unreadable, Retry-After would be "" and the core's own backoff (1 s ± 25 %) would apply.
  expect(requests[1].received_ms - requests[0].received_ms).toBeGreaterThanOrEqual(3000);
  const stored = await collector.events();
  expect(stored.total).toBe(1);
  expect(stored.duplicates).toBe(0);
  expect(ev.duplicates).toBe(0);
});

test('a page on another origin reads Retry-After and the status of a /track answer', async ({ page, collector }) => {
  await collector.faults({ fail_next: 1, status: 429, retry_after: '7' });
  await page.goto(`${OTHER_ORIGIN}/index.html`);
  const seen = await page.evaluate(async (api) => {
    const res = await fetch(`${api}/track`, { method: 'POST', credentials: 'omit',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: { id: 'demo-source' }, events: [{ type: 'x' }] }) });
    return { status: res.status, retryAfter: res.headers.get('Retry-After') };
  }, API);
  expect(seen).toEqual({ status: 429, retryAfter: '7' });
});

test('a cross-site page cannot reset the collector or inject faults (no-cors POST, CORS with the header)', async ({ page, collector }) => {
  await page.goto(playground());
  await collector.waitFor('page-view');
  // The page must have the answer too before it is left: a request still unanswered at the page
  // leave is re-sent on keepalive (the documented lost-answer copy), which a loaded machine hit.
  await expect.poll(() => page.evaluate(() => window.tracker.stats()?.inflight), { timeout: 8000 }).toBe(0);
  const before = await collector.requests();
  await page.goto(`${OTHER_ORIGIN}/index.html`);
  const outcome = await page.evaluate(async (api) => {
    const out: string[] = [];
    // Opaque no-cors requests: no preflight, any body, no custom header possible.
    for (const path of ['/__admin/faults', '/__admin/reset']) {
      await fetch(api + path, { method: 'POST', mode: 'no-cors', body: '{"fail_next":5}' })
        .then(() => out.push(`${path}: sent`), (e) => out.push(`${path}: ${e.name}`));
    }
    // A CORS request that asks to send the header is stopped at its preflight.
    await fetch(api + '/__admin/reset', { method: 'POST', headers: { 'X-Collector-Admin': '1' } })
      .then((r) => out.push(`cors: ${r.status}`), (e) => out.push(`cors: ${e.name}`));
    return out;
  }, API);
  expect(outcome).toEqual(['/__admin/faults: sent', '/__admin/reset: sent', 'cors: TypeError']);
  const faults = await collector.faultState();
  expect(faults.fail_next).toBe(0);
  expect(await collector.requests()).toEqual(before); // not reset
  expect((await collector.events()).total).toBe(1);
});

test('the read API answers any origin without credentials; the request panel works cross-origin', async ({ page, collector }) => {
  await page.goto(`${OTHER_ORIGIN}/queue.html?api=${encodeURIComponent(API)}`);
  await expect.poll(async () => (await collector.requests()).length).toBe(2);
  const rows = page.locator('#requests tr');
  await expect(rows).toHaveCount(2);
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => tr.children[3].textContent));
  expect(cells.sort()).toEqual(['interest', 'purchase-order, page-view']);
  const reads = await page.evaluate(async (api) => {
    const omit = await fetch(`${api}/events`, { credentials: 'omit' })
      .then(async (r) => `${r.status} ${(await r.json()).total}`,
        (e) => e.name);
    const include = await fetch(`${api}/events`, { credentials: 'include' })
      .then((r) => String(r.status), (e) => e.name);
    return { omit, include };
  }, API);
  // `*` without Allow-Credentials: readable, but never with the user's cookies.
  expect(reads).toEqual({ omit: '200 3', include: 'TypeError' });
});

test('a deeply nested body gets 422 and the collector keeps serving the page', async ({ page, collector }) => {
  // (No page.route here: with interception on, Chromium fails a 900 KB POST on its own.)
  await page.goto(`${OTHER_ORIGIN}/index.html`);
  const status = await page.evaluate(async (api) => {
    const depth = 150_000;
    const body = '{"source":{"id":"demo-source"},"events":[{"type":"deep","properties":' +
      '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '}]}';
    const res = await fetch(`${api}/track`, { method: 'POST', credentials: 'omit',
      headers: { 'Content-Type': 'application/json' }, body });
    return `${res.status} ${(await res.json()).detail}`;
  }, API);
  expect(status).toBe('422 Request body nested too deeply (limit 64 levels)');
  await sleep(100);
  await page.goto(playground());
  await collector.waitFor('page-view');
  expect((await collector.requests()).map((r) => r.status)).toEqual([422, 200]);
});
