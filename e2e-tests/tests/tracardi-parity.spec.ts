// Tracardi parity (issue 11): wire details Tracardi's server depends on, and what the page gets
// back from the tracker.
import { test, expect, servePage, API, ADMIN_HEADERS } from './helpers';

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

// A page with its own Tracardi options (`opts` is a JS expression) and the loader snippet.
const optionsPage = (opts: string, body = '', html = 'test page', head = '') => `<!doctype html>
<html><head><meta charset="utf-8"><title>t</title>${head}
<script>var options = ${opts};</script>
<script src="/tracker/loader.min.js"></script>
<script>${body}</script></head><body>${html}</body></html>`;
const tracker = (extra = '') => `{tracker: {url: {script: location.origin + '/tracker', api: location.origin},
  source: {id: 'demo-source'}${extra}}}`;

type Body = { context: Record<string, any>; events: { type: string; context: Record<string, any> }[] };
function trackBodies(page: import('@playwright/test').Page): Body[] {
  const bodies: Body[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/track') bodies.push(r.postDataJSON());
  });
  return bodies;
}

test('a 400 KB event arrives once, alone; one tracked just before leaving the page arrives once with the next page', async ({ page, collector }) => {
  const blob = 'x'.repeat(400 * 1024);
  await servePage(page, '**/big-event.html', optionsPage(tracker(), `
    window.tracker.track('big-before-load', {blob: ${JSON.stringify('x')}.repeat(400 * 1024)});
    window.tracker.track('small-before-load', {});`));
  await servePage(page, '**/big-next.html', optionsPage(tracker(), `window.tracker.track('next-page-view', {});`));
  await page.goto('/big-event.html');
  const [big] = await collector.waitFor('big-before-load');
  expect((big.properties as { blob: string }).blob).toBe(blob);
  await collector.waitFor('small-before-load');
  const bigRequest = (await collector.requestsWith(big.id));
  expect(bigRequest).toHaveLength(1);
  expect(bigRequest[0].event_ids).toEqual([big.id]);  // alone: over the batch budget
  // After load a plain event waits for company; the page is left before it goes: it is too large
  // for keepalive, so it waits in the persisted queue and the next page delivers it.
  await page.evaluate(() => window.tracker.track('big-at-leave', { blob: 'y'.repeat(400 * 1024) }));
  await page.goto('/big-next.html');
  const [leave] = await collector.waitFor('big-at-leave');
  expect((leave.properties as { blob: string }).blob.length).toBe(400 * 1024);
  await collector.waitFor('next-page-view');
  expect((await collector.copies('400 KB events')).extra).toBe(0);
});

test('unknown and unsupported keys of options.tracker: one console warning names them all; tracking goes on', async ({ page, collector, logs }) => {
  await servePage(page, '**/keys.html', optionsPage(tracker(`, sesion: {id: 'x'},
    context: {cookies: true, performance: false, screeen: false}, settings: {flushEvery: 1}`),
  `window.tracker.track('keys-page-view', {});`));
  await page.goto('/keys.html');
  await collector.waitFor('keys-page-view');
  const warns = logs.tracker('warning').filter((t) => /options\.tracker has keys/.test(t));
  expect(warns).toHaveLength(1);
  for (const k of ['options.tracker.sesion', 'options.tracker.context.cookies (not supported',
    'options.tracker.context.screeen', 'options.tracker.settings.flushEvery']) expect(warns[0]).toContain(k);
  expect(warns[0]).not.toContain('performance');
});

