// The cross-engine delivery suite (issue 24): the Chromium suite's delivery cases that every
// engine must pass, ported to a driver layer both Firefox (WebDriver BiDi) and WebKit (WebDriver
// classic) offer: navigate, evaluate, click, back, reload, windows. No request interception and no
// protocol init scripts: faults come from the collector (`/__admin/faults`) or from the proxy in
// front of it (lib/proxy.mjs, a CORS-less 502); every page is observed through `window.__engines`,
// which the proxy's watch.js fills (console, uncaught errors, pageshow), and a test's init code
// (`t.proxy.initScript`) rides in that script.
//
// The collector is the ground truth: every test starts from a reset collector and counts what it
// stored by event id (`duplicates`) and, where ids could be minted twice (a page that left, a
// replay), by a per-call nonce in the properties. A test whose premise an engine cannot offer says
// so in its name (`name(engine)`) and asserts what it can; none is skipped.
import assert from 'node:assert/strict';
import { poll, sleep } from './lib/collector.mjs';

const ids = (evs) => evs.map((e) => e.id);
const range = (n, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Resolves once the page's tracker runs its core (wasm or the JavaScript fallback). */
export async function running(page, timeout = 15_000) {
  await poll(() => page.evaluate(() => window.tracker?.__wasmTracker?.state ?? null), (s) => s === 'running',
    { timeout, message: 'the tracker running' });
}
/** Epoch ms of the page's load event (same machine clock as the collector's received_ms). */
async function loadEventAt(page) {
  return poll(() => page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav && nav.loadEventStart > 0 ? performance.timeOrigin + nav.loadEventStart : 0;
  }), (t) => t > 0, { message: 'the load event' });
}
/** What watch.js recorded in the page: console lines, uncaught errors, pageshow flags. */
const watched = (page) => page.evaluate(() => window.__engines || null);
const trackerLines = (w, type) => (w?.console || []).filter((m) => (!type || m.type === type) && /\[Tracker\]/.test(m.text)).map((m) => m.text);
const stats = (page) => page.evaluate(() => window.tracker.stats());

/** The queue example (queue.html, csp-no-wasm.html, tracardi-loader.html): interest first and alone, then one batch after load. */
async function expectQueueExample(t, page, { crossOrigin = false } = {}) {
  const loadAt = await loadEventAt(page);
  await poll(async () => (await t.collector.events()).total, (n) => n >= 3, { message: '3 stored events' });
  await t.collector.expectQuiet(2, 500, 'exactly two /track requests');
  const { events } = await t.collector.events();
  assert.equal(events.length, 3);
  const byId = new Map(events.map((e) => [e.id, e]));
  const requests = await t.collector.requests();
  assert.deepEqual(requests.map((r) => r.status), [200, 200]);
  assert.deepEqual(requests.map((r) => r.event_ids.map((id) => byId.get(id).type)),
    [['interest'], ['purchase-order', 'page-view']], 'fire first and alone, then the batch');
  assert.ok(requests[1].received_ms >= Math.floor(loadAt) - 5, 'the batch leaves at/after the load event');
  if (crossOrigin) for (const r of requests) assert.equal(r.origin, t.OTHER_SITE);
  assert.deepEqual(events.find((e) => e.type === 'purchase-order').properties, { product: 'Sun glasses - Badoo', price: 13.45 });
  assert.deepEqual(events.find((e) => e.type === 'interest').properties, { Eletronics: ['Mobile phones', 'Accessories'] });
  assert.equal(new Set(events.map((e) => e.session)).size, 1, 'one session');
  assert.equal(new Set(events.map((e) => e.profile)).size, 1, 'one profile');
  assert.equal((await t.collector.copies(t.name)).extra, 0);
}

async function trackMany(page, type, from, n) {
  await page.evaluate(([tp, a, b]) => {
    for (let i = a; i < a + b; i++) window.tracker.track(tp, { n: i, pad: 'x'.repeat(200) });
  }, [type, from, n]);
}

