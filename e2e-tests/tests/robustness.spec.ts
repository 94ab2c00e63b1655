// Degraded environments and hostile input: the wasm missing, a strict CSP, property values meant
// to break JSON, the DOM or Object.prototype.
import { test, expect, API, OTHER_ORIGIN, playground, sleep } from './helpers';

test('#22 wasm 404 and JavaScript core 404: track() still returns, exactly one console warning naming both, no page errors', async ({ page, collector, logs }) => {
  // The .wasm alone missing is covered by fallback-core.spec.ts: the JavaScript core delivers.
  await page.route('**/tracker/*.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.route('**/tracker/liliput.min.core.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(playground());
  await expect.poll(() => logs.tracker('warning').length, { timeout: 5000 }).toBe(1);
  const returned = await page.evaluate(() => {
    const out: unknown[] = [];
    for (let i = 0; i < 5; i++) out.push(window.tracker.track('degraded', { i }, { fire: i % 2 === 0 }));
    window.tracker.flush?.();
    return Promise.all(out);
  });
  // Plain calls return nothing; a fire call's promise resolves (never rejects) with no answer.
  const none = { status: 0, ok: false, data: null };
  expect(returned).toEqual([none, undefined, none, undefined, none]);
  await sleep(1000);
  expect(logs.tracker('warning'), 'one warning, not one per call').toHaveLength(1);
  // One reason naming both files: what failed for the WebAssembly core, then for the JavaScript one.
  expect(logs.tracker('warning')[0]).toMatch(new RegExp('Tracker disabled: .*' +
    `${API}/tracker/liliput\\.min\\.wasm.*HTTP 404; the JavaScript core ${API}/tracker/liliput\\.min\\.core\\.js ` +
    'could not be loaded either \\(TypeError: .*\\)'));
  expect(logs.tracker().filter((m) => !/Tracker disabled/.test(m)), 'no other tracker line').toEqual([]);
  expect(logs.pageErrors).toEqual([]);
  expect((await collector.requests()).length).toBe(0);
});

test('#22b both cores missing: the page\'s calls are kept and a later visit that loads a core delivers each once, with its page', async ({ page, collector }) => {
  // Issue 11: a missing .wasm (and here the JavaScript core too) loses nothing: the buffered calls
  // are persisted (not memory only) and the next page that can load a core sends them.
  let missing = true;
  const notFound = (route: import('@playwright/test').Route) => (missing
    ? route.fulfill({ status: 404, body: 'not found' }) : route.continue());
  await page.route('**/tracker/*.wasm', notFound);
  await page.route('**/tracker/liliput.min.core.js', notFound);
  await page.goto(playground({ visit: 'no-core' }));
  await page.evaluate(() => window.tracker.ready);
  await page.evaluate(() => {
    window.tracker.track('kept', { n: 1 });
    window.tracker.track('kept', { n: 2 }, { fire: true });
  });
  await sleep(500);
  expect((await collector.requests()).length, 'nothing can be sent without a core').toBe(0);
  missing = false;
  await page.goto(playground({ pageview: '0', visit: 'with-core' }));
  const kept = await collector.waitFor('kept', 2, 10_000);
  expect(kept.map((e) => (e.properties as { n: number }).n).sort()).toEqual([1, 2]);
  for (const e of kept) {
    expect(String((e.context as { page?: { url?: string } }).page?.url)).toContain('visit=no-core');
  }
  // The first page's own page view, tracked while no core could load, arrives too.
  const [pv] = await collector.waitFor('page-view', 1);
  expect(String((pv.context as { page?: { url?: string } }).page?.url)).toContain('visit=no-core');
  await sleep(1000);
  expect((await collector.copies('both cores missing, next visit')).extra).toBe(0);
});

test('#23 strict CSP (script-src \'self\' \'wasm-unsafe-eval\'): no violation, events delivered', async ({ page, collector, logs }) => {
  await page.goto('/csp.html');
  const [pv] = await collector.waitFor('page-view');
  expect(pv.properties).toEqual({ page: 'csp' });
  await page.click('#csp-fire');
  await collector.waitFor('csp-click', 1, 3000);
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
  await expect(page.locator('#violations')).toHaveText('0');
  expect(logs.messages.filter((m) => /Content Security Policy/i.test(m.text))).toEqual([]);
  expect(logs.pageErrors).toEqual([]);
});

test('#23b strict CSP page with the api on another origin (connect-src allows it): delivered', async ({ page, collector }) => {
  await page.goto(`${OTHER_ORIGIN}/csp.html?api=${encodeURIComponent(API)}`);
  const [pv] = await collector.waitFor('page-view');
  const [req] = await collector.requests();
  expect(req.event_ids).toEqual([pv.id]);
  expect(req.origin).toBe(OTHER_ORIGIN);
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
});

test('#26 hostile property values: valid JSON, no DOM injection, no prototype pollution, oversize rejected', async ({ page, collector, logs }) => {
  await page.goto('/hostile.html');
  await page.waitForFunction(() => typeof window.tracker.flush === 'function');
  const imgsBefore = await page.locator('img, svg').count();
  await page.click('#send-hostile');
  await collector.waitFor('hostile-after', 1, 8000);
  const { events } = await collector.events();
  expect(events.map((e) => e.type)).toEqual(
    ['hostile-markup', 'hostile-separators', 'hostile-surrogates', 'hostile-proto', 'hostile-after']);
  const props = Object.fromEntries(events.map((e) => [e.type, e.properties as Record<string, unknown>]));
  expect(props['hostile-markup']).toEqual({
    html: '</script><img src=x onerror="window.__xss=1">', attr: '"><svg onload=window.__xss=2>' });
  expect(props['hostile-separators']).toEqual({ text: 'line\u2028separator\u2029paragraph', ctrl: 'nul\u0001bell\u0007' });
  // Lone surrogates cannot be UTF-8: replaced by U+FFFD; a valid pair survives.
  expect(props['hostile-surrogates']).toEqual({ lone_high: 'a\uFFFDb', lone_low: 'c\uFFFDd', pair: '\uD83D\uDE00' });
  expect(props['hostile-proto'].ok).toBe(1);
  expect(props['hostile-after']).toEqual({ ok: true });
  for (const r of await collector.requests()) expect(r.status, `request ${r.seq}`).toBe(200);
  // The 513 KB event is refused at track() time with a console error naming the limit.
  expect(logs.tracker('error').filter((t) => /hostile-huge|too large|32|size|bytes/i.test(t))).toHaveLength(1);
  expect(await page.evaluate(() => [window.__xss, ({} as any).polluted, Object.prototype.hasOwnProperty('polluted')]))
    .toEqual([undefined, undefined, false]);
  await expect(page.locator('#polluted')).toHaveText('undefined');
  expect(await page.locator('img, svg').count()).toBe(imgsBefore);
  expect(logs.pageErrors).toEqual([]);
});
