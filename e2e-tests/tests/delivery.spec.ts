// Delivery and fault scenarios (reliability.md §7, E-level rows) at browser level. Each test
// asserts the collector's state: every event id accepted exactly once, or dropped by a stated rule.
import { chromium } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, API, OTHER_ORIGIN, persistedQueue, Logs, playground, setVisibility, sleep,
  type StoredEvent } from './helpers';

const ids = (evs: StoredEvent[]) => evs.map((e) => e.id);

test('#1 collector answers 500 twice, then recovers: retried with backoff, stored once', async ({ page, collector }) => {
  await collector.faults({ fail_next: 2, status: 500 });
  await page.goto(playground());
  const [ev] = await collector.waitFor('page-view', 1, 10_000);
  const requests = await collector.requests();
  expect(requests.map((r) => [r.status, r.injected])).toEqual([[500, true], [500, true], [200, false]]);
  for (const r of requests) expect(r.event_ids).toEqual([ev.id]);
  // Backoff 1 s × 2^n ± 25 %: ~1 s, then ~2 s (a little slack for scheduling).
  const gap1 = requests[1].received_ms - requests[0].received_ms;
  const gap2 = requests[2].received_ms - requests[1].received_ms;
  expect(gap1).toBeGreaterThanOrEqual(750 - 20);
  expect(gap1).toBeLessThanOrEqual(1250 + 200);
  expect(gap2).toBeGreaterThanOrEqual(1500 - 20);
  expect(gap2).toBeLessThanOrEqual(2500 + 200);
  expect(ev.duplicates).toBe(0);
  // Stops after success.
  await collector.expectQuiet(3, 2500, 'no request after the successful retry');
  expect((await collector.copies('#1 500,500,200')).extra).toBe(0);
});

test('#5 a 4xx answer drops the batch without retry; later events are delivered', async ({ page, collector, logs }) => {
  await collector.faults({ fail_next: 1, status: 422 });
  await page.goto(playground());
  await expect.poll(async () => (await collector.requests()).length).toBe(1);
  const [dropped] = await collector.requests();
  expect([dropped.status, dropped.injected]).toEqual([422, true]);
  await page.evaluate(() => window.tracker.track('after-drop', {}, { fire: true }));
  const [after] = await collector.waitFor('after-drop');
  await collector.expectQuiet(2, 2000, 'the dropped batch is not retried');
  expect(await collector.ofType('page-view')).toEqual([]);
  expect((await collector.requests())[1].event_ids).toEqual([after.id]);
  expect(logs.pageErrors).toEqual([]);
});

test('#2 first request aborted (blocked by client), page reloaded: same event id delivered once', async ({ page, collector }) => {
  let abortedBody: { events: { id: string; type: string }[] } | null = null;
  await page.route('**/track', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    abortedBody = route.request().postDataJSON();
    await route.abort('blockedbyclient');
  }, { times: 1 });
  await page.goto(playground());
  await expect.poll(() => abortedBody !== null, { timeout: 5000 }).toBe(true);
  const lost = abortedBody!.events.map((e) => e.id);
  expect(abortedBody!.events.map((e) => e.type)).toEqual(['page-view']);
  // The abort's answer reaches the page (asserted below as the premise); a reload before it is
  // the ambiguous case (the page cannot tell a cut it will never hear of from a delivery).
  await expect.poll(() => page.evaluate(() => window.tracker.stats()?.inflight), { timeout: 5000 }).toBe(0);
  await page.reload(); // before the in-page retry (≥ 750 ms)
  await collector.waitFor('page-view', 2);
  const stored = await collector.ofType('page-view');
  expect(ids(stored)).toContain(lost[0]);
  expect(new Set(ids(stored)).size).toBe(2);
  // The abort's answer reached the page: the page left in backoff, so only the next page sends
  // it (no keepalive copy at pagehide into the same outage): exactly one accepted copy.
  const accepted = (await collector.requestsWith(lost[0])).filter((r) => r.status === 200);
  expect(accepted.length).toBe(1);
  expect((await collector.copies('#2 aborted, reload')).extra).toBe(0);
});