export const tests = [
  // ------------------------------------------------------------ the seed's examples
  {
    name: () => 'queue.html, our loader: the fire event first and alone, the other two in one request after load; the .wasm downloaded once',
    async run(t) {
      const WASM = '/tracker/liliput.min.wasm';
      const before = t.proxy.stats.gets.get(WASM) || 0;
      const page = await t.page();
      await page.goto(`${t.SITE}/queue.html`);
      await expectQueueExample(t, page);
      assert.deepEqual((await watched(page)).errors, []);
      // The loader starts the core's download and the script takes that response: WebKit never
      // handed a <link rel=preload> to fetch(), so it downloaded the core twice (issue 24).
      assert.equal((t.proxy.stats.gets.get(WASM) || 0) - before, 1, 'GETs of the .wasm at the proxy');
    },
  },
  {
    name: () => 'queue.html, our loader, API on another origin (CORS preflight): the same two requests',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.OTHER_SITE}/queue.html?api=${encodeURIComponent(t.SITE)}`);
      await expectQueueExample(t, page, { crossOrigin: true });
    },
  },
  {
    name: () => "tracardi-loader.html, Tracardi's own loader kept unchanged: its queued calls handed over, fire first and alone, then one batch; onTracardiReady fires",
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/tracardi-loader.html`);
      await expectQueueExample(t, page);
      const { events } = await t.collector.events();
      await poll(() => page.evaluate(() => document.getElementById('ready').textContent), (s) => s === `onTracardiReady: profile ${events[0].profile}`,
        { message: 'onTracardiReady ran with the profile' });
      const w = await watched(page);
      assert.equal(w.console.filter((m) => m.type === 'log' && /\[Loader\] Rerun callbacks\./.test(m.text)).length, 1);
      assert.equal(await page.evaluate(() => window.tracker === window.tracardi.default), true);
      await page.evaluate(() => window.tracker.track('after-handover', {}, { fire: true }));
      await t.collector.waitFor('after-handover');
      assert.deepEqual(w.errors, []);
    },
  },
  {
    name: () => 'snippet.html, the pasted snippet: calls made before the script loaded are replayed in call order, in one request after load',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/snippet.html`);
      const loadAt = await loadEventAt(page);
      await poll(async () => (await t.collector.events()).total, (n) => n >= 3, { message: '3 events' });
      await t.collector.expectQuiet(1, 500, 'one request for the three queued calls');
      const { events } = await t.collector.events();
      assert.deepEqual(events.map((e) => e.type), ['snippet-first', 'snippet-second', 'snippet-third']);
      assert.deepEqual(events.map((e) => e.properties), [{ order: 1 }, { order: 2 }, { order: 3 }]);
      const [req] = await t.collector.requests();
      assert.deepEqual(req.event_ids, ids(events));
      assert.ok(req.received_ms >= Math.floor(loadAt) - 5);
      const created = events.map((e) => Date.parse(String(e.time.create)));
      assert.deepEqual([...created].sort((a, b) => a - b), created, 'time.create in call order');
    },
  },
  // ------------------------------------------------------------ onClick with and without fire
  {
    name: () => 'buttons.html onClick without fire: logged, nothing sent at the click, delivered with the next batch (≤ 7 s)',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/buttons.html`);
      await t.collector.waitFor('page-view');
      await t.collector.expectQuiet(1, 300, 'the load batch only');
      const clickedAt = Date.now();
      await page.click('#test-click');
      await poll(async () => (await watched(page)).console.filter((m) => m.type === 'log' && /\[Tracker\] Event track/.test(m.text)).length,
        (n) => n === 1, { timeout: 2000, message: 'one [Tracker] Event track console line' });
      await t.collector.expectQuiet(1, 1500, 'no request right after a click without fire');
      const evs = await t.collector.waitFor('page-view', 2, 8000);
      const ev = evs.find((e) => e.properties.button === 'testClick');
      assert.ok(ev, 'the deferred click arrived');
      assert.ok(ev.received_ms - clickedAt >= 1500 && ev.received_ms - clickedAt < 7000, `arrived ${ev.received_ms - clickedAt} ms after the click`);
      assert.deepEqual(ev.properties, { view: 1, button: 'testClick' });
      assert.deepEqual((await watched(page)).errors, []);
    },
  },
  {
    name: () => 'buttons.html onClick with fire: sent at once and alone (< 1 s), the deferred click later in its own batch',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/buttons.html`);
      await t.collector.waitFor('page-view');
      await page.click('#test-click');
      const firedAt = Date.now();
      await page.click('#test-click-fire');
      await poll(async () => (await t.collector.requests()).length, (n) => n >= 2, { timeout: 2000, message: 'the fire request' });
      const { events } = await t.collector.events();
      const fired = events.find((e) => e.properties.button === 'testClickFire');
      assert.ok(fired, 'fire event stored');
      assert.ok(fired.received_ms - firedAt < 1000, `fire arrived ${fired.received_ms - firedAt} ms after the click`);
      assert.deepEqual((await t.collector.requests())[1].event_ids, [fired.id], 'the fire event travels alone');
      await poll(async () => (await t.collector.events()).total, (n) => n >= 3, { timeout: 8000, message: 'the deferred click' });
      const deferred = (await t.collector.events()).events.find((e) => e.properties.button === 'testClick');
      assert.deepEqual((await t.collector.requests()).at(-1).event_ids, [deferred.id]);
      assert.equal((await t.collector.copies(t.name)).extra, 0);
    },
  },
  // ------------------------------------------------------------ unload and page leave
  {
    name: () => 'unload: 20 events then a navigation (page and API on different origins): all 20 delivered by the leaving page, in order, once',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.OTHER_SITE}/playground.html?api=${encodeURIComponent(t.SITE)}`);
      await t.collector.waitFor('page-view');
      await running(page);
      await page.evaluate(() => {
        for (let i = 0; i < 20; i++) window.tracker.track('unload-event', { n: i, pad: 'p'.repeat(200) });
      });
      const leftAt = Date.now();
      await page.goto(`${t.OTHER_SITE}/playground-next.html`);  // no tracker on that page
      const stored = await t.collector.waitFor('unload-event', 20, 4000);
      assert.equal(new Set(ids(stored)).size, 20);
      assert.deepEqual(stored.map((e) => e.properties.n), range(20));
      assert.ok(Math.max(...stored.map((e) => e.received_ms)) - leftAt < 4000);
      const carrying = (await t.collector.requests()).filter((r) => r.event_ids.some((id) => ids(stored).includes(id)));
      for (const r of carrying) {
        assert.equal(r.status, 200);
        assert.equal(r.origin, t.OTHER_SITE);
        assert.match(r.content_type, /^application\/json/);
      }
      assert.ok(carrying.reduce((n, r) => n + r.bytes, 0) <= 60 * 1024, 'keepalive bytes within the 60 KB budget');
      assert.equal((await t.collector.copies(t.name)).extra, 0);
    },
  },
  {
    name: () => "page leave: 20 fires on Tracardi's loader page, then a link to another site 10 ms later: 20 of 20 in each of 3 runs, no next visit, no copy",
    async run(t) {
      const page = await t.page();
      const elsewhere = `${t.OTHER_API}/style.css`;  // another origin, no tracker there
      const results = [];
      let copies = 0;
      for (let run = 0; run < 3; run++) {
        await t.collector.reset();
        await page.goto(`${t.SITE}/tracardi-loader.html`);
        await running(page);
        const nonce = `leave-${t.engine}-${run}-${Date.now()}`;
        await page.evaluate(({ nonce, elsewhere }) => {
          for (let n = 0; n < 20; n++) window.tracker.track('click', { nonce, n }, { fire: true });
          setTimeout(() => { location.href = elsewhere; }, 10);
        }, { nonce, elsewhere });
        await poll(() => page.url(), (u) => u === elsewhere, { message: 'the other site' });
        let got = await t.collector.byNonce(nonce);
        for (let i = 0; i < 40 && got.count < 20; i++) { await sleep(250); got = await t.collector.byNonce(nonce); }
        await sleep(500);  // late copies
        got = await t.collector.byNonce(nonce);
        results.push(got.count);
        copies += got.extra;
      }
      console.log(`    [leave] delivered per run: ${results.join(', ')}; extra copies ${copies}`);
      assert.deepEqual(results, [20, 20, 20]);
      assert.equal(copies, 0);
    },
  },
  {
    name: () => 'page leave to a tracked page of the same site: 20 fires then a link 10 ms later, in each of 2 runs: 20 of 20, and the next page sends none of them again',
    async run(t) {
      const page = await t.page();
      const results = [];
      let copies = 0;
      for (let run = 0; run < 2; run++) {
        await t.collector.reset();
        await page.goto(`${t.SITE}/tracardi-loader.html?run=${run}`);
        await running(page);
        const nonce = `same-site-${t.engine}-${run}-${Date.now()}`;
        await page.evaluate((nonce) => {
          for (let n = 0; n < 20; n++) window.tracker.track('click', { nonce, n }, { fire: true });
          setTimeout(() => { location.href = '/playground.html?pageview=0'; }, 10);
        }, nonce);
        await poll(() => page.url(), (u) => /playground\.html/.test(u), { message: 'the next page' });
        await running(page);
        let got = await t.collector.byNonce(nonce);
        for (let i = 0; i < 40 && got.count < 20; i++) { await sleep(250); got = await t.collector.byNonce(nonce); }
        await sleep(1500);  // the next page's first sends (a restored queue leaves at once)
        got = await t.collector.byNonce(nonce);
        const restored = (await stats(page)).restored;
        results.push(`${got.count}${got.extra ? `+${got.extra}` : ''} (restored ${restored})`);
        copies += got.extra;
      }
      console.log(`    [same-site leave] per run: ${results.join(', ')}`);
      assert.deepEqual(results.map((r) => r.split(/[ +]/)[0]), ['20', '20']);
      assert.equal(copies, 0, 'copies');
    },
  },
  {
    name: () => 'page leave while another script fills the keepalive quota at pagehide (a 64,000-byte keepalive held on the wire): the leave still delivers, once',
    async run(t) {
      // Another script's pagehide listener, registered before the tracker's (GA4, Segment and the
      // like flush at pagehide too): a 64,000-byte keepalive request, once per tab, which the proxy
      // holds unanswered (the Playwright case holds it with the collector's hang_next, which
      // through a proxy could catch the tracker's request instead, whichever arrives first).
      t.proxy.initScript(() => {
        addEventListener('pagehide', () => {
          if (sessionStorage.getItem('hogged')) return;
          sessionStorage.setItem('hogged', '1');
          try { fetch('/__engines/hold', { method: 'POST', body: 'x'.repeat(64000), keepalive: true }).catch(() => {}); } catch { /* refused */ }
        });
      });
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html?pageview=0`);
      await running(page);
      await poll(() => stats(page).then((s) => s.leader), (l) => l === true, { message: 'the tab leads' });
      const nonce = `hog-${t.engine}-${Date.now()}`;
      await page.evaluate((nonce) => {
        window.tracker.track('kept', { nonce, n: 0 });
        window.tracker.track('kept', { nonce, n: 1 });
      }, nonce);
      await page.goto(`${t.SITE}/playground.html?pageview=0`);  // same site: the next page
      await running(page);
      const got = await poll(() => t.collector.byNonce(nonce), (g) => g.count >= 2, { timeout: 15_000, message: 'both events' });
      await sleep(1000);
      const after = await t.collector.byNonce(nonce);
      assert.equal(after.extra, 0, 'copies');
      assert.deepEqual(after.ns, [0, 1]);
      const restored = (await stats(page)).restored;
      // The hog is held by the proxy (never answered) while the tracker's leave goes out.
      assert.deepEqual(t.proxy.stats.held.map((h) => h.bytes), [64000], 'the other script\'s request held on the wire');
      console.log(`    [hog] restored by the next page: ${restored}; events carried by request(s): ${JSON.stringify(got.events.map((e) => e.request))}`);
      t.note(restored ? `the refused leave was kept and the next page sent it (${restored} restored)` : 'sent by the page that left');
    },
  },
  // ------------------------------------------------------------ retry
  {
    name: () => 'consent pending (issue 22): three tracks and a fire over 3 s send and store nothing; granted: the five events arrive once each, keeping their call time',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html?consent=pending`);
      await running(page);
      const calledAt = [];
      for (let i = 0; i < 3; i++) {
        calledAt.push(await page.evaluate((n) => { window.tracker.track('held', { n }); return Date.now(); }, i));
        await sleep(1000);
      }
      await page.evaluate(() => { window.tracker.track('held-fire', { n: 3 }, { fire: true }); });
      await sleep(500);
      assert.equal((await t.collector.requests()).length, 0, 'no request while pending');
      const stored = await page.evaluate(() => ({
        cookies: document.cookie,
        local: Object.keys(localStorage).filter((k) => /tracker|tracardi|__tr/.test(k)),
        session: Object.keys(sessionStorage).filter((k) => /tracker|tracardi|__tr/.test(k)),
      }));
      assert.deepEqual(stored, { cookies: '', local: [], session: [] }, 'nothing stored while pending');
      assert.equal((await stats(page)).consent, 1);
      await page.evaluate(() => window.tracker.consent('granted'));
      const held = await t.collector.waitFor('held', 3, 10_000);
      await t.collector.waitFor('held-fire', 1, 10_000);
      await t.collector.waitFor('page-view', 1, 10_000);
      const created = held.sort((a, b) => a.properties.n - b.properties.n).map((e) => Date.parse(e.time.create));
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(created[i] - calledAt[i]) < 500, `call time kept: ${created[i]} vs ${calledAt[i]}`);
      await sleep(1000);
      const { events } = await t.collector.events();
      assert.equal(events.length, 5);
      assert.equal((await t.collector.copies(t.name)).extra, 0);
      assert.equal(new Set(events.map((e) => e.session)).size, 1, 'one session');
    },
  },
  {
    name: () => 'retry: the collector answers 500 twice, then recovers: retried with backoff (~1 s, ~2 s), stored once',
    async run(t) {
      await t.collector.faults({ fail_next: 2, status: 500 });
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html`);
      const [ev] = await t.collector.waitFor('page-view', 1, 10_000);
      const requests = await t.collector.requests();
      assert.deepEqual(requests.map((r) => [r.status, r.injected]), [[500, true], [500, true], [200, false]]);
      for (const r of requests) assert.deepEqual(r.event_ids, [ev.id]);
      const gap1 = requests[1].received_ms - requests[0].received_ms;
      const gap2 = requests[2].received_ms - requests[1].received_ms;
      assert.ok(gap1 >= 730 && gap1 <= 1450, `first backoff ${gap1} ms`);
      assert.ok(gap2 >= 1480 && gap2 <= 2700, `second backoff ${gap2} ms`);
      await t.collector.expectQuiet(3, 2000, 'no request after the successful retry');
      assert.equal((await t.collector.copies(t.name)).extra, 0);
    },
  },
  {
    name: () => 'retry: 20 concurrent fires into a 3 s 500 outage: all 20 arrive within 10 s, once each, unprompted',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html`);
      await t.collector.waitFor('page-view');
      await running(page);
      await t.collector.faults({ fail_next: 100000, status: 500 });
      const firedAt = Date.now();
      await page.evaluate(() => { for (let i = 0; i < 20; i++) window.tracker.track('outage-fire', { n: i }, { fire: true }); });
      await sleep(3000 - (Date.now() - firedAt));
      await t.collector.clearFaults();
      const stored = await t.collector.waitFor('outage-fire', 20, 10_000 - (Date.now() - firedAt));
      assert.ok(Math.max(...stored.map((e) => e.received_ms)) - firedAt < 10_000);
      assert.equal(new Set(stored.map((e) => e.properties.n)).size, 20);
      const failed = (await t.collector.requests()).filter((r) => r.status === 500);
      assert.ok(failed.length <= 8, `${failed.length} failed requests during the outage`);
      assert.equal((await t.collector.copies(t.name)).extra, 0);
    },
  },
  {
    name: () => 'retry: a CORS-less network error (a proxy\'s 502 without CORS headers, status 0) for 6 s, a fire every second for 10 s: every fire arrives once, one warning for the outage',
    timeout: 60_000,
    async run(t) {
      const page = await t.page();
      // The API (the proxy) on another origin than the page, as Tracardi usually is: CORS applies.
      await page.goto(`${t.OTHER_SITE}/playground.html?pageview=0&api=${encodeURIComponent(t.SITE)}`);
      await running(page);
      const nonce = `outage-${t.engine}-${Date.now()}`;
      const outageEnd = t.proxy.outage(6000);
      const calls = [];
      for (let n = 0; n < 10; n++) {
        calls.push(await page.evaluate(({ nonce, n }) => {
          window.tracker.track('tick', { nonce, n }, { fire: true });
          return Date.now();
        }, { nonce, n }));
        await sleep(1000);
      }
      const got = await poll(() => t.collector.byNonce(nonce), (g) => g.count >= 10, { timeout: 30_000, interval: 500, message: '10 fires' });
      assert.equal(got.count, 10);
      assert.equal(got.extra, 0, 'copies');
      const late = got.events.filter((e) => e.received_ms - Math.max(calls[e.properties.n], outageEnd) > 10_000);
      assert.deepEqual(late.map((e) => `#${e.properties.n}`), [], 'every fire within 10 s of its call or of the outage end');
      assert.ok(t.proxy.stats.refused >= 1, 'the outage was met');
      const w = await watched(page);
      assert.equal(trackerLines(w, 'warning').filter((m) => /unreachable/.test(m)).length, 1, `one line per outage: ${JSON.stringify(trackerLines(w))}`);
      assert.deepEqual(w.errors, []);
      console.log(`    [outage] ${t.proxy.stats.refused} requests refused by the proxy; 10 of 10 fires arrived, 0 copies`);
    },
  },
  // ------------------------------------------------------------ the queue across a reload
  {
    name: () => 'the queue across a reload: an event that failed in a 503 outage, the page reloaded mid-outage: the next page delivers it once',
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html`);
      await t.collector.waitFor('page-view');
      await running(page);
      await poll(() => stats(page).then((s) => s.leader), (l) => l === true, { message: 'the tab leads' });
      await t.collector.faults({ fail_next: 1_000_000, status: 503 });
      const nonce = `reload-${t.engine}-${Date.now()}`;
      await page.evaluate((nonce) => { window.tracker.track('reload-event', { nonce, n: 0 }); window.tracker.flush(); }, nonce);
      await poll(async () => (await t.collector.requests()).filter((r) => r.status === 503).length, (n) => n >= 1, { message: 'the failed attempt' });
      await poll(() => stats(page).then((s) => s.inflight), (n) => n === 0, { message: 'its answer reached the page' });
      await poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => /:queue$/.test(k)).map((k) => localStorage.getItem(k)).join('')),
        (s) => s.includes(nonce), { message: 'the event in the stored queue' });
      await page.reload();
      await running(page);
      await sleep(500);
      await t.collector.clearFaults();
      await page.evaluate(() => window.tracker.flush());
      const got = await poll(() => t.collector.byNonce(nonce), (g) => g.count >= 1, { timeout: 15_000, message: 'the event' });
      await t.collector.waitFor('page-view', 2, 15_000);
      await sleep(1000);
      assert.equal((await t.collector.byNonce(nonce)).extra, 0);
      assert.ok((await t.collector.requestsWith(got.events[0].id)).filter((r) => r.status === 200).length === 1, 'one accepted copy');
      assert.equal((await t.collector.copies(t.name)).extra, 0);
    },
  },
  {
    name: () => 'the queue across a reload: the first request cut (connection dropped, status 0), the page reloaded once it knows: the same event id delivered once',
    async run(t) {
      await t.collector.faults({ drop_next: 1 });
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html`);
      const [cut] = await poll(() => t.collector.requests(), (r) => r.length >= 1, { message: 'the cut request' });
      assert.equal(cut.status, 0);
      assert.equal(cut.event_ids.length, 1);
      // The cut's answer reaches the page (status 0): it left in backoff, so only the next page sends it.
      await poll(() => stats(page).then((s) => s.inflight), (n) => n === 0, { timeout: 5000, message: 'the cut reached the page' });
      await page.reload();
      await t.collector.waitFor('page-view', 2);
      const stored = await t.collector.ofType('page-view');
      assert.ok(ids(stored).includes(cut.event_ids[0]), 'the cut event arrived');
      await sleep(1000);
      assert.equal((await t.collector.requestsWith(cut.event_ids[0])).filter((r) => r.status === 200).length, 1, 'one accepted copy');
      assert.equal((await t.collector.copies(t.name)).extra, 0);
    },
  },
  {
    name: () => 'the queue across a reload: a request never answered, the page reloaded 2.5 s into it: re-sent, stored once, ≤ 2 accepted copies (the lost-answer case)',
    async run(t) {
      await t.collector.faults({ hang_next: 1 });
      const page = await t.page();
      await page.goto(`${t.SITE}/playground.html`);
      const [held] = await poll(() => t.collector.requests(), (r) => r.length >= 1, { message: 'the held request' });
      const lost = held.event_ids;
      assert.equal(lost.length, 1);
      // Unanswered past the core's answer_overdue_ms (2 s) when the page is left: presumed lost,
      // sent again with the leave.
      await sleep(2500);
      await page.reload();
      await t.collector.waitFor('page-view', 2);
      await t.collector.clearFaults();
      const stored = await t.collector.ofType('page-view');
      assert.ok(ids(stored).includes(lost[0]));
      assert.equal(new Set(ids(stored)).size, 2);
      await sleep(1000);
      const raw = await t.collector.requestsWith(lost[0]);
      const accepted = raw.filter((r) => r.status === 200);
      assert.ok(accepted.length >= 1 && accepted.length <= 2, `${accepted.length} accepted copies`);
      assert.ok(raw.length <= 3, `${raw.length} raw copies`);
      assert.equal(stored.find((e) => e.id === lost[0]).duplicates, accepted.length - 1);
      const c = await t.collector.copies(`${t.name} (answer lost)`);
      assert.ok(c.extra <= 1);
      t.note(`accepted copies of the held event: ${accepted.length}`);
    },
  },
  // ------------------------------------------------------------ two tabs
  {
    name: () => 'two tabs through a 4 s 503 outage, one reloaded half-way and one closed before the end: every event once, no new visit',
    timeout: 90_000,
    async run(t) {
      const pages = [await t.page(), await t.newPage()];
      for (const p of pages) { await p.goto(`${t.SITE}/playground.html`); }
      await t.collector.waitFor('page-view', 2);
      for (const p of pages) await running(p);
      await t.collector.faults({ fail_next: 1_000_000, status: 503 });
      const outage = Date.now();
      for (let burst = 0; burst < 5; burst++) {
        for (let i = 0; i < 2; i++) await trackMany(pages[i], `tab-${i}`, burst * 10, 10);
        if (burst === 2) { await pages[1].reload(); await running(pages[1]); }
        await sleep(400);
      }
      await pages[0].close();
      await sleep(Math.max(0, 4000 - (Date.now() - outage)));
      await t.collector.clearFaults();
      const expected = 2 * 50 + 2 + 1;
      await poll(async () => (await t.collector.events()).events.length, (n) => n >= expected,
        { timeout: 30_000, interval: 500, message: `${expected} events without a new visit` });
      await sleep(1500);  // anything still on its way would show up as a copy now
      const c = await t.collector.copies(t.name);
      assert.equal(c.events, expected);
      assert.equal(c.extra, 0, 'each accepted exactly once');
      for (const i of [0, 1]) {
        assert.deepEqual((await t.collector.ofType(`tab-${i}`)).map((e) => e.properties.n).sort((a, b) => a - b), range(50));
      }
    },
  },
  {
    name: () => 'without Web Locks (an origin that is not a secure context: the lease in localStorage): two tabs through an outage, the leader closed: every event once, no new visit',
    timeout: 60_000,
    async run(t) {
      // Plain-http sites on another host than localhost have no navigator.locks (secure contexts
      // only): the lease must still give one sender.
      t.proxy.initScript(() => {
        Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
        // What a failure is explained by (Firefox, 1 run in ~10: the closed leader's lease found
        // written for 90 s after its pagehide): every write and removal of the lease with the
        // page's visibility and the writer's first frames, and the page's lifecycle events, kept
        // in localStorage (the page that wrote them is gone when they are read).
        const set = Storage.prototype.setItem;
        const rem = Storage.prototype.removeItem;
        const note = (what) => {
          try {
            const l = JSON.parse(localStorage.getItem('engines-lease-log') || '[]');
            l.push([Date.now(), document.visibilityState, ...what]);
            set.call(localStorage, 'engines-lease-log', JSON.stringify(l.slice(-10)));
          } catch { /* a diagnostic only */ }
        };
        const frames = () => String(new Error().stack).split('\n').slice(1, 6).map((f) => f.replace(/^.*\//, '')).join(' < ');
        Storage.prototype.setItem = function (k, v) { if (String(k).endsWith(':lease')) note(['set', v, frames()]); return set.call(this, k, v); };
        Storage.prototype.removeItem = function (k) { if (String(k).endsWith(':lease')) note(['remove', frames()]); return rem.call(this, k); };
        addEventListener('pagehide', () => note(['pagehide']));
        document.addEventListener('visibilitychange', () => note(['visibilitychange']));
      });
      const a = await t.page();
      await a.goto(`${t.SITE}/playground.html`);
      await t.collector.waitFor('page-view', 1);
      assert.equal(await a.evaluate(() => navigator.locks === undefined), true);
      await poll(() => stats(a).then((s) => s.leader), (l) => l === true, { timeout: 8000, message: 'a leads' });
      const b = await t.newPage();
      await b.goto(`${t.SITE}/playground.html`);
      await t.collector.waitFor('page-view', 2);
      await sleep(2500);  // b has read a's lease at least twice: it stays a follower
      assert.equal((await stats(b)).leader, false, 'one leader');
      await t.collector.faults({ fail_next: 1_000_000, status: 503 });
      await trackMany(a, 'lease-leader', 0, 20);
      await trackMany(b, 'lease-follower', 0, 20);
      await sleep(1500);
      await a.close();  // gives the lease up on pagehide
      await poll(() => stats(b).then((s) => s.leader), (l) => l === true, { timeout: 8000, message: 'b leads' })
        .catch(async (e) => {
          const log = await b.evaluate(() => localStorage.getItem('engines-lease-log')).catch(String);
          throw new Error(`${e.message}\n    the lease's writes and the pages' lifecycle (wall ms, visibility, what): ${log}`);
        });
      await t.collector.clearFaults();
      const ended = Date.now();
      await t.collector.waitFor('lease-leader', 20, 10_000);
      await t.collector.waitFor('lease-follower', 20, Math.max(1000, 10_000 - (Date.now() - ended)));
      await sleep(1500);  // a second sender would show up as copies now
      assert.equal((await t.collector.copies(t.name)).extra, 0, 'each accepted exactly once');
    },
  },
  // ------------------------------------------------------------ back/forward cache
  {
    // Firefox keeps no page in its back/forward cache that holds a Web Lock or waits for one when
    // the navigation starts (measured: a lock let go in a `navigate` or `beforeunload` listener is
    // restored, one let go at pagehide is not); the election's lock is let go at pagehide
    // (tabs.js resign), which Chromium's rule (evicted on contention) allows and Firefox's does not.
    // So Back reloads a tracked page in Firefox: the test asserts that, and that every event of
    // the three page loads arrives once. WebKit restores it, as Chromium does.
    name: (engine) => engine === 'firefox'
      ? 'bfcache (firefox: a page holding the election\'s Web Lock when the navigation starts is not cached, so Back reloads it): a same-site link to another tracked page and Back, every event of every page once'
      : 'bfcache: a same-site link to another tracked page and Back: restored from the back/forward cache, every event once',
    timeout: 60_000,
    async run(t) {
      const page = await t.page();
      const expected = new Map();
      const expect1 = (...types) => { for (const tp of types) expected.set(tp, (expected.get(tp) || 0) + 1); };
      await page.goto(`${t.SITE}/queue.html`);
      expect1('purchase-order', 'interest', 'page-view');
      await t.collector.waitFor('purchase-order', 1, 10_000);
      await running(page);
      // No unload/beforeunload handler (either one costs the page its place in some engine's cache).
      assert.deepEqual(await page.evaluate(() => [window.onunload, window.onbeforeunload]), [null, null]);
      await page.evaluate(() => { window.__sameDocument = 'first'; window.tracker.track('first-page-deferred', {}); });
      expect1('first-page-deferred');
      // A same-site link clicked as a visitor would. Fixed at the top: the page's requests table
      // grows under it (a link at the end of the body moved between WebDriver's scroll and click).
      await page.evaluate(() => {
        const a = document.createElement('a');
        a.href = 'snippet.html';
        a.id = 'bfcache-next';
        a.textContent = 'next page';
        a.style.cssText = 'position: fixed; top: 0; left: 0; z-index: 2147483647; padding: 8px; background: #fff';
        document.body.append(a);
      });
      await page.click('#bfcache-next');
      await poll(() => page.url(), (u) => /snippet\.html$/.test(u), { message: 'the next page' });
      expect1('snippet-first', 'snippet-second', 'snippet-third');
      await t.collector.waitFor('snippet-third', 1, 10_000);
      await running(page);
      await page.evaluate(() => window.tracker.track('next-page-deferred', {}));
      expect1('next-page-deferred');
      await page.back();
      await poll(() => page.url(), (u) => /queue\.html$/.test(u), { message: 'back on the first page' });
      await poll(() => page.evaluate(() => document.readyState), (s) => s === 'complete', { message: 'the page shown' });
      const restored = await page.evaluate(() => window.__sameDocument === 'first');
      const shows = (await watched(page)).pageshows;
      console.log(`    [bfcache] restored=${restored} pageshows=${JSON.stringify(shows)}`);
      t.note(`restored from the back/forward cache: ${restored}`);
      if (t.engine === 'firefox') {
        assert.equal(restored, false, 'Firefox restored the page: the lock is let go in time now; rename this test and assert the restore');
        assert.deepEqual(shows, [false]);
        expect1('purchase-order', 'interest', 'page-view');  // the reloaded page tracks again
      } else {
        assert.equal(restored, true, 'restored from the back/forward cache (the same document)');
        assert.deepEqual(shows, [false, true]);
      }
      await running(page);
      await poll(() => stats(page).then((s) => s.leader), (l) => l === true, { message: 'the page leads again' });
      await page.evaluate(() => { window.tracker.track('back-deferred', {}); window.tracker.track('back-fire', {}, { fire: true }); });
      expect1('back-deferred', 'back-fire');
      for (const [type, n] of expected) await t.collector.waitFor(type, n, 10_000);
      for (const until = Date.now() + 2000; Date.now() < until; await sleep(250)) {
        assert.equal((await t.collector.events()).duplicates, 0, 'no late copy');
      }
      const { events } = await t.collector.events();
      const counts = new Map();
      for (const e of events) counts.set(e.type, (counts.get(e.type) || 0) + 1);
      assert.deepEqual(Object.fromEntries(counts), Object.fromEntries(expected));
      assert.equal((await t.collector.copies(t.name)).extra, 0);
      assert.deepEqual((await watched(page)).errors, []);
    },
  },
  // ------------------------------------------------------------ the JavaScript core
  {
    name: (engine) => `CSP without 'wasm-unsafe-eval': the compile is refused${engine === 'webkit' ? ' (webkit: with no securitypolicyviolation event)' : ''}, the JavaScript core delivers the queue example`,
    async run(t) {
      const page = await t.page();
      await page.goto(`${t.SITE}/csp-no-wasm.html`);
      await expectQueueExample(t, page);
      assert.equal(await page.evaluate(() => window.tracker.__wasmTracker.state), 'running');
      const files = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname)
        .filter((p) => /liliput\.min\.(wasm|core\.js)$/.test(p)));
      assert.ok(files.includes('/tracker/liliput.min.core.js'), `the JavaScript core was fetched: ${files}`);
      // Chromium and Firefox report the refusal as a violation of script-src; WebKit refuses the
      // compile (the CompileError below) and fires no securitypolicyviolation event.
      const violations = await page.evaluate(() => window.cspViolations);
      if (t.engine === 'webkit') assert.deepEqual(violations, []);
      else {
        assert.ok(violations.length >= 1, 'the policy is in force: it refused the wasm');
        for (const v of violations) assert.match(v, /^script-src(-elem)? blocked wasm-eval/);
      }
      const w = await watched(page);
      const lines = trackerLines(w);
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.match(lines[0], /^\[Tracker\] The WebAssembly core \S+liliput\.min\.wasm cannot be used \(CompileError: .*\); using the JavaScript core from \S+liliput\.min\.core\.js\.$/s);
      assert.deepEqual(w.errors, []);
    },
  },
];
