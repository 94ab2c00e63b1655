// The npm package in the bundlers app developers use: Vite, webpack 5, Next.js (App Router,
// static export), Parcel 2 (default configuration) and Rollup 4 (node-resolve + import-meta-assets,
// the README's setup). Each app under demo-site/apps/ installs the packed tarball and is built by
// demo-site/apps/build-all.sh (incremental: skipped when nothing changed); the collector serves
// the builds from --site demo-site. No app copies the .wasm: the test checks it comes from the
// app's own build output, and that the WebAssembly core ran, not the JavaScript fallback (a build
// that drops the .wasm still delivers, through the fallback, so delivery alone proves nothing).
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test, expect, API, PORT, type Collector, type Logs } from './helpers';
import type { Page } from '@playwright/test';

const BUILD_ALL = path.resolve(__dirname, '../../demo-site/apps/build-all.sh');

const APPS = [
  { app: 'vite', url: '/apps/vite/dist/index.html' },
  { app: 'webpack', url: '/apps/webpack/dist/index.html' },
  { app: 'next', url: '/apps/next/out/' },
  { app: 'parcel', url: '/apps/parcel/dist/index.html' },
  { app: 'rollup', url: '/apps/rollup/dist/index.html' },
];

// The fallback core's fingerprint: the start of its data segment (wasm2js's base64 literal, which
// every minifier keeps verbatim), taken from whichever file of js-glue/dist carries it, so the
// test does not depend on the file's name. A page that fetched a script containing it loaded the
// JavaScript core.
const FALLBACK_MARKER = (() => {
  const dist = path.resolve(__dirname, '../../js-glue/dist');
  const found = readdirSync(dist).filter((f) => /\.m?js$/.test(f))
    .map((f) => /"([A-Za-z0-9+/=]{200,})"/.exec(readFileSync(path.join(dist, f), 'utf8'))?.[1])
    .filter((m): m is string => !!m);
  if (found.length !== 1) throw new Error(`expected one fallback core in js-glue/dist, found ${found.length}`);
  return found[0].slice(0, 64);
})();

function build(app: string): void {
  execFileSync('bash', [BUILD_ALL, app], { stdio: ['ignore', 'ignore', 'inherit'] });
}

// The queue example: `interest` (fire) alone first, `purchase-order` + `page-view` together after
// load; every event stored once, no duplicate copies; the .wasm from the app's own build, and the
// WebAssembly core (not the JavaScript fallback) is what ran.
async function expectQueueExample(page: Page, collector: Collector, logs: Logs, app: string, url: string,
  wasmPath = new RegExp(`^200 /apps/${app}/.*\\.wasm$`)) {
  // Counts the WebAssembly instances the page creates (the tracker instantiates streaming, or from
  // bytes when the server's Content-Type is not application/wasm).
  await page.addInitScript(() => {
    const WA = window.WebAssembly;
    const w = window as unknown as { __wasmInstances: number };
    w.__wasmInstances = 0;
    for (const name of ['instantiateStreaming', 'instantiate'] as const) {
      const orig = WA[name] as (...a: unknown[]) => Promise<unknown>;
      (WA as unknown as Record<string, unknown>)[name] = function (...args: unknown[]) {
        return orig.apply(WA, args).then((r) => {
          // instantiate(module) resolves to an Instance, the other forms to {module, instance}.
          if (r instanceof WA.Instance || (r as { instance?: unknown }).instance instanceof WA.Instance) {
            w.__wasmInstances++;
          }
          return r;
        });
      };
    }
  });
  const wasm: string[] = [];
  const scripts: Promise<{ path: string; text: string }>[] = [];
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.endsWith('.wasm')) wasm.push(`${r.status()} ${p}`);
    if (/\.m?js$/.test(p)) scripts.push(r.text().then((text) => ({ path: p, text }), () => ({ path: p, text: '' })));
  });
  await page.goto(url);
  await expect.poll(async () => (await collector.events()).total).toBe(3);
  await collector.expectQuiet(2, 500, 'exactly two /track requests');
  const { events, duplicates } = await collector.events();
  const byId = new Map(events.map((e) => [e.id, e]));
  expect(byId.size, 'each event id stored once').toBe(3);
  expect(duplicates).toBe(0);
  expect(events.every((e) => e.duplicates === 0)).toBe(true);
  const requests = await collector.requests();
  expect(requests.map((r) => r.status)).toEqual([200, 200]);
  expect(requests.map((r) => r.event_ids.map((id) => byId.get(id)!.type)))
    .toEqual([['interest'], ['purchase-order', 'page-view']]);
  expect(events.find((e) => e.type === 'purchase-order')!.properties)
    .toEqual({ product: 'Sun glasses - Badoo', price: 13.45 });
  const [pv] = events.filter((e) => e.type === 'page-view');
  await expect(page.locator('#status')).toHaveText(`ready, profile ${pv.profile}`);
  // Which core ran: the WebAssembly one. The fallback announces itself with one [Tracker] warning
  // ("... using the JavaScript core from ..."), its chunk would be among the fetched scripts, and
  // the page would hold no WebAssembly instance.
  expect(logs.tracker().filter((l) => /JavaScript core/.test(l)), 'no fallback to the JavaScript core').toEqual([]);
  const fallbackCarriers = (await Promise.all(scripts)).filter((b) => b.text.includes(FALLBACK_MARKER));
  expect(fallbackCarriers.map((b) => b.path), 'the JavaScript core chunk is never fetched').toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __wasmInstances: number }).__wasmInstances),
    'one WebAssembly instance: the core').toBe(1);
  expect(wasm, 'one .wasm, emitted by the bundler into the app build').toHaveLength(1);
  expect(wasm[0]).toMatch(wasmPath);
  // Copies per event id: exactly one each (the collector counts the repeats of an id).
  expect(await collector.copies(`npm ${app}`)).toEqual({ events: 3, copies: 3, extra: 0 });
  expect(await page.evaluate(() => [typeof window.tracker, typeof window.onTracardiReady]))
    .toEqual(['undefined', 'undefined']);
  expect(logs.pageErrors).toEqual([]);
  return events;
}

