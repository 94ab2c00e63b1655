// Consent (issue 22): a page may run the tracker before its banner is answered. Pending: every
// call is held in memory, nothing leaves the page and nothing is written (no request, cookie,
// localStorage/sessionStorage key); granted: what was held arrives once, with its call time;
// denied: nothing, ever, or profile-less events with settings.consentDenied "anonymous"; a
// visitor's Global Privacy Control signal is a denial where the site respects it.
import type { Page } from '@playwright/test';
import { test, expect, servePage, sleep } from './helpers';

const optionsPage = (opts: string, body = '') => `<!doctype html>
<html><head><meta charset="utf-8"><title>t</title>
<script>var options = ${opts};</script>
<script src="/tracker/loader.min.js"></script>
<script>${body}</script></head><body>consent</body></html>`;
const tracker = (settings: string) => `{tracker: {url: {script: location.origin + '/tracker', api: location.origin},
  source: {id: 'demo-source'}, settings: ${settings}}}`;

/** Every POST /track the page makes (URL and body), whatever the collector does with it. */
function trackRequests(page: Page): { url: string; body: any }[] {
  const seen: { url: string; body: any }[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/track') seen.push({ url: r.url(), body: r.postDataJSON() });
  });
  return seen;
}

/** What the page's origin holds: cookies (the page can read them all: none is HttpOnly here), storage keys. */
async function written(page: Page): Promise<{ cookies: string; local: string[]; session: string[] }> {
  const cookies = (await page.context().cookies()).map((c) => c.name).join(',');
  return page.evaluate((cookies) => ({
    cookies,
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
  }), cookies);
}
const NOTHING = { cookies: '', local: [], session: [] };

// Three tracks and a fire over 6 s, the fire's answer kept on window.__fire.
const HELD_CALLS = `
  window.tracker.track('held-1', {n: 1});
  setTimeout(function () { window.tracker.track('held-2', {n: 2}); }, 2000);
  setTimeout(function () {
    window.__fire = window.tracker.track('held-fire', {n: 3}, {fire: true});
    window.__fire.then(function (a) { window.__fireAnswer = a; });
  }, 4000);
  setTimeout(function () { window.tracker.track('held-3', {n: 4}); window.__calledAll = Date.now(); }, 6000);`;

test('pending: three tracks and a fire over 6 s send and write nothing; granted: each arrives once with its call time', async ({ page, collector }) => {
  const requests = trackRequests(page);
  await servePage(page, '**/consent-pending.html', optionsPage(tracker(`{consent: 'pending'}`), HELD_CALLS));
  const opened = Date.now();
  await page.goto('/consent-pending.html');
  await page.waitForFunction(() => (window as any).__calledAll, null, { timeout: 15_000 });
  await sleep(500);
  expect(requests).toEqual([]);
  expect(await written(page)).toEqual(NOTHING);
  expect(await page.evaluate(() => (window as any).__fireAnswer)).toBeUndefined();  // held, not answered
  expect(await page.evaluate(() => window.tracker.stats()?.consent)).toBe(1);

  const granted = Date.now();
  await page.evaluate(() => window.tracker.consent('granted'));
  const events = [
    ...(await collector.waitFor('held-1')), ...(await collector.waitFor('held-2')),
    ...(await collector.waitFor('held-fire')), ...(await collector.waitFor('held-3')),
  ];
  await expect.poll(() => page.evaluate(() => (window as any).__fireAnswer?.status)).toBe(200);
  await sleep(1000);  // anything sent twice would show up now
  const c = await collector.copies('consent granted');
  expect(c).toMatchObject({ events: 4, copies: 4, extra: 0 });
  // Each keeps the time of its call (2 s apart), not the time of the consent.
  const created = Object.fromEntries(events.map((e) => [e.type, Date.parse(String(e.time.create))]));
  expect(created['held-1']).toBeGreaterThanOrEqual(opened - 1000);
  expect(created['held-1']).toBeLessThan(granted - 5000);
  expect(created['held-3'] - created['held-1']).toBeGreaterThan(5000);
  expect(created['held-3']).toBeLessThanOrEqual(granted);
  // From now on the visitor is stored as ever.
  await expect.poll(async () => (await written(page)).cookies).toContain('tracardi-session-id');
});