test('context parts: Tracardi loader\'s gpu as context.device, location from the page, external, per-event ga and performance', async ({ page, collector }) => {
  const bodies = trackBodies(page);
  let externalCalls = 0;
  await page.route('**/segment.json', (r) => { externalCalls++; return r.fulfill({ json: { tier: 'gold' } }); });
  const gpu = { vendor: { id: 37445, name: 'Test Vendor' }, renderer: { id: 37446, renderer: 'Test GPU' } };
  await servePage(page, '**/ctx.html*', optionsPage(`(function () {
      var o = ${tracker(`, context: {performance: true, location: function () { return {city: 'Oslo'}; }},
        external: [{url: '/segment.json', method: 'GET', storage: 'seg-cache', key: 'segment'}]`)};
      o.context = {gpu: ${JSON.stringify(gpu)}};  // what Tracardi's own loader sets
      return o; })()`, `
    document.cookie = '_ga=GA1.1.42; path=/';
    window.tracker.track('ctx-page-view', {});
    window.addEventListener('load', function () {
      setTimeout(function () { window.tracker.track('ctx-after-load', {}, {fire: true}); }, 300);
    });`));
  await page.goto('/ctx.html');
  const [after] = await collector.waitFor('ctx-after-load');
  await collector.waitFor('ctx-page-view');
  expect(after.context.ga).toBe('GA1.1.42');
  const perf = after.context.performance as Record<string, number>;
  expect(perf.loadEventEnd).toBeGreaterThan(0);  // refreshed at load: complete timings
  const last = bodies[bodies.length - 1];
  expect(last.context.device).toEqual({ gpu });
  expect(last.context.location).toEqual({ city: 'Oslo' });
  expect(last.context.segment).toEqual({ tier: 'gold' });
  expect(await page.evaluate(() => localStorage.getItem('seg-cache'))).toBe('{"tier":"gold"}');
  // A later page uses the cached external answer: no second call.
  await page.goto('/ctx.html?again=1');
  await collector.waitFor('ctx-after-load', 2);
  expect(externalCalls).toBe(1);
  expect(bodies[bodies.length - 1].context.segment).toEqual({ tier: 'gold' });
});

test('context.device.gpu: our tracker probes WebGL once per browser (idle), caches it, later bodies carry it; location: true never calls a geo service', async ({ page, collector, logs }) => {
  const bodies = trackBodies(page);
  const thirdParty: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(API)) thirdParty.push(r.url()); });
  await servePage(page, '**/gpu.html*', optionsPage(tracker(`, context: {location: true}`),
    `window.tracker.track('gpu-page-view', {});`));
  await page.goto('/gpu.html');
  await collector.waitFor('gpu-page-view');
  await expect.poll(() => page.evaluate(() => localStorage.getItem('wasm-tracker:gpu'))).not.toBeNull();
  const cached = JSON.parse((await page.evaluate(() => localStorage.getItem('wasm-tracker:gpu')))!);
  await page.evaluate(() => window.tracker.track('gpu-fire', {}, { fire: true }));
  await collector.waitFor('gpu-fire');
  const last = bodies[bodies.length - 1];
  if (cached === 'none') {
    expect(last.context.device).toBeUndefined();  // this Chromium has no WebGL
  } else {
    expect(cached.renderer.id).toBe(37446);
    expect(last.context.device).toEqual({ gpu: cached });
  }
  expect(logs.tracker('warning').filter((t) => /never calls a geolocation service/.test(t))).toHaveLength(1);
  expect(thirdParty.filter((u) => /geolocation/.test(u))).toEqual([]);
  expect(last.context.location).toBeUndefined();
});

test('__tr_pid on the first answer, __tr_id on later pages (localStorage and cookie), as Tracardi\'s tracker', async ({ page, collector }) => {
  await servePage(page, '**/trkeys.html*', optionsPage(tracker(), `window.tracker.track('trkeys-view', {});`));
  await page.goto('/trkeys.html');
  const [first] = await collector.waitFor('trkeys-view');
  await expect.poll(() => page.evaluate(() => localStorage.getItem('__tr_pid'))).toBe(JSON.stringify(first.profile));
  expect(await page.evaluate(() => document.cookie)).toContain(`__tr_pid=${first.profile}`);
  expect(await page.evaluate(() => localStorage.getItem('__tr_id'))).toBeNull();
  await page.goto('/trkeys.html?2');
  await collector.waitFor('trkeys-view', 2);
  await expect.poll(() => page.evaluate(() => localStorage.getItem('__tr_id'))).toBe(JSON.stringify(first.profile));
  expect(await page.evaluate(() => document.cookie)).toContain(`__tr_id=${first.profile}`);
});

