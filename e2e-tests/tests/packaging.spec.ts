// Drop-in packaging: Tracardi's file names and readiness hook, and helpers.track.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, API, servePage } from './helpers';

const page_ = (body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script src="/setup.js"></script>
<script src="/tracker/loader.min.js"></script>
<script>${body}</script></head><body>test page</body></html>`;

test('drop-in path: the loader fetches /tracker/liliput.min.js and the core next to it', async ({ page, collector }) => {
  const served: Record<string, number> = {};
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/tracker/')) served[p] = r.status();
  });
  await page.goto('/queue.html');
  await collector.waitFor('page-view');
  expect(served['/tracker/loader.min.js']).toBe(200);
  expect(served['/tracker/liliput.min.js']).toBe(200);
  expect(Object.entries(served).filter(([p]) => p.endsWith('.wasm'))).toEqual([['/tracker/liliput.min.wasm', 200]]);
  const js = await page.request.get(`${API}/tracker/liliput.min.js`);
  expect(js.headers()['content-type']).toMatch(/javascript/);
  const wasm = await page.request.get(`${API}/tracker/liliput.min.wasm`);
  expect(wasm.headers()['content-type']).toBe('application/wasm');
});

test('window.onTracardiReady.bind receives {tracker, helpers, context} after the first response', async ({ page, collector }) => {
  await servePage(page, '**/ready-test.html', page_(`
    window.__ready = [];
    window.onTracardiReady.bind(function (p) {
      window.__ready.push({
        at: Date.now(),
        keys: Object.keys(p).sort(),
        trackerIsWindowTracker: p.tracker === window.tracker,
        helpers: Object.keys(p.helpers || {}).filter(function (k) { return typeof p.helpers[k] === 'function'; }).sort(),
        profile: p.context && p.context.profile && p.context.profile.id,
        session: p.context && p.context.session && p.context.session.id,
      });
    });
    window.tracker.track('ready-page-view', {});`));
  await page.goto('/ready-test.html');
  const [ev] = await collector.waitFor('ready-page-view');
  await expect.poll(() => page.evaluate(() => window.__ready.length)).toBe(1);
  const [ready] = await page.evaluate(() => window.__ready);
  expect(ready.keys).toEqual(expect.arrayContaining(['context', 'helpers', 'tracker']));
  expect(ready.trackerIsWindowTracker).toBe(true);
  expect(ready.helpers).toEqual(expect.arrayContaining(['onClick', 'track']));
  expect(ready.profile).toBe(ev.profile);
  expect(ready.session).toBe(ev.session);
  expect(ready.at).toBeGreaterThanOrEqual(ev.received_ms - 5);
  // Bound late, a listener is still called (once) with the same parameters.
  const late = await page.evaluate(() => new Promise((resolve) =>
    window.onTracardiReady.bind((p: any) => resolve(p.context.profile.id))));
  expect(late).toBe(ev.profile);
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => window.__ready.length)).toBe(1);
});

test('helpers.track always fires: alone, at once, even with {fire: false}', async ({ page, collector }) => {
  await servePage(page, '**/helpers-test.html', page_(`
    window.tracker.track('helpers-page-view', {});
    window.onTracardiReady.bind(function (p) { window.__helpers = p.helpers; });`));
  await page.goto('/helpers-test.html');
  await collector.waitFor('helpers-page-view');
  await page.waitForFunction(() => !!window.__helpers);
  // A deferred event is pending; helpers.track must neither wait for nor carry it.
  await page.evaluate(() => window.tracker.track('pending-deferred', {}));
  const sentAt = Date.now();
  await page.evaluate(() => { window.__helpers.track('helper-event', { a: 1 }, { fire: false }); });
  const [ev] = await collector.waitFor('helper-event', 1, 2000);
  expect(ev.received_ms - sentAt).toBeLessThan(1000);
  const requests = await collector.requests();
  expect(requests).toHaveLength(2);
  expect(requests[1].event_ids).toEqual([ev.id]);
  expect(ev.properties).toEqual({ a: 1 });
  await collector.waitFor('pending-deferred', 1, 8000);
});

test('a snippet included twice: one tracker instance, one warning, no double delivery', async ({ page, collector, logs }) => {
  await servePage(page, '**/twice.html', `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script src="/setup.js"></script>
<script src="/tracker/loader.min.js"></script>
<script src="/tracker/loader.min.js"></script>
<script>window.tracker.track('twice-page-view', {});</script></head><body>twice</body></html>`);
  const scripts: string[] = [];
  page.on('request', (r) => { if (r.url().endsWith('/liliput.min.js')) scripts.push(r.url()); });
  await page.goto('/twice.html');
  await collector.waitFor('twice-page-view');
  await collector.expectQuiet(1, 800, 'one request');
  expect(scripts).toHaveLength(1);
  expect(logs.tracker('warning').filter((t) => /more than once/.test(t))).toHaveLength(1);
});

test('session cookie: tracardi-session-id, SameSite=Lax, Path=/, the session the collector stored', async ({ page, context, collector }) => {
  await page.goto('/queue.html');
  const [ev] = await collector.waitFor('page-view');
  const cookies = await context.cookies();
  const session = cookies.filter((c) => c.name === 'tracardi-session-id');
  expect(session).toHaveLength(1);
  expect(session[0]).toMatchObject({ value: ev.session, sameSite: 'Lax', path: '/', httpOnly: false });
  expect(session[0].expires - Date.now() / 1000).toBeGreaterThan(25 * 60);
  expect(session[0].expires - Date.now() / 1000).toBeLessThanOrEqual(30 * 60 + 5);
  expect(JSON.stringify(cookies).length).toBeLessThan(1024);
  // Tracardi's storage format: the profile id JSON-encoded under tracardi-profile-id.
  const stored = await page.evaluate(() => localStorage.getItem('tracardi-profile-id'));
  expect(stored).toBe(JSON.stringify(ev.profile));
});

test('npm tarball: the packed package\'s ESM entry runs in the browser (createTracker, no globals)', async ({ page, collector, logs }) => {
  // Pack js-glue exactly as it would be published, unpack it, and serve it as an app's
  // node_modules/wasm-tracker (resolved through an import map instead of a bundler).
  const glue = path.resolve(__dirname, '../../js-glue');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-tracker-pack-'));
  try {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp],
      { cwd: glue, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    execFileSync('tar', ['-xzf', path.join(tmp, info.filename), '-C', tmp]);
    const pkgDir = path.join(tmp, 'package');
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    const entry = pkg.exports['.'].browser as string;  // what a bundler or browser gets
    expect(fs.existsSync(path.join(pkgDir, entry))).toBe(true);
    const types: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript',
      '.wasm': 'application/wasm', '.json': 'application/json' };
    const served: string[] = [];
    await page.route('**/app/node_modules/wasm-tracker/**', async (route) => {
      const rel = new URL(route.request().url()).pathname.replace('/app/node_modules/wasm-tracker/', '');
      const file = path.join(pkgDir, rel);
      if (!file.startsWith(pkgDir) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
      served.push(rel);
      await route.fulfill({ status: 200, contentType: types[path.extname(file)] || 'application/octet-stream',
        body: fs.readFileSync(file) });
    });
    await servePage(page, '**/app/index.html', `<!doctype html><html><head><meta charset="utf-8"><title>app</title>
<script type="importmap">{"imports": {"wasm-tracker": "/app/node_modules/wasm-tracker/${entry.replace(/^\.\//, '')}"}}</script>
<script type="module">
  import { createTracker } from 'wasm-tracker';
  const t = createTracker({ tracker: { url: { api: location.origin }, source: { id: 'demo-source' } } },
    { onReady: (ctx) => { window.__npmReady = ctx && ctx.profile ? ctx.profile.id : 'no-context'; } });
  t.track('npm-page-view', { bundled: true });
  t.track('npm-fire', {}, { fire: true });
  window.__npm = t;
</script></head><body>app</body></html>`);
    await page.goto('/app/index.html');
    const [pv] = await collector.waitFor('npm-page-view');
    await collector.waitFor('npm-fire');
    expect(pv.properties).toEqual({ bundled: true });
    await expect.poll(() => page.evaluate(() => window.__npmReady)).toBe(pv.profile);
    expect(served).toEqual(expect.arrayContaining([entry.replace(/^\.\//, ''), 'dist/liliput.min.wasm']));
    // The npm entry writes no globals.
    expect(await page.evaluate(() => [typeof window.tracker, typeof window.onTracardiReady]))
      .toEqual(['undefined', 'undefined']);
    expect(logs.pageErrors).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('bundled npm app: the packed tarball installs into demo-site/npm-app, esbuild bundles it, events reach the collector', async ({ page, collector, logs }) => {
  test.setTimeout(120_000);
  const glue = path.resolve(__dirname, '../../js-glue');
  const appSrc = path.resolve(__dirname, '../../demo-site/npm-app');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-tracker-app-'));
  try {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp],
      { cwd: glue, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    for (const f of ['package.json', 'build.mjs', 'src']) {
      fs.cpSync(path.join(appSrc, f), path.join(app, f), { recursive: true });
    }
    // As a user would: install the tarball (and the app's pinned esbuild), then build.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund',
      path.join(tmp, info.filename)], { cwd: app, stdio: 'ignore' });
    execFileSync('node', ['build.mjs'], { cwd: app, stdio: 'ignore' });
    const out = path.join(app, 'out');
    const files = fs.readdirSync(out);
    expect(files).toEqual(expect.arrayContaining(['app.js', 'index.html', 'liliput.min.wasm']));
    expect(files.filter((f) => f.startsWith('chunk-') || f.startsWith('liliput.min.glue')).length,
      'the Emscripten glue is a separate chunk').toBeGreaterThan(0);
    const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html',
      '.wasm': 'application/wasm' };
    await page.route('**/npm-app/**', async (route) => {
      const file = path.join(out, new URL(route.request().url()).pathname.replace('/npm-app/', ''));
      if (!file.startsWith(out) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
      await route.fulfill({ status: 200, contentType: types[path.extname(file)] || 'application/octet-stream',
        body: fs.readFileSync(file) });
    });
    await page.goto('/npm-app/index.html');
    const [pv] = await collector.waitFor('app-page-view');
    expect(pv.properties).toEqual({ bundled: true });
    await expect(page.locator('#status')).toHaveText(`ready, profile ${pv.profile}`);
    await page.click('#buy');
    const [buy] = await collector.waitFor('app-purchase');
    expect(buy.properties).toEqual({ sku: 'sun-glasses' });
    const reqs = await collector.requests();
    expect(reqs.find((r) => r.event_ids.includes(buy.id))!.event_ids, 'fire: alone').toEqual([buy.id]);
    expect(await page.evaluate(() => [typeof window.tracker, typeof window.onTracardiReady]))
      .toEqual(['undefined', 'undefined']);
    expect(logs.pageErrors).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