test('#3 request never answered, page reloaded mid-flight: re-sent, stored once, ≤ 2 accepted copies', async ({ page, collector }) => {
  await collector.faults({ hang_next: 1 });
  const hung = page.waitForRequest((r) => r.url().endsWith('/track') && r.method() === 'POST');
  await page.goto(playground());
  const lost = (await hung).postDataJSON().events.map((e: { id: string }) => e.id) as string[];
  expect(lost).toHaveLength(1);
  // Unanswered past the core's answer_overdue_ms (2 s) when the page is left: presumed lost, sent
  // again with the leave (a younger keepalive request is left to the browser, which finishes it).
  await sleep(2500);
  await page.reload();
  await collector.waitFor('page-view', 2);
  await collector.clearFaults(); // release the held request
  const stored = await collector.ofType('page-view');
  expect(ids(stored)).toContain(lost[0]);
  expect(new Set(ids(stored)).size).toBe(2);
  // Raw copies: the held request, at most one on the unload path, one from the next page.
  await expect.poll(async () => (await collector.requestsWith(lost[0])).some((r) => r.status === 0),
    { message: 'the held request is logged once released' }).toBe(true);
  const raw = await collector.requestsWith(lost[0]);
  const accepted = raw.filter((r) => r.status === 200);
  expect(accepted.length).toBeGreaterThanOrEqual(1);
  expect(accepted.length).toBeLessThanOrEqual(2);
  expect(raw.length).toBeLessThanOrEqual(3);
  expect(stored.find((e) => e.id === lost[0])!.duplicates).toBe(accepted.length - 1);
  // Lost-answer case (named): the held request's answer never reached any page.
  expect((await collector.copies('#3 held request, reload (answer lost)')).extra).toBeLessThanOrEqual(1);
});

