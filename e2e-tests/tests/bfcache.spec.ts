// Back/forward cache with the tracker on both pages (issue 20). The commonest navigation: a link
// to another page of the same site that runs the tracker too, then Back. The first page must be
// restored from the back/forward cache: it may hold no Web Lock (and have no lock request
// pending) while it is cached, or the next page's request for the election lock evicts it
// (Chromium's notRestoredReasons `weblocks-contention`). And every event of both pages arrives
// exactly once, including the ones tracked after coming back.
import { chromium, type Browser, type Page } from '@playwright/test';
import { test, expect, API, Logs, playground, sleep } from './helpers';

// Kept by every page from its first script on: one entry per pageshow, its `persisted` flag. A
// page restored from the back/forward cache is the same window, so it has seen [false, true].
function recordPageshows(): void {
  (window as any).__pageshows = [] as boolean[];
  window.addEventListener('pageshow', (e) => (window as any).__pageshows.push(e.persisted));
}

/** Why the current document was not restored (every frame's reasons), or [] when it was. */
async function notRestoredReasons(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as any;
    const out: string[] = [];
    const walk = (r: any) => {
      if (!r) return;
      for (const x of r.reasons || []) out.push(typeof x === 'string' ? x : x.reason);
      if (r.blocked && !(r.reasons || []).length) out.push('blocked (reason not given)');
      for (const c of r.children || []) walk(c);
    };
    walk(nav?.notRestoredReasons);
    return out;
  });
}

// A same-site link in the page, clicked as a visitor would (a renderer-initiated navigation, the
// case Chromium reported; page.goto would be a browser-initiated one).
async function followLink(page: Page, href: string): Promise<void> {
  await page.evaluate((h) => {
    const a = document.createElement('a');
    a.href = h;
    a.id = 'bfcache-next';
    a.textContent = 'next page';
    document.body.append(a);
  }, href);
  await Promise.all([page.waitForURL(`**/${href}`), page.click('#bfcache-next')]);
}

const track = (page: Page, type: string, fire = false) =>
  page.evaluate(([t, f]) => window.tracker.track(t as string, {}, f ? { fire: true } : {}), [type, fire] as const);

// Two tabs: `before` = the other tab is opened first (it leads, the first page waits for the
// lock); `after` = opened after the first page (the first page leads, the other one waits).
for (const other of ['none', 'before', 'after'] as const) {
  test(`link to another tracked page and Back (${other === 'none' ? 'one tab' : `second tab opened ${other}`}): restored from the back/forward cache, every event once`, async ({ collector }) => {
    test.setTimeout(60_000);
    const launch = test.info().project.use.launchOptions!;
    // Playwright disables the back/forward cache by default (--disable-back-forward-cache).
    const browser: Browser = await chromium.launch({ ...launch, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
    try {
      const context = await browser.newContext({ baseURL: API });
      await context.addInitScript(recordPageshows);
      const logs = new Logs().watch(context);
      const expected = new Map<string, number>();
      const expect1 = (...types: string[]) => { for (const t of types) expected.set(t, (expected.get(t) || 0) + 1); };

      const openOther = async () => {
        const p = await context.newPage();
        await p.goto(playground());
        expect1('page-view');
        await collector.waitFor('page-view', expected.get('page-view')!, 10_000);
        return p;
      };
      const second = other === 'before' ? await openOther() : null;

      const page = await context.newPage();
      await page.goto('/queue.html');
      expect1('purchase-order', 'interest', 'page-view');
      await collector.waitFor('purchase-order', 1, 10_000);
      const third = other === 'after' ? await openOther() : null;
      const tab2 = second || third;

      await track(page, 'first-page-deferred');
      expect1('first-page-deferred');
      await followLink(page, 'snippet.html');
      expect1('snippet-first', 'snippet-second', 'snippet-third');
      // The next page's tracker runs (and asks for the election lock) before we go back.
      await collector.waitFor('snippet-third', 1, 10_000);
      await track(page, 'next-page-deferred');
      expect1('next-page-deferred');  // awaited with the rest at the end
      if (tab2) { await track(tab2, 'other-tab-deferred'); expect1('other-tab-deferred'); }

      // A restore fires no load event: wait for the commit only.
      await page.goBack({ waitUntil: 'commit' });
      await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/queue.html');
      const reasons = await notRestoredReasons(page);
      const shows = await page.evaluate(() => (window as any).__pageshows);
      console.log(`[bfcache] ${other}: pageshows=${JSON.stringify(shows)} notRestoredReasons=${JSON.stringify(reasons)}`);
      expect(reasons, `notRestoredReasons: ${reasons.join(', ')}`).toEqual([]);
      expect(shows, `restored (pageshow persisted) — notRestoredReasons: ${reasons.join(', ')}`).toEqual([false, true]);

      // One leader: the page that came back is a follower until the lock is granted to it again.
      const tabs = tab2 ? [page, tab2] : [page];
      const leading = async () => (await Promise.all(tabs.map((p) =>
        p.evaluate(() => window.tracker.stats?.()?.leader === true)))).filter(Boolean).length;
      expect(await leading(), 'never two leaders').toBeLessThanOrEqual(1);
      await expect.poll(leading, { message: 'one tab leads' }).toBe(1);

      // Tracking goes on after coming back, deferred and fire alike.
      await track(page, 'back-deferred');
      await track(page, 'back-fire', true);
      expect1('back-deferred', 'back-fire');
      for (const [type, n] of expected) await collector.waitFor(type, n, 10_000);
      // Every event id once: nothing arrives twice, not even late (a hand-over taken twice).
      // Polled, not one wait: the collector closes a keep-alive connection idle for 2 s.
      for (const until = Date.now() + 2500; Date.now() < until; await sleep(250)) {
        expect((await collector.events()).duplicates, 'no late copy').toBe(0);
      }
      const { events } = await collector.events();
      const counts = new Map<string, number>();
      for (const e of events) counts.set(e.type, (counts.get(e.type) || 0) + 1);
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
      expect((await collector.copies(`bfcache ${other}`)).extra).toBe(0);
      expect(logs.pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
}
