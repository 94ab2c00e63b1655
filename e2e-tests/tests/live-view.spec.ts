// The collector's live view (issue 23, demo-site/events.html): charts of arrivals per second by
// type, refusals by status, copies per event id and the delay from time.create to arrival, and
// the request log with each body's verdict. Events are posted straight to the collector; the
// numbers the page's charts were given (window.__liveView, data-total on each figure) are then
// checked against what GET /events, /requests and /summary say, computed here on their own.
import { test, expect, API, SOURCE, type StoredEvent, type StoredRequest } from './helpers';
import type { APIRequestContext, Page } from '@playwright/test';

interface Summary {
  event_ids: string;
  requests: { total: number; valid: number; invalid: number; refused: number; no_answer: number;
    accepted: number; by_status: Record<string, number> };
  events: { stored: number; received: number; duplicates: number; copies: number };
  ids: { total: number; once: number; twice: number; more: number; extra_copies: number };
  delay_ms: { count: number; p50: number | null; p90: number | null;
    buckets: { label: string; from_ms: number | null; to_ms: number | null; count: number }[] };
}
type Verdict = StoredRequest & { valid: boolean | null; reason: string | null; detail: unknown };

function event(type: string, id: string, createdMs: number) {
  return { id, type, properties: {}, options: {}, context: {},
    time: { create: new Date(createdMs).toISOString() } };
}
function body(events: unknown[], source = SOURCE) {
  return { source: { id: source }, session: { id: 'live-view-session' }, profile: null,
    context: {}, options: {}, events };
}
async function post(request: APIRequestContext, data: unknown, status: number) {
  // A string goes as raw bytes: as `data` Playwright would send it JSON-encoded.
  const res = await request.post(`${API}/track`, typeof data === 'string'
    ? { data: Buffer.from(data), headers: { 'Content-Type': 'application/json' } } : { data });
  expect(res.status(), JSON.stringify(data).slice(0, 80)).toBe(status);
}
async function getJson<T>(request: APIRequestContext, path: string): Promise<T> {
  const res = await request.get(`${API}${path}`);
  expect(res.status(), path).toBe(200);
  return res.json();
}

/** What the page's charts were last given, once their totals reach what the API says. */
async function liveView(page: Page, requests: number, events: number) {
  await expect.poll(() => page.evaluate(() => {
    const v = window.__liveView;
    return v && v.summary ? [v.summary.requests.total, v.arrivals.total, v.requests.shown] : null;
  }), { message: 'the live view caught up with the collector' }).toEqual([requests, events, requests]);
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__liveView)));
}

