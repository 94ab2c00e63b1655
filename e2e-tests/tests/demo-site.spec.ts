// The demo site itself: every page linked from the index loads, says what to look for, links
// back, and raises no page error; the on-page request panel shows what the collector received.
import { test, expect } from './helpers';

test('every demo page: loads, one "look for" sentence, a link back to the index, no page errors', async ({ page, logs }) => {
  await page.goto('/index.html');
  const links = await page.locator('ul a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
  const pages = [...new Set(links.map((l) => l.split('?')[0]))];
  expect(pages).toEqual(expect.arrayContaining(['events.html', 'queue.html', 'buttons.html',
    'static-profile.html', 'snippet.html', 'csp.html', 'playground.html', 'hostile.html']));
  for (const p of pages) {
    const res = await page.goto('/' + p);
    expect(res!.status(), p).toBe(200);
    if (p !== 'events.html') {
      await expect(page.locator('.look'), p).toHaveCount(1);
      await expect(page.locator('a[href="index.html"]').first(), p).toBeVisible();
    }
  }
  expect(logs.pageErrors).toEqual([]);
});

test('queue.html request panel lists the two requests with their event types (textContent)', async ({ page, collector }) => {
  await page.goto('/queue.html');
  await expect.poll(async () => (await collector.requests()).length).toBe(2);
  const rows = page.locator('#requests tr');
  await expect(rows).toHaveCount(2);
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => tr.children[3].textContent));
  expect(cells.sort()).toEqual(['interest', 'purchase-order, page-view']);
});
