// Issue 20, "deliver in the wild": conditions real visitors bring that the lab scenarios did not
// model. Each test counts copies per event id.
import { test, expect, OTHER_ORIGIN, type Collector } from './helpers';
import type { Page } from '@playwright/test';

/** Every .wasm / .core.js the page fetched, as "status url" (which core ran). */
function watchCores(page: Page): string[] {
  const seen: string[] = [];
  page.on('response', (r) => {
    if (/\.(wasm|core\.js)$/.test(new URL(r.url()).pathname)) seen.push(`${r.status()} ${r.url()}`);
  });
  return seen;
}

async function expectDelivered(collector: Collector, label: string, n: number) {
  await expect.poll(async () => (await collector.events()).total).toBe(n);
  expect((await collector.copies(label)).extra).toBe(0);
}

// The README's policy: script-src and connect-src name the tracker's origin as well as the API's,
// because the .wasm is fetched with fetch().
test('README CSP: the API and the tracker origin in connect-src run the wasm core', async ({ page, collector, logs }) => {
  const cores = watchCores(page);
  await page.goto('/csp-cross.html');  // connect-src 'self' (the API) http://localhost:* (the tracker)
  await expectDelivered(collector, 'csp: README policy', 2);
  expect(cores).toEqual([`200 ${OTHER_ORIGIN}/tracker/liliput.min.wasm`]);
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
  expect(logs.tracker()).toEqual([]);
});

// The control: the policy the README used to give (the API alone) refuses the .wasm fetch, so the
// page silently runs the JavaScript core. Shows the test above can fail.
test('a CSP with the API alone in connect-src refuses the .wasm fetch (the old README policy)', async ({ page, collector, logs }) => {
  const cores = watchCores(page);
  await page.goto('/csp-cross-api-only.html');  // connect-src 'self' (the API) alone
  await expectDelivered(collector, 'csp: API alone', 2);
  expect(cores).toEqual([`200 ${OTHER_ORIGIN}/tracker/liliput.min.core.js`]);
  expect(logs.tracker()).toEqual([expect.stringMatching(/cannot be used .*; using the JavaScript core from /)]);
});