test('pending then denied: nothing sent or stored, the held fire answers status 0, later calls are dropped too', async ({ page, collector }) => {
  const requests = trackRequests(page);
  await servePage(page, '**/consent-denied.html', optionsPage(tracker(`{consent: 'pending'}`), HELD_CALLS));
  await page.goto('/consent-denied.html');
  await page.waitForFunction(() => (window as any).__calledAll, null, { timeout: 15_000 });
  await page.evaluate(() => window.tracker.consent('denied'));
  await expect.poll(() => page.evaluate(() => (window as any).__fireAnswer)).toEqual({ status: 0, ok: false, data: null });
  await page.evaluate(() => { window.tracker.track('after-denial', {}); window.tracker.flush(); });
  await sleep(1500);
  expect(requests).toEqual([]);
  expect(await written(page)).toEqual(NOTHING);
  expect((await collector.events()).events).toEqual([]);
  const stats = await page.evaluate(() => window.tracker.stats());
  expect(stats?.dropped?.consent).toBe(5);
  // A page left while denied keeps nothing for a next page either.
  await page.goto('about:blank');
  await page.goto('/consent-denied.html');
  await sleep(500);
  expect(await written(page)).toEqual(NOTHING);
});

test('denied with consentDenied "anonymous": profile-less requests without ids, valid for Tracardi, nothing stored', async ({ page, collector }) => {
  const requests = trackRequests(page);
  await servePage(page, '**/consent-anon.html', optionsPage(tracker(`{consent: 'denied', consentDenied: 'anonymous'}`), `
    window.tracker.track('anon-view', {a: 1});`));
  await page.goto('/consent-anon.html');
  const [view] = await collector.waitFor('anon-view');
  // A fire's answer, once the script runs (the loader's queue answers none).
  const fire = await page.evaluate(async () => {
    await (window.tracker as any).ready;
    return (window.tracker.track('anon-fire', {}, { fire: true }) as Promise<any>).then((a) => a.status);
  });
  expect(fire).toBe(200);
  await collector.waitFor('anon-fire');
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) {
    expect(new URL(r.url).searchParams.get('profile_less')).toBe('true');
    expect(r.body.session).toBeNull();
    expect(r.body.profile).toBeNull();
    expect(r.body.device).toBeNull();
  }
  expect(view.profile).toBeNull();
  // Accepted by the collector's model of Tracardi's payload (a refused body is a 422).
  expect((await collector.requests()).map((r) => r.status)).toEqual(requests.map(() => 200));
  await sleep(500);
  expect(await written(page)).toEqual(NOTHING);
});

test('Global Privacy Control with settings.respectGlobalPrivacyControl: nothing sent or stored', async ({ page, collector }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  const requests = trackRequests(page);
  await servePage(page, '**/consent-gpc.html', optionsPage(tracker(`{respectGlobalPrivacyControl: true}`), `
    window.tracker.track('gpc-view', {});
    window.tracker.track('gpc-fire', {}, {fire: true});`));
  await page.goto('/consent-gpc.html');
  await page.waitForFunction(() => window.tracker.stats?.() != null, null, { timeout: 10_000 });
  await sleep(1500);
  expect(requests).toEqual([]);
  expect(await written(page)).toEqual(NOTHING);
  expect((await collector.events()).events).toEqual([]);
  expect(await page.evaluate(() => window.tracker.stats()?.consent)).toBe(2);
});

test('reset(): the next event is a new visitor (new session and profile), the stored ids and Tracardi keys are forgotten', async ({ page, collector }) => {
  await servePage(page, '**/reset.html', optionsPage(tracker(`{}`), `window.tracker.track('before-reset', {});`));
  await page.goto('/reset.html');
  const [before] = await collector.waitFor('before-reset');
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tracardi-profile-id'))).toBe(JSON.stringify(before.profile));
  await page.evaluate(() => {
    window.tracker.track('queued-before-reset', {});  // accepted before: keeps its visitor
    (window.tracker as any).reset();
    window.tracker.track('after-reset', {}, { fire: true });
  });
  const [after] = await collector.waitFor('after-reset');
  const [queued] = await collector.waitFor('queued-before-reset');
  expect(after.profile).toBeTruthy();
  expect(after.profile).not.toBe(before.profile);
  expect(after.session).not.toBe(before.session);
  expect(queued.profile).toBe(before.profile);
  expect(queued.session).toBe(before.session);
  // The browser now holds the new visitor, not the old one.
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tracardi-profile-id'))).toBe(JSON.stringify(after.profile));
  const cookies = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
  expect(cookies['tracardi-session-id']).toBe(after.session);
  expect(await page.evaluate(() => localStorage.getItem('__tr_pid'))).toBeNull();
  // A reload stays the new visitor.
  await page.evaluate(() => window.tracker.track('after-reload', {}));
  await page.reload();
  const [reloaded] = await collector.waitFor('after-reload');
  expect(reloaded.profile).toBe(after.profile);
});