for (const { app, url } of APPS) {
  test.describe(`${app} app (demo-site/apps/${app})`, () => {
    test.beforeAll(() => {
      test.setTimeout(600_000);  // a cold npm cache downloads the bundler
      build(app);
    });

    test(`${app}: the queue example reaches the collector, each event once`, async ({ page, collector, logs }) => {
      await expectQueueExample(page, collector, logs, app, url);
    });
  });
}

test('vite dev server (no config): the package and its .wasm load unbundled, events reach the collector', async ({ page, collector, logs }) => {
  test.setTimeout(120_000);
  build('vite');  // installs the tarball (and vite) if needed
  const devPort = PORT + 1;
  const dir = path.resolve(__dirname, '../../demo-site/apps/vite');
  const dev = spawn(path.join(dir, 'node_modules/.bin/vite'), ['--port', String(devPort), '--strictPort',
    '--host', '127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  try {
    const origin = `http://127.0.0.1:${devPort}`;
    await expect.poll(async () => (await fetch(origin + '/').catch(() => null))?.status ?? 0,
      { timeout: 30_000, message: 'vite dev server up' }).toBe(200);
    // The page comes from the dev server, events go cross-origin to the collector (CORS).
    await expectQueueExample(page, collector, logs, 'vite', `${origin}/?api=${encodeURIComponent(API)}`,
      /^200 \/node_modules\/wasm-tracker\/dist\/liliput\.min\.wasm$/);
  } finally {
    dev.kill();
  }
});

test.describe('next app: SSR and client-side navigation', () => {
  test.beforeAll(() => {
    test.setTimeout(600_000);
    build('next');
  });

  test('next: prerendered with the no-op tracker; one page-view per client navigation, with its URL', async ({ page, collector, logs }) => {
    // What the static export wrote at build time, before any client script ran.
    const html = await (await page.request.get('/apps/next/out/')).text();
    expect(html).toContain('data-tracker="no-op"');
    await expectQueueExample(page, collector, logs, 'next', '/apps/next/out/');

    await page.click('#to-about');
    await expect(page).toHaveURL(/\/apps\/next\/out\/about\/$/);
    // After load a page view waits up to 5 s for its batch; flush sends it now.
    await page.evaluate(() => window.demoTracker.flush());
    await collector.waitFor('page-view', 2);
    await page.goBack();
    await expect(page).toHaveURL(/\/apps\/next\/out\/$/);
    await page.evaluate(() => window.demoTracker.flush());
    const views = await collector.waitFor('page-view', 3);
    await collector.expectQuiet((await collector.requests()).length, 1000, 'no further request');
    const pages = views.map((e) => (e.context as { page: { path: string; title: string } }).page);
    expect(pages.map((p) => p.path)).toEqual(['/apps/next/out/', '/apps/next/out/about/', '/apps/next/out/']);
    // Tracked a task after the URL changed: the router has set the new page's title by then.
    expect(pages.map((p) => p.title.split(' - ')[0])).toEqual(['Home', 'About', 'Home']);
    expect((await collector.ofType('page-view')).length).toBe(3);
    expect((await collector.events()).duplicates).toBe(0);
    expect(logs.pageErrors).toEqual([]);
  });
});