test('#4 tab closed right after track(): the next visit delivers the event with the same id', async ({ collector }) => {
  test.setTimeout(60_000);
  const launch = test.info().project.use.launchOptions!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-tracker-profile-'));
  try {
    let ctx = await chromium.launchPersistentContext(dir, { ...launch, baseURL: API });
    let page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(playground());
    await collector.waitFor('page-view');
    // From here on nothing leaves this tab: the event can only survive through storage.
    await page.route('**/track', (route) => route.abort('blockedbyclient'));
    // The tab writes the shared queue once it is elected (Web Locks, asynchronous), and then in the
    // task after each change: waited for, not assumed to be done by the next CDP call (a loaded
    // machine once read no key at all here).
    await expect.poll(() => page.evaluate(() => window.tracker.stats()?.leader), { timeout: 8000 }).toBe(true);
    await page.evaluate(() => window.tracker.track('tab-closed', { nonce: 'n-4' }));
    await expect.poll(() => persistedQueue(page), { message: 'write-through: the queue is persisted at once', timeout: 4000 })
      .toContain('tab-closed');
    const snapshot = await persistedQueue(page);
    await ctx.close();

    ctx = await chromium.launchPersistentContext(dir, { ...launch, baseURL: API });
    page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(playground());
    const [ev] = await collector.waitFor('tab-closed');
    expect(snapshot).toContain(ev.id);
    expect(ev.properties).toEqual({ nonce: 'n-4' });
    expect(ev.duplicates).toBe(0);
    await collector.waitFor('page-view', 2);
    expect((await collector.copies('#4 tab closed, next visit')).extra).toBe(0);
    await ctx.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('#9 offline then online: nothing sent while offline, everything delivered in order after', async ({ page, context, collector }) => {
  await page.goto(playground());
  await collector.waitFor('page-view');
  await context.setOffline(true);
  await page.evaluate(() => {
    for (let i = 0; i < 30; i++) window.tracker.track('offline-event', { n: i });
    window.tracker.track('offline-fire', {}, { fire: true });
    window.tracker.flush!();
  });
  await sleep(1500);
  expect((await collector.requests()).length, 'no request reached the collector while offline').toBe(1);
  const onlineAt = Date.now();
  await context.setOffline(false);
  const stored = await collector.waitFor('offline-event', 30, 10_000);
  expect(stored.map((e) => (e.properties as { n: number }).n)).toEqual([...Array(30).keys()]);
  await collector.waitFor('offline-fire');
  expect(Math.max(...stored.map((e) => e.received_ms)) - onlineAt).toBeLessThan(10_000);
  expect((await collector.copies('#9 offline then online')).extra).toBe(0);
});

test('#10 localStorage.setItem throws QuotaExceededError: events still delivered, one warning', async ({ page, collector, logs }) => {
  await page.addInitScript(() => {
    Storage.prototype.setItem = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await page.goto(playground());
  await collector.waitFor('page-view');
  await page.evaluate(() => {
    window.tracker.track('quota-fire', {}, { fire: true });
    window.tracker.track('quota-deferred', {});
    window.tracker.flush!();
  });
  await collector.waitFor('quota-fire');
  await collector.waitFor('quota-deferred');
  expect((await collector.copies('#10 quota errors')).extra).toBe(0);
  expect(logs.pageErrors).toEqual([]);
  expect(logs.tracker('warning').filter((t) => /localStorage|storage/i.test(t)),
    'exactly one storage warning').toHaveLength(1);
});

test('#11 localStorage unavailable (disabled storage): track() works, delivery within the page', async ({ page, collector, logs }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() { throw new DOMException('Access is denied for this document.', 'SecurityError'); },
    });
  });
  await page.goto(playground());
  await collector.waitFor('page-view');
  await page.evaluate(() => {
    window.tracker.track('nostorage-deferred', {});
    window.tracker.track('nostorage-fire', {}, { fire: true });
  });
  await collector.waitFor('nostorage-fire');
  await collector.waitFor('nostorage-deferred', 1, 8000); // the 5 s batch
  expect((await collector.copies('#11 no storage')).extra).toBe(0);
  expect(logs.pageErrors).toEqual([]);
  expect(logs.tracker('error')).toEqual([]);
});

test('#14 20 events then immediate navigation (page and api on different origins): all delivered on the unload path', async ({ page, collector }) => {
  await page.goto(playground({ api: API }, OTHER_ORIGIN));
  await collector.waitFor('page-view');
  await page.evaluate(() => {
    for (let i = 0; i < 20; i++) window.tracker.track('unload-event', { n: i, pad: 'p'.repeat(200) });
  });
  const leftAt = Date.now();
  await page.goto(`${OTHER_ORIGIN}/playground-next.html`); // no tracker on that page
  // The old page is gone, so nothing but its unload path can deliver them (a 5 s timer cannot).
  const stored = await collector.waitFor('unload-event', 20, 4000);
  expect(new Set(ids(stored)).size).toBe(20);
  expect(stored.map((e) => (e.properties as { n: number }).n)).toEqual([...Array(20).keys()]);
  expect(Math.max(...stored.map((e) => e.received_ms)) - leftAt).toBeLessThan(4000);
  const carrying = (await collector.requests()).filter((r) => r.event_ids.some((id) => ids(stored).includes(id)));
  for (const r of carrying) {
    expect(r.status).toBe(200);
    expect(r.origin).toBe(OTHER_ORIGIN);
    expect(r.content_type).toMatch(/^application\/json/);
    expect(r.bytes).toBeLessThanOrEqual(60 * 1024);
  }
  expect(carrying.reduce((n, r) => n + r.bytes, 0), 'keepalive bytes within the 60 KB budget')
    .toBeLessThanOrEqual(60 * 1024);
  expect((await collector.copies('#14 unload path, cross-origin')).extra).toBe(0);
});

test('#15 300 KB pending at unload: what fits leaves now, the rest is delivered on the next visit', async ({ page, collector }) => {
  await page.goto(playground());
  await collector.waitFor('page-view');
  await page.evaluate(() => {
    for (let i = 0; i < 30; i++) window.tracker.track('big-event', { n: i, pad: 'b'.repeat(10 * 1024) });
  });
  await page.goto('/playground-next.html');
  await sleep(1000);
  const early = await collector.ofType('big-event');
  const earlyBytes = (await collector.requests()).slice(1).reduce((n, r) => n + r.bytes, 0);
  expect(early.length, 'not all 300 KB can leave on the unload path').toBeLessThan(30);
  expect(earlyBytes, 'unload path within the 60 KB keepalive budget').toBeLessThanOrEqual(60 * 1024);
  await page.goto(playground({ pageview: '0' }));
  const stored = await collector.waitFor('big-event', 30, 10_000);
  expect(new Set(ids(stored)).size).toBe(30);
  // Lost-answer case: the unload requests' answers never reached a page, so the next page re-sends
  // those events (at-least-once): at most one extra copy each, and none for the others.
  const c15 = await collector.copies('#15 300 KB at unload (answers lost with the page)');
  expect(c15.extra).toBeLessThanOrEqual(early.length);
  for (const r of await collector.requests()) expect(r.bytes).toBeLessThanOrEqual(60 * 1024);
});

test('#16 tab hidden then shown: one flush on hide, no duplicate flush on show', async ({ page, collector }) => {
  await page.goto(playground());
  const [{ session }] = await collector.waitFor('page-view');
  // Only this page's requests count: a keepalive request of an earlier test's closed page (#15
  // sends 300 KB at unload) can still reach the collector after its reset.
  const mine = (r: { session: string | null }) => r.session === session;
  // Until elected a tab is a follower: its deferred events go to itself as a hand-over, which it
  // takes back when elected and sends at once (as any restored queue). Seen once on the CI
  // machine, where the election came late: the tracked events left before the hide.
  await expect.poll(() => page.evaluate(() => window.tracker.stats()?.leader), { timeout: 8000 }).toBe(true);
  await page.evaluate(() => {
    for (let i = 0; i < 3; i++) window.tracker.track('hidden-event', { n: i });
  });
  await sleep(300);
  // The deferred events wait (5 s): nothing of them has left before the tab is hidden. (Counted by
  // their events, not by the page's requests: a retry of the load batch after a transient network
  // failure is not this test's subject; copies are checked at the end.)
  const before = (await collector.requests()).filter(mine);
  const hiddenIds = async () => new Set(ids(await collector.ofType('hidden-event')));
  expect((await hiddenIds()).size, `no hidden-event before hiding (requests: ${JSON.stringify(before.map((r) => [r.status, r.event_ids.length]))})`).toBe(0);
  const hiddenAt = Date.now();
  await setVisibility(page, 'hidden');
  const stored = await collector.waitFor('hidden-event', 3, 2000);
  expect(Math.max(...stored.map((e) => e.received_ms)) - hiddenAt).toBeLessThan(1500);
  await setVisibility(page, 'visible');
  const carriesHidden = (r: { session: string | null; event_ids: string[] }) =>
    mine(r) && r.event_ids.some((id) => ids(stored).includes(id));
  await collector.expectQuiet(1, 1500, 'exactly one flush request for hide + show', carriesHidden);
  expect((await collector.requests()).filter(carriesHidden)[0].event_ids).toEqual(ids(stored));
  expect((await collector.events()).duplicates).toBe(0);
  expect((await collector.copies('#16 hidden then shown')).extra).toBe(0);
});

test('#17 bfcache: no unload listeners, page restored from the back/forward cache keeps tracking', async ({ collector }) => {
  const launch = test.info().project.use.launchOptions!;
  // Playwright disables the back/forward cache by default; this test needs it.
  const browser = await chromium.launch({ ...launch, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  try {
    const page = await browser.newPage({ baseURL: API });
    const logs = new Logs().watch(page);
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as any).__unloadListeners = seen;
      const add = EventTarget.prototype.addEventListener;
      EventTarget.prototype.addEventListener = function (type: string, ...rest: any[]) {
        if (type === 'unload' || type === 'beforeunload') seen.push(type);
        return add.call(this, type, ...rest);
      };
      (window as any).__pageshows = [] as boolean[];
      window.addEventListener('pageshow', (e) => (window as any).__pageshows.push(e.persisted));
    });
    await page.goto(playground());
    await collector.waitFor('page-view');
    expect(await page.evaluate(() => [(window as any).__unloadListeners, window.onunload, window.onbeforeunload]))
      .toEqual([[], null, null]);
    await page.evaluate(() => window.tracker.track('before-bfcache', {}));
    await page.goto('/playground-next.html');
    await collector.waitFor('before-bfcache', 1, 4000); // left on pagehide
    // A bfcache restore fires no load event: wait for the commit only.
    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => page.evaluate(() => (window as any).__pageshows)).toEqual([false, true]);
    await page.evaluate(() => window.tracker.track('after-bfcache', {}, { fire: true }));
    await collector.waitFor('after-bfcache', 1, 3000);
    await page.evaluate(() => window.tracker.track('after-bfcache-deferred', {}));
    await collector.waitFor('after-bfcache-deferred', 1, 8000);
    expect((await collector.copies('#17 bfcache')).extra).toBe(0);
    expect(logs.pageErrors).toEqual([]);
  } finally {
    await browser.close();
  }
});