test('listeners.onCookiesDisabled is called (not onInit) when cookies are off; events still arrive', async ({ page, collector }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'cookieEnabled', { get: () => false }));
  await servePage(page, '**/nocookies.html', optionsPage(`(function () { var o = ${tracker()};
    o.listeners = {onCookiesDisabled: function (p) { window.__calls.push('disabled:' + typeof p.helpers.track); },
      onInit: function () { window.__calls.push('init'); }}; return o; })()`,
  `window.__calls = []; window.tracker.track('nocookie-view', {});`));
  await page.goto('/nocookies.html');
  await collector.waitFor('nocookie-view');
  await expect.poll(() => page.evaluate(() => (window as any).__calls)).toEqual(['disabled:function']);
});

test('auto.triggers: onVisible once per element, onTextSelect and onMouseOver with the selected text, each sent at once', async ({ page, collector }) => {
  await servePage(page, '**/triggers.html', optionsPage(tracker(`, auto: {triggers: [
      {tag: 'product', trigger: 'onVisible', data: {event: 'product-viewed', properties: {sku: 'A1'}}},
      {tag: 'title', trigger: 'onTextSelect', data: {event: 'text-selected', properties: {where: 'title'}}},
      {tag: 'promo', trigger: 'onMouseOver', data: {event: 'promo-hovered'}}]}`),
  `window.tracker.track('triggers-view', {});`,
  `<h1 data-tracardi-tag="title">Sun glasses</h1><p data-tracardi-tag="promo">Promo text</p>
   <div style="height: 3000px">spacer</div><div data-tracardi-tag="product" style="height: 200px">product</div>`));
  await page.goto('/triggers.html');
  await collector.waitFor('triggers-view');
  await page.waitForTimeout(300);
  expect(await collector.ofType('product-viewed')).toHaveLength(0);  // below the fold
  await page.locator('[data-tracardi-tag=product]').scrollIntoViewIfNeeded();
  await collector.waitFor('product-viewed');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('[data-tracardi-tag=product]').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const [viewed] = await collector.ofType('product-viewed');
  expect(viewed.properties).toEqual({ sku: 'A1' });
  await page.evaluate(() => window.scrollTo(0, 0));
  // Select the title's text with the mouse: the mouseup lands on the element.
  const box = (await page.locator('h1').boundingBox())!;
  await page.mouse.move(box.x + 1, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const [selected] = await collector.waitFor('text-selected');
  expect(selected.properties).toEqual({ where: 'title', text: 'Sun glasses' });
  await page.locator('[data-tracardi-tag=promo]').hover();
  const [hovered] = await collector.waitFor('promo-hovered');
  expect(hovered.properties).toEqual({ text: 'Sun glasses' });
  expect(await collector.ofType('product-viewed')).toHaveLength(1);
  // Each trigger event went alone, at once (fire).
  for (const e of [viewed, selected, hovered]) expect((await collector.requestsWith(e.id))[0].event_ids).toEqual([e.id]);
});

test('UX widgets from a source: allow-listed, scripts only from the API origin, never base/on*/javascript:, once per page, inline script only with the nonce', async ({ page, collector, logs, request }) => {
  const evil: string[] = [];
  await page.route('**/uix/widget.js', (r) => r.fulfill({ contentType: 'text/javascript',
    body: 'window.__widgetRuns = (window.__widgetRuns || 0) + 1;' }));
  await page.route('http://evil.example/**', (r) => { evil.push(r.request().url()); return r.fulfill({ body: '' }); });
  const set = async (ux: unknown[]) => expect((await request.post(`${API}/__admin/ux`,
    { data: { source: 'demo-source', ux }, headers: ADMIN_HEADERS })).status()).toBe(200);
  await set([
    { tag: 'div', props: { class: 'tracardi-uix-snackbar', id: 'w-div', onclick: 'window.__clicked = 1' }, content: '<b>Hi</b>' },
    { tag: 'script', props: { src: `${API}/uix/widget.js` } },
    { tag: 'script', props: { src: 'http://evil.example/uix/x.js' } },
    { tag: 'script', props: {}, content: 'window.__inline = 1' },
    { tag: 'base', props: { href: 'http://evil.example/' } },
    { tag: 'a', props: { id: 'w-a', href: 'javascript:window.__clicked = 2' }, content: 'link' },
  ]);
  await servePage(page, '**/ux.html', optionsPage(tracker(), `window.tracker.track('ux-view', {});`));
  await page.goto('/ux.html');
  await collector.waitFor('ux-view');
  await expect.poll(() => page.evaluate(() => (window as any).__widgetRuns)).toBe(1);
  // A second answer carries the same widgets: nothing is injected twice.
  await page.evaluate(() => window.tracker.track('ux-fire', {}, { fire: true }));
  await collector.waitFor('ux-fire');
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as any).__widgetRuns)).toBe(1);
  expect(await page.locator('#w-div').count()).toBe(1);
  expect(await page.locator('#w-div').innerHTML()).toBe('&lt;b&gt;Hi&lt;/b&gt;');
  expect(await page.locator('#w-div').getAttribute('onclick')).toBeNull();
  expect(await page.locator('#w-a').getAttribute('href')).toBeNull();
  expect(await page.locator('base').count()).toBe(0);
  expect(await page.evaluate(() => (window as any).__inline)).toBeUndefined();
  expect(evil).toEqual([]);
  expect(logs.tracker('warning').filter((t) => /"Javascript tag" widget/.test(t))).toHaveLength(1);

  // The site opts in with its CSP nonce: Tracardi's "Javascript tag" widget runs, once.
  await servePage(page, '**/ux-nonce.html', `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-n0nce' 'wasm-unsafe-eval'">
<script nonce="n0nce">var options = ${tracker(`, settings: {uxNonce: 'n0nce'}`)};</script>
<script nonce="n0nce" src="/tracker/loader.min.js"></script>
<script nonce="n0nce">window.tracker.track('ux-nonce-view', {});</script></head><body>x</body></html>`);
  await page.goto('/ux-nonce.html');
  await collector.waitFor('ux-nonce-view');
  await expect.poll(() => page.evaluate(() => (window as any).__inline)).toBe(1);
});

