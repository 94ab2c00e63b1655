// #25 single-page navigation (reliability.md §7): settings.pageViews = "history" on spa.html, a
// small client-side router on the snippet path. Exactly one page view per navigation (pushState,
// replaceState to a new URL, popstate, fragment change), each with its own page context; none for
// same-URL pushState/replaceState; nothing when the setting is off (the default).
import { test, expect } from './helpers';

type PageContext = { url: string; path: string; hash: string; title: string };
const pageOf = (e: { context: Record<string, unknown> }) => e.context.page as PageContext;

test('#25 spa.html: one page-view per navigation with its url/path/title, none for same-URL updates', async ({ page, collector, logs }) => {
  // A router library that patched pushState before the tracker loaded must keep working.
  await page.addInitScript(() => {
    const orig = history.pushState;
    (window as any).__routerPushes = 0;
    history.pushState = function (...args: Parameters<History['pushState']>) {
      (window as any).__routerPushes++;
      return orig.apply(this, args);
    };
  });
  await page.goto('/spa.html');
  await collector.waitFor('page-view');  // the page's own first page view, in the load batch
  const step = async (what: () => Promise<unknown>) => {
    await what();
    await page.waitForTimeout(50);  // one task later the page view is queued (spa.js)
  };
  await step(() => page.click('a[href="/spa/products"]'));          // pushState: 1
  await step(() => page.click('a[href="/spa/products"]'));          // pushState, same URL: 0
  await step(() => page.click('#same-url'));                         // replaceState, same URL: 0
  await step(() => page.click('#sort'));                             // replaceState, new URL: 1
  await step(() => page.click('a[href="/spa/cart"]'));              // pushState: 1
  await step(() => page.click('#reviews'));                          // popstate + hashchange: 1
  await step(() => page.goBack());                                   // popstate: 1
  await expect(page.locator('#view')).toHaveText('Cart');
  await page.click('#flush');

  const origin = new URL(page.url()).origin;
  const views = await collector.waitFor('page-view', 6);
  await collector.expectQuiet((await collector.requests()).length, 1000, 'no late page view');
  expect(views.map((e) => pageOf(e).url)).toEqual([
    `${origin}/spa.html`,
    `${origin}/spa/products`,
    `${origin}/spa/products?sort=price`,
    `${origin}/spa/cart`,
    `${origin}/spa/cart#reviews`,
    `${origin}/spa/cart`,
  ]);
  expect(views.map((e) => pageOf(e).path))
    .toEqual(['/spa.html', '/spa/products', '/spa/products', '/spa/cart', '/spa/cart', '/spa/cart']);
  expect(views.map((e) => pageOf(e).hash)).toEqual(['', '', '', '', '#reviews', '']);
  // The router renders the new title right after pushState; the page view still carries it.
  expect(views.map((e) => pageOf(e).title.split(' - ')[0]))
    .toEqual(['Home', 'Products', 'Products', 'Cart', 'Cart', 'Cart']);
  const { events, duplicates } = await collector.events();
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  expect(duplicates).toBe(0);
  expect(new Set(views.map((e) => e.session)).size).toBe(1);
  expect(await page.evaluate(() => (window as any).__routerPushes), 'the earlier patch still runs').toBe(3);
  expect(logs.pageErrors).toEqual([]);
  expect(logs.tracker('error')).toEqual([]);
});

test('#25 pageViews off (the default): pushState and hash changes track nothing', async ({ page, collector, logs }) => {
  await page.goto('/queue.html');
  await expect.poll(async () => (await collector.events()).total).toBe(3);
  await page.evaluate(() => { history.pushState({}, '', '/queue.html?step=2'); location.hash = 'x'; });
  await page.waitForTimeout(100);
  await page.evaluate(() => window.tracker.flush!());
  await collector.expectQuiet(2, 1000, 'no request for navigations');
  expect((await collector.events()).total).toBe(3);
  // Nothing of ours on history.
  expect(await page.evaluate(() => Object.prototype.hasOwnProperty.call(history, 'pushState'))).toBe(false);
  expect(logs.pageErrors).toEqual([]);
});