// Issue 20: status 0 (a blocker, CORS, a proxy's error page) never silences the page: it keeps
// probing on the backoff (at most one request at a time, a minute apart at most), says so once,
// and delivers as soon as the block is gone, without a next page and without copies. (It used to
// stop after 3 attempts for the rest of the page.)
test('#21 all /track requests blocked as by an ad blocker: probes on the backoff, one warning, delivers once unblocked', async ({ page, collector, logs }) => {
  test.setTimeout(60_000);
  const attempts: number[] = [];
  const block = async (route: import('@playwright/test').Route) => {
    if (route.request().method() === 'POST') attempts.push(Date.now());
    await route.abort('blockedbyclient');
  };
  await page.route('**/track', block);
  await page.goto(playground());
  // The page's load batch fails first; the fire then waits and rides the next probe.
  await expect.poll(() => attempts.length, { timeout: 8000 }).toBe(1);
  await expect.poll(() => page.evaluate(() => window.tracker.stats()?.inflight), { timeout: 8000 }).toBe(0);
  await page.evaluate(() => window.tracker.track('blocked-fire', {}, { fire: true }));
  await expect.poll(() => attempts.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
  for (let i = 2; i < attempts.length; i++) {
    expect(attempts[i] - attempts[i - 1], 'probes follow the backoff, one at a time').toBeGreaterThanOrEqual(700);
  }
  expect(await page.evaluate(() => window.tracker.track('still-callable', {}))).toBeUndefined();
  expect(logs.pageErrors).toEqual([]);
  expect(logs.tracker('warning').filter((m) => /unreachable/.test(m)), 'one line per outage').toHaveLength(1);
  expect((await collector.requests()).length).toBe(0);
  // The block is gone: the same page delivers everything with its next probe (or flush()).
  await page.unroute('**/track', block);
  await page.evaluate(() => window.tracker.flush());
  await collector.waitFor('page-view');
  await collector.waitFor('blocked-fire');
  await collector.waitFor('still-callable', 1, 8000);
  await page.goto(playground({ pageview: '0' }));
  await sleep(1000);
  expect((await collector.events()).duplicates).toBe(0);
  expect((await collector.copies('#21 ad blocker, then unblocked')).extra).toBe(0);
});

test('#12 5,000 events tracked while offline: bounded queue (newest 1,000 kept, ≤ 1 MB persisted), delivered once back online', async ({ page, context, collector }) => {
  test.setTimeout(60_000);
  await page.goto(playground());
  await collector.waitFor('page-view');
  await context.setOffline(true);
  await page.evaluate(() => {
    for (let i = 0; i < 5000; i++) window.tracker.track('bulk', { n: i });
  });
  await sleep(200); // the snapshot is written at most once per task
  const snapshot = await persistedQueue(page);
  expect(snapshot.length, 'persisted queue ≤ 1 MB').toBeLessThanOrEqual(1024 * 1024);
  const persisted = snapshot.match(/bulk/g)?.length ?? 0;
  expect(persisted, 'persisted queue ≤ 1,000 events').toBeLessThanOrEqual(1000);
  expect(persisted).toBeGreaterThan(0);
  await context.setOffline(false);
  const stored = await collector.waitFor('bulk', 1000, 20_000);
  // Drop-oldest: exactly the newest 1,000 survive, in order, once each.
  expect(stored.map((e) => (e.properties as { n: number }).n))
    .toEqual(Array.from({ length: 1000 }, (_, i) => 4000 + i));
  expect((await collector.events()).duplicates).toBe(0);
  expect((await collector.copies('#12 5,000 offline')).extra).toBe(0);
  for (const r of await collector.requests()) {
    expect(r.event_ids.length).toBeLessThanOrEqual(50);
    expect(r.bytes).toBeLessThanOrEqual(60 * 1024);
  }
  await collector.expectQuiet((await collector.requests()).length, 1000, 'nothing more to send');
});

test('#18 two tabs, one closed while offline: every event of both tabs delivered exactly once', async ({ context, collector }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await a.goto(playground());
  await b.goto(playground());
  await collector.waitFor('page-view', 2);
  await context.setOffline(true);
  await a.evaluate(() => { for (let i = 0; i < 5; i++) window.tracker.track('tab-a', { n: i }); });
  await b.evaluate(() => { for (let i = 0; i < 5; i++) window.tracker.track('tab-b', { n: i }); });
  await sleep(200);
  await a.close(); // abandoned while offline: its events can only survive in storage
  await context.setOffline(false);
  await collector.waitFor('tab-b', 5, 10_000);
  // A new visit picks up what the closed tab left behind.
  const c = await context.newPage();
  await c.goto(playground({ pageview: '0' }));
  await collector.waitFor('tab-a', 5, 15_000);
  const { events } = await collector.events();
  expect(new Set(ids(events)).size).toBe(events.length);
  // One sender per browser (issue 10): the leader tab owns the one stored queue, a follower hands
  // its events over; no tab merges a queue another live tab still sends, so no copy.
  const c18 = await collector.copies('#18 two tabs, one closed');
  expect(c18.extra).toBe(0);
});

test('#9b 20 concurrent fire events into a 3 s outage: all arrive within 10 s, once each, unprompted', async ({ page, collector }) => {
  await page.goto(playground());
  await collector.waitFor('page-view');
  await collector.faults({ fail_next: 100000, status: 500 });
  const firedAt = Date.now();
  await page.evaluate(() => {
    for (let i = 0; i < 20; i++) window.tracker.track('outage-fire', { n: i }, { fire: true });
  });
  await sleep(3000 - (Date.now() - firedAt));
  await collector.clearFaults(); // the outage ends; the page does nothing more from here on
  const stored = await collector.waitFor('outage-fire', 20, 10_000 - (Date.now() - firedAt));
  expect(Math.max(...stored.map((e) => e.received_ms)) - firedAt).toBeLessThan(10_000);
  expect(new Set(stored.map((e) => (e.properties as { n: number }).n)).size).toBe(20);
  // One outage, few requests: not one retry train per fire.
  const failed = (await collector.requests()).filter((r) => r.status === 500);
  expect(failed.length, 'failed requests during the 3 s outage').toBeLessThanOrEqual(8);
  expect((await collector.copies('#9b 20 fires into a 3 s outage')).extra).toBe(0);
});