// settings.trackExternalLinks (Tracardi 0.8.1+): a click on a listed domain's link passes the
// profile (__tr_pid) to the landing site. Issue 22 (review): the rewritten href stayed on the page,
// so a link copied or shared after the click carried this visitor's profile id. The opened page
// gets the ids; the page's link is as it was written once the click has taken it.
test('trackExternalLinks: the opened page gets __tr_pid, the link keeps its original href', async ({ page, context, collector }) => {
  const partner = `http://localhost:${new URL(API).port}/style.css?x=1`;
  await servePage(page, '**/external-links.html', optionsPage(tracker(`, settings: {trackExternalLinks: ['localhost']}`),
    `window.tracker.track('links-view', {});`, `<a id="partner" target="_blank" href="${partner}">partner</a>`));
  await page.goto('/external-links.html');
  const [ev] = await collector.waitFor('links-view');
  // The profile is known once the first answer came (the link gets nothing before).
  await expect.poll(() => page.evaluate(() => localStorage.getItem('__tr_pid'))).toBe(JSON.stringify(ev.profile));
  // The decoration is wired once the extras chunk arrived, which under load can be after that
  // answer (CI, session 18: the click came first). A probe link's click, its navigation
  // prevented, tells: it is decorated only once the listener is there.
  await expect.poll(() => page.evaluate(() => {
    const a = document.createElement('a');
    a.href = 'http://localhost/probe';
    document.body.appendChild(a);
    let seen = '';
    a.addEventListener('click', (e) => { seen = a.href; e.preventDefault(); });
    a.click();
    a.remove();
    return seen.includes('__tr_pid=');
  })).toBe(true);
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#partner')]);
  await popup.waitForLoadState('commit');
  const opened = new URL(popup.url());
  expect(opened.searchParams.get('__tr_pid')).toBe(ev.profile);
  expect(opened.searchParams.get('__tr_src')).toBe('demo-source');
  expect(opened.searchParams.get('x')).toBe('1');
  await expect.poll(() => page.getAttribute('#partner', 'href')).toBe(partner);
});
