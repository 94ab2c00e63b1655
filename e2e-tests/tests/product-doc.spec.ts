// The examples of Tracardi's "Advanced configurations" document, as reproduced by the demo pages,
// checked against what the collector received.
import { test, expect, API, OTHER_ORIGIN, servePage, sleep, type StoredRequest } from './helpers';

/** Epoch ms of the page's load event (same machine clock as the collector's received_ms). */
async function loadEventAt(page: import('@playwright/test').Page): Promise<number> {
  await page.waitForFunction(() => performance.getEntriesByType('navigation').length > 0 &&
    (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart > 0);
  return page.evaluate(() => performance.timeOrigin +
    (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart);
}

test.describe('breaking the event queue (queue.html)', () => {
  for (const crossOrigin of [false, true]) {
    test(`fire event first and alone, the other two in one request after load${crossOrigin ? ' (cross-origin api)' : ''}`,
      async ({ page, collector, logs }) => {
        const url = crossOrigin ? `${OTHER_ORIGIN}/queue.html?api=${encodeURIComponent(API)}` : '/queue.html';
        await page.goto(url);
        const loadAt = await loadEventAt(page);
        await expect.poll(async () => (await collector.events()).total).toBe(3);
        // Give a stray extra request a moment to show up before asserting exact counts.
        await collector.expectQuiet(2, 500, 'exactly two /track requests');

        const { events } = await collector.events();
        const byId = new Map(events.map((e) => [e.id, e]));
        const requests = await collector.requests();
        expect(requests.map((r) => r.status)).toEqual([200, 200]);
        expect(requests.map((r) => r.event_ids.map((id) => byId.get(id)!.type)))
          .toEqual([['interest'], ['purchase-order', 'page-view']]);
        expect(requests[1].received_ms, 'the batch leaves at/after the load event')
          .toBeGreaterThanOrEqual(Math.floor(loadAt) - 5);
        if (crossOrigin) {
          for (const r of requests) expect(r.origin).toBe(OTHER_ORIGIN);
        }

        const purchase = events.find((e) => e.type === 'purchase-order')!;
        expect(purchase.properties).toEqual({ product: 'Sun glasses - Badoo', price: 13.45 });
        expect(events.find((e) => e.type === 'interest')!.properties)
          .toEqual({ Eletronics: ['Mobile phones', 'Accessories'] });
        expect(events.find((e) => e.type === 'page-view')!.properties).toEqual({});
        // One visitor: all three events share the session and the profile.
        expect(new Set(events.map((e) => e.session)).size).toBe(1);
        expect(new Set(events.map((e) => e.profile)).size).toBe(1);
        expect(events.every((e) => e.duplicates === 0)).toBe(true);
        expect(logs.pageErrors).toEqual([]);
      });
  }

  test('fire event first even when the network is slow for it (tracker live only after load)', async ({ page, collector }) => {
    // The wasm core becomes ready after the load event, so the fire request and the load batch
    // leave in the same task. Network jitter on the fire request must not let the batch overtake
    // it: here the fire request takes 300 ms longer on the wire.
    await page.route('**/track', async (route) => {
      const body = route.request().postData() || '';
      if (route.request().method() === 'POST' && body.includes('"interest"')) await sleep(300);
      await route.continue();
    });
    await page.goto('/queue.html');
    await expect.poll(async () => (await collector.events()).total).toBe(3);
    const { events } = await collector.events();
    const byId = new Map(events.map((e) => [e.id, e.type]));
    expect((await collector.requests()).map((r) => r.event_ids.map((id) => byId.get(id))))
      .toEqual([['interest'], ['purchase-order', 'page-view']]);
  });
});

test.describe('binding to page elements (buttons.html)', () => {
  test('a click without fire is logged and not sent at the click; it travels with a later batch',
    async ({ page, collector, logs }) => {
      await page.goto('/buttons.html');
      await collector.waitFor('page-view'); // the load batch: tracker is live
      await expect.poll(async () => (await collector.requests()).length).toBe(1);

      const clickedAt = Date.now();
      await page.click('#test-click');
      await expect.poll(() => logs.of('log', /\[Tracker\] Event track/).length,
        { message: 'console line for the deferred event', timeout: 2000 }).toBe(1);
      // Not sent at the click: the click's event reaches nobody for a while. Counted by that event,
      // not by requests: CI twice saw a second request inside this window on a loaded machine
      // (which one is not known: its request log is printed here if the click's event is in it).
      const clicks = async () => (await collector.ofType('page-view'))
        .filter((e) => (e.properties as { button?: string }).button === 'testClick').length;
      for (const quietUntil = Date.now() + 1500; Date.now() < quietUntil;) {
        if (await clicks() > 0) expect(await collector.describe(), 'the click\'s event sent at the click').toBe('');
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await clicks(), 'the click\'s event sent at the click').toBe(0);

      // ...but it is not lost either: it arrives with the next batch (≤ 5 s after the click).
      const [ev] = await collector.waitFor('page-view', 2, 8000).then((evs) =>
        evs.filter((e) => (e.properties as { button?: string }).button === 'testClick'));
      expect(ev).toBeTruthy();
      expect(ev.received_ms - clickedAt).toBeGreaterThanOrEqual(1500);
      expect(ev.received_ms - clickedAt).toBeLessThan(7000);
      expect(ev.properties).toEqual({ view: 1, button: 'testClick' });
      expect(logs.pageErrors).toEqual([]);
    });

  test('a click with fire is sent at once, alone, before the deferred one', async ({ page, collector }) => {
    await page.goto('/buttons.html');
    await collector.waitFor('page-view');
    const clickedAt = Date.now();
    await page.click('#test-click');        // deferred
    const firedAt = Date.now();
    await page.click('#test-click-fire');   // fire
    // By the fire event, not by a request count: on a loaded machine the clicks themselves can
    // take seconds, and the deferred click's batch (due 5 s after it) may then come first (CI:
    // a third request within the old 2 s window).
    const byButton = async (b: string) => (await collector.events()).events.find(
      (e) => (e.properties as { button?: string }).button === b);
    await expect.poll(async () => !!(await byButton('testClickFire')), { timeout: 2000, message: 'fire event stored' }).toBe(true);
    const fired = (await byButton('testClickFire'))!;
    expect(fired.received_ms - firedAt).toBeLessThan(1000);
    const requests = await collector.requests();
    expect(requests.find((r) => r.event_ids.includes(fired.id))!.event_ids,
      'the fire event travels alone (the deferred one is not carried)').toEqual([fired.id]);
    // The deferred click still arrives, in its own batch.
    await expect.poll(async () => (await collector.events()).total, { timeout: 8000 }).toBe(3);
    const deferred = (await byButton('testClick'))!;
    expect((await collector.requests()).find((r) => r.event_ids.includes(deferred.id))!.event_ids).toEqual([deferred.id]);
    expect(deferred.received_ms - clickedAt, 'sent with the next batch, not at its click').toBeGreaterThanOrEqual(1500);
  });

  test('helpers.onClick bound in onTracardiReady sends at once through helpers.track', async ({ page, collector }) => {
    await page.goto('/buttons.html');
    await expect(page.locator('#helpers-click')).toBeEnabled();
    await expect(page.locator('#ready')).toContainText('yes');
    const before = (await collector.requests()).length;
    expect(before).toBe(1);
    const clickedAt = Date.now();
    await page.click('#helpers-click');
    const [ev] = await collector.waitFor('helper-click', 1, 2000);
    expect(ev.received_ms - clickedAt).toBeLessThan(1000);
    expect(ev.properties).toEqual({ button: 'helpers-click' });
    const requests = await collector.requests();
    expect(requests).toHaveLength(2);
    expect(requests[1].event_ids).toEqual([ev.id]);
  });
});

test.describe('forcing the profile id (static-profile.html)', () => {
  const CONFIGURED = '7f1c2a3e-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
  const STORED = '0b6a6f0e-2a54-4b8e-8f43-3c1d2e5f6a7b';

  test('the configured id is sent on every request whatever localStorage holds', async ({ page, collector, logs }) => {
    // A returning visitor: Tracardi's tracker stored another profile id (JSON-encoded).
    await page.addInitScript((id) => {
      localStorage.setItem('tracardi-profile-id', JSON.stringify(id));
    }, STORED);
    await page.goto('/static-profile.html');
    await collector.waitFor('page-view');
    await expect(page.locator('#stored')).toHaveText(JSON.stringify(STORED));
    await expect(page.locator('#answered')).toHaveText(CONFIGURED);
    await page.click('#fire');
    await collector.waitFor('static-profile-click');
    // A deferred event, flushed explicitly, and a second page view on reload.
    await page.evaluate(() => { window.tracker.track('static-deferred', {}); (window.tracker as any).flush(); });
    await collector.waitFor('static-deferred');
    await page.reload();
    await collector.waitFor('page-view', 2);

    const requests = await collector.requests();
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const r of requests) {
      expect(r.status).toBe(200);
      expect(r.profile, `request ${r.seq} profile`).toBe(CONFIGURED);
    }
    for (const e of (await collector.events()).events) expect(e.profile, `${e.type} profile`).toBe(CONFIGURED);
    expect(logs.tracker('warning'), 'a UUIDv4 id gives no warning').toEqual([]);
  });

  test('a guessable (non-UUID) id still works but logs a security warning', async ({ page, collector, logs }) => {
    await page.goto('/static-profile.html?profile=customer-42');
    const [ev] = await collector.waitFor('page-view');
    expect(ev.profile).toBe('customer-42');
    expect((await collector.requests())[0].profile).toBe('customer-42');
    const warnings = logs.messages.filter((m) => m.type === 'warning' && /customer-42|uuid/i.test(m.text));
    expect(warnings, 'exactly one warning about the weak profile id').toHaveLength(1);
  });
});

test.describe('the pasted snippet (snippet.html)', () => {
  test('calls made before the script loaded are replayed in order, in one request after load', async ({ page, collector, logs }) => {
    await page.goto('/snippet.html');
    const loadAt = await loadEventAt(page);
    await expect.poll(async () => (await collector.events()).total).toBe(3);
    await collector.expectQuiet(1, 500, 'one request for the three queued calls');
    const { events } = await collector.events();
    expect(events.map((e) => e.type)).toEqual(['snippet-first', 'snippet-second', 'snippet-third']);
    expect(events.map((e) => e.properties)).toEqual([{ order: 1 }, { order: 2 }, { order: 3 }]);
    const [req] = await collector.requests();
    expect(req.event_ids).toEqual(events.map((e) => e.id));
    expect(req.received_ms).toBeGreaterThanOrEqual(Math.floor(loadAt) - 5);
    const created = events.map((e) => Date.parse(String(e.time.create)));
    for (const t of created) expect(Number.isFinite(t)).toBe(true);
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    expect(logs.pageErrors).toEqual([]);
  });

  test('the loader pasted inline: queued calls keep call order and their call time', async ({ page, collector, logs }) => {
    const loader = await (await page.request.get(`${API}/tracker/loader.min.js`)).text();
    expect(loader.length).toBeGreaterThan(100);
    // Hold the tracker script back so the calls certainly happen before it has loaded.
    let scriptServedAt = 0;
    await page.route('**/tracker/liliput.min.js', async (route) => {
      await sleep(600);
      scriptServedAt = Date.now();
      await route.continue();
    });
    await servePage(page, '**/pasted.html', `<!doctype html><html><head><meta charset="utf-8">
<title>pasted</title>
<script>
${loader}
        const options = {
            tracker: {
                url: {
                    script: '${API}/tracker',
                    api: '${API}'
                },
                source: {
                    id: "demo-source"
                }
            }
        }
</script>
<script>
  function spin(ms) { const end = performance.now() + ms; while (performance.now() < end) {} }
  window.tracker.track("pasted-1", {"n": 1}); spin(15);
  window.tracker.track("pasted-2", {"n": 2}); spin(15);
  window.tracker.track("pasted-3", {"n": 3}, {"fire": true}); spin(15);
  window.tracker.track("pasted-4", {"n": 4});
</script></head><body>pasted snippet</body></html>`);
    await page.goto('/pasted.html');
    await expect.poll(async () => (await collector.events()).total).toBe(4);
    const { events } = await collector.events();
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    const created = [1, 2, 3, 4].map((n) => Date.parse(String(byType[`pasted-${n}`].time.create)));
    for (let i = 1; i < 4; i++) expect(created[i], `time.create of call ${i + 1}`).toBeGreaterThan(created[i - 1]);
    expect(created[3], 'time.create is the call time, not the replay time').toBeLessThan(scriptServedAt);
    const requests = await collector.requests();
    const types = (r: StoredRequest) => r.event_ids.map((id) => events.find((e) => e.id === id)!.type);
    // (Which of the two requests reaches the collector first is checked by the queue.html tests.)
    expect(requests.map(types).sort((x, y) => x.length - y.length))
      .toEqual([['pasted-3'], ['pasted-1', 'pasted-2', 'pasted-4']]);
    expect(logs.pageErrors).toEqual([]);
  });
});

test.describe("Tracardi's own loader kept unchanged (tracardi-loader.html)", () => {
  test('its privately queued calls are handed over: fire first and alone, then one batch; onTracardiReady fires', async ({ page, collector, logs }) => {
    await page.goto('/tracardi-loader.html');
    await expect.poll(async () => (await collector.events()).total).toBe(3);
    await collector.expectQuiet(2, 500, 'exactly two /track requests');
    const { events } = await collector.events();
    const byId = new Map(events.map((e) => [e.id, e]));
    const requests = await collector.requests();
    expect(requests.map((r) => r.event_ids.map((id) => byId.get(id)!.type)))
      .toEqual([['interest'], ['purchase-order', 'page-view']]);
    expect(logs.of('log', /\[Loader\] Rerun callbacks\./)).toHaveLength(1);
    await expect(page.locator('#ready')).toHaveText(`onTracardiReady: profile ${events[0].profile}`);
    // The loader made window.tracardi.default the tracker: it is ours, and live.
    expect(await page.evaluate(() => window.tracker === (window as any).tracardi.default)).toBe(true);
    await page.evaluate(() => window.tracker.track('after-handover', {}, { fire: true }));
    await collector.waitFor('after-handover');
    expect(logs.pageErrors).toEqual([]);
  });
});
