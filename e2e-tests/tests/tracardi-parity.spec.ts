// Tracardi parity (issue 11): wire details Tracardi's server depends on, and what the page gets
// back from the tracker.
import { test, expect, servePage } from './helpers';

const page_ = (body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script src="/setup.js"></script>
<script src="/tracker/loader.min.js"></script>
<script>${body}</script></head><body>test page</body></html>`;

test('cross-domain pass with only __tr_pid: delivered, and the body carries no null member', async ({ page, collector }) => {
  // Tracardi calls .strip() on each member of context.tracardi.pass: a null one is an HTTP 500.
  const bodies: unknown[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/track') bodies.push(r.postDataJSON());
  });
  await servePage(page, '**/pass-test.html*', page_(`window.tracker.track('pass-page-view', {});`));
  await page.goto('/pass-test.html?__tr_pid=0adfd4c8-36eb-40cd-9350-5df37706286a');
  await collector.waitFor('pass-page-view');
  expect(bodies.length).toBeGreaterThan(0);
  for (const b of bodies as { context: { tracardi?: { pass?: Record<string, unknown> } } }[]) {
    expect(b.context.tracardi).toEqual({ pass: { profile: '0adfd4c8-36eb-40cd-9350-5df37706286a' } });
  }
  expect((await collector.requests()).map((r) => r.status)).toEqual([200]);
});

test('responses to the page: await helpers.track(...) in onTracardiReady resolves with the collector\'s answer', async ({ page, collector }) => {
  await servePage(page, '**/answer-test.html', page_(`
    window.tracker.track('answer-page-view', {});
    window.__answers = new Promise(function (resolve) {
      window.onTracardiReady.bind(async function (p) {
        var viaHelpers = await p.helpers.track('answer-helper', { a: 1 });
        var viaFire = await window.tracker.track('answer-fire', {}, { fire: true });
        var plain = window.tracker.track('answer-plain', {});
        resolve({ viaHelpers: viaHelpers, viaFire: viaFire, plain: plain === undefined ? 'undefined' : typeof plain });
      });
    });`));
  await page.goto('/answer-test.html');
  const answers = await page.evaluate(() => window.__answers);
  const [helperEvent] = await collector.waitFor('answer-helper');
  expect(answers.viaHelpers.status).toBe(200);
  expect(answers.viaHelpers.ok).toBe(true);
  expect(answers.viaHelpers.data.profile.id).toBe(helperEvent.profile);
  expect(answers.viaHelpers.data.session.id).toBe(helperEvent.session);
  expect(answers.viaFire).toMatchObject({ status: 200, ok: true, data: { profile: { id: helperEvent.profile } } });
  expect(answers.plain).toBe('undefined');
});

test('responses to the page: a refused fire event resolves with the status and Tracardi\'s detail, never rejects; the console says why', async ({ page, collector, logs }) => {
  await servePage(page, '**/refused-test.html', page_(`window.tracker.track('refused-page-view', {});`));
  await page.goto('/refused-test.html');
  await collector.waitFor('refused-page-view');
  // Tracardi's answer to a payload it refuses (FastAPI: {"detail": ...}).
  const detail = 'FieldTypeConflictException: field properties.total is a number, not a string';
  await page.route('**/track', (route) => route.request().method() === 'POST'
    ? route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ detail }) })
    : route.continue());
  const answer = await page.evaluate(() => window.tracker.helpers.track('refused-helper', { total: 'x' }));
  expect(answer).toEqual({ status: 422, ok: false, data: { detail } });
  await expect.poll(() => logs.tracker('error').filter((t) => /HTTP 422/.test(t))).toHaveLength(1);
  expect(logs.tracker('error').find((t) => /HTTP 422/.test(t))).toContain(detail);
});

test('a blank static profile id (profile: {id: "  "}) is absent: tracker runs, one warning, no blank id sent', async ({ page, collector, logs }) => {
  const bodies: { profile: unknown }[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/track') bodies.push(r.postDataJSON());
  });
  await page.goto('/static-profile.html?profile=%20%20');
  const [ev] = await collector.waitFor('page-view');
  expect(ev.profile).toBeTruthy();
  expect(String(ev.profile).trim()).not.toBe('');
  for (const b of bodies) expect(b.profile === null || String((b.profile as { id: string }).id).trim() !== '').toBe(true);
  expect(logs.tracker('warning').filter((t) => /profile\.id/.test(t) && /blank/.test(t))).toHaveLength(1);
  expect(logs.tracker('error')).toEqual([]);
});
