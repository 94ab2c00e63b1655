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
