// The fallback core (issue 11): where WebAssembly cannot run, the same C++ core compiled to
// JavaScript (dist/liliput.min.core.js, fetched only then) delivers exactly what the wasm core
// does. Each case runs the product document's queue example (queue.html) and checks the batching:
// the fire event first and alone, the other two in one request after load, no extra copy.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test, expect, API, type Collector, type Logs } from './helpers';
import type { Page } from '@playwright/test';

const WASM_URL = `${API}/tracker/liliput.min.wasm`;
const JS_CORE_URL = `${API}/tracker/liliput.min.core.js`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every tracker file the page fetched, as "status path" (to see which core ran). */
function watchTrackerFiles(page: Page): string[] {
  const seen: string[] = [];
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (/\.(wasm|js|mjs)$/.test(p) && !/\/(setup|queue|csp-watch|requests-panel)\.js$/.test(p)) {
      seen.push(`${r.status()} ${p}`);
    }
  });
  return seen;
}

async function loadEventAt(page: Page): Promise<number> {
  await page.waitForFunction(() => performance.getEntriesByType('navigation').length > 0 &&
    (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart > 0);
  return page.evaluate(() => performance.timeOrigin +
    (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart);
}

/** The queue example as queue.html's test in product-doc.spec.ts checks it, plus copies. */
async function expectQueueExample(page: Page, collector: Collector, logs: Logs, label: string) {
  const loadAt = await loadEventAt(page);
  await expect.poll(async () => (await collector.events()).total).toBe(3);
  await collector.expectQuiet(2, 500, 'exactly two /track requests');
  const { events } = await collector.events();
  const byId = new Map(events.map((e) => [e.id, e]));
  const requests = await collector.requests();
  expect(requests.map((r) => r.status)).toEqual([200, 200]);
  expect(requests.map((r) => r.event_ids.map((id) => byId.get(id)!.type)))
    .toEqual([['interest'], ['purchase-order', 'page-view']]);
  expect(requests[1].received_ms, 'the batch leaves at/after the load event')
    .toBeGreaterThanOrEqual(Math.floor(loadAt) - 5);
  expect(events.find((e) => e.type === 'purchase-order')!.properties)
    .toEqual({ product: 'Sun glasses - Badoo', price: 13.45 });
  expect(events.find((e) => e.type === 'interest')!.properties)
    .toEqual({ Eletronics: ['Mobile phones', 'Accessories'] });
  expect(new Set(events.map((e) => e.session)).size).toBe(1);
  expect(new Set(events.map((e) => e.profile)).size).toBe(1);
  expect((await collector.copies(label)).extra).toBe(0);
  expect(await page.evaluate(() => window.tracker.__wasmTracker.state)).toBe('running');
  expect(logs.pageErrors).toEqual([]);
}

test('a CSP without \'wasm-unsafe-eval\': the JavaScript core delivers the queue example', async ({ page, collector, logs }) => {
  const files = watchTrackerFiles(page);
  await page.goto('/csp-no-wasm.html');
  await expectQueueExample(page, collector, logs, 'fallback core: CSP without wasm-unsafe-eval');
  // The browser refused the compile (a CompileError), and said so as a violation of script-src;
  // the fallback itself, a module script of this origin, is allowed by script-src 'self'.
  const violations: string[] = await page.evaluate(() => window.cspViolations);
  expect(violations.length, violations.join('\n')).toBeGreaterThanOrEqual(1);
  for (const v of violations) expect(v).toMatch(/^script-src(-elem)? blocked wasm-eval/);
  expect(logs.tracker()).toEqual([expect.stringMatching(new RegExp(
    `^\\[Tracker\\] The WebAssembly core ${esc(WASM_URL)} cannot be used \\(CompileError: .*` +
    `\\); using the JavaScript core from ${esc(JS_CORE_URL)}\\.$`))]);
  expect(files).toContain('200 /tracker/liliput.min.core.js');
});

test('a nonce-based strict CSP (\'strict-dynamic\', no \'self\', no \'wasm-unsafe-eval\'): the JavaScript core delivers', async ({ page, collector, logs }) => {
  // Google's recommended "strict CSP": only scripts carrying the nonce, and what they load.
  // The loader (nonce) inserts liliput.min.js, which imports the JavaScript core: both are trusted
  // through 'strict-dynamic', with no nonce to copy.
  const csp = "script-src 'nonce-r4nd0m' 'strict-dynamic'; object-src 'none'; base-uri 'none'";
  await page.route('**/strict-dynamic.html', (route) => route.fulfill({
    status: 200, contentType: 'text/html', headers: { 'Content-Security-Policy': csp },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>strict-dynamic</title>
      <script nonce="r4nd0m" src="/csp-watch.js"></script>
      <script nonce="r4nd0m" src="/setup.js"></script>
      <script nonce="r4nd0m" src="/tracker/loader.min.js"></script>
      <script nonce="r4nd0m" src="/queue.js"></script>
      </head><body><ol id="log"></ol></body></html>` }));
  const files = watchTrackerFiles(page);
  await page.goto('/strict-dynamic.html');
  await expectQueueExample(page, collector, logs, 'fallback core: strict-dynamic CSP');
  const violations: string[] = await page.evaluate(() => window.cspViolations);
  expect(violations.length, 'the policy is in force: it refused the wasm').toBeGreaterThanOrEqual(1);
  for (const v of violations) expect(v).toMatch(/^script-src(-elem)? blocked wasm-eval/);
  expect(files).toContain('200 /tracker/liliput.min.core.js');
  expect(logs.tracker()).toEqual([expect.stringMatching(/\(CompileError: .*\); using the JavaScript core from /)]);
});

test('no WebAssembly in the browser: the JavaScript core delivers the queue example', async ({ page, collector, logs }) => {
  await page.addInitScript(() => { delete (window as { WebAssembly?: unknown }).WebAssembly; });
  const files = watchTrackerFiles(page);
  await page.goto('/queue.html');
  await expectQueueExample(page, collector, logs, 'fallback core: no WebAssembly');
  // The loader does not fetch early a .wasm this browser cannot use.
  expect(files.filter((f) => /liliput\.min\.(wasm|core\.js)/.test(f))).toEqual(['200 /tracker/liliput.min.core.js']);
  expect(logs.tracker()).toEqual([`[Tracker] The WebAssembly core ${WASM_URL} cannot be used ` +
    `(this browser has no WebAssembly); using the JavaScript core from ${JS_CORE_URL}.`]);
  expect(files).toContain('200 /tracker/liliput.min.core.js');
});

test('the .wasm is missing (404): one line naming it, the JavaScript core delivers the queue example', async ({ page, collector, logs }) => {
  await page.route('**/tracker/*.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/queue.html');
  await expectQueueExample(page, collector, logs, 'fallback core: .wasm 404');
  expect(logs.tracker()).toEqual([`[Tracker] The WebAssembly core ${WASM_URL} cannot be used ` +
    `(HTTP 404); using the JavaScript core from ${JS_CORE_URL}.`]);
});

test('the .wasm is mis-served (an HTML page with 200): the JavaScript core delivers', async ({ page, collector, logs }) => {
  await page.route('**/tracker/*.wasm', (route) => route.fulfill({
    status: 200, contentType: 'text/html', body: '<!doctype html><title>Not here</title>' }));
  await page.goto('/queue.html');
  await expectQueueExample(page, collector, logs, 'fallback core: .wasm served as HTML');
  expect(logs.tracker()).toEqual([expect.stringMatching(new RegExp(
    `^\\[Tracker\\] The WebAssembly core ${esc(WASM_URL)} cannot be used \\(CompileError: .*\\); ` +
    `using the JavaScript core from ${esc(JS_CORE_URL)}\\.$`))]);
});

test('the wasm core, when it can run, never fetches the JavaScript core', async ({ page, collector, logs }) => {
  const files = watchTrackerFiles(page);
  await page.goto('/queue.html');
  await expectQueueExample(page, collector, logs, 'wasm core: queue example');
  expect(files.filter((f) => /liliput\.min\.(wasm|core\.js)/.test(f))).toEqual(['200 /tracker/liliput.min.wasm']);
  expect(logs.tracker()).toEqual([]);
});

// The npm package in the bundlers (demo-site/apps, built by build-all.sh as in bundlers.spec.ts):
// the fallback is a chunk the bundler split out, fetched only without WebAssembly.
const BUILD_ALL = path.resolve(__dirname, '../../demo-site/apps/build-all.sh');
const FALLBACK_MARKER = () => {
  const text = readFileSync(path.resolve(__dirname, '../../js-glue/dist/liliput.min.core.js'), 'utf8');
  const literal = /"([A-Za-z0-9+/=]{200,})"/.exec(text);
  if (!literal) throw new Error('no data segment literal in dist/liliput.min.core.js');
  return literal[1].slice(0, 64);
};
for (const { app, url } of [
  { app: 'vite', url: '/apps/vite/dist/index.html' },
  { app: 'webpack', url: '/apps/webpack/dist/index.html' },
  { app: 'next', url: '/apps/next/out/' },
]) {
  test(`npm entry in the ${app} app without WebAssembly: the split-out JavaScript core delivers`, async ({ page, collector, logs }) => {
    test.setTimeout(600_000);  // a cold npm cache downloads the bundler
    execFileSync('bash', [BUILD_ALL, app], { stdio: ['ignore', 'ignore', 'inherit'] });
    await page.addInitScript(() => { delete (window as { WebAssembly?: unknown }).WebAssembly; });
    const scripts: string[] = [];
    const bodies: Promise<{ path: string; text: string }>[] = [];
    page.on('response', (r) => {
      const p = new URL(r.url()).pathname;
      if (/\.(wasm|js|mjs)$/.test(p)) scripts.push(p);
      if (/\.m?js$/.test(p)) bodies.push(r.text().then((text) => ({ path: p, text }), () => ({ path: p, text: '' })));
    });
    await page.goto(url);
    await expect.poll(async () => (await collector.events()).total).toBe(3);
    await collector.expectQuiet(2, 500, 'exactly two /track requests');
    const { events } = await collector.events();
    const byId = new Map(events.map((e) => [e.id, e]));
    expect((await collector.requests()).map((r) => r.event_ids.map((id) => byId.get(id)!.type)))
      .toEqual([['interest'], ['purchase-order', 'page-view']]);
    expect((await collector.copies(`fallback core: npm ${app}`)).extra).toBe(0);
    expect(scripts.filter((p) => p.endsWith('.wasm')), 'no .wasm fetched').toEqual([]);
    // The fallback core came as a chunk of the app's own build output: the one script carrying
    // the core's data segment (wasm2js's base64 literal, kept verbatim by every minifier).
    const marker = FALLBACK_MARKER();
    const carriers = (await Promise.all(bodies)).filter((b) => b.text.includes(marker)).map((b) => b.path);
    expect(carriers).toHaveLength(1);
    expect(carriers[0]).toMatch(new RegExp(`^/apps/${app}/`));
    expect(logs.tracker()).toEqual([expect.stringMatching(
      /^\[Tracker\] The WebAssembly core \S+\.wasm cannot be used \(this browser has no WebAssembly\); using the JavaScript core from liliput\.min\.core\.js\.$/)]);
    expect(logs.pageErrors).toEqual([]);
  });
}

for (const { app, url } of [
  { app: 'vite', url: '/apps/vite/dist/index.html' },
  { app: 'webpack', url: '/apps/webpack/dist/index.html' },
]) {
  test(`npm entry in the ${app} app with WebAssembly: the JavaScript core chunk is never fetched`, async ({ page, collector, logs }) => {
    test.setTimeout(600_000);
    execFileSync('bash', [BUILD_ALL, app], { stdio: ['ignore', 'ignore', 'inherit'] });
    const bodies: Promise<string>[] = [];
    page.on('response', (r) => {
      if (/\.m?js$/.test(new URL(r.url()).pathname)) bodies.push(r.text().catch(() => ''));
    });
    await page.goto(url);
    await expect.poll(async () => (await collector.events()).total).toBe(3);
    const marker = FALLBACK_MARKER();
    expect((await Promise.all(bodies)).filter((t) => t.includes(marker))).toHaveLength(0);
    expect(logs.tracker()).toEqual([]);
  });
}