test('live view: the charts render and their totals match /events, /requests and /summary', async ({ page, request, collector, logs }) => {
  const now = Date.now();
  await post(request, body([event('page-view', 'lv-1', now - 100), event('click', 'lv-2', now - 2000)]), 200);
  await post(request, body([event('page-view', 'lv-1', now - 100), event('purchase', 'lv-3', now - 600_000)]), 200);
  await post(request, body([event('purchase', 'lv-3', now - 600_000)]), 200);
  await post(request, body([event('purchase', 'lv-3', now - 600_000)]), 200); // lv-3's third copy
  await post(request, body([event('  ', 'lv-4', now)]), 422); // type blank after strip
  await post(request, '{"source": {"id": "demo-source"}, "events": [', 422); // malformed JSON
  await post(request, body([event('click', 'lv-5', now)], 'no-such-source'), 401);

  await page.setViewportSize({ width: 1200, height: 900 });
  await page.goto('/events.html');

  const events = (await collector.events()).events;
  const requests = await collector.requests() as Verdict[];
  const summary = await getJson<Summary>(request, '/summary');
  const view = await liveView(page, requests.length, events.length);

  // Arrivals per second by type: every stored row counted once, by its type.
  const byType: Record<string, number> = {};
  for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
  expect(byType).toEqual({ 'page-view': 1, click: 1, purchase: 1 });
  expect(view.arrivals.total).toBe(events.length);
  expect(view.arrivals.byType).toEqual(byType);
  expect(view.arrivals.inWindow).toBe(events.length); // posted seconds ago: all in the window

  // Refusals by status, from the request log.
  const refused: Record<string, number> = {};
  for (const r of requests) if (r.status < 200 || r.status >= 300) refused[r.status] = (refused[r.status] ?? 0) + 1;
  expect(refused).toEqual({ 401: 1, 422: 2 });
  expect(view.refusals.byStatus).toEqual(refused);
  expect(view.refusals.total).toBe(3);
  expect(view.refusals.total).toBe(summary.requests.refused + summary.requests.no_answer);

  // Copies per event id: an event is its client id; its copies are its rows plus their repeats.
  const copiesOf = new Map<string, number>();
  for (const e of events as (StoredEvent & { client_id: string | null })[]) {
    const key = e.client_id ?? `row ${e.row}`;
    copiesOf.set(key, (copiesOf.get(key) ?? 0) + 1 + e.duplicates);
  }
  const n = [...copiesOf.values()];
  const copies = { ids: n.length, once: n.filter((c) => c === 1).length,
    twice: n.filter((c) => c === 2).length, more: n.filter((c) => c >= 3).length,
    extra: n.reduce((a, c) => a + c - 1, 0) };
  expect(copies).toEqual({ ids: 3, once: 1, twice: 1, more: 1, extra: 3 });
  expect(view.copies).toMatchObject(copies);
  expect(view.copies.total).toBe(copies.ids);
  expect(summary.ids).toEqual({ total: 3, once: 1, twice: 1, more: 1, extra_copies: 3 });

  // Delay from time.create to (first) arrival, in the summary's buckets.
  const delays = events.map((e) => e.received_ms - Date.parse(String(e.time.create)));
  const buckets = summary.delay_ms.buckets.map((b) => delays.filter((d) =>
    (b.from_ms === null || d >= b.from_ms) && (b.to_ms === null || d < b.to_ms)).length);
  expect(view.delay.buckets).toEqual(buckets);
  expect(view.delay.total).toBe(events.length);
  expect(buckets[buckets.length - 1]).toBe(1); // lv-3, ten minutes in a queue

  // The figures carry the same totals, and each chart drew a canvas of some size.
  for (const [id, total] of [['chart-arrivals', events.length], ['chart-refusals', 3],
    ['chart-copies', 3], ['chart-delay', events.length]] as const) {
    await expect(page.locator(`#${id}`)).toHaveAttribute('data-total', String(total));
    const canvas = page.locator(`#${id} canvas`).first();
    await expect(canvas).toBeVisible();
    const box = await canvas.boundingBox();
    expect(box!.width, id).toBeGreaterThan(100);
    expect(box!.height, id).toBeGreaterThan(50);
  }

  // The request log: one row per request, each with the collector's verdict and reason.
  const rows = await page.locator('#live-requests tr').evaluateAll((trs) => trs.map((tr) => ({
    seq: Number((tr as HTMLElement).dataset.seq), valid: (tr as HTMLElement).dataset.valid,
    why: tr.children[4].textContent })));
  expect(rows).toEqual(requests.map((r) => ({ seq: r.seq, valid: String(r.valid), why: r.reason ?? '' })));
  expect(rows.map((r) => r.valid)).toEqual(['true', 'true', 'true', 'true', 'false', 'false', 'true']);
  expect(rows[4].why).toBe('body.events[0].type: Event type can not be empty');
  expect(rows[5].why).toBe('body[0]: JSON decode error');
  expect(rows[6].why).toBe('Invalid event source `no-such-source`.');
  expect(view.requests).toEqual({ shown: 7, valid: 5, invalid: 2, unchecked: 0 });
  expect([summary.requests.valid, summary.requests.invalid]).toEqual([5, 2]);

  // Live: one more event shows up without a reload.
  await post(request, body([event('signup', 'lv-6', Date.now())]), 200);
  const after = await liveView(page, requests.length + 1, events.length + 1);
  expect(after.arrivals.byType).toEqual({ ...byType, signup: 1 });
  expect(after.copies.once).toBe(2);
  await expect(page.locator('#chart-arrivals')).toHaveAttribute('data-total', String(events.length + 1));

  // docs/live-view.png: LIVE_VIEW_SCREENSHOT=<path> adds eight seconds of demo-like traffic (so the
  // arrivals chart has a shape) and saves the picture; a plain run skips it.
  const shot = process.env.LIVE_VIEW_SCREENSHOT;
  if (shot) {
    const types = ['page-view', 'click', 'scroll'];
    for (let i = 0; i < 40; i++) {
      const type = i % 7 === 6 ? 'purchase' : types[i % 3];
      await post(request, body([event(type, `shot-${i}`, Date.now() - 40 * (i % 9))]), 200);
      await page.waitForTimeout(200);
    }
    await expect(page.locator('#chart-arrivals')).toHaveAttribute('data-total', String(events.length + 41));
    await page.setViewportSize({ width: 1200, height: 1060 });
    await page.evaluate(() => {
      window.scrollTo(0, 0);
      // The log scrolled to its first refusal, so the picture shows a reason.
      const log = document.querySelector('.log')!;
      const row = document.querySelector('#live-requests tr.refused')!;
      log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - 40;
    });
    await page.screenshot({ path: shot });
  }
  expect(logs.pageErrors).toEqual([]);
});
